"""Edits of a prediction's question after forecasts exist, recorded append-only: the database refuses UPDATE and
DELETE on them, with the switch of 0003 that lets the test suite empty the table."""

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


SQLITE = [
    # tracker_history_locked() is registered on every connection the app opens (tracker/apps.py).
    """CREATE TRIGGER tracker_prediction_edit_no_update BEFORE UPDATE ON tracker_predictionedit
       WHEN tracker_history_locked() BEGIN SELECT RAISE(ABORT, 'prediction edits are append-only'); END""",
    """CREATE TRIGGER tracker_prediction_edit_no_delete BEFORE DELETE ON tracker_predictionedit
       WHEN tracker_history_locked() BEGIN SELECT RAISE(ABORT, 'prediction edits are append-only'); END""",
]
POSTGRESQL = [
    # The function of 0003: it refuses unless the test suite's tracker.history_unlocked is on.
    """CREATE TRIGGER tracker_prediction_edit_append_only BEFORE UPDATE OR DELETE ON tracker_predictionedit
       FOR EACH ROW EXECUTE FUNCTION tracker_history_append_only()""",
]
DROP = {
    "sqlite": ["DROP TRIGGER tracker_prediction_edit_no_update", "DROP TRIGGER tracker_prediction_edit_no_delete"],
    "postgresql": ["DROP TRIGGER tracker_prediction_edit_append_only ON tracker_predictionedit"],
}


def create_triggers(apps, schema_editor):
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0012_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PredictionEdit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('field', models.CharField(choices=[('statement', 'Statement'), ('criteria', 'Resolution criteria'), ('resolve_by', 'Resolve-by date')], max_length=20)),
                ('before', models.TextField(blank=True, max_length=20000)),
                ('after', models.TextField(blank=True, max_length=20000)),
                ('editor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('prediction', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='edits', to='tracker.prediction')),
            ],
            options={
                'ordering': ['at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('prediction', 'at', 'field'), name='prediction_edit_unique'), models.CheckConstraint(condition=models.Q(('field__in', ['statement', 'criteria', 'resolve_by'])), name='prediction_edit_field_valid'), models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('before'), 20000), name='prediction_edit_before_length'), models.CheckConstraint(condition=django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('after'), 20000), name='prediction_edit_after_length')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
