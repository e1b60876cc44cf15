"""Properties of the scoreboard on random small data, and agreement with a plain-Python reference."""

import math
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.boards import scored_board
from tracker.models import Forecast, Prediction

Status = Prediction.Status
DB_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BASE = date(2026, 1, 1)
DAY = 86_400_000_000  # microseconds

probabilities = st.one_of(st.sampled_from([0.1, 0.2, 0.5, 0.9, 0.95]), st.floats(0.001, 0.999))
# Microseconds from the start of the prediction's resolution day (or of BASE when open): mostly before it,
# some on or after it, and some right at the boundary.
offsets = st.one_of(st.integers(-5 * DAY, DAY), st.sampled_from([-1, 0, 1]))


@st.composite
def datasets(draw, perfect: bool = False):
    """Predictions as (status, resolution day) and forecasts as (user, prediction, probability, offset)."""
    predictions = draw(st.lists(st.tuples(st.sampled_from(Status.values), st.integers(0, 70)),
                                min_size=1, max_size=5))
    users = draw(st.integers(1, 4))
    forecasts = draw(st.lists(
        st.tuples(st.integers(0, users - 1), st.integers(0, len(predictions) - 1), probabilities, offsets),
        max_size=14, unique_by=lambda f: (f[0], f[1], f[3]),  # one forecast per user, prediction and moment
    ))
    if perfect:
        forecasts = [(u, i, 0.999 if predictions[i][0] == Status.TRUE else 0.001, off) for u, i, _, off in forecasts]
    return {"users": users, "predictions": predictions, "forecasts": forecasts}


def resolution_start(day: int) -> datetime:
    return datetime.combine(BASE + timedelta(days=day), time(), UTC)


def load(data, order=None) -> None:
    """Write a dataset; `order` permutes the forecasts' insertion order."""
    user_model = get_user_model()
    users = user_model.objects.bulk_create([user_model(username=f"user-{i}") for i in range(data["users"])])
    predictions = []
    for i, (status, day) in enumerate(data["predictions"]):
        is_open = status == Status.OPEN
        predictions.append(Prediction.objects.create(
            key=f"p-{i}", statement=f"Prediction {i}", made_on=BASE - timedelta(days=10), resolve_by=BASE,
            status=status, resolved_on=None if is_open else BASE + timedelta(days=day), speaker=None,
        ))
    forecasts = [data["forecasts"][k] for k in (order or range(len(data["forecasts"])))]
    Forecast.objects.bulk_create([
        Forecast(user=users[u], prediction=predictions[i], probability=p,
                 made_at=resolution_start(data["predictions"][i][1]) + timedelta(microseconds=offset))
        for u, i, p, offset in forecasts
    ])


def scoreboard_of(data, order=None, **kw) -> dict:
    """The scoreboard of a dataset, computed in a transaction that is then rolled back."""
    with transaction.atomic():
        load(data, order)
        user = get_user_model().objects.get(username="user-0") if kw.pop("for_first_user", False) else None
        board = scored_board(today=BASE, user=user, **kw)  # stored scores, checked against the SQL
        transaction.set_rollback(True)
    return board


def reference(data) -> dict:
    """The same figures with plain loops over the raw data: what the SQL must agree with."""
    outcome = {i: 1 if status == Status.TRUE else 0
               for i, (status, _) in enumerate(data["predictions"]) if status in (Status.TRUE, Status.FALSE)}
    latest: dict[tuple[int, int], tuple[int, float]] = {}
    for u, i, p, offset in data["forecasts"]:
        if i in outcome and offset < 0 and ((u, i) not in latest or offset > latest[(u, i)][0]):
            latest[(u, i)] = (offset, p)
    by_prediction = defaultdict(list)
    for (_, i), (_, p) in latest.items():
        by_prediction[i].append(p)
    median = {i: statistics.median(ps) for i, ps in by_prediction.items()}

    # Time-averaged: offsets are microseconds from the resolution moment, so a forecast at offset t stands
    # until the next one's offset, or 0 (the resolution), and the span is -(the first offset).
    made = defaultdict(list)
    for u, i, p, offset in data["forecasts"]:
        if (u, i) in latest and offset < 0:
            made[(u, i)].append((offset, p))
    time_averaged = {}
    for (u, i), steps in made.items():
        steps.sort()
        ends = [t for t, _ in steps[1:]] + [0]
        weighted = sum((p - outcome[i]) ** 2 * (end - t) for (t, p), end in zip(steps, ends, strict=True))
        time_averaged[(u, i)] = weighted / -steps[0][0]

    per_user = defaultdict(list)
    for (u, i), (_, p) in latest.items():
        per_user[f"user-{u}"].append((p, outcome[i], median[i], time_averaged[(u, i)]))
    forecasters = {
        name: {"scored": len(rows),
               "brier": sum((p - o) ** 2 for p, o, _, _ in rows) / len(rows),
               "log_score": sum(math.log(p if o else 1 - p) for p, o, _, _ in rows) / len(rows),
               "relative_brier": sum((p - o) ** 2 - (m - o) ** 2 for p, o, m, _ in rows) / len(rows),
               "time_brier": sum(t for _, _, _, t in rows) / len(rows)}
        for name, rows in per_user.items()
    }

    def calibration(pairs):
        bins = [[] for _ in range(10)]
        for p, o in pairs:
            bins[sum(p >= k / 10 for k in range(1, 10))].append((p, o))
        return [{"lower": k / 10, "upper": (k + 1) / 10, "count": len(b),
                 "mean_probability": sum(p for p, _ in b) / len(b) if b else None,
                 "observed_frequency": sum(o for _, o in b) / len(b) if b else None} for k, b in enumerate(bins)]

    months = defaultdict(lambda: {"resolved": 0, "correct": 0, "errors": []})
    for i, o in outcome.items():
        month = months[(BASE + timedelta(days=data["predictions"][i][1])).isoformat()[:7]]
        month["resolved"] += 1
        month["correct"] += o
    for (_, i), (_, p) in latest.items():
        months[(BASE + timedelta(days=data["predictions"][i][1])).isoformat()[:7]]["errors"].append(
            (p - outcome[i]) ** 2)
    statuses = [s for s, _ in data["predictions"]]
    return {
        "totals": {"predictions": len(statuses), "open": statuses.count(Status.OPEN),
                   "true": statuses.count(Status.TRUE), "false": statuses.count(Status.FALSE),
                   "ambiguous": statuses.count(Status.AMBIGUOUS),
                   "overdue": 0},  # open predictions resolve by BASE, which is "today": not overdue
        "forecasters": forecasters,
        "calibration": calibration((p, outcome[i]) for (_, i), (_, p) in latest.items()),
        "my_calibration": calibration((p, outcome[i]) for (u, i), (_, p) in latest.items() if u == 0),
        "by_month": [{"month": key, "resolved": m["resolved"], "accuracy": m["correct"] / m["resolved"],
                      "brier": sum(m["errors"]) / len(m["errors"]) if m["errors"] else None}
                     for key, m in sorted(months.items())],
    }


def assert_close(actual, expected, where="board"):
    """Equal, except floats, which may differ in the last bits (SQL sums in another order)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), where
        for key in expected:
            assert_close(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12), where
    else:
        assert actual == expected, where


@pytest.mark.django_db
@DB_SETTINGS
@given(datasets())
def test_the_stored_scores_and_the_sql_agree_with_a_plain_python_reference(data):
    board, expected = scoreboard_of(data, for_first_user=True), reference(data)
    forecasters = {row.pop("username"): row for row in board["forecasters"]}
    assert_close(forecasters, expected.pop("forecasters"), "forecasters")
    assert_close({key: board[key] for key in expected}, expected)


@pytest.mark.django_db
@DB_SETTINGS
@given(datasets())
def test_brier_is_between_0_and_1_and_log_score_is_not_positive(data):
    for row in scoreboard_of(data)["forecasters"]:
        assert 0 <= row["brier"] <= 1 and 0 <= row["time_brier"] <= 1
        assert row["log_score"] <= 0
        assert -1 <= row["relative_brier"] <= 1


@pytest.mark.django_db
@DB_SETTINGS
@given(datasets(perfect=True))
def test_a_forecaster_who_is_nearly_certain_of_the_outcome_scores_nearly_zero(data):
    for row in scoreboard_of(data)["forecasters"]:
        assert row["brier"] < 1e-5
        assert row["log_score"] > -0.002


@pytest.mark.django_db
@DB_SETTINGS
@given(datasets(), st.randoms(use_true_random=False))
def test_figures_do_not_depend_on_the_order_rows_were_inserted(data, rng):
    order = list(range(len(data["forecasts"])))
    rng.shuffle(order)
    assert_close(scoreboard_of(data, order), scoreboard_of(data))
