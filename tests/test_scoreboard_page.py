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
    assert 'href="/forecasters/mia/"' in html  # a forecaster's name opens their track record
    behind = editor_client.get("/forecasters/mia/").content.decode()
    assert "Scored forecasts (2)" in behind
    assert "66.7%" in html  # Ana: 2 of 3, to a tenth of a percent


def test_a_table_sorts_in_place(editor_client, scored):
    response = editor_client.get("/scoreboard/?table=speakers&sort=accuracy", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="table-speakers"')
    assert "<nav" not in html and 'aria-sort="ascending"' in html
    assert html.index(">Ben<") < html.index(">Ana<")
    descending = editor_client.get("/scoreboard/?table=speakers&sort=-accuracy", **HTMX).content.decode()
    assert descending.index(">Ana<") < descending.index(">Ben<")


def test_an_unknown_sort_falls_back_to_the_default(editor_client, scored):
    response = editor_client.get("/scoreboard/?table=speakers&sort=__class__", **HTMX)
    assert response.status_code == 200


def test_json_download_has_the_documented_keys(member_client, scored):
    response = member_client.get("/scoreboard/download/?format=json")
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
    response = member_client.get("/scoreboard/download/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "table"
    assert {row[0] for row in rows[1:]} >= {"totals", "speakers", "forecasters", "calibration"}


def test_resolving_from_the_scoreboard_asks_the_board_to_refresh(editor_client, scored):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", {"status": "true", "version": p.version,
                                  "resolved_on": str(date.today())}, **HTMX)
    assert "predictions-changed" in json.loads(response["HX-Trigger"])
    html = editor_client.get("/scoreboard/").content.decode()
    assert 'hx-trigger="predictions-changed from:body"' in html
    board = editor_client.get("/scoreboard/?part=board", **HTMX).content.decode()
    assert board.lstrip().startswith('<div id="board"')


@pytest.fixture
def many_sources(editor):
    """20 sources, each with one scored prediction; source-00 to source-04 have a second one."""
    from tests.factories import make_source

    for n in range(20):
        source = make_source(key=f"source-{n:02}", title=f"Letter {n:02}")
        for _ in range(2 if n < 5 else 1):
            p = make_prediction(source=source, made_on=date(2026, 1, 1))
            services.resolve(p, status="true", expected_version=p.version, actor=editor,
                             resolved_on=date(2026, 6, 1))


def source_rows(html: str) -> list[str]:
    section = html[html.index('<section id="table-sources"'):]
    section = section[:section.index("</section>")]
    return [line.split("?source=")[1].split("&")[0] for line in section.splitlines() if "?source=" in line]


def test_a_long_group_table_shows_its_first_rows_and_all_on_request(editor_client, many_sources):
    page = editor_client.get("/scoreboard/").content.decode()
    shown = source_rows(page)
    assert len(shown) == 15 and shown[:5] == [f"source-{n:02}" for n in range(5)]  # most resolved first
    assert "The first 15 of 20, by Resolved, highest first." in page
    assert "Show all 20" in page

    # In place: the whole table, and sorting it keeps every row.
    everything = editor_client.get("/scoreboard/?table=sources&sort=-resolved&all", **HTMX).content.decode()
    assert len(source_rows(everything)) == 20 and "Show the first 15 only" in everything
    assert '?table=sources&amp;sort=title&amp;all' in everything
    by_title = editor_client.get("/scoreboard/?table=sources&sort=-title&all", **HTMX).content.decode()
    assert source_rows(by_title) == [f"source-{n:02}" for n in reversed(range(20))]

    # Without JavaScript: the full page with that one table widened.
    full = editor_client.get("/scoreboard/?table=sources&sort=title&all").content.decode()
    assert source_rows(full) == [f"source-{n:02}" for n in range(20)]
    assert "<nav" in full


def test_the_forecasters_table_is_never_cut(editor_client, editor):
    for n in range(18):
        user = make_user(f"user{n:02}", role="members")
        p = make_prediction(made_on=date(2026, 1, 1))
        Forecast.objects.create(prediction=p, user=user, probability=0.6, made_at=datetime(2026, 2, 1, tzinfo=UTC))
        services.resolve(p, status="true", expected_version=p.version, actor=editor, resolved_on=date(2026, 6, 1))
    page = editor_client.get("/scoreboard/").content.decode()
    section = page[page.index('<section id="table-forecasters"'):]
    section = section[:section.index("</section>")]
    assert section.count('href="/forecasters/') == 18 and "Show all" not in section


def test_each_table_downloads_alone_in_its_own_columns(member_client, scored):
    response = member_client.get("/scoreboard/download/?format=csv&table=speakers")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["key", "name", "resolved", "correct", "accuracy", "accuracy_low", "accuracy_high",
                       "stated_brier", "stated_count"]
    assert [row[:4] for row in rows[1:]] == [["ana", "Ana", "3", "2"], ["ben", "Ben", "1", "0"]]
    assert "scoreboard-speakers-" in response["Content-Disposition"]
    totals_csv = member_client.get("/scoreboard/download/?format=csv&table=totals").content.decode()
    totals = list(csv.reader(io.StringIO(totals_csv)))
    assert totals[0][:2] == ["predictions", "open"] and len(totals) == 2
    page = member_client.get("/scoreboard/").content.decode()
    assert 'href="/scoreboard/download/?format=csv&amp;table=speakers"' in page
