"""A page number that makes no sense shows the first page; one past the end shows the last."""

import pytest

from tests.factories import make_prediction, make_quote, make_source
from tracker.views.catalog import QUOTES_PER_PAGE
from tracker.views.predictions import PER_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_pages():
    return [make_prediction() for _ in range(2 * PER_PAGE + 1)]


@pytest.mark.parametrize("number", ["0", "-1", "-999", "abc", ""])
def test_a_page_number_below_one_or_not_a_number_shows_the_first_page(member_client, three_pages, number):
    response = member_client.get(f"/predictions/?page={number}", follow=True)  # an empty page= is dropped
    page = response.content.decode()
    assert response.status_code == 200
    assert f"showing 1–{PER_PAGE}" in page and "Page 1 of 3" in page


def test_a_page_number_past_the_end_shows_the_last_page(member_client, three_pages):
    page = member_client.get("/predictions/?page=7").content.decode()
    assert "Page 3 of 3" in page


def test_an_htmx_request_for_page_zero_gets_the_first_page_too(member_client, three_pages):
    page = member_client.get("/predictions/?page=0", HTTP_HX_REQUEST="true").content.decode()
    assert "Page 1 of 3" in page


@pytest.mark.parametrize("number", ["0", "-1", "abc"])
def test_a_source_page_asked_for_quote_page_zero_shows_the_first_quotes(member_client, number):
    source = make_source()
    quotes = [make_quote(source=source, timestamp_seconds=i, text=f"Quote number {i:03d}.")
              for i in range(QUOTES_PER_PAGE + 1)]
    page = member_client.get(f"{source.get_absolute_url()}?quotes_page={number}").content.decode()
    assert quotes[0].text in page and quotes[-1].text not in page
