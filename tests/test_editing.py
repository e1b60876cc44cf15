"""Editors create and edit every kind of object through the forms; bad input is shown next to the field."""

import pytest

from tests.factories import make_person, make_prediction, make_quote, make_source, make_thesis
from tracker.models import Company, Person, Prediction, Quote, Source, Thesis

pytestmark = pytest.mark.django_db


def test_creating_a_prediction_with_quotes_tags_and_stated_odds(editor_client):
    speaker, source = make_person(), make_source()
    quote, thesis = make_quote(source=source, speaker=speaker), make_thesis()
    response = editor_client.post("/predictions/new/", {
        "statement": "Cursor is acquired in 2026.", "speaker": speaker.pk, "source": source.pk,
        "made_on": "2026-01-31", "resolve_by": "2026-12-31", "criteria": "A signed deal is announced.",
        "quotes": [quote.pk], "theses": [thesis.pk], "tags": "M&A, Coding agents, m-and-a", "stated_percent": "35",
    })
    p = Prediction.objects.get()
    assert response.status_code == 302 and response["Location"] == p.get_absolute_url()
    assert p.key == "cursor-is-acquired-in-2026" and p.stated_probability == 0.35
    assert sorted(p.tags.values_list("name", flat=True)) == ["coding-agents", "m-and-a", "ma"]
    assert list(p.quotes.all()) == [quote] and list(p.theses.all()) == [thesis]


def test_keys_made_from_names_never_collide(editor_client):
    for _ in range(2):
        editor_client.post("/people/new/", {"name": "Nathan Lambert"})
    assert sorted(Person.objects.values_list("key", flat=True)) == ["nathan-lambert", "nathan-lambert-2"]


def test_editing_a_prediction_makes_open_resolve_forms_stale(editor_client):
    p = make_prediction(statement="Old wording.")
    seen = p.version
    editor_client.post(f"/predictions/{p.pk}/edit/", {"statement": "New wording.", "made_on": "2026-01-31",
                                                      "resolve_by": "2026-12-31", "key": p.key})
    p.refresh_from_db()
    assert p.statement == "New wording." and p.version == seen + 1
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", {"status": "true", "resolved_on": "2026-11-01",
                                                                     "version": seen}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"statement": "", "made_on": "2026-01-31", "resolve_by": "2026-12-31"}, "statement", "required"),
        ({"statement": "S", "made_on": "2026-02-01", "resolve_by": "2026-01-01"}, "resolve_by", "cannot be before"),
        ({"statement": "S", "made_on": "2026-01-31", "resolve_by": "2026-12-31", "stated_percent": "150"},
         "stated_percent", "less than or equal to 100"),
        ({"statement": "S", "made_on": "2026-01-31", "resolve_by": "2026-12-31", "key": "Not A Slug!"}, "key",
         "Enter a valid"),
    ],
)
def test_a_bad_prediction_form_shows_the_error_next_to_the_field(editor_client, data, field, message):
    response = editor_client.post("/predictions/new/", data)
    html = response.content.decode()
    assert response.status_code == 422
    error_at = html.index(f'id="id_{field}_error"')
    assert message in html[error_at:error_at + 300]
    assert not Prediction.objects.exists()


def test_sources_quotes_theses_companies_and_signals_are_editable(editor_client):
    editor_client.post("/sources/new/", {"kind": "article", "title": "A write-up", "url": "https://example.com/a"})
    source = Source.objects.get()
    editor_client.post(f"/quotes/new/?source={source.pk}", {"source": source.pk, "text": "Verbatim words.",
                                                            "timestamp_seconds": "61"})
    assert Quote.objects.get().source == source
    editor_client.post("/companies/new/", {"name": "Anthropic"})
    company = Company.objects.get()
    editor_client.post("/theses/new/", {"title": "Anthropic wins enterprise", "stance": "bullish",
                                        "status": "active", "opened_on": "2026-02-01", "companies": [company.pk],
                                        "quotes": [Quote.objects.get().pk]})
    thesis = Thesis.objects.get()
    assert list(thesis.companies.all()) == [company] and thesis.quotes.count() == 1
    response = editor_client.post(f"/theses/{thesis.pk}/edit/", {"title": "Anthropic wins enterprise AI",
                                                                 "stance": "bullish", "status": "confirmed",
                                                                 "opened_on": "2026-02-01", "key": thesis.key})
    assert response.status_code == 302
    thesis.refresh_from_db()
    assert (thesis.title, thesis.status) == ("Anthropic wins enterprise AI", "confirmed")
    editor_client.post("/signals/new/", {"title": "A filing", "occurred_on": "2026-03-01",
                                         "direction": "supports", "theses": [thesis.pk]})
    assert thesis.signals.get().title == "A filing"
    page = editor_client.get("/signals/").content.decode()
    assert "A filing" in page and "Anthropic wins enterprise AI" in page
