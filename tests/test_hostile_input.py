"""Random and hostile values thrown at the bundle schema and at every form: never a 500, the data unchanged."""

import copy
import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_prediction, make_thesis, make_user
from tests.test_bundle import VALID
from tracker.bundle import BundleError, export_bundle, import_bundle
from tracker.models import Forecast, Prediction, ResolutionEvent, Signal

pytestmark = pytest.mark.django_db
DB_EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

HOSTILE_TEXT = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(["NaN", "nan", "inf", "-inf", "1e309", "-0", "0", "1", "1.0", "100", "101", "-5", "0.5",
                     "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\x00", "a\x00b", "\u202e",
                     "2026-13-45", "9999-12-31", "0001-01-01", "2026-02-30", "'; DROP TABLE tracker_prediction;--",
                     "x" * 20_000, "true", "ambiguous", "open", " ", "\t\n", "../../etc/passwd"]),
    # Nearly valid: what one rule accepts and another might not (a form and the bundle schema, say).
    st.sampled_from(["ftp://example.com/x", "HTTP://EXAMPLE.COM/a", "mailto:a@example.com", "example.com/a",
                     "https://example.com/a b", "javascript:alert(1)", "Jane_Doe", "jane-doe", "a--b", "-a",
                     "UPPER", "x_y, z__w", "tag-1, tag_2", "1999-01-01", "2099-01-01", "99999", "2"]),
)
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=True, allow_infinity=True), HOSTILE_TEXT),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def paths(value, prefix=()):
    """Every place in a JSON document a value could be replaced."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


PATHS = list(paths(VALID))


def replaced(path, value):
    bundle = copy.deepcopy(VALID)
    target = bundle
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return bundle


def rolled_back(check):
    """Run one example inside a transaction that is always rolled back, so examples cannot see each other."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


@DB_EXAMPLES
@given(path=st.sampled_from(PATHS), value=JSON_VALUE)
def test_a_hostile_value_anywhere_in_a_bundle_is_imported_or_refused_cleanly(path, value):
    def check():
        before = export_bundle()
        try:
            raw = json.dumps(replaced(path, value), allow_nan=True)
            import_bundle(raw)
        except BundleError as exc:
            assert exc.problems and all(str(problem) for problem in exc.problems)
            assert "Traceback" not in str(exc)
            assert export_bundle() == before
    rolled_back(check)


@DB_EXAMPLES
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_arbitrary_bytes_are_refused_with_a_message(raw):
    def check():
        with pytest.raises(BundleError) as refused:
            import_bundle(raw)
        assert refused.value.problems
        assert not Prediction.objects.exists()
    rolled_back(check)


@DB_EXAMPLES
@given(key=st.sampled_from(["people", "predictions", "quotes", "forecasts"]), n=st.integers(2, 4))
def test_duplicated_entries_are_refused(key, n):
    bundle = copy.deepcopy(VALID)
    bundle[key] = bundle[key][:1] * n

    def check():
        with pytest.raises(BundleError, match="duplicate"):
            import_bundle(json.dumps(bundle))
    rolled_back(check)


FORM_POSTS = {
    "resolve": ("/predictions/{p}/resolve/", ["status", "resolved_on", "note", "evidence_url", "version"]),
    "undo": ("/predictions/{p}/undo/", ["version"]),
    "forecast": ("/predictions/{p}/forecast/", ["percent", "note"]),
    "edit prediction": ("/predictions/{p}/edit/", ["statement", "made_on", "resolve_by", "criteria", "tags",
                                                  "stated_percent", "speaker", "quotes", "key", "version"]),
    "thesis status": ("/theses/{t}/status/", ["status", "version"]),
    "add signal": ("/theses/{t}/signals/", ["title", "occurred_on", "direction", "url", "summary"]),
    "new source": ("/sources/new/", ["kind", "title", "published_on", "url", "duration_seconds", "author"]),
    "new quote": ("/quotes/new/", ["source", "speaker", "text", "timestamp_seconds"]),
    "new person": ("/people/new/", ["name", "affiliation", "url", "key"]),
    "new company": ("/companies/new/", ["name", "ticker", "url", "key"]),
    "new signal": ("/signals/new/", ["title", "occurred_on", "direction", "url", "summary", "key"]),
    "filter": ("/predictions/", ["q", "status", "speaker", "thesis", "company", "tag", "due", "sort", "page"]),
}


@DB_EXAMPLES
@given(form=st.sampled_from(sorted(FORM_POSTS)), data=st.data(), htmx=st.booleans())
def test_hostile_form_input_never_causes_a_500_or_a_partial_write(client, form, data, htmx):
    url_template, fields = FORM_POSTS[form]

    def check():
        editor = make_user(role="editors")
        p, thesis = make_prediction(), make_thesis()
        client.force_login(editor)
        url = url_template.format(p=p.pk, t=thesis.pk)
        values = {field: data.draw(HOSTILE_TEXT, label=field) for field in fields}
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        counts = (Forecast.objects.count(), ResolutionEvent.objects.count(), Signal.objects.count())
        send = client.get if form == "filter" else client.post
        response = send(url, values, **headers)
        assert response.status_code in {200, 302, 400, 409, 422}, response.status_code
        if response.status_code >= 400:
            assert counts == (Forecast.objects.count(), ResolutionEvent.objects.count(), Signal.objects.count())
            p.refresh_from_db()
            assert p.status == "open"
        else:
            # Whatever a form accepts, the export can write and the import read back.
            import_bundle(export_bundle(), dry_run=True)
    rolled_back(check)


@DB_EXAMPLES
@given(percent=st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), HOSTILE_TEXT))
def test_only_probabilities_from_a_tenth_to_99_9_percent_are_saved(member_client, percent):
    def check():
        p = make_prediction()
        response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": percent},
                                      HTTP_HX_REQUEST="true")
        saved = list(Forecast.objects.values_list("probability", flat=True))
        if response.status_code == 200:
            assert len(saved) == 1 and 0.001 <= saved[0] <= 0.999
        else:
            assert response.status_code == 422 and saved == []
    rolled_back(check)

