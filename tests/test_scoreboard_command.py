"""`manage.py scoreboard` prints compute_scoreboard's numbers as JSON or as one parseable CSV."""

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.factories import make_person, make_prediction
from tracker.models import Forecast, Prediction
from tracker.scores import rescore_everything
from tracker.scoring import COLUMNS, FIGURES, compute_scoreboard

pytestmark = pytest.mark.django_db

Status = Prediction.Status
TODAY = date(2026, 6, 1)


@pytest.fixture
def data():
    speaker = make_person(key="ana", name="Ana")
    alice, bob = (get_user_model().objects.create(username=name) for name in ("alice", "bob"))
    for i, status in enumerate([Status.TRUE, Status.FALSE, Status.TRUE, Status.AMBIGUOUS]):
        p = make_prediction(status=status, resolved_on=date(2026, 3, 10 + i), speaker=speaker, tags=["ai"],
                            stated_probability=0.7)
        Forecast.objects.create(user=alice, prediction=p, probability=0.8 - i / 10,
                                made_at=datetime(2026, 3, 1, tzinfo=UTC))
        Forecast.objects.create(user=bob, prediction=p, probability=0.55, made_at=datetime(2026, 3, 2, tzinfo=UTC))
    make_prediction(resolve_by=date(2026, 5, 1))
    rescore_everything()  # written straight into the tables: stored as `manage.py rescore` would
    return alice


def run(*args) -> str:
    out = io.StringIO()
    call_command("scoreboard", *args, stdout=out)
    return out.getvalue()


def test_json_output_is_the_scoreboard(data):
    printed = json.loads(run("--format", "json", "--today", TODAY.isoformat()))
    assert list(printed) == list(COLUMNS) + FIGURES
    assert printed == json.loads(json.dumps(compute_scoreboard(today=TODAY)))
    assert printed["totals"]["overdue"] == 1
    assert printed["my_calibration"] is None


def test_json_is_the_default_and_is_indented(data):
    text = run()
    assert text.startswith('{\n  "totals": {\n')


def test_the_user_option_adds_their_calibration(data):
    printed = json.loads(run("--user", "alice", "--today", TODAY.isoformat()))
    assert printed["my_calibration"] == compute_scoreboard(today=TODAY, user=data)["my_calibration"]
    assert sum(b["count"] for b in printed["my_calibration"]) == 3


def test_an_unknown_user_is_refused():
    with pytest.raises(CommandError, match="nobody"):
        run("--user", "nobody")


def test_csv_output_has_a_table_column_and_the_same_numbers(data):
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv", "--today", TODAY.isoformat()))))
    board = compute_scoreboard(today=TODAY)
    tables = [row["table"] for row in rows]
    assert tables == [t for t in COLUMNS for _ in ([1] if t == "totals" else board[t] or [])]
    totals = next(row for row in rows if row["table"] == "totals")
    assert {k: int(totals[k]) for k in COLUMNS["totals"]} == board["totals"]
    forecasters = [row for row in rows if row["table"] == "forecasters"]
    assert [(r["username"], float(r["brier"]), float(r["relative_brier"])) for r in forecasters] == [
        (r["username"], r["brier"], r["relative_brier"]) for r in board["forecasters"]]
    empty_bin = next(row for row in rows if row["table"] == "calibration" and row["count"] == "0")
    assert empty_bin["mean_probability"] == ""  # undefined figures are blank
    speaker = next(row for row in rows if row["table"] == "speakers")
    assert (speaker["key"], speaker["username"], float(speaker["accuracy"])) == ("ana", "", 2 / 3)
