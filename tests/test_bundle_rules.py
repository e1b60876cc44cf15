"""Rules of the bundle that the random hostile-input tests reach only by chance, each with a fixed example."""

import copy
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.test_bundle import VALID, counts, run_import
from tracker.bundle import export_bundle

pytestmark = pytest.mark.django_db

RESOLVED = copy.deepcopy(VALID)
RESOLVED["predictions"][1] |= {"status": "true", "resolved_on": "2026-05-01"}
RESOLVED["history"] = [{"prediction": "acme-ads", "action": "resolve", "at": "2026-05-01T12:00:00Z",
                        "from_status": "open", "to_status": "true", "resolved_on": "2026-05-01",
                        "note": "Shipped."}]


def refused(bundle) -> list[str]:
    """The problem lines of a refused import; fails the test if the import went through."""
    err = io.StringIO()
    path = settings.VAR_DIR / "test-rule-bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    try:
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command("import_bundle", str(path), stdout=io.StringIO(), stderr=err)
    finally:
        path.unlink()
    return err.getvalue().splitlines()


def test_a_nul_character_in_any_text_is_refused_where_it_is():
    bundle = copy.deepcopy(VALID)
    bundle["quotes"][0]["text"] = "Acme\x00 will win."
    assert any(line.startswith("quotes[0].text: contains a NUL character") for line in refused(bundle))
    assert counts() == [0] * 7


def test_a_nul_character_in_a_list_of_keys_is_refused():
    bundle = copy.deepcopy(VALID)
    bundle["predictions"][0]["tags"] = ["ipo", "a\x00b"]
    assert any(line.startswith("predictions[0].tags") for line in refused(bundle))


def test_a_tag_listed_twice_is_refused():
    bundle = copy.deepcopy(VALID)
    bundle["predictions"][0]["tags"] = ["ipo", "ipo"]
    assert "predictions[0].tags[1]: 'ipo' is listed twice" in refused(bundle)


def test_two_history_entries_for_one_moment_are_refused():
    bundle = copy.deepcopy(RESOLVED)
    bundle["history"].append({**bundle["history"][0], "note": "Again."})
    assert any(line.startswith("history[1].at: a second entry for 'acme-ads'") for line in refused(bundle))


def test_history_that_differs_from_the_stored_entry_is_refused_and_nothing_changes():
    run_import(RESOLVED)
    before, snapshot = counts(), export_bundle()
    bundle = copy.deepcopy(RESOLVED)
    bundle["history"][0]["note"] = "Rewritten after the fact."
    assert any(line.startswith("history[0]: differs from the entry already stored") for line in refused(bundle))
    assert counts() == before and export_bundle() == snapshot
