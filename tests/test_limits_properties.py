"""The forms and the bundle agree on every limit.

Whatever the forms accept, export writes, and export -> import into an empty database -> export gives the same
bytes; whatever import accepts, each object's edit form accepts unchanged. Values are drawn around every limit:
lengths at and past the maximum, huge numbers, odd dates, links with quotes, NUL characters, spaced-out names.
"""

import copy
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import empty_the_database, make_prediction, make_source, make_user
from tests.test_bundle import VALID
from tracker import forms
from tracker.bundle import BundleError, export_bundle, import_bundle
from tracker.models import (
    Company,
    Person,
    Prediction,
    Quote,
    Signal,
    Source,
    Thesis,
)

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])

TODAY = timezone.localdate()
PIECES = st.text(alphabet=st.sampled_from(["a", "Z", " ", "\t", "\n", "é", "字", "😀", ".", '"', "<", ">",
                                           "\x00", "\x1c", "\u2028", "\u00a0", "-", "_"]), min_size=1, max_size=4)


def text_near(limit: int):
    """Text of a length around `limit` (and a few short ones), made of awkward characters."""
    lengths = st.sampled_from([0, 1, 2, limit - 1, limit, limit + 1, 2 * limit])
    return st.tuples(PIECES, lengths).map(lambda t: (t[0] * (t[1] // len(t[0]) + 1))[:t[1]])


def url_near(limit: int = 500):
    head = "https://example.com/"
    return st.one_of(
        st.sampled_from(["", "https://example.com/a", "HTTPS://EXAMPLE.COM/A", "example.com/x", 'https://x"><script>',
                         "https://x\x00y.com", "ftp://example.com/", "javascript:alert(1)", "https://[", "http://[::1]",
                         "https://bücher.de/ü", "https://example.com/a b", "http://localhost:8000/x",
                         " https://example.com/padded "]),
        st.sampled_from([limit - 1, limit, limit + 1, 10_020]).map(lambda n: head + "a" * (n - len(head))),
    )


def date_near():
    return st.one_of(
        st.sampled_from(["0001-01-01", "1899-12-31", "1900-01-01", "9999-12-31", "2200-12-31", "2201-01-01",
                         "2026-02-30", "", "yesterday"]),
        st.sampled_from([-1, 0, 1, 365]).map(lambda d: str(TODAY + timedelta(days=d))),
        st.dates().map(str),
    )


SECONDS = st.one_of(st.sampled_from(["", "0", "1", "59", "1:00", "10000000", "10000001", "2777:46:40",
                                     "2777:46:41", "99999999999:00:00", "-1", "1:60", "1e3", "٣", "9" * 30]),
                    st.integers(min_value=0, max_value=2 * 10**7).map(str))
PERCENT = st.sampled_from(["", "0", "100", "100.0001", "-0", "1e309", "nan", "33.333333", "12.345", "99.999"])
NAMES = st.one_of(text_near(200), st.sampled_from(["  Dario   Amodei  ", "dario amodei", "Anthropic.", "Anthropic"]))

# Each form: its URL, values it accepts, and values around each field's limits; an example changes a few.
FORMS = {
    "person": ("/people/new/", {"name": "Jane Doe {n}", "affiliation": "", "url": ""},
               {"name": NAMES, "affiliation": text_near(200), "url": url_near()}),
    "company": ("/companies/new/", {"name": "Acme {n}", "ticker": "", "url": ""},
                {"name": NAMES, "ticker": text_near(20), "url": url_near()}),
    "source": ("/sources/new/", {"kind": "podcast", "title": "Episode {n}", "publisher": "",
                                 "published_on": "2026-01-31", "url": "", "duration_seconds": ""},
               {"title": text_near(300), "publisher": text_near(200), "published_on": date_near(),
                "url": url_near(), "duration_seconds": SECONDS}),
    "quote": ("/quotes/new/", {"source": "{source}", "text": "Words {n}.", "timestamp_seconds": ""},
              {"text": text_near(20_000), "timestamp_seconds": SECONDS}),
    "thesis": ("/theses/new/", {"title": "Thesis {n}", "stance": "bullish", "status": "active", "rationale": "",
                                "opened_on": "2026-02-01"},
               {"title": text_near(300), "rationale": text_near(20_000), "opened_on": date_near()}),
    "prediction": ("/predictions/new/", {"statement": "It happens {n}", "made_on": "2026-01-31",
                                         "resolve_by": "2026-12-31", "criteria": "", "stated_percent": "",
                                         "tags": ""},
                   {"statement": text_near(5_000), "made_on": date_near(), "resolve_by": date_near(),
                    "criteria": text_near(20_000), "stated_percent": PERCENT, "tags": text_near(60)}),
    "signal": ("/signals/new/", {"title": "Signal {n}", "occurred_on": "2026-03-01", "url": "", "summary": "",
                                 "direction": "supports"},
               {"title": text_near(300), "occurred_on": date_near(), "url": url_near(),
                "summary": text_near(20_000)}),
    "resolve": ("/predictions/{prediction}/resolve/", {"status": "true", "resolved_on": "2026-11-01", "note": "",
                                                       "evidence_url": "", "version": "1"},
                {"resolved_on": date_near(), "note": text_near(20_000), "evidence_url": url_near()}),
    "forecast": ("/predictions/{prediction}/forecast/", {"percent": "40", "note": ""},
                 {"note": text_near(2_000)}),
}


def rolled_back(check):
    with transaction.atomic():
        check()
        transaction.set_rollback(True)



@EXAMPLES
@given(posts=st.lists(st.sampled_from(sorted(FORMS)), min_size=1, max_size=4), data=st.data())
def test_whatever_a_form_accepts_survives_export_and_import_byte_for_byte(client, posts, data):
    def check():
        client.force_login(make_user(role="editors"))
        ids = {"source": make_source(duration_seconds=None).pk, "prediction": make_prediction().pk}
        for n, form in enumerate(posts):
            url, accepted, hostile = FORMS[form]
            values = {name: value.format(n=n, **ids) for name, value in accepted.items()}
            for name in data.draw(st.lists(st.sampled_from(sorted(hostile)), min_size=1, max_size=2, unique=True)):
                values[name] = data.draw(hostile[name], label=f"{form}.{name}")
            response = client.post(url.format(**ids), values, HTTP_HX_REQUEST="true")
            assert response.status_code in {200, 302, 409, 422}, (form, response.status_code)
        first = export_bundle()  # raises if a form let through what no bundle can hold
        empty_the_database()
        import_bundle(first, restore=True)
        assert export_bundle() == first
    rolled_back(check)


# --- the other way: bundles near the limits, then each object's edit form -----------------------------

EDIT_FORMS = {Person: forms.PersonForm, Company: forms.CompanyForm, Source: forms.SourceForm, Quote: forms.QuoteForm,
              Thesis: forms.ThesisForm, Prediction: forms.PredictionForm, Signal: forms.SignalForm}

JSON_TEXT = {
    200: text_near(200), 300: text_near(300), 5_000: text_near(5_000), 20_000: text_near(20_000),
    20: text_near(20),
}
BUNDLE_VALUES = {
    ("people", 0, "name"): st.one_of(NAMES, st.just("Acme")),
    ("people", 0, "affiliation"): JSON_TEXT[200],
    ("people", 0, "url"): url_near(),
    ("companies", 0, "name"): NAMES,
    ("companies", 0, "ticker"): JSON_TEXT[20],
    ("companies", 0, "url"): url_near(),
    ("sources", 0, "title"): JSON_TEXT[300],
    ("sources", 0, "publisher"): JSON_TEXT[200],
    ("sources", 0, "published_on"): date_near(),
    ("sources", 0, "url"): url_near(),
    ("sources", 0, "duration_seconds"): st.sampled_from([None, 0, 1, 60, 3600, 10**7, 10**7 + 1, 3.6e14, 2**70]),
    ("quotes", 0, "text"): JSON_TEXT[20_000],
    ("quotes", 0, "timestamp_seconds"): st.sampled_from([None, 0, 61, 3600, 3601, 10**7, 2 * 10**7, -1]),
    ("theses", 0, "title"): JSON_TEXT[300],
    ("theses", 0, "rationale"): JSON_TEXT[20_000],
    ("theses", 0, "opened_on"): date_near(),
    ("predictions", 0, "statement"): JSON_TEXT[5_000],
    ("predictions", 0, "made_on"): date_near(),
    ("predictions", 0, "resolve_by"): date_near(),
    ("predictions", 0, "criteria"): JSON_TEXT[20_000],
    ("predictions", 0, "stated_probability"): st.sampled_from([None, 0, 0.0, 1, 1.0, 0.123456789, 1e-9, 1.0001]),
    ("predictions", 0, "resolution_url"): url_near(),
    ("signals", 0, "title"): JSON_TEXT[300],
    ("signals", 0, "occurred_on"): date_near(),
    ("signals", 0, "url"): url_near(),
    ("signals", 0, "summary"): JSON_TEXT[20_000],
}
RESOLVED = st.sampled_from([None, "1900-01-01", "2026-01-30", "2026-01-31", str(TODAY), str(TODAY + timedelta(1))])


def current_values(form) -> dict:
    """What the edit page would send back untouched: every field's value as it is shown."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "" if value is None else str(value)
    return data


@EXAMPLES
@given(changes=st.lists(st.sampled_from(sorted(BUNDLE_VALUES)), min_size=1, max_size=5, unique=True),
       resolved_on=RESOLVED, data=st.data())
def test_whatever_import_accepts_its_edit_forms_accept_unchanged(changes, resolved_on, data):
    bundle = copy.deepcopy(VALID)
    for path in changes:
        name, i, field = path
        bundle[name][i][field] = data.draw(BUNDLE_VALUES[path], label=".".join(map(str, path)))
    if resolved_on is not None:
        bundle["predictions"][0].update(status="true", resolved_on=resolved_on)

    def check():
        try:
            import_bundle(json.dumps(bundle))
        except BundleError as exc:
            assert exc.problems
            return
        for model, form_class in EDIT_FORMS.items():
            for obj in model.objects.all():
                form = form_class(current_values(form_class(instance=obj)), instance=obj)
                assert form.is_valid(), (model.__name__, obj.key, form.errors.as_data())
    rolled_back(check)
