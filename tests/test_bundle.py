"""The bundle format: import upserts by key, bad bundles are refused whole, export round-trips exactly."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories import empty_the_database
from tracker import services
from tracker.bundle import export_bundle
from tracker.models import Forecast, Person, Prediction, Quote, ResolutionEvent, Signal, Thesis

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "lex-fridman-490.json"

VALID = {
    "format": "thesis-tracker/1",
    "people": [{"key": "ana", "name": "Ana Analyst", "affiliation": "Fund"}],
    "companies": [{"key": "acme", "name": "Acme", "ticker": "ACME"}],
    "sources": [{"key": "ep-1", "kind": "podcast", "title": "Episode 1", "published_on": "2026-01-31",
                 "url": "https://www.youtube.com/watch?v=x", "duration_seconds": 3600}],
    "quotes": [{"key": "q-1", "source": "ep-1", "speaker": "ana", "text": "Acme will win.",
                "timestamp_seconds": 61}],
    "theses": [{"key": "acme-wins", "title": "Acme wins", "stance": "bullish", "opened_on": "2026-02-01",
                "companies": ["acme"], "quotes": ["q-1"]}],
    "predictions": [
        {"key": "acme-ipo", "statement": "Acme goes public in 2026", "speaker": "ana", "source": "ep-1",
         "made_on": "2026-01-31", "resolve_by": "2026-12-31", "criteria": "An S-1 and a listing.",
         "stated_probability": 0.6, "quotes": ["q-1"], "theses": ["acme-wins"], "companies": ["acme"],
         "tags": ["ipo"]},
        {"key": "acme-ads", "statement": "Acme ships ads", "speaker": "ana", "made_on": "2026-01-31",
         "resolve_by": "2026-06-30"},
    ],
    "signals": [{"key": "acme-files", "title": "Acme files", "occurred_on": "2026-03-01",
                 "direction": "supports", "theses": ["acme-wins"], "predictions": ["acme-ipo"]}],
    "forecasts": [{"user": "bob", "prediction": "acme-ipo", "probability": 0.25,
                   "made_at": "2026-02-01T10:00:00Z", "note": "Too early."}],
}


def run_import(bundle, *args, stderr=None):
    raw = bundle if isinstance(bundle, str) else json.dumps(bundle)
    out, err = io.StringIO(), stderr or io.StringIO()
    path = settings.VAR_DIR / "test-bundle.json"
    path.write_text(raw, encoding="utf-8")
    try:
        call_command("import_bundle", str(path), *args, stdout=out, stderr=err)
    finally:
        path.unlink()
    return out.getvalue(), err.getvalue()


def counts():
    return [m.objects.count() for m in (Person, Quote, Thesis, Prediction, Signal, Forecast, ResolutionEvent)]


def test_the_shipped_fixture_is_clean_utf8():
    text = FIXTURE.read_bytes().decode("utf-8")
    assert "â€" not in text and "Ã" not in text


@pytest.mark.django_db
def test_the_shipped_fixture_imports_with_the_episode_in_it():
    run_import(FIXTURE.read_text(encoding="utf-8"))
    assert Prediction.objects.count() >= 15
    assert Quote.objects.count() >= 20
    assert Signal.objects.count() >= 10
    assert Thesis.objects.filter(stance="bullish").exists() and Thesis.objects.filter(stance="risk").exists()
    assert set(Prediction.objects.values_list("status", flat=True)) == {"open"}
    assert Quote.objects.filter(timestamp_seconds__isnull=False, speaker__isnull=False).count() >= 5
    # Every prediction is tied to who made it.
    assert not Prediction.objects.filter(speaker__isnull=True).exists()


@pytest.mark.django_db
def test_importing_the_same_bundle_twice_changes_nothing():
    run_import(FIXTURE.read_text(encoding="utf-8"))
    before, snapshot = counts(), export_bundle()
    out, _ = run_import(FIXTURE.read_text(encoding="utf-8"))
    assert counts() == before
    assert export_bundle() == snapshot
    assert " new" in out and "1 new" not in out.replace("0 new", "")


@pytest.mark.django_db
def test_import_upserts_by_key():
    run_import(VALID)
    changed = copy.deepcopy(VALID)
    changed["people"][0]["name"] = "Ana B. Analyst"
    changed["predictions"][0]["tags"] = ["ipo", "listing"]
    out, _ = run_import(changed)
    assert Person.objects.get(key="ana").name == "Ana B. Analyst"
    assert Person.objects.count() == 1
    assert sorted(Prediction.objects.get(key="acme-ipo").tags.values_list("name", flat=True)) == ["ipo", "listing"]
    assert "people: 0 new, 1 updated" in out


@pytest.mark.django_db
def test_a_user_named_only_by_a_bundle_cannot_log_in():
    run_import(VALID)
    bob = Forecast.objects.get().user
    assert bob.username == "bob" and not bob.has_usable_password()


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    out, _ = run_import(VALID, "--dry-run")
    assert "dry run" in out
    assert counts() == [0] * 7


@pytest.mark.django_db
def test_reading_from_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(VALID).encode())))
    call_command("import_bundle", "-", stdout=io.StringIO())
    assert Prediction.objects.count() == 2


def mutate(path, value):
    """A copy of VALID with the value at a dotted path replaced (or, for value=DELETE, removed)."""
    bundle = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    target = bundle
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is DELETE:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return bundle


DELETE = object()
DUPLICATE = copy.deepcopy(VALID)
DUPLICATE["people"].append({"key": "ana", "name": "Another Ana"})
TWO_PROBLEMS = mutate("predictions.1.made_on", "2026-02-30")
TWO_PROBLEMS["predictions"][0]["speaker"] = 7

BAD = [
    ("bad date", mutate("predictions.0.resolve_by", "2026-13-45"),
     ["predictions[0].resolve_by: invalid date '2026-13-45'"]),
    ("unknown person", mutate("predictions.1.speaker", "nathan"),
     ["predictions[1].speaker: unknown person 'nathan'"]),
    ("unknown quote in a list", mutate("theses.0.quotes", ["q-1", "q-404"]),
     ["theses[0].quotes[1]: unknown quote 'q-404'"]),
    ("duplicate key", DUPLICATE, ["people[1].key: duplicate person key 'ana'"]),
    ("probability 1.5", mutate("predictions.0.stated_probability", 1.5),
     ["predictions[0].stated_probability: 1.5 is out of range"]),
    ("forecast of certainty", mutate("forecasts.0.probability", 1.0),
     ["forecasts[0].probability: 1.0 is out of range"]),
    ("unknown field", mutate("quotes.0.loudness", 11), ["quotes[0].loudness: unknown field"]),
    ("missing field", mutate("sources.0.title", DELETE), ["sources[0].title: required field is missing"]),
    ("wrong type", mutate("quotes.0.timestamp_seconds", "61"), ["quotes[0].timestamp_seconds: "]),
    ("unknown status", mutate("predictions.0.status", "maybe"), ["predictions[0].status: 'maybe' is not one of"]),
    ("dates out of order", mutate("predictions.0.resolve_by", "2025-01-01"),
     ["predictions[0].resolve_by: 2025-01-01 is before made_on 2026-01-31"]),
    ("resolved without a date", mutate("predictions.0.status", "true"),
     ["predictions[0].resolved_on: required when status is 'true'"]),
    ("bad key", mutate("people.0.key", "Ana Analyst"), ["people[0].key: invalid key 'Ana Analyst'"]),
    ("naive date-time", mutate("forecasts.0.made_at", "2026-02-01T10:00:00"),
     ["forecasts[0].made_at: invalid date-time"]),
    ("wrong format", mutate("format", "other/2"), ["format: 'other/2' is not one of"]),
    ("every problem listed", TWO_PROBLEMS,
     ["predictions[0].speaker: ", "predictions[1].made_on: invalid date '2026-02-30'"]),
    ("a NUL character", mutate("quotes.0.text", "a\x00b"), ["quotes[0].text: contains a NUL character"]),
    ("malformed JSON", '{"format": "thesis-tracker/1", "people": [', ["malformed JSON: "]),
    ("a list given twice", '{"format": "thesis-tracker/1", "people": [], "people": [{"key": "x", "name": "X"}]}',
     ['"people" appears twice']),
    ("a field given twice in an item", json.dumps(VALID)[:-1] + ', "companies": [{"key": "a", "name": "A"}, '
     '{"key": "b", "name": "B", "name": "C"}]}', ['"companies" appears twice', 'companies[1]: the field "name" '
                                                  'appears twice']),
    ("the format given twice", '{"format": "thesis-tracker/1", "format": "thesis-tracker/1"}',
     ['"format" appears twice']),
    ("a field given twice deep inside", '{"format": "thesis-tracker/1", "predictions": [{"key": "p", '
     '"statement": "S", "made_on": "2026-01-01", "resolve_by": "2026-02-01", "tags": ["a"], "tags": ["b"]}]}',
     ['predictions[0]: the field "tags" appears twice']),
    ("empty file", "", ["the file is empty"]),
    ("not an object", "[1, 2]", ["expected a JSON object"]),
    ("deeply nested", '{"format": "thesis-tracker/1", "people": ' + "[" * 5000 + "]" * 5000 + "}",
     ["the JSON is nested too deeply"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "bundle", "messages"), BAD, ids=[case for case, _, _ in BAD])
def test_a_bad_bundle_is_refused_with_located_messages_and_writes_nothing(case, bundle, messages):
    run_import(VALID)
    before, snapshot = counts(), export_bundle()
    err = io.StringIO()
    raw = bundle if isinstance(bundle, str) else json.dumps(bundle)
    path = settings.VAR_DIR / "test-bad-bundle.json"
    path.write_text(raw, encoding="utf-8")
    try:
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command("import_bundle", str(path), stdout=io.StringIO(), stderr=err)
    finally:
        path.unlink()
    lines = err.getvalue().splitlines()
    for message in messages:
        assert any(line.startswith(message) for line in lines), (message, lines)
    assert "Traceback" not in err.getvalue()
    assert counts() == before and export_bundle() == snapshot


@pytest.mark.django_db
def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_bundle", "/nonexistent/bundle.json")


@pytest.mark.django_db
def test_export_import_export_is_byte_identical(editor):
    run_import(FIXTURE.read_text(encoding="utf-8"))
    run_import(VALID)
    p = Prediction.objects.get(key="acme-ipo")
    p = services.resolve(p, status="true", expected_version=p.version, actor=editor, note="Listed.",
                         evidence_url="https://example.com/listing")
    p = services.resolve(p, status="false", expected_version=p.version, actor=editor)
    services.undo(p, expected_version=p.version, actor=editor, note="Mis-click.")
    services.record_forecast(Prediction.objects.get(key="acme-ads"), editor, 0.123456789, note="ünïcode — ok")
    first = export_bundle()

    empty_the_database()
    assert Prediction.objects.count() == 0

    run_import(first, "--as", "edith")
    second = export_bundle()
    # The same data, except that every forecast now says it came in by this import.
    original, restored = json.loads(first), json.loads(second)
    assert [f.get("imported_by") for f in original["forecasts"]] == [None, None]  # live, and by the command
    for forecast in original["forecasts"]:
        forecast.pop("imported_at", None)
    for forecast in restored["forecasts"]:
        assert forecast.pop("imported_by") == "edith" and forecast.pop("imported_at")
    assert restored == original
    assert json.loads(first)["history"][-1]["action"] == "undo"
    run_import(second)  # into the same database: nothing changes, to the byte
    assert export_bundle() == second


@pytest.mark.django_db
def test_a_restore_from_the_command_line_gives_back_the_same_bytes_provenance_included(editor):
    run_import(VALID, "--as", "edith")
    p = Prediction.objects.get(key="acme-ads")
    services.record_forecast(p, editor, 0.4, "live")
    first = export_bundle()
    empty_the_database()
    run_import(first, "--restore")
    assert export_bundle() == first
    assert Forecast.objects.filter(imported_at__isnull=True).get().note == "live"
    assert Forecast.objects.get(note="Too early.").imported_by.username == "edith"


@pytest.mark.django_db
def test_export_to_a_file_and_to_stdout(tmp_path, capsys):
    run_import(VALID)
    target = tmp_path / "out.json"
    call_command("export_bundle", str(target), stderr=io.StringIO())
    call_command("export_bundle", "-")
    assert capsys.readouterr().out == target.read_text(encoding="utf-8")
    assert json.loads(target.read_text())["format"] == "thesis-tracker/1"


@pytest.mark.django_db
def test_an_import_that_changes_a_status_records_it_in_the_history():
    run_import(VALID)
    resolved = mutate("predictions.0.status", "false")
    resolved["predictions"][0]["resolved_on"] = "2026-11-01"
    run_import(resolved)
    event = ResolutionEvent.objects.get()
    assert (event.from_status, event.to_status) == ("open", "false")
    run_import(resolved)
    assert ResolutionEvent.objects.count() == 1


@pytest.mark.django_db
def test_schema_problems_and_problems_between_items_are_reported_in_one_round():
    from tracker.bundle import BundleError, import_bundle
    from tracker.models import Person

    bundle = copy.deepcopy(VALID)
    bundle["people"][0]["url"] = "ftp://example.com/ana"  # schema: the person fails...
    bundle["predictions"][1]["speaker"] = "nobody"  # ...a reference to no one...
    bundle["predictions"][1]["resolve_by"] = "2025-01-01"  # ...a date before made_on...
    bundle["companies"].append(dict(bundle["companies"][0]))  # ...and a duplicate key
    with pytest.raises(BundleError) as caught:
        import_bundle(json.dumps(bundle))
    found = [str(problem) for problem in caught.value.problems]
    assert found == [
        "people[0].url: invalid URL 'ftp://example.com/ana': use an http:// or https:// address",
        "companies[1].key: duplicate company key 'acme'",
        "predictions[1].speaker: unknown person 'nobody'",
        "predictions[1].resolve_by: 2025-01-01 is before made_on 2026-01-31",
    ]
    # 'ana' failed the schema but is in the file: the references to her are not reported as unknown too.
    assert Person.objects.count() == 0
