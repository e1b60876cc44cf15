"""Scores stored at resolution (tracker/scores.py), filled from the forecasts and predictions stored."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tracker import scores


def fill(apps, schema_editor):
    scores.rescore(apps=apps)
    scores.rescore_groups(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_api_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("speakers", "Speakers"),
                            ("sources", "Sources"),
                            ("theses", "Theses"),
                            ("companies", "Companies"),
                            ("tags", "Tags"),
                        ],
                        max_length=20,
                    ),
                ),
                ("group_id", models.PositiveBigIntegerField()),
                ("resolved", models.PositiveIntegerField()),
                ("correct", models.PositiveIntegerField()),
                ("stated_count", models.PositiveIntegerField(null=True)),
                ("stated_brier", models.FloatField(null=True)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("kind", "group_id"), name="group_score_unique")],
            },
        ),
        migrations.CreateModel(
            name="CommunityScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("live_only", models.BooleanField()),
                ("outcome", models.PositiveSmallIntegerField()),
                ("resolved_on", models.DateField()),
                ("forecasters", models.PositiveIntegerField()),
                ("median", models.FloatField(null=True)),
                ("median_brier", models.FloatField(null=True)),
                ("sum_brier", models.FloatField()),
                (
                    "prediction",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tracker.prediction"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["live_only", "resolved_on", "outcome", "forecasters", "sum_brier"],
                        name="community_score_day_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("prediction", "live_only"), name="community_score_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="Score",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("live_only", models.BooleanField()),
                ("probability", models.FloatField()),
                ("imported", models.BooleanField()),
                ("outcome", models.PositiveSmallIntegerField()),
                ("resolved_on", models.DateField()),
                ("bin", models.PositiveSmallIntegerField()),
                ("brier", models.FloatField()),
                ("log_score", models.FloatField()),
                ("median_brier", models.FloatField()),
                ("time_brier", models.FloatField()),
                (
                    "forecast",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tracker.forecast"
                    ),
                ),
                (
                    "prediction",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tracker.prediction"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=[
                            "live_only",
                            "user",
                            "bin",
                            "probability",
                            "outcome",
                            "brier",
                            "log_score",
                            "median_brier",
                            "time_brier",
                            "imported",
                        ],
                        name="score_board_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("prediction", "user", "live_only"), name="score_unique")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
