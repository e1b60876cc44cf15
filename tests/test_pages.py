"""Every page renders for each role, and no page's query count grows with the rows it shows."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    make_company,
    make_person,
    make_prediction,
    make_quote,
    make_signal,
    make_source,
    make_thesis,
    make_user,
)
from tracker import services
from tracker.models import Forecast

pytestmark = pytest.mark.django_db


def populate(n: int, editor) -> dict:
    """n of everything, linked the way real data is: quotes, theses, forecasts, resolutions."""
    source, person, company = make_source(), make_person(), make_company()
    thesis = make_thesis()
    thesis.companies.add(company)
    users = [make_user(role="members") for _ in range(3)]
    last = None
    for i in range(n):
        quote = make_quote(source=source, speaker=person, timestamp_seconds=i * 60)
        thesis.quotes.add(quote)
        p = make_prediction(speaker=person, source=source, tags=["ipo", f"t{i % 3}"],
                            resolve_by=date.today() - timedelta(days=1 + i))
        p.quotes.add(quote)
        p.theses.add(thesis)
        p.companies.add(company)
        for user in users:
            Forecast.objects.create(prediction=p, user=user, probability=0.2 + 0.01 * i)
        signal = make_signal()
        signal.theses.add(thesis)
        signal.predictions.add(p)
        if i % 2:
            services.resolve(p, status="true", expected_version=p.version, actor=editor,
                             resolved_on=date.today() - timedelta(days=1))
        last = p
    return {"source": source, "person": person, "company": company, "thesis": thesis, "prediction": last}


def page_urls(objs) -> list[str]:
    return [
        "/", "/predictions/", "/predictions/?status=open&sort=-made_on", "/predictions/?due=overdue",
        f"/predictions/?thesis={objs['thesis'].key}&company={objs['company'].key}&tag=ipo&q=happen",
        f"/predictions/{objs['prediction'].pk}/", "/theses/", f"/theses/{objs['thesis'].pk}/",
        "/sources/", f"/sources/{objs['source'].pk}/", "/people/", f"/people/{objs['person'].pk}/",
        "/companies/", f"/companies/{objs['company'].pk}/", "/signals/", "/scoreboard/",
    ]


def count_queries(client, url) -> int:
    # Measure pages computed from scratch: no cached scoreboard, and no CSRF cookie, so the scoreboard
    # page is rendered rather than taken from (or stored in) the page cache; tests/test_scoreboard_cache.py
    # counts those paths.
    cache.clear()
    client.session.load()  # sessions live in the cache too: back in it, as after any earlier request
    client.cookies.pop(settings.CSRF_COOKIE_NAME, None)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_every_page_renders_for_a_member(member_client, editor):
    objs = populate(3, editor)
    for url in page_urls(objs):
        response = member_client.get(url)
        assert response.status_code == 200, url
        assert b"Log out" in response.content


def test_editor_pages_offer_the_edit_controls(editor_client, editor):
    objs = populate(2, editor)
    assert b"New prediction" in editor_client.get("/predictions/").content
    detail = editor_client.get(f"/predictions/{objs['prediction'].pk}/").content.decode()
    assert "Edit prediction" in detail


@pytest.mark.parametrize("index", range(16))
def test_query_count_does_not_grow_with_the_rows_shown(client, editor, index):
    small = populate(3, editor)
    client.force_login(editor)
    url_small = page_urls(small)[index]
    few = count_queries(client, url_small)
    big = populate(15, editor)
    url_big = page_urls(big)[index]
    many = count_queries(client, url_big)
    assert many == few, f"{url_big}: {few} queries with 3 rows, {many} with 15+"
    # The scoreboard reads one more: the theses' companies and prices, for the thesis table's returns.
    assert many <= (16 if url_big.startswith("/scoreboard/") else 15), f"{url_big}: {many} queries"


def test_quotes_link_to_the_moment_they_were_said(member_client, editor):
    source = make_source(url="https://www.youtube.com/watch?v=ep490")
    quote = make_quote(source=source, speaker=make_person(name="Nathan Lambert"), timestamp_seconds=1059)
    p = make_prediction(source=source)
    p.quotes.add(quote)
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    assert "https://www.youtube.com/watch?v=ep490&amp;t=1059s" in page
    assert "17:39" in page and "Nathan Lambert" in page
    source_page = member_client.get(f"/sources/{source.pk}/").content.decode()
    assert "17:39" in source_page


def test_quotes_on_a_source_page_are_in_timestamp_order(member_client):
    source = make_source()
    make_quote(source=source, text="Said second.", timestamp_seconds=200)
    make_quote(source=source, text="Said first.", timestamp_seconds=100)
    page = member_client.get(f"/sources/{source.pk}/").content.decode()
    assert page.index("Said first.") < page.index("Said second.")


def test_a_person_page_shows_how_their_predictions_turned_out(member_client, editor):
    person = make_person(name="Sebastian")
    right = make_prediction(speaker=person, statement="Came true.")
    make_prediction(speaker=person, statement="Still open.")
    services.resolve(right, status="true", expected_version=right.version, actor=editor)
    page = member_client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "Came true." in page and "Still open." in page
    assert "100%" in page  # one resolved, one right


def test_unknown_ids_are_404(member_client):
    for url in ["/predictions/999999/", "/theses/999999/", "/sources/999999/", "/people/999999/",
                "/companies/999999/"]:
        assert member_client.get(url).status_code == 404


def test_an_invalid_filter_is_a_400_with_the_message_next_to_the_field(member_client):
    response = member_client.get("/predictions/?speaker=nobody&status=bogus")
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


def test_search_finds_every_word_in_any_order_across_statement_and_criteria(member_client):
    make_prediction(statement="Cursor (Anysphere) is acquired.", criteria="A deal above $10B is announced.")
    make_prediction(statement="Cursor raises again.")
    found = member_client.get("/predictions/?q=ACQUIRED+cursor+10b").content.decode()
    assert "1 prediction" in found and "Cursor (Anysphere) is acquired." in found
    assert "No predictions match" in member_client.get("/predictions/?q=cursor+ipo").content.decode()


def test_people_and_companies_are_listed_by_the_name_shown(member_client):
    make_person(key="zed", name="Alyosha"), make_person(key="abe", name="Zoe")
    make_company(key="google", name="Alphabet"), make_company(key="anysphere", name="Cursor")
    people = member_client.get("/people/").content.decode()
    assert people.index(">Alyosha<") < people.index(">Zoe<")
    companies = member_client.get("/companies/").content.decode()
    assert companies.index(">Alphabet<") < companies.index(">Cursor<")


def test_the_dashboard_shows_the_theses_with_the_freshest_signals_and_links_to_all(member_client):
    for n in range(8):
        thesis = make_thesis(title=f"Thesis {n}")
        make_signal(title=f"Signal {n}", occurred_on=date(2026, 1, 1) + timedelta(days=n),
                    summary="A long summary kept off the dashboard.").theses.add(thesis)
    page = member_client.get("/").content.decode()
    assert "Signal 7" in page and "Signal 2" in page and "Signal 1" not in page
    assert page.index("Signal 7") < page.index("Signal 2")
    assert "All 8 active theses" in page and "A long summary kept off the dashboard." not in page
