"""One limit per value: what the forms refuse the bundle refuses, with a message, and the other way round."""

import copy
import html
import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from tests.factories import empty_the_database, make_company, make_person, make_prediction, make_quote, make_source
from tests.test_bundle import VALID
from tracker.bundle import BundleError, export_bundle, import_bundle
from tracker.models import Company, Person, Prediction, Quote, Source, Thesis

pytestmark = pytest.mark.django_db


def field_errors(response, field: str) -> list[str]:
    """The messages shown next to one field."""
    page = response.content.decode()
    errors = re.search(rf'<ul class="field-error" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", errors[1] if errors else "", re.S)]


def refused_import(bundle) -> list[str]:
    with pytest.raises(BundleError) as refused:
        import_bundle(json.dumps(bundle))
    return [str(problem) for problem in refused.value.problems]


def bundle_with(path: str, value):
    bundle = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    target = bundle
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return bundle


PREDICTION = {"statement": "S", "made_on": "2026-01-31", "resolve_by": "2026-12-31"}


# --- what the forms saved and no bundle could hold ----------------------------------------------------

def test_a_quote_longer_than_the_bundle_holds_is_refused_by_the_form(editor_client):
    source = make_source()
    response = editor_client.post("/quotes/new/", {"source": source.pk, "text": "x" * 25_000})
    assert response.status_code == 422 and not Quote.objects.exists()
    assert field_errors(response, "text") == ["Ensure this value has at most 20000 characters (it has 25000)."]
    assert editor_client.get("/export/").status_code == 200


def test_a_statement_and_a_rationale_past_their_limits_are_refused(editor_client):
    response = editor_client.post("/predictions/new/", {**PREDICTION, "statement": "s" * 6_000})
    assert response.status_code == 422 and "at most 5000 characters" in field_errors(response, "statement")[0]
    response = editor_client.post("/theses/new/", {"title": "T", "stance": "bullish", "status": "active",
                                                   "opened_on": "2026-02-01", "rationale": "r" * 25_000})
    assert response.status_code == 422 and "at most 20000 characters" in field_errors(response, "rationale")[0]
    assert not Prediction.objects.exists() and not Thesis.objects.exists()


def test_a_quote_at_20_million_seconds_is_refused_even_when_the_source_has_no_length(editor_client):
    source = make_source(duration_seconds=None)
    response = editor_client.post("/quotes/new/", {"source": source.pk, "text": "Words.",
                                                   "timestamp_seconds": "20000000"})
    assert response.status_code == 422 and not Quote.objects.exists()
    assert field_errors(response, "timestamp_seconds") == ["Enter at most 2777:46:40 (10,000,000 seconds)."]


def test_a_duration_of_a_hundred_billion_hours_is_refused(editor_client):
    response = editor_client.post("/sources/new/", {"kind": "podcast", "title": "T",
                                                    "duration_seconds": "99999999999:00:00"})
    assert response.status_code == 422 and not Source.objects.exists()
    assert field_errors(response, "duration_seconds") == ["Enter at most 2777:46:40 (10,000,000 seconds)."]


def test_a_source_cannot_be_made_shorter_than_a_quote_of_it(editor_client):
    quote = make_quote(source=make_source(duration_seconds=3600), timestamp_seconds=3000)
    source = quote.source
    response = editor_client.post(f"/sources/{source.pk}/edit/", {
        "kind": source.kind, "title": source.title, "key": source.key, "duration_seconds": "40:00"})
    assert response.status_code == 422 and "50:00" in field_errors(response, "duration_seconds")[0]


def test_a_link_too_long_to_store_gets_one_true_message(editor_client):
    response = editor_client.post("/people/new/", {"name": "Jane Doe", "url": "https://example.com/" + "a" * 10_000})
    assert response.status_code == 422
    assert field_errors(response, "url") == ["Ensure this value has at most 500 characters (it has 10020)."]


# --- what the bundle imported and the forms then refused ----------------------------------------------

def test_a_person_link_that_is_no_web_address_is_refused_by_import():
    problems = refused_import(bundle_with("people.0.url", 'https://x"><script>alert(1)</script>'))
    assert any(p.startswith("people[0].url: invalid URL") for p in problems), problems
    assert not Person.objects.exists()


def test_a_prediction_made_in_2099_is_refused_by_import():
    bundle = bundle_with("predictions.1.made_on", "2099-01-31")
    bundle["predictions"][1]["resolve_by"] = "2099-12-31"
    problems = refused_import(bundle)
    assert problems == ["predictions[1].made_on: a prediction cannot be made on a future date (got '2099-01-31')"]


def test_a_quote_after_the_end_of_its_recording_is_refused_by_import():
    problems = refused_import(bundle_with("quotes.0.timestamp_seconds", 3601))
    assert problems == ["quotes[0].timestamp_seconds: 3601 is after the end of source 'ep-1' (3600 s)"]


def test_a_resolution_before_the_prediction_was_made_is_refused_by_import():
    bundle = bundle_with("predictions.1.status", "true")
    bundle["predictions"][1]["resolved_on"] = "2026-01-01"
    assert refused_import(bundle) == ["predictions[1].resolved_on: 2026-01-01 is before made_on 2026-01-31"]


# --- dates: one rule for the forms and the bundle ------------------------------------------------------

def test_a_source_published_in_the_future_is_refused_by_the_form_and_by_import(editor_client):
    response = editor_client.post("/sources/new/", {"kind": "article", "title": "T", "published_on": "2099-01-01"})
    assert response.status_code == 422
    assert field_errors(response, "published_on") == ["A source cannot be published on a future date."]
    problems = refused_import(bundle_with("sources.0.published_on", "2099-01-01"))
    assert [p.split(":")[0] for p in problems] == ["sources[0].published_on"]


@pytest.mark.parametrize(("field", "value"), [("made_on", "0001-01-01"), ("resolve_by", "9999-12-31")])
def test_dates_outside_reason_are_refused_by_the_form_and_by_import(editor_client, field, value):
    response = editor_client.post("/predictions/new/", {**PREDICTION, field: value})
    assert response.status_code == 422 and not Prediction.objects.exists()
    assert len(field_errors(response, field)) == 1
    problems = refused_import(bundle_with(f"predictions.1.{field}", value))
    assert [p.split(":")[0] for p in problems] == [f"predictions[1].{field}"]
    assert "out of range" in problems[0]


def test_a_prediction_may_be_due_far_ahead_but_not_past_2200(editor_client):
    assert editor_client.post("/predictions/new/", {**PREDICTION, "resolve_by": "2200-12-31"}).status_code == 302
    response = editor_client.post("/predictions/new/", {**PREDICTION, "statement": "T", "resolve_by": "2201-01-01"})
    assert field_errors(response, "resolve_by") == ["Enter a date no later than 31 Dec 2200."]


def test_the_database_refuses_dates_and_lengths_past_the_limits():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_prediction(made_on=date(1, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_quote(text="x" * 20_001)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_source(duration_seconds=20_000_000)


# --- names: one person is one person -------------------------------------------------------------------

def test_a_name_differing_only_by_spaces_and_case_is_refused_by_the_form(editor_client):
    dario = make_person(name="Dario Amodei")
    response = editor_client.post("/people/new/", {"name": "  dario   AMODEI  "})
    assert response.status_code == 422 and Person.objects.count() == 1
    assert f"There is already a person with this name “dario AMODEI”: {dario}." in field_errors(response, "name")[0]


def test_a_company_name_with_a_trailing_full_stop_is_refused_by_the_form(editor_client):
    make_company(name="Anthropic")
    response = editor_client.post("/companies/new/", {"name": "Anthropic."})
    assert response.status_code == 422 and Company.objects.count() == 1


def test_names_are_stored_with_their_whitespace_collapsed(editor_client):
    editor_client.post("/people/new/", {"name": "  Dario   Amodei  "})
    assert Person.objects.get().name == "Dario Amodei"
    bundle = bundle_with("people.0.name", " Ana \t  Analyst ")
    import_bundle(json.dumps(bundle))
    assert Person.objects.get(key="ana").name == "Ana Analyst"


def test_a_namesake_under_another_key_is_refused_by_import():
    make_person(key="dario-amodei", name="Dario Amodei")
    problems = refused_import(bundle_with("people.0.name", "  Dario   Amodei  "))
    assert problems == ["people[0].name: person 'dario-amodei' already has this name: use that key, or a name "
                        "that tells them apart"]
    # The same bundle, renaming the other, is fine: names are compared as they will be after the import.
    bundle = bundle_with("people.0.name", "Dario Amodei")
    bundle["people"].append({"key": "dario-amodei", "name": "Someone Else"})
    import_bundle(json.dumps(bundle))
    assert sorted(Person.objects.values_list("name", flat=True)) == ["Dario Amodei", "Someone Else"]


def test_two_namesakes_in_one_bundle_are_refused():
    bundle = copy.deepcopy(VALID)
    bundle["companies"].append({"key": "acme-inc", "name": "ACME."})
    assert refused_import(bundle) == ["companies[1].name: company 'acme' already has this name: use that key, or a "
                                      "name that tells them apart"]


def test_demo_data_of_two_seeds_imports_again_into_an_empty_database():
    for seed in ("--seed=1", "--seed=2 --append"):
        call_command("generate_demo", "--predictions=30", "--users=2", "--forecasts=20", *seed.split(),
                     stdout=io.StringIO())
    bundle = export_bundle()
    empty_the_database()
    import_bundle(bundle, restore=True)
    assert export_bundle() == bundle
