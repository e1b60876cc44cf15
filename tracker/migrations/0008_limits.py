"""Every limit the forms and the bundle share, kept by the database too (tracker/limits.py)."""

import datetime
import importlib

import django.core.validators
import django.db.models.functions.text
import django.db.models.lookups
import tracker.fields
import tracker.limits
from django.conf import settings
from django.db import migrations, models

# The triggers that keep the history append-only (0003); SQLite loses them when a constraint rebuilds the table.
APPEND_ONLY = importlib.import_module("tracker.migrations.0003_history_append_only")


def refuse_rows_past_the_limits(apps, schema_editor):
    """Stop, naming the rows, rather than fail on the first one inside the database or change anyone's words."""
    problems = []
    for operation in ADDED:
        model = apps.get_model("tracker", operation.model_name)
        rows = model._default_manager.exclude(operation.constraint.condition).values_list("pk", flat=True)
        if ids := list(rows[:10]):
            problems.append(f"  {operation.constraint.name}: {model._meta.db_table} id {', '.join(map(str, ids))}")
    if problems:
        raise RuntimeError("These rows hold values past the limits this version adds; nothing was changed. "
                           "Correct them (in the admin, or with the previous version) and migrate again:\n"
                           + "\n".join(problems))


def restore_append_only_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in APPEND_ONLY.SQLITE:
            schema_editor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))


ADDED = [
    migrations.AddConstraint(
        model_name='forecast',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('note'), 2000), name='forecast_note_length'),
    ),
    migrations.AddConstraint(
        model_name='prediction',
        constraint=models.CheckConstraint(condition=models.Q(('resolved_on__isnull', True), ('resolved_on__gte', models.F('made_on')), _connector='OR'), name='prediction_resolved_after_made'),
    ),
    migrations.AddConstraint(
        model_name='prediction',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('statement'), 5000), name='prediction_statement_length'),
    ),
    migrations.AddConstraint(
        model_name='prediction',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('criteria'), 20000), name='prediction_criteria_length'),
    ),
    migrations.AddConstraint(
        model_name='prediction',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('resolution_note'), 20000), name='prediction_resolution_note_length'),
    ),
    migrations.AddConstraint(
        model_name='prediction',
        constraint=models.CheckConstraint(condition=models.Q(('made_on__isnull', True), models.Q(('made_on__gte', datetime.date(1900, 1, 1)), ('made_on__lte', datetime.date(2200, 12, 31))), _connector='OR'), name='prediction_made_on_in_range'),
    ),
    migrations.AddConstraint(
        model_name='prediction',
        constraint=models.CheckConstraint(condition=models.Q(('resolve_by__isnull', True), models.Q(('resolve_by__gte', datetime.date(1900, 1, 1)), ('resolve_by__lte', datetime.date(2200, 12, 31))), _connector='OR'), name='prediction_resolve_by_in_range'),
    ),
    migrations.AddConstraint(
        model_name='prediction',
        constraint=models.CheckConstraint(condition=models.Q(('resolved_on__isnull', True), models.Q(('resolved_on__gte', datetime.date(1900, 1, 1)), ('resolved_on__lte', datetime.date(2200, 12, 31))), _connector='OR'), name='prediction_resolved_on_in_range'),
    ),
    migrations.AddConstraint(
        model_name='quote',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('text'), 20000), name='quote_text_length'),
    ),
    migrations.AddConstraint(
        model_name='quote',
        constraint=models.CheckConstraint(condition=models.Q(('timestamp_seconds__isnull', True), models.Q(('timestamp_seconds__gte', 0), ('timestamp_seconds__lte', 10000000)), _connector='OR'), name='quote_timestamp_in_range'),
    ),
    migrations.AddConstraint(
        model_name='resolutionevent',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('note'), 20000), name='history_note_length'),
    ),
    migrations.AddConstraint(
        model_name='resolutionevent',
        constraint=models.CheckConstraint(condition=models.Q(('resolved_on__isnull', True), models.Q(('resolved_on__gte', datetime.date(1900, 1, 1)), ('resolved_on__lte', datetime.date(2200, 12, 31))), _connector='OR'), name='history_resolved_on_in_range'),
    ),
    migrations.AddConstraint(
        model_name='signal',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('summary'), 20000), name='signal_summary_length'),
    ),
    migrations.AddConstraint(
        model_name='signal',
        constraint=models.CheckConstraint(condition=models.Q(('occurred_on__isnull', True), models.Q(('occurred_on__gte', datetime.date(1900, 1, 1)), ('occurred_on__lte', datetime.date(2200, 12, 31))), _connector='OR'), name='signal_occurred_on_in_range'),
    ),
    migrations.AddConstraint(
        model_name='source',
        constraint=models.CheckConstraint(condition=models.Q(('duration_seconds__isnull', True), models.Q(('duration_seconds__gte', 1), ('duration_seconds__lte', 10000000)), _connector='OR'), name='source_duration_in_range'),
    ),
    migrations.AddConstraint(
        model_name='source',
        constraint=models.CheckConstraint(condition=models.Q(('published_on__isnull', True), models.Q(('published_on__gte', datetime.date(1900, 1, 1)), ('published_on__lte', datetime.date(2200, 12, 31))), _connector='OR'), name='source_published_on_in_range'),
    ),
    migrations.AddConstraint(
        model_name='thesis',
        constraint=models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('rationale'), 20000), name='thesis_rationale_length'),
    ),
    migrations.AddConstraint(
        model_name='thesis',
        constraint=models.CheckConstraint(condition=models.Q(('opened_on__isnull', True), models.Q(('opened_on__gte', datetime.date(1900, 1, 1)), ('opened_on__lte', datetime.date(2200, 12, 31))), _connector='OR'), name='thesis_opened_on_in_range'),
    ),
]


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0007_edit_versions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Validators, max_length on text and the name field's class change no column: kept out of the database, as
    # SQLite would rebuild every table to alter a field.
    operations = [
        migrations.RemoveConstraint(
            model_name='source',
            name='source_duration_positive',
        ),
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='company',
                name='name',
                field=tracker.fields.NameField(max_length=200),
            ),
            migrations.AlterField(
                model_name='forecast',
                name='note',
                field=models.TextField(blank=True, max_length=2000),
            ),
            migrations.AlterField(
                model_name='person',
                name='name',
                field=tracker.fields.NameField(max_length=200),
            ),
            migrations.AlterField(
                model_name='prediction',
                name='criteria',
                field=models.TextField(blank=True, help_text='How to tell whether it came true.', max_length=20000),
            ),
            migrations.AlterField(
                model_name='prediction',
                name='made_on',
                field=models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), 'Enter a date from 1 Jan 1900 on.'), tracker.limits.NotInFuture('A prediction cannot be made on a future date.')]),
            ),
            migrations.AlterField(
                model_name='prediction',
                name='resolution_note',
                field=models.TextField(blank=True, max_length=20000),
            ),
            migrations.AlterField(
                model_name='prediction',
                name='resolve_by',
                field=models.DateField(help_text='When the prediction should be judged.', validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), 'Enter a date from 1 Jan 1900 on.'), django.core.validators.MaxValueValidator(datetime.date(2200, 12, 31), 'Enter a date no later than 31 Dec 2200.')]),
            ),
            migrations.AlterField(
                model_name='prediction',
                name='resolved_on',
                field=models.DateField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), 'Enter a date from 1 Jan 1900 on.'), tracker.limits.NotInFuture('A prediction cannot be resolved on a date in the future.')]),
            ),
            migrations.AlterField(
                model_name='prediction',
                name='stated_probability',
                field=models.FloatField(blank=True, help_text="The speaker's own confidence, between 0 and 1, if they gave one.", null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)]),
            ),
            migrations.AlterField(
                model_name='prediction',
                name='statement',
                field=models.TextField(max_length=5000),
            ),
            migrations.AlterField(
                model_name='quote',
                name='text',
                field=models.TextField(help_text='Verbatim, as said or written.', max_length=20000),
            ),
            migrations.AlterField(
                model_name='quote',
                name='timestamp_seconds',
                field=models.PositiveIntegerField(blank=True, help_text='Where in the recording it is said, in seconds.', null=True, validators=[django.core.validators.MinValueValidator(0, 'Enter a moment of 0:00 or later.'), django.core.validators.MaxValueValidator(10000000, 'Enter at most 2777:46:40 (10,000,000 seconds).')]),
            ),
            migrations.AlterField(
                model_name='resolutionevent',
                name='note',
                field=models.TextField(blank=True, max_length=20000),
            ),
            migrations.AlterField(
                model_name='resolutionevent',
                name='resolved_on',
                field=models.DateField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), 'Enter a date from 1 Jan 1900 on.'), tracker.limits.NotInFuture('A prediction cannot be resolved on a date in the future.')]),
            ),
            migrations.AlterField(
                model_name='signal',
                name='occurred_on',
                field=models.DateField(validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), 'Enter a date from 1 Jan 1900 on.'), tracker.limits.NotInFuture('A signal records something that has happened: it cannot have a future date.')]),
            ),
            migrations.AlterField(
                model_name='signal',
                name='summary',
                field=models.TextField(blank=True, max_length=20000),
            ),
            migrations.AlterField(
                model_name='source',
                name='duration_seconds',
                field=models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1, 'Enter a duration of at least one second, or leave it blank.'), django.core.validators.MaxValueValidator(10000000, 'Enter at most 2777:46:40 (10,000,000 seconds).')]),
            ),
            migrations.AlterField(
                model_name='source',
                name='published_on',
                field=models.DateField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), 'Enter a date from 1 Jan 1900 on.'), tracker.limits.NotInFuture('A source cannot be published on a future date.')]),
            ),
            migrations.AlterField(
                model_name='source',
                name='publisher',
                field=tracker.fields.NameField(blank=True, help_text='Show, site or publication.', max_length=200),
            ),
            migrations.AlterField(
                model_name='source',
                name='title',
                field=tracker.fields.NameField(max_length=300),
            ),
            migrations.AlterField(
                model_name='thesis',
                name='opened_on',
                field=models.DateField(default=datetime.date.today, validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), 'Enter a date from 1 Jan 1900 on.'), tracker.limits.NotInFuture('A thesis cannot be opened on a future date.')]),
            ),
            migrations.AlterField(
                model_name='thesis',
                name='rationale',
                field=models.TextField(blank=True, max_length=20000),
            ),
        ]),
        migrations.RunPython(refuse_rows_past_the_limits, migrations.RunPython.noop),
        *ADDED,
        migrations.RunPython(restore_append_only_triggers, migrations.RunPython.noop),
    ]
