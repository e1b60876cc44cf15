"""generate_demo: deterministic synthetic data of the requested size, and a refusal to mix it into real data."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from tests.factories import make_prediction
from tracker.bundle import export_bundle
from tracker.models import Forecast, Prediction, Signal, Tag, Thesis
from tracker.scoring import compute_scoreboard

pytestmark = pytest.mark.django_db

SMALL = ["--predictions", "200", "--users", "5", "--forecasts", "1000"]
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_demo", *args, stdout=out)
    return out.getvalue()


def export_of_fresh_run(*args) -> str:
    with transaction.atomic():
        generate(*args)
        text = export_bundle()
        transaction.set_rollback(True)
    return text


def test_the_same_seed_gives_the_same_data():
    first = export_of_fresh_run(*SMALL, "--seed", "7")
    assert Prediction.objects.count() == 0
    assert export_of_fresh_run(*SMALL, "--seed", "7") == first


def test_another_seed_gives_other_data():
    assert export_of_fresh_run(*SMALL, "--seed", "1") != export_of_fresh_run(*SMALL, "--seed", "2")


def test_it_creates_what_was_asked_and_says_so():
    summary = generate(*SMALL)
    assert Prediction.objects.count() == 200
    assert Forecast.objects.count() == 1000
    assert get_user_model().objects.filter(username__startswith="forecaster-").count() == 5
    assert summary.startswith("Created 200 predictions (") and "1000 forecasts by 5 users" in summary
    assert summary.count("\n") == 1


def test_the_data_looks_like_a_real_tracker():
    generate(*SMALL)
    statuses = Prediction.objects.totals()
    assert 0.5 <= (statuses["predictions"] - statuses["open"]) / statuses["predictions"] <= 0.7
    assert statuses["true"] > statuses["ambiguous"] > 0 and statuses["false"] > statuses["ambiguous"]
    assert Prediction.objects.due().exists()
    assert Prediction.objects.filter(stated_probability__isnull=False).exists()
    assert Prediction.objects.filter(speaker__isnull=False).values("speaker").distinct().count() >= 3
    assert Thesis.objects.filter(predictions__isnull=False).exists() and Tag.objects.exists()
    assert Signal.objects.filter(theses__isnull=False).exists()
    keys = [*Prediction.objects.values_list("key", flat=True), *Thesis.objects.values_list("key", flat=True)]
    assert all(SLUG.match(key) for key in keys)


def test_some_forecasts_come_after_the_resolution_and_do_not_count():
    generate(*SMALL)
    before, after = set(), 0
    for f in Forecast.objects.filter(prediction__status__in=["true", "false"]).select_related("prediction"):
        if f.made_at.date() < f.prediction.resolved_on:
            before.add((f.user_id, f.prediction_id))
        else:
            after += 1
    assert after > 0
    assert sum(row["scored"] for row in compute_scoreboard()["forecasters"]) == len(before)


def test_users_are_members_who_cannot_log_in():
    generate(*SMALL)
    for user in get_user_model().objects.filter(username__startswith="forecaster-"):
        assert not user.has_usable_password()
        assert list(user.groups.values_list("name", flat=True)) == ["members"]


def test_skilled_forecasters_beat_noisy_ones():
    generate("--predictions", "400", "--users", "4", "--forecasts", "4000")
    # forecaster-01 is skilled, 02 average, 03 noisy.
    brier = {row["username"]: row["brier"] for row in compute_scoreboard()["forecasters"]}
    assert brier["forecaster-01"] < brier["forecaster-02"] < brier["forecaster-03"]


def test_forecasters_update_their_forecasts():
    generate(*SMALL)
    threads = Forecast.objects.values("user", "prediction").distinct().count()
    assert 1.5 < Forecast.objects.count() / threads < 4


def test_it_refuses_a_database_that_already_has_predictions():
    make_prediction(key="real-one")
    with pytest.raises(CommandError, match="--append"):
        generate(*SMALL)
    assert Prediction.objects.count() == 1


def test_append_adds_seeded_keys_once_per_seed_and_reuses_the_users():
    make_prediction(key="real-one")
    generate(*SMALL, "--append", "--seed", "3")
    assert Prediction.objects.filter(key__startswith="demo-3-").count() == 200
    with pytest.raises(CommandError, match="seed 3"):
        generate(*SMALL, "--append", "--seed", "3")
    generate(*SMALL, "--append", "--seed", "4")
    assert Prediction.objects.count() == 401
    assert get_user_model().objects.filter(username__startswith="forecaster-").count() == 5


@pytest.mark.parametrize("args", [["--predictions", "-1"], ["--predictions", "0", "--forecasts", "10"]])
def test_it_refuses_impossible_sizes(args):
    with pytest.raises(CommandError):
        generate(*args)
