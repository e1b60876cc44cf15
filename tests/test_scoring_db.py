"""The scoreboard computed by the database, against small examples worked out by hand."""

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.boards import scored_board
from tests.factories import make_company, make_person, make_prediction, make_signal, make_source, make_thesis
from tracker.models import Forecast, Prediction, Signal
from tracker.scores import rescore_everything
from tracker.scoring import COLUMNS, FIGURES, compute_scoreboard, my_calibration

pytestmark = pytest.mark.django_db

Status = Prediction.Status
MARCH_10 = date(2026, 3, 10)


def user(name: str):
    # No password: hashing one is slow and beside the point here.
    return get_user_model().objects.create(username=name)


def resolved(status=Status.TRUE, on=MARCH_10, **kw) -> Prediction:
    # Made no later than resolved, as the database requires.
    kw.setdefault("made_on", min(on, date(2026, 1, 1)))
    return make_prediction(status=status, resolved_on=on, **kw)


def forecast(who, prediction, probability, at=datetime(2026, 3, 1, 12, tzinfo=UTC)) -> Forecast:
    return Forecast.objects.create(user=who, prediction=prediction, probability=probability, made_at=at)


def forecasters(**kw) -> dict[str, dict]:
    return {row["username"]: row for row in scored_board(**kw)["forecasters"]}


def by_key(rows, key="key") -> dict[str, dict]:
    return {row[key]: row for row in rows}


# --- forecasters -------------------------------------------------------------------------------------------

@pytest.fixture
def three_forecasters():
    """P1 came true, P2 false; alice and bob forecast both, carol only P1."""
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    p1, p2 = resolved(Status.TRUE), resolved(Status.FALSE, on=date(2026, 4, 5))
    forecast(alice, p1, 0.8), forecast(alice, p2, 0.3)
    forecast(bob, p1, 0.6), forecast(bob, p2, 0.4)
    forecast(carol, p1, 0.2)
    return p1, p2


def test_brier_is_the_mean_squared_error_of_the_counted_forecasts(three_forecasters):
    rows = forecasters()
    # alice: ((0.8 - 1)^2 + (0.3 - 0)^2) / 2; bob: (0.16 + 0.16) / 2; carol: (0.2 - 1)^2.
    assert rows["alice"]["brier"] == pytest.approx(0.065)
    assert rows["bob"]["brier"] == pytest.approx(0.16)
    assert rows["carol"]["brier"] == pytest.approx(0.64)
    assert [rows[u]["scored"] for u in ("alice", "bob", "carol")] == [2, 2, 1]


def test_log_score_is_the_mean_natural_log_of_the_probability_given_to_the_outcome(three_forecasters):
    rows = forecasters()
    assert rows["alice"]["log_score"] == pytest.approx((math.log(0.8) + math.log(0.7)) / 2)
    assert rows["carol"]["log_score"] == pytest.approx(math.log(0.2))


def test_relative_brier_subtracts_the_brier_of_the_community_median(three_forecasters):
    rows = forecasters()
    # Medians: P1 of (0.8, 0.6, 0.2) = 0.6; P2 of (0.3, 0.4) = 0.35 (even count: mean of the middle two).
    # Median's Brier on alice's and bob's predictions: ((0.6 - 1)^2 + 0.35^2) / 2 = 0.14125; on carol's: 0.16.
    assert rows["alice"]["relative_brier"] == pytest.approx(0.065 - 0.14125)
    assert rows["bob"]["relative_brier"] == pytest.approx(0.16 - 0.14125)
    assert rows["carol"]["relative_brier"] == pytest.approx(0.64 - 0.16)


def test_forecasters_are_listed_best_brier_first(three_forecasters):
    assert [row["username"] for row in scored_board()["forecasters"]] == ["alice", "bob", "carol"]


@pytest.mark.parametrize(("probabilities", "median"), [
    ([0.2], 0.2),
    ([0.2, 0.6], 0.4),
    ([0.2, 0.6, 0.6], 0.6),
    ([0.3, 0.3, 0.7, 0.9], 0.5),
    ([0.4, 0.4, 0.4, 0.4], 0.4),
    ([0.9, 0.1, 0.5, 0.5, 0.2], 0.5),
    ([0.9, 0.1, 0.8, 0.2, 0.7, 0.3], 0.5),
])
def test_the_community_median_handles_odd_and_even_counts_and_ties(probabilities, median):
    p = resolved(Status.TRUE)
    for i, probability in enumerate(probabilities):
        forecast(user(f"u{i}"), p, probability)
    rows = forecasters()
    assert rows["u0"]["relative_brier"] == pytest.approx((probabilities[0] - 1) ** 2 - (median - 1) ** 2)


def test_a_lone_forecaster_is_exactly_as_good_as_the_crowd():
    p, q = resolved(Status.TRUE), resolved(Status.FALSE)
    solo = user("solo")
    forecast(solo, p, 0.37), forecast(solo, q, 0.91)
    assert forecasters()["solo"]["relative_brier"] == 0.0


def test_only_the_latest_forecast_made_before_the_resolution_day_counts():
    p = resolved(Status.TRUE, on=MARCH_10)
    early, late = user("early"), user("late")
    forecast(early, p, 0.2, at=datetime(2026, 3, 1, tzinfo=UTC))
    forecast(early, p, 0.3, at=datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=UTC))
    forecast(early, p, 0.9, at=datetime(2026, 3, 10, 0, 0, tzinfo=UTC))  # at the moment of resolution
    forecast(early, p, 0.99, at=datetime(2026, 3, 12, tzinfo=UTC))
    forecast(late, p, 0.95, at=datetime(2026, 3, 10, 0, 0, tzinfo=UTC))
    rows = forecasters()
    assert rows["early"]["brier"] == pytest.approx(0.49)  # (0.3 - 1)^2
    assert rows["early"]["scored"] == 1
    assert "late" not in rows  # made no forecast before resolution: not listed


def test_the_resolution_moment_is_midnight_utc_whatever_the_forecasts_time_zone():
    p = resolved(Status.TRUE, on=MARCH_10)
    paris, new_york = timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))
    forecast(user("paris"), p, 0.4, at=datetime(2026, 3, 10, 0, 30, tzinfo=paris))  # 23:30 UTC the day before
    forecast(user("nyc"), p, 0.4, at=datetime(2026, 3, 9, 19, 0, tzinfo=new_york))  # midnight UTC: too late
    assert set(forecasters()) == {"paris"}


def test_ambiguous_and_open_predictions_are_never_scored():
    who = user("who")
    forecast(who, resolved(Status.TRUE), 0.9)
    forecast(who, resolved(Status.AMBIGUOUS), 0.1)
    forecast(who, make_prediction(), 0.1)
    rows = forecasters()
    assert rows["who"]["scored"] == 1
    assert rows["who"]["brier"] == pytest.approx(0.01)


def test_users_with_no_counted_forecast_are_left_out():
    user("idle")
    forecast(user("open-only"), make_prediction(), 0.5)
    board = scored_board()
    assert board["forecasters"] == []
    assert all(row["count"] == 0 for row in board["calibration"])


# --- speakers and groups ---------------------------------------------------------------------------------

def test_speaker_accuracy_counts_true_as_correct_with_a_wilson_interval():
    ana = make_person(key="ana", name="Ana")
    for i in range(10):
        resolved(Status.TRUE if i < 8 else Status.FALSE, speaker=ana)
    resolved(Status.AMBIGUOUS, speaker=ana)
    make_prediction(speaker=ana)
    row = by_key(scored_board()["speakers"])["ana"]
    assert (row["name"], row["resolved"], row["correct"], row["accuracy"]) == ("Ana", 10, 8, 0.8)
    assert (row["accuracy_low"], row["accuracy_high"]) == pytest.approx((0.4902, 0.9433), abs=5e-5)


def test_speaker_stated_brier_covers_only_scored_predictions_with_a_stated_probability():
    ben = make_person(key="ben")
    resolved(Status.TRUE, speaker=ben, stated_probability=0.9)
    resolved(Status.FALSE, speaker=ben, stated_probability=0.4)
    resolved(Status.TRUE, speaker=ben)
    resolved(Status.AMBIGUOUS, speaker=ben, stated_probability=0.99)
    make_prediction(speaker=ben, stated_probability=0.01)
    row = by_key(scored_board()["speakers"])["ben"]
    assert row["stated_count"] == 2
    assert row["stated_brier"] == pytest.approx((0.1 ** 2 + 0.4 ** 2) / 2)


def test_a_speaker_who_never_stated_a_probability_has_no_stated_brier():
    resolved(Status.TRUE, speaker=make_person(key="cy"))
    row = by_key(scored_board()["speakers"])["cy"]
    assert (row["stated_count"], row["stated_brier"]) == (0, None)


def test_groups_list_only_speakers_and_groups_with_a_scored_prediction():
    resolved(Status.AMBIGUOUS, speaker=make_person(key="vague"))
    make_prediction(speaker=make_person(key="waiting"), tags=["open-tag"])
    resolved(Status.TRUE)  # no speaker, source, thesis, company or tag
    board = scored_board()
    assert board["speakers"] == [] and board["sources"] == [] and board["tags"] == []


def test_sources_theses_companies_and_tags_get_accuracy_figures():
    src = make_source(key="ep-1", title="Episode 1")
    thesis = make_thesis(key="gpu-boom", title="GPU boom")
    acme = make_company(key="acme", name="Acme")
    p = resolved(Status.TRUE, source=src, tags=["ai", "chips"])
    q = resolved(Status.FALSE, source=src, tags=["ai"])
    resolved(Status.AMBIGUOUS, source=src, tags=["ai"])
    for prediction in (p, q):
        prediction.theses.add(thesis)
        prediction.companies.add(acme)
    board = scored_board()
    expected = {"resolved": 2, "correct": 1, "accuracy": 0.5}
    assert by_key(board["sources"])["ep-1"] | expected == by_key(board["sources"])["ep-1"]
    assert by_key(board["sources"])["ep-1"]["title"] == "Episode 1"
    assert by_key(board["theses"])["gpu-boom"] | expected == by_key(board["theses"])["gpu-boom"]
    assert by_key(board["companies"])["acme"] | expected == by_key(board["companies"])["acme"]
    tags = by_key(board["tags"], key="tag")
    assert (tags["ai"]["resolved"], tags["ai"]["correct"]) == (2, 1)
    assert (tags["chips"]["resolved"], tags["chips"]["correct"], tags["chips"]["accuracy"]) == (1, 1, 1.0)
    assert [row["tag"] for row in board["tags"]] == ["ai", "chips"]  # most resolved first


def test_theses_count_the_signals_for_and_against_them():
    thesis = make_thesis(key="t")
    resolved(Status.TRUE).theses.add(thesis)
    for direction in ["supports", "supports", "contradicts", "neutral"]:
        make_signal(direction=direction).theses.add(thesis)
    make_signal(direction=Signal.Direction.SUPPORTS)  # linked to nothing
    row = by_key(scored_board()["theses"])["t"]
    assert (row["signals_for"], row["signals_against"]) == (2, 1)


# --- calibration, months, totals -------------------------------------------------------------------------

def test_calibration_bins_are_closed_below_and_the_last_is_closed_above():
    cases = [(0.0999, Status.TRUE), (0.1, Status.FALSE), (0.1, Status.TRUE), (0.2, Status.FALSE),
             (0.9, Status.TRUE), (0.95, Status.TRUE), (0.99, Status.FALSE)]
    for i, (probability, status) in enumerate(cases):
        forecast(user(f"u{i}"), resolved(status), probability)
    bins = scored_board()["calibration"]
    assert [b["count"] for b in bins] == [1, 2, 1, 0, 0, 0, 0, 0, 0, 3]
    assert bins[1] == {"lower": 0.1, "upper": 0.2, "count": 2, "mean_probability": pytest.approx(0.1),
                       "observed_frequency": 0.5}
    assert bins[9]["mean_probability"] == pytest.approx((0.9 + 0.95 + 0.99) / 3)
    assert bins[9]["observed_frequency"] == pytest.approx(2 / 3)
    assert bins[5]["mean_probability"] is None and bins[5]["observed_frequency"] is None


def test_my_calibration_covers_only_the_given_users_counted_forecasts(three_forecasters):
    alice = get_user_model().objects.get(username="alice")
    board = scored_board(user=alice)
    mine = {b["lower"]: b for b in board["my_calibration"] if b["count"]}
    assert mine == {0.3: {"lower": 0.3, "upper": 0.4, "count": 1, "mean_probability": 0.3, "observed_frequency": 0.0},
                    0.8: {"lower": 0.8, "upper": 0.9, "count": 1, "mean_probability": 0.8, "observed_frequency": 1.0}}
    assert sum(b["count"] for b in board["calibration"]) == 5
    assert scored_board()["my_calibration"] is None


def test_an_anonymous_visitor_gets_no_calibration_of_their_own(three_forecasters):
    assert scored_board(user=AnonymousUser())["my_calibration"] is None


def test_by_month_gives_resolutions_accuracy_and_forecasters_brier_per_month_of_resolution():
    jan_a, jan_b = resolved(Status.TRUE, on=date(2026, 1, 5)), resolved(Status.FALSE, on=date(2026, 1, 31))
    resolved(Status.TRUE, on=date(2026, 1, 20))
    resolved(Status.AMBIGUOUS, on=date(2026, 2, 2))
    resolved(Status.FALSE, on=date(2026, 3, 1))
    early = datetime(2025, 12, 1, tzinfo=UTC)
    forecast(user("a"), jan_a, 0.7, at=early)
    forecast(user("b"), jan_b, 0.2, at=early)
    assert scored_board()["by_month"] == [
        {"month": "2026-01", "resolved": 3, "accuracy": pytest.approx(2 / 3),
         "brier": pytest.approx((0.3 ** 2 + 0.2 ** 2) / 2)},
        {"month": "2026-03", "resolved": 1, "accuracy": 0.0, "brier": None},
    ]


def test_totals_count_every_status_and_the_overdue_open_predictions():
    make_prediction(resolve_by=date(2026, 5, 1))
    make_prediction(resolve_by=date(2026, 6, 1))
    make_prediction(resolve_by=date(2026, 7, 1))
    resolved(Status.TRUE, resolve_by=date(2026, 1, 31))
    resolved(Status.FALSE)
    resolved(Status.AMBIGUOUS)
    totals = scored_board(today=date(2026, 6, 1))["totals"]
    assert totals == {"predictions": 6, "open": 3, "true": 1, "false": 1, "ambiguous": 1, "overdue": 1}


def test_every_table_has_the_documented_columns(three_forecasters):
    p1, _ = three_forecasters
    p1.speaker, p1.source = make_person(), make_source()
    p1.save()
    p1.theses.add(make_thesis())
    p1.companies.add(make_company())
    p1.tags.create(name="ai")
    alice = get_user_model().objects.get(username="alice")
    board = scored_board(user=alice)
    assert set(board) == set(COLUMNS) | set(FIGURES)
    assert list(board["totals"]) == COLUMNS["totals"]
    for table, columns in COLUMNS.items():
        if table != "totals":
            assert board[table], table
            assert all(list(row) == columns for row in board[table]), table


# --- queries ---------------------------------------------------------------------------------------------

def populate(n: int) -> None:
    """n predictions of every kind, with speakers, groups and forecasts by n users."""
    users = get_user_model().objects.bulk_create([get_user_model()(username=f"bulk-{n}-{i}") for i in range(n)])
    thesis, company, speaker, source = make_thesis(), make_company(), make_person(), make_source()
    statuses = [Status.TRUE, Status.FALSE, Status.AMBIGUOUS, Status.OPEN]
    for i in range(n):
        status = statuses[i % 4]
        p = make_prediction(status=status, resolved_on=None if status == Status.OPEN else MARCH_10,
                            speaker=speaker, source=source, tags=[f"tag-{i % 3}"])
        p.theses.add(thesis)
        p.companies.add(company)
        Forecast.objects.bulk_create([Forecast(user=u, prediction=p, probability=0.5,
                                               made_at=datetime(2026, 3, 1, j, tzinfo=UTC))
                                      for u in users for j in range(2)])
    make_signal(direction="supports").theses.add(thesis)


def count_queries(**kw) -> int:
    rescore_everything()
    with CaptureQueriesContext(connection) as queries:
        compute_scoreboard(**kw)
    return len(queries)


def test_the_scoreboard_takes_the_same_few_queries_whatever_the_size_of_the_data():
    populate(4)
    small = count_queries()
    populate(24)
    assert scored_board()["forecasters"]  # the data is there
    assert count_queries() == small
    assert small == 4  # stored scores, groups, the theses' companies and prices (for their returns), totals


def test_the_scoreboard_for_a_user_takes_no_extra_query(three_forecasters, django_assert_max_num_queries):
    alice = get_user_model().objects.get(username="alice")
    expected = count_queries()
    with django_assert_max_num_queries(expected):
        compute_scoreboard(user=alice)


def test_a_users_own_calibration_alone_takes_one_query_and_agrees_with_the_board(three_forecasters,
                                                                                 django_assert_num_queries):
    alice = get_user_model().objects.get(username="alice")
    board = scored_board(user=alice)
    with django_assert_num_queries(1):
        assert my_calibration(alice) == board["my_calibration"]
    assert my_calibration(AnonymousUser()) is None
