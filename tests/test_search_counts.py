"""Search over many matches: each kind is counted up to a cap ("1,000+"), and the ranking still weighs every
match, not just the first ones the index finds."""

import re

import pytest

from tests.factories import make_person, make_prediction, make_quote, make_source
from tracker import search as search_module
from tracker.models import Quote

pytestmark = pytest.mark.django_db


def tabs(html: str) -> dict[str, str]:
    """The kind tabs of a results page: label -> count as shown."""
    return dict(re.findall(r'<a href="[^"]*"(?: aria-current="page")?>([\w ]+?) <span class="count">([^<]+)</span>',
                           html))


def test_a_kind_with_more_matches_than_the_cap_says_so_and_the_others_stay_exact(member_client, monkeypatch):
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    source = make_source(title="The orchard hour")
    Quote.objects.bulk_create(Quote(key=f"g-{i}", source=source, text=f"Gooseberry note {i}.") for i in range(5))
    make_prediction(statement="Gooseberry prices rise."), make_prediction(statement="Gooseberry exports fall.")
    make_person(name="Gus Gooseberry")
    html = member_client.get("/search/", {"q": "gooseberry"}).content.decode()
    assert tabs(html) == {"All": "6+", "Predictions": "2", "Quotes": "3+", "People": "1"}
    assert html.count('<li class="hit ') == 8  # all of them shown: the cap is on counting, not on finding


def test_counts_below_the_cap_are_exact_with_thousands_separators(member_client, monkeypatch):
    monkeypatch.setattr(search_module, "COUNT_CAP", 5000)
    source = make_source(title="The orchard hour")
    Quote.objects.bulk_create(Quote(key=f"g-{i}", source=source, text=f"Gooseberry note {i}.") for i in range(1200))
    html = member_client.get("/search/", {"q": "gooseberry", "kind": "quote"}).content.decode()
    assert tabs(html) == {"All": "1,200", "Quotes": "1,200"}


def test_the_best_match_wins_however_late_it_was_written(member_client):
    """Ranking is not over the first matches only: the strongest one, written last, is shown first."""
    source = make_source(title="The orchard hour")
    Quote.objects.bulk_create(
        Quote(key=f"weak-{i}", source=source,
              text=f"A long remark number {i} about weather, markets, rain, wind and, once, a quince.")
        for i in range(300))
    strong = make_quote(source=source, text="Quince. Quince quince.")
    for kind in ({}, {"kind": "quote"}):
        html = member_client.get("/search/", {"q": "quince", **kind}).content.decode()
        first = re.search(r'<li class="hit hit-quote">.*?<a class="hit-title" href="([^"]+)">(.*?)</a>', html, re.S)
        assert first.group(1) == strong.get_absolute_url()
        assert first.group(2) == "<mark>Quince</mark>. <mark>Quince</mark> <mark>quince</mark>."
        assert html.count('<li class="hit ') == search_module.RESULTS


def test_a_kind_tab_ranks_that_kind_only(member_client):
    make_person(name="Quince Abbot")
    source = make_source(title="The orchard hour")
    Quote.objects.bulk_create(Quote(key=f"q-{i}", source=source, text="Quince quince quince.") for i in range(30))
    html = member_client.get("/search/", {"q": "quince", "kind": "person"}).content.decode()
    assert html.count('<li class="hit ') == 1 and "<mark>Quince</mark> Abbot" in html
    assert tabs(html)["Quotes"] == "30" and tabs(html)["People"] == "1"
