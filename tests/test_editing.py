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
    for name in ["Nathan Lambert", "Nathan Lambert (AI2)", "Nathan_Lambert"]:
        editor_client.post("/people/new/", {"name": name})
    assert sorted(Person.objects.values_list("key", flat=True)) == [
        "nathan-lambert", "nathan-lambert-2", "nathan-lambert-ai2"]


@pytest.mark.parametrize(("url", "data", "existing"), [
    ("/people/new/", {"name": "ben gilbert"}, lambda: make_person(name="Ben Gilbert")),
    ("/companies/new/", {"name": "BROADCOM"}, lambda: Company.objects.create(key="avgo", name="Broadcom")),
    ("/sources/new/", {"kind": "article", "title": "The Chip Letter", "publisher": "stratechery"},
     lambda: make_source(title="The chip letter", publisher="Stratechery")),
])
def test_a_second_object_with_the_same_name_is_refused(editor_client, url, data, existing):
    first = existing()
    response = editor_client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 422 and type(first).objects.count() == 1
    assert "There is already a" in html and f"{first}" in html


def test_the_same_title_from_another_publisher_is_a_different_source(editor_client):
    make_source(title="State of AI", publisher="Lex Fridman Podcast")
    response = editor_client.post("/sources/new/", {"kind": "article", "title": "State of AI", "publisher": "Notes"})
    assert response.status_code == 302 and Source.objects.count() == 2


def test_editing_a_prediction_makes_open_resolve_forms_stale(editor_client):
    p = make_prediction(statement="Old wording.")
    seen = p.version
    editor_client.post(f"/predictions/{p.pk}/edit/", {"statement": "New wording.", "made_on": "2026-01-31",
                                                      "resolve_by": "2026-12-31", "key": p.key,
                                                      "version": seen})
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
         "Use lowercase letters and digits"),
        ({"statement": "S", "made_on": "2026-01-31", "resolve_by": "2026-12-31", "key": "Jane_Doe"}, "key",
         "Use lowercase letters and digits"),
        ({"statement": "S", "made_on": "2099-01-31", "resolve_by": "2099-12-31"}, "made_on",
         "cannot be made on a future date"),
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
                                                                 "opened_on": "2026-02-01", "key": thesis.key,
                                                                 "version": thesis.version})
    assert response.status_code == 302
    thesis.refresh_from_db()
    assert (thesis.title, thesis.status) == ("Anthropic wins enterprise AI", "confirmed")
    editor_client.post("/signals/new/", {"title": "A filing", "occurred_on": "2026-03-01",
                                         "direction": "supports", "theses": [thesis.pk]})
    assert thesis.signals.get().title == "A filing"
    page = editor_client.get("/signals/").content.decode()
    assert "A filing" in page and "Anthropic wins enterprise AI" in page


@pytest.mark.parametrize(("url", "field", "value", "message"), [
    ("/people/new/", "url", "ftp://example.com/x", "http:// or https://"),
    ("/companies/new/", "url", "mailto:ir@example.com", "http:// or https://"),
    ("/people/new/", "key", "Jane_Doe", "lowercase"),
    ("/companies/new/", "key", "a--b", "lowercase"),
])
def test_what_a_form_refuses_is_what_the_export_could_not_write(editor_client, url, field, value, message):
    data = {"name": "Jane Doe", field: value}
    response = editor_client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 422
    error_at = html.index(f'id="id_{field}_error"')
    assert message in html[error_at:error_at + 200]
    assert editor_client.get("/export/").status_code == 200


def test_accepted_form_values_always_export(editor_client):
    editor_client.post("/people/new/", {"name": "Jane Doe", "url": "HTTPS://Example.com/jane"})
    editor_client.post("/predictions/new/", {"statement": "S", "made_on": "2026-01-31", "resolve_by": "2026-12-31",
                                             "tags": "M_and_A, big__deals, Ünïcode"})
    assert sorted(Prediction.objects.get().tags.values_list("name", flat=True)) == ["big-deals", "m-and-a", "unicode"]
    assert Person.objects.get().url == "https://Example.com/jane"  # the scheme lowercased, the rest as typed
    response = editor_client.get("/export/")
    assert response.status_code == 200 and b'"big-deals"' in response.content


def test_editing_a_quote_keeps_its_source(editor_client):
    quote = make_quote(text="Old words.")
    page = editor_client.get(f"/quotes/{quote.pk}/edit/").content.decode()
    assert f'<option value="{quote.source.pk}" selected>' in page
    response = editor_client.post(f"/quotes/{quote.pk}/edit/", {"source": quote.source.pk, "text": "New words.",
                                                                "key": quote.key, "version": quote.version})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.text == "New words."


@pytest.mark.parametrize(("typed", "seconds"), [("1:02:03", 3723), ("2:05", 125), ("3723", 3723), (" 0:00 ", 0)])
def test_a_moment_is_typed_as_h_mm_ss_or_seconds(editor_client, typed, seconds):
    source = make_source(duration_seconds=4 * 3600)
    response = editor_client.post("/quotes/new/", {"source": source.pk, "text": "Words.", "timestamp_seconds": typed})
    assert response.status_code == 302
    assert Quote.objects.get().timestamp_seconds == seconds
    edit = editor_client.get(f"/quotes/{Quote.objects.get().pk}/edit/").content.decode()
    assert 'value="1:02:03"' in edit if seconds == 3723 else True


@pytest.mark.parametrize(("typed", "message"), [
    ("1:75:00", "h:mm:ss"), ("a:b", "h:mm:ss"), ("1:2:3:4", "h:mm:ss"), ("5:00:00", "is only 4:00:00 long"),
])
def test_a_moment_that_cannot_be_is_refused(editor_client, typed, message):
    source = make_source(duration_seconds=4 * 3600)
    response = editor_client.post("/quotes/new/", {"source": source.pk, "text": "Words.", "timestamp_seconds": typed})
    html = response.content.decode()
    assert response.status_code == 422 and Quote.objects.count() == 0
    error_at = html.index('id="id_timestamp_seconds_error"')
    assert message in html[error_at:error_at + 200]


def test_a_source_of_zero_length_is_refused_in_words(editor_client):
    response = editor_client.post("/sources/new/", {"kind": "podcast", "title": "T", "duration_seconds": "0"})
    html = response.content.decode()
    assert response.status_code == 422 and "at least one second" in html and "Constraint" not in html
    response = editor_client.post("/sources/new/", {"kind": "podcast", "title": "T", "duration_seconds": "4:25:07"})
    assert response.status_code == 302 and Source.objects.get().duration_seconds == 4 * 3600 + 25 * 60 + 7


@pytest.mark.parametrize(("url", "data", "field"), [
    ("/signals/new/", {"title": "Deal", "direction": "supports", "occurred_on": "2099-05-01"}, "occurred_on"),
    ("/theses/new/", {"title": "T", "stance": "bullish", "status": "active", "opened_on": "2099-01-01"},
     "opened_on"),
])
def test_things_that_have_happened_cannot_be_dated_in_the_future(editor_client, url, data, field):
    response = editor_client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "future" in html[html.index(f'id="id_{field}_error"'):][:200]


@pytest.mark.parametrize("link", ["[", "https://[", "http://[::1", "HTTPS://]x["])
def test_a_link_that_cannot_be_parsed_is_refused_in_words(editor_client, link):
    response = editor_client.post("/people/new/", {"name": "Jane Doe", "url": link})
    assert response.status_code == 422 and "http:// or https://" in response.content.decode()


def test_the_same_title_without_a_publisher_twice_is_refused(editor_client):
    make_source(title="Untitled memo", publisher="")
    response = editor_client.post("/sources/new/", {"kind": "note", "title": "untitled MEMO"})
    assert response.status_code == 422 and Source.objects.count() == 1
    assert "with this title “untitled MEMO”:" in response.content.decode()
