"""The scoreboard's downloads have their own URL; the page keeps its htmx partials; old download links redirect."""

import csv
import io
import json
from datetime import date

import pytest

from tests.factories import make_person, make_prediction
from tracker import services

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
DOWNLOAD = "/scoreboard/download/"


@pytest.fixture
def resolved(editor):
    speaker = make_person(key="ana", name="Ana")
    for outcome in ["true", "false"]:
        p = make_prediction(speaker=speaker, made_on=date(2026, 1, 1))
        services.resolve(p, status=outcome, expected_version=p.version, actor=editor, resolved_on=date(2026, 6, 1))


@pytest.mark.parametrize(("query", "content_type", "filename"), [
    ("format=json", "application/json", "scoreboard-"),
    ("format=csv", "text/csv; charset=utf-8", "scoreboard-"),
    ("format=json&table=speakers", "application/json", "scoreboard-speakers-"),
    ("format=csv&table=speakers", "text/csv; charset=utf-8", "scoreboard-speakers-"),
])
def test_the_download_url_gives_each_kind_of_download(member_client, resolved, query, content_type, filename):
    response = member_client.get(f"{DOWNLOAD}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'filename="{filename}' in response["Content-Disposition"]


def test_a_table_download_holds_only_that_table(member_client, resolved):
    speakers = json.loads(member_client.get(f"{DOWNLOAD}?format=json&table=speakers").content)
    assert [row["name"] for row in speakers] == ["Ana"]
    text = member_client.get(f"{DOWNLOAD}?format=csv&table=speakers").content.decode()
    assert [row[:2] for row in csv.reader(io.StringIO(text))][1:] == [["ana", "Ana"]]


def test_the_download_keeps_the_live_only_filter(member_client, resolved):
    board = json.loads(member_client.get(f"{DOWNLOAD}?format=json&forecasts=live").content)
    assert board["live_only"] is True


def test_the_download_url_without_a_known_format_says_so(member_client):
    response = member_client.get(f"{DOWNLOAD}?format=xlsx")
    assert response.status_code == 400
    assert "format=json" in response.content.decode()


@pytest.mark.parametrize("query", ["format=csv", "format=json&forecasts=live", "format=csv&table=speakers"])
def test_an_old_download_link_redirects_permanently_to_the_download_url(member_client, query):
    response = member_client.get(f"/scoreboard/?{query}")
    assert response.status_code == 301
    assert response["Location"] == f"{DOWNLOAD}?{query}"


def test_the_pages_table_partial_stays_on_the_page_url_and_links_its_download(member_client, resolved):
    html = member_client.get("/scoreboard/?table=speakers&sort=-accuracy&forecasts=live", **HTMX).content.decode()
    assert html.lstrip().startswith('<section id="table-speakers"')
    assert 'href="/scoreboard/download/?format=csv&amp;table=speakers&amp;forecasts=live"' in html


def test_the_page_links_the_whole_board_downloads(member_client, resolved):
    html = member_client.get("/scoreboard/?forecasts=live").content.decode()
    assert 'href="/scoreboard/download/?format=csv&amp;forecasts=live"' in html
    assert 'href="/scoreboard/download/?format=json&amp;forecasts=live"' in html
