"""The scoreboard page: tables sortable in place, charts with data tables, downloads, the due queue."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import make_person, make_prediction, make_user
from tracker import services
from tracker.models import Forecast

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def scored(editor):
    """Two speakers: Ana right 2 of 3, Ben wrong once; a member forecast on two of them."""
    ana, ben = make_person(key="ana", name="Ana"), make_person(key="ben", name="Ben")
    member = make_user("mia", role="members")
    outcomes = [(ana, "true"), (ana, "true"), (ana, "false"), (ben, "false")]
    for i, (speaker, outcome) in enumerate(outcomes):
        p = make_prediction(speaker=speaker, tags=["ipo"], made_on=date(2026, 1, 1))
        if i < 2:
            Forecast.objects.create(prediction=p, user=member, probability=0.7,
                                    made_at=datetime(2026, 2, 1, tzinfo=UTC))
        services.resolve(p, status=outcome, expected_version=p.version, actor=editor, resolved_on=date(2026, 6, 1))
    make_prediction(resolve_by=date.today() - timedelta(days=2), statement="Overdue and open.")
    return member


def test_the_page_shows_tables_charts_formulas_and_the_due_queue(editor_client, scored):
    html = editor_client.get("/scoreboard/").content.decode()
    for text in ["Forecasters", "Speakers", "Sources", "Theses", "Companies", "Tags", "How scoring works",
                 "Calibration of all counted forecasts", "Accuracy over time", "Overdue and open.", ">Resolve<",
                 "small sample", "mean of (p − o)²"]:
        assert text in html, text
    assert html.count("<svg") >= 2 and "<title id=\"calibration-all-title\">" in html
    assert '/predictions/?speaker=ana&amp;status=scored' in html
    assert '/predictions/?forecaster=mia&amp;status=scored' in html
    behind = editor_client.get("/predictions/?forecaster=mia&status=scored").content.decode()
    assert "2 predictions" in behind
    assert "67%" in html  # Ana: 2 of 3


def test_a_table_sorts_in_place(editor_client, scored):
    response = editor_client.get("/scoreboard/?table=speakers&sort=accuracy", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('\n<section id="table-speakers"') or \
        html.lstrip().startswith('<section id="table-speakers"')
    assert "<nav" not in html and 'aria-sort="ascending"' in html
    assert html.index(">Ben<") < html.index(">Ana<")
    descending = editor_client.get("/scoreboard/?table=speakers&sort=-accuracy", **HTMX).content.decode()
    assert descending.index(">Ana<") < descending.index(">Ben<")


def test_an_unknown_sort_falls_back_to_the_default(editor_client, scored):
    response = editor_client.get("/scoreboard/?table=speakers&sort=__class__", **HTMX)
    assert response.status_code == 200


def test_json_download_has_the_documented_keys(member_client, scored):
    response = member_client.get("/scoreboard/?format=json")
    assert response["Content-Disposition"].startswith("attachment;")
    board = json.loads(response.content)
    assert set(board) >= {"totals", "forecasters", "speakers", "sources", "theses", "companies", "tags",
                          "calibration", "by_month"}
    assert board["totals"] == {"predictions": 5, "open": 1, "true": 2, "false": 2, "ambiguous": 0, "overdue": 1}
    ana = next(row for row in board["speakers"] if row["key"] == "ana")
    assert (ana["resolved"], ana["correct"]) == (3, 2)
    mia = board["forecasters"][0]
    assert mia["username"] == "mia" and mia["scored"] == 2
    assert mia["brier"] == pytest.approx(((0.7 - 1) ** 2 + (0.7 - 1) ** 2) / 2)


def test_csv_download_parses(member_client, scored):
    response = member_client.get("/scoreboard/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "table"
    assert {row[0] for row in rows[1:]} >= {"totals", "speakers", "forecasters", "calibration"}


def test_resolving_from_the_scoreboard_asks_the_board_to_refresh(editor_client, scored):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", {"status": "true", "version": p.version,
                                  "resolved_on": str(date.today())}, **HTMX)
    assert "scoreboard-changed" in json.loads(response["HX-Trigger"])
    html = editor_client.get("/scoreboard/").content.decode()
    assert 'hx-trigger="scoreboard-changed from:body"' in html
    board = editor_client.get("/scoreboard/?part=board", **HTMX).content.decode()
    assert board.lstrip().startswith('<div id="board"')
