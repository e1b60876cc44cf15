"""Daily prices per ticker, a benchmark per thesis, and a direction (long or short) per company of a thesis.

The companies of a thesis keep their table: the plain many-to-many becomes the model ThesisCompany over the same
table (state only), and the direction is a new column whose blank default means "as the stance says", so every
existing link stays and reads as it did.
"""

import datetime

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import tracker.limits
import tracker.validators
from tracker.roles import create_roles

TICKER = django.core.validators.RegexValidator(
    "^[A-Z0-9^][A-Z0-9.^=-]*$", "Use capital letters, digits and . - ^ = only, e.g. 'GOOGL' or 'BRK-B'.")


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0015_reminders"),
    ]

    operations = [
        migrations.AddField(
            model_name="thesis",
            name="benchmark",
            field=models.CharField(default="SPY", help_text="The ticker the thesis's return is compared with (its "
                                   "prices must be imported like any other).", max_length=20, validators=[TICKER]),
        ),
        migrations.CreateModel(
            name="Price",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ticker", models.CharField(max_length=20, validators=[TICKER])),
                ("day", models.DateField(validators=[
                    django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), "Enter a date from 1 Jan 1900 on."),
                    tracker.limits.NotInFuture("A price records a day that has happened: not a future date.")])),
                ("close", models.FloatField(validators=[tracker.validators.validate_positive])),
                ("adj_close", models.FloatField(blank=True, null=True, validators=[tracker.validators.validate_positive])),
            ],
            options={
                "ordering": ["ticker", "day"],
                "constraints": [
                    models.UniqueConstraint(fields=("ticker", "day"), name="price_unique_per_day"),
                    models.CheckConstraint(condition=models.Q(("close__gt", 0)), name="price_close_positive"),
                    models.CheckConstraint(condition=models.Q(("adj_close__isnull", True), ("adj_close__gt", 0),
                                                              _connector="OR"), name="price_adj_close_positive"),
                    models.CheckConstraint(condition=models.Q(("day__isnull", True), models.Q(
                        ("day__gte", datetime.date(1900, 1, 1)), ("day__lte", datetime.date(2200, 12, 31))),
                        _connector="OR"), name="price_day_in_range"),
                ],
            },
        ),
        migrations.CreateModel(
            name="PriceSeries",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ticker", models.CharField(max_length=20, unique=True, validators=[TICKER])),
                ("changed_at", models.DateTimeField()),
                ("days", models.PositiveIntegerField()),
                ("first_day", models.DateField()),
                ("last_day", models.DateField()),
            ],
            options={"verbose_name_plural": "price series", "ordering": ["ticker"]},
        ),
        # The auto-created link table already has these columns and this unique pair: only the state changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ThesisCompany",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("company", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                      to="tracker.company")),
                        ("thesis", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                     to="tracker.thesis")),
                    ],
                    options={
                        "verbose_name": "company of a thesis",
                        "verbose_name_plural": "companies of theses",
                        "db_table": "tracker_thesis_companies",
                        "unique_together": {("thesis", "company")},
                    },
                ),
                migrations.AlterField(
                    model_name="thesis",
                    name="companies",
                    field=models.ManyToManyField(blank=True, related_name="theses", through="tracker.ThesisCompany",
                                                 to="tracker.company"),
                ),
            ],
        ),
        migrations.AddField(
            model_name="thesiscompany",
            name="direction",
            field=models.CharField(blank=True, choices=[("long", "Long"), ("short", "Short")], default="",
                                   max_length=5),
        ),
        migrations.AddConstraint(
            model_name="thesiscompany",
            constraint=models.CheckConstraint(condition=models.Q(("direction__in", ["", "long", "short"])),
                                              name="thesis_company_direction_valid"),
        ),
        # Editors import prices; members see them.
        migrations.RunPython(lambda apps, schema_editor: create_roles(apps), migrations.RunPython.noop),
    ]
