"""Scores stored at resolution: written in the same transaction as every write that changes what counts, equal to
the scoreboard computed from the forecasts after any sequence of writes, and rebuilt by `manage.py rescore`."""

import contextlib
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.boards import assert_same_figures
from tests.factories import make_person, make_prediction
from tracker import services
from tracker.bundle import BundleError, export_bundle, import_bundle
from tracker.cache import FORECASTS_KEY, GENERATION_KEY
from tracker.models import CommunityScore, Forecast, GroupScore, Prediction, Score
from tracker.scores import Entered, delete_forecasters, rescore_everything, time_averaged_brier
from tracker.scoring import compute_scoreboard, scoreboard_from_forecasts

pytestmark = pytest.mark.django_db

Status = Prediction.Status
User = get_user_model()


def stored_rows() -> set[tuple]:
    """Every stored score, without its id: what a rebuild must give back."""
    return (set(Score.objects.values_list("prediction", "user", "live_only", "forecast", "probability", "brier",
                                          "log_score", "median_brier", "time_brier", "imported"))
            | set(CommunityScore.objects.values_list("prediction", "live_only", "forecasters", "median",
                                                     "median_brier", "sum_brier"))
            | set(GroupScore.objects.values_list("kind", "group_id", "resolved", "correct", "stated_count",
                                                 "stated_brier")))


def forecasters(board) -> dict[str, dict]:
    return {row["username"]: row for row in board["forecasters"]}


# --- the time-averaged Brier, by hand ---------------------------------------------------------------------

def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_the_time_averaged_brier_weighs_each_forecast_by_how_long_it_stood():
    alice = User.objects.create(username="alice")
    p = make_prediction(made_on=date(2026, 1, 1))
    # 0.2 for 6 days, then 0.8 for the last 2 (from 1 March to 9 March 00:00, resolved on 9 March as true).
    Forecast.objects.create(user=alice, prediction=p, probability=0.2, made_at=at(1))
    Forecast.objects.create(user=alice, prediction=p, probability=0.8, made_at=at(7))
    Forecast.objects.create(user=alice, prediction=p, probability=0.01, made_at=at(9))  # at resolution: too late
    services.resolve(p, status=Status.TRUE, expected_version=p.version, resolved_on=date(2026, 3, 9))
    row = forecasters(compute_scoreboard())["alice"]
    assert row["brier"] == pytest.approx(0.04)  # the last forecast before resolution: (0.8 - 1)^2
    assert row["time_brier"] == pytest.approx((0.64 * 6 + 0.04 * 2) / 8)


def test_a_single_forecast_has_the_same_time_averaged_and_final_brier():
    alice = User.objects.create(username="alice")
    p = make_prediction(made_on=date(2026, 1, 1))
    Forecast.objects.create(user=alice, prediction=p, probability=0.3, made_at=at(2, 15))
    services.resolve(p, status=Status.FALSE, expected_version=p.version, resolved_on=date(2026, 3, 9))
    row = forecasters(compute_scoreboard())["alice"]
    assert row["time_brier"] == pytest.approx(row["brier"]) == pytest.approx(0.09)


def test_the_time_averaged_brier_of_a_sequence_is_a_weighted_mean():
    made = [Entered(1, 1, at(1), 0.5, False), Entered(2, 1, at(2), 0.9, False), Entered(3, 1, at(4), 0.1, False)]
    # 0.5 for 1 day, 0.9 for 2, 0.1 for 1 (until 5 March), outcome 0.
    assert time_averaged_brier(made, 0, at(5)) == pytest.approx((0.25 * 1 + 0.81 * 2 + 0.01 * 1) / 4)


def test_the_page_shows_the_time_averaged_brier_and_explains_it(member_client, member):
    p = make_prediction(made_on=date(2026, 1, 1))
    Forecast.objects.create(user=member, prediction=p, probability=0.2, made_at=at(1))
    Forecast.objects.create(user=member, prediction=p, probability=0.8, made_at=at(7))
    services.resolve(p, status=Status.TRUE, expected_version=p.version, resolved_on=date(2026, 3, 9))
    page = member_client.get("/scoreboard/").content.decode()
    assert "Time-averaged Brier</a>" in page
    assert f">{(0.64 * 6 + 0.04 * 2) / 8:.3f}<" in page and ">0.040<" in page
    assert "counts for as long as it stood" in page
    download = json.loads(member_client.get("/scoreboard/download/?format=json").content)
    assert download["forecasters"][0]["time_brier"] == pytest.approx(0.49)


# --- when scores are stored ------------------------------------------------------------------------------

def test_a_resolution_stores_the_scores_in_its_own_transaction():
    ana, ben = User.objects.create(username="ana"), User.objects.create(username="ben")
    p = make_prediction(made_on=date(2026, 1, 1))
    Forecast.objects.create(user=ana, prediction=p, probability=0.9, made_at=at(1))
    Forecast.objects.create(user=ben, prediction=p, probability=0.4, made_at=at(1))
    with transaction.atomic():
        services.resolve(p, status=Status.TRUE, expected_version=p.version, resolved_on=date(2026, 3, 9))
        assert Score.objects.filter(prediction=p, live_only=False).count() == 2
        transaction.set_rollback(True)
    assert not Score.objects.exists() and not CommunityScore.objects.exists()

    p.refresh_from_db()
    services.resolve(p, status=Status.TRUE, expected_version=p.version, resolved_on=date(2026, 3, 9))
    community = CommunityScore.objects.get(prediction=p, live_only=False)
    assert (community.forecasters, community.median) == (2, pytest.approx(0.65))
    assert community.median_brier == pytest.approx(0.35 ** 2)
    ana_score = Score.objects.get(prediction=p, user=ana, live_only=False)
    assert (ana_score.brier, ana_score.median_brier) == (pytest.approx(0.01), pytest.approx(0.1225))

    p = Prediction.objects.get(pk=p.pk)
    p = services.undo(p, expected_version=p.version)
    assert not Score.objects.filter(prediction=p).exists()
    assert not CommunityScore.objects.filter(prediction=p).exists()


def test_a_forecast_on_an_open_prediction_keeps_the_cached_scoreboard(member_client, member,
                                                                    django_capture_on_commit_callbacks,
                                                                    django_assert_max_num_queries):
    p = make_prediction()
    member_client.get("/scoreboard/download/?format=json")  # computed and cached
    generation = cache.get(GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_forecast(p, member, 0.7)
    assert cache.get(GENERATION_KEY) == generation  # the figures stay valid...
    assert cache.get(FORECASTS_KEY) is not None  # ...while pages showing forecasts are refreshed
    with django_assert_max_num_queries(4):  # session, user, one cache read, the user's calibration
        member_client.get("/scoreboard/download/?format=json")


def test_a_forecast_shows_at_once_on_the_scoreboard_pages_due_predictions(client, member,
                                                                          django_capture_on_commit_callbacks):
    p = make_prediction(statement="Acme ships.", resolve_by=date(2026, 2, 1))  # overdue: on the scoreboard
    client.force_login(member)
    client.get("/")
    assert "data-my-forecast>70%<" not in client.get("/scoreboard/").content.decode()  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        services.record_forecast(p, member, 0.7)
    assert "data-my-forecast>70%<" in client.get("/scoreboard/").content.decode()


def test_deleting_a_forecaster_moves_the_community_median_of_what_they_forecast():
    ana, ben, cy = (User.objects.create(username=name) for name in ("ana", "ben", "cy"))
    p = make_prediction(made_on=date(2026, 1, 1))
    for user, probability in ((ana, 0.9), (ben, 0.1), (cy, 0.2)):
        Forecast.objects.create(user=user, prediction=p, probability=probability, made_at=at(1))
    services.resolve(p, status=Status.TRUE, expected_version=p.version, resolved_on=date(2026, 3, 9))
    assert CommunityScore.objects.get(prediction=p, live_only=False).median == pytest.approx(0.2)
    assert delete_forecasters(User.objects.filter(username="cy")) == 1
    assert CommunityScore.objects.get(prediction=p, live_only=False).median == pytest.approx(0.5)
    assert_same_figures(compute_scoreboard(), scoreboard_from_forecasts())


def test_deleting_a_user_in_the_admin_rescores_what_they_forecast(client):
    admin = User.objects.create_superuser("root", password="pw-for-tests-1")
    ana, ben = User.objects.create(username="ana"), User.objects.create(username="ben")
    p = make_prediction(made_on=date(2026, 1, 1))
    Forecast.objects.create(user=ana, prediction=p, probability=0.9, made_at=at(1))
    Forecast.objects.create(user=ben, prediction=p, probability=0.3, made_at=at(1))
    services.resolve(p, status=Status.TRUE, expected_version=p.version, resolved_on=date(2026, 3, 9))
    client.force_login(admin)
    response = client.post(f"/admin/auth/user/{ben.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert CommunityScore.objects.get(prediction=p, live_only=False).median == pytest.approx(0.9)
    assert_same_figures(compute_scoreboard(), scoreboard_from_forecasts())


def test_moving_a_scored_prediction_to_another_speaker_moves_its_accuracy(editor_client):
    old, new = make_person(key="old", name="Old"), make_person(key="new", name="New")
    p = make_prediction(speaker=old)
    services.resolve(p, status=Status.TRUE, expected_version=p.version, resolved_on=date(2026, 3, 9))
    p.refresh_from_db()
    form = {"statement": p.statement, "speaker": new.pk, "made_on": p.made_on.isoformat(),
            "resolve_by": p.resolve_by.isoformat(), "key": p.key, "version": p.version, "criteria": ""}
    response = editor_client.post(f"/predictions/{p.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    speakers = {row["key"]: row["resolved"] for row in compute_scoreboard()["speakers"]}
    assert speakers == {"new": 1}
    assert_same_figures(compute_scoreboard(), scoreboard_from_forecasts())


def test_rescore_rebuilds_what_was_written_around_the_app_and_changes_nothing_the_second_time():
    ana = User.objects.create(username="ana")
    p = make_prediction(made_on=date(2026, 1, 1), speaker=make_person(), tags=["ai"])
    Forecast.objects.create(user=ana, prediction=p, probability=0.6, made_at=at(1))
    Prediction.objects.filter(pk=p.pk).update(status=Status.TRUE, resolved_on=date(2026, 3, 9))  # a shell
    assert compute_scoreboard()["forecasters"] == []
    out = io.StringIO()
    call_command("rescore", stdout=out)
    assert "Stored 2 forecaster scores, 2 prediction scores and 2 group rows" in out.getvalue()
    first = stored_rows()
    assert_same_figures(compute_scoreboard(), scoreboard_from_forecasts())
    call_command("rescore", stdout=io.StringIO())
    assert stored_rows() == first


# --- any sequence of writes ----------------------------------------------------------------------------------

USERS, PREDICTIONS, TAGS = 3, 3, ["ai", "chips", "ipo"]
probabilities = st.sampled_from([0.1, 0.25, 0.5, 0.6, 0.9, 0.99])
steps = st.one_of(
    st.tuples(st.just("forecast"), st.integers(0, USERS - 1), st.integers(0, PREDICTIONS - 1), probabilities),
    st.tuples(st.just("resolve"), st.integers(0, PREDICTIONS - 1), st.sampled_from(["true", "false", "ambiguous"]),
              st.integers(-2, 2)),
    st.tuples(st.just("undo"), st.integers(0, PREDICTIONS - 1)),
    st.tuples(st.just("import"), st.integers(0, USERS - 1), st.integers(0, PREDICTIONS - 1), probabilities,
              st.integers(-4 * 24, 2 * 24)),
    st.tuples(st.just("retag"), st.integers(0, PREDICTIONS - 1), st.sampled_from(TAGS)),
    st.tuples(st.just("delete"), st.integers(0, USERS - 1)),
)


def apply(step, predictions, today: date) -> None:
    kind, *args = step
    if kind == "forecast":
        u, j, probability = args
        user, _ = User.objects.get_or_create(username=f"user-{u}")
        with contextlib.suppress(services.Conflict):  # refused on a resolved prediction
            services.record_forecast(predictions[j], user, probability)
    elif kind == "resolve":  # a resolution, or a re-resolution; on a later day, forecasts made now count
        j, status, days = args
        p = Prediction.objects.get(pk=predictions[j].pk)
        services.resolve(p, status=status, expected_version=p.version, resolved_on=today + timedelta(days=days))
    elif kind == "undo":
        p = Prediction.objects.get(pk=predictions[args[0]].pk)
        if not p.is_open:
            services.undo(p, expected_version=p.version)
    elif kind == "import":  # forecasts at moments around the resolutions, imported (so not live)
        u, j, probability, hours = args
        made_at = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=hours, minutes=7)
        bundle = {"format": "thesis-tracker/1", "forecasts": [
            {"user": f"user-{u}", "prediction": predictions[j].key, "probability": probability,
             "made_at": made_at.isoformat()}]}
        with contextlib.suppress(BundleError):  # a different forecast at the same moment: refused, nothing written
            import_bundle(json.dumps(bundle))
    elif kind == "retag":  # an import that moves a prediction into another tag
        j, tag = args
        [record] = [p for p in json.loads(export_bundle())["predictions"] if p["key"] == predictions[j].key]
        with contextlib.suppress(BundleError):  # refused when resolved on a future day (see "resolve")
            import_bundle(json.dumps({"format": "thesis-tracker/1", "predictions": [{**record, "tags": [tag]}]}))
    else:
        delete_forecasters(User.objects.filter(username=f"user-{args[0]}"))


def time_averaged_reference() -> dict[str, float]:
    """Each user's time-averaged Brier from the raw forecasts, with plain loops."""
    per_user: dict[str, list[float]] = {}
    for p in Prediction.objects.scored():
        moment = datetime.combine(p.resolved_on, datetime.min.time(), UTC)
        o = 1 if p.status == Status.TRUE else 0
        by_user: dict[str, list[Forecast]] = {}
        for f in Forecast.objects.filter(prediction=p, made_at__lt=moment).select_related("user").order_by("made_at"):
            by_user.setdefault(f.user.username, []).append(f)
        for name, made in by_user.items():
            ends = [f.made_at for f in made[1:]] + [moment]
            weighted = sum((f.probability - o) ** 2 * (end - f.made_at).total_seconds()
                           for f, end in zip(made, ends, strict=True))
            per_user.setdefault(name, []).append(weighted / (moment - made[0].made_at).total_seconds())
    return {name: sum(values) / len(values) for name, values in per_user.items()}


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(steps, min_size=1, max_size=10))
def test_stored_scores_equal_the_scores_computed_from_the_forecasts_after_any_sequence_of_writes(sequence):
    today = timezone.localdate()
    with transaction.atomic():
        speakers = [make_person(), make_person()]
        predictions = [make_prediction(made_on=today - timedelta(days=30), speaker=speakers[j % 2],
                                       tags=[TAGS[j]]) for j in range(PREDICTIONS)]
        first = User.objects.create(username="user-0")
        for step in sequence:
            apply(step, predictions, today)
            for live_only in (False, True):
                assert_same_figures(compute_scoreboard(user=first, live_only=live_only),
                                    scoreboard_from_forecasts(user=first, live_only=live_only))
        board = compute_scoreboard()
        reference = time_averaged_reference()
        assert {name: row["time_brier"] for name, row in forecasters(board).items()} == pytest.approx(reference)
        rows = stored_rows()
        rescore_everything()
        assert stored_rows() == rows  # the app kept them exactly as a rebuild gives them
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_resolutions_racing_on_predictions_of_the_same_groups_all_count():
    from tests.test_concurrency import race

    editors = [User.objects.create(username=f"racer-{i}") for i in range(4)]
    speaker = make_person()
    predictions = [make_prediction(speaker=speaker, tags=["shared"]) for _ in editors]

    def resolve(i):
        p = predictions[i]
        services.resolve(p, status=Status.TRUE if i % 2 else Status.FALSE, expected_version=p.version,
                         actor=editors[i], resolved_on=date(2026, 3, 9))
        return "ok"

    assert race(resolve, n=len(editors)) == ["ok"] * len(editors)  # none collided on a stored group row
    board = compute_scoreboard()
    assert [(row["resolved"], row["correct"]) for row in board["speakers"]] == [(4, 2)]
    assert [(row["resolved"], row["correct"]) for row in board["tags"]] == [(4, 2)]
    assert_same_figures(board, scoreboard_from_forecasts())
