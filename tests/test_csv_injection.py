"""Exported CSV opens in a spreadsheet as data: a text cell that would run as a formula is written behind a
quote mark, while numbers, negative ones included, stay numbers."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.factories import make_person, make_prediction
from tracker.models import Forecast, Prediction
from tracker.scores import rescore_everything

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("https://evil.example/","click")', "+1+2", "-2+3", "@SUM(A1:A9)", "\tpadded", "\rreturn"]


@pytest.fixture
def hostile_board():
    """A speaker and a tag for every dangerous first character, and a forecaster who beat the crowd, so their
    relative Brier is negative."""
    sharp, crowd = (get_user_model().objects.create(username=name) for name in ("=sharp", "crowd"))
    for text in HOSTILE:
        p = make_prediction(status=Prediction.Status.TRUE, resolved_on=date(2026, 3, 10), tags=[text],
                            speaker=make_person(name=text))
        for user, probability in ((sharp, 0.9), (crowd, 0.5)):
            Forecast.objects.create(user=user, prediction=p, probability=probability,
                                    made_at=datetime(2026, 3, 1, tzinfo=UTC))
    rescore_everything()  # written straight into the tables: stored as `manage.py rescore` would


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_no_cell_starts_a_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            try:
                float(cell)
                continue  # a number, negative or not, is data to a spreadsheet
            except ValueError:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_whole_scoreboard_download_neutralises_text_and_keeps_negative_numbers(member_client, hostile_board):
    rows = cells(member_client.get("/scoreboard/download/?format=csv").content.decode())
    assert_no_cell_starts_a_formula(rows)
    flat = {cell for row in rows for cell in row}
    assert {f"'{text}" for text in HOSTILE} <= flat  # speakers and tags, kept whole behind the mark
    assert "'=sharp" in flat
    header = rows[0]
    sharp = next(row for row in rows if row[header.index("username")] == "'=sharp")
    assert float(sharp[header.index("relative_brier")]) < 0
    assert sharp[header.index("relative_brier")].startswith("-")


@pytest.mark.parametrize("table", ["speakers", "tags", "forecasters"])
def test_each_table_download_neutralises_its_text_cells(member_client, hostile_board, table):
    response = member_client.get(f"/scoreboard/download/?format=csv&table={table}")
    rows = cells(response.content.decode())
    assert_no_cell_starts_a_formula(rows)
    assert len(rows) > 2


def test_a_negative_number_is_written_as_a_number_in_a_table_download(member_client, hostile_board):
    rows = cells(member_client.get("/scoreboard/download/?format=csv&table=forecasters").content.decode())
    header = rows[0]
    [sharp] = [row for row in rows if row[header.index("username")] == "'=sharp"]
    assert float(sharp[header.index("relative_brier")]) < 0


def test_the_scoreboard_command_writes_the_same_neutralised_csv(hostile_board):
    out = io.StringIO()
    call_command("scoreboard", "--format", "csv", stdout=out)
    rows = cells(out.getvalue())
    assert_no_cell_starts_a_formula(rows)
    assert {f"'{text}" for text in HOSTILE} <= {cell for row in rows for cell in row}
