"""An import may add history only where it follows from the stored state, so that Undo after an import always
restores a state that really was."""

import copy
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError

from tests.test_bundle import VALID, run_import
from tracker import services
from tracker.models import Prediction, ResolutionEvent

pytestmark = pytest.mark.django_db


def upload(client, bundle):
    return client.post("/import/", {"file": SimpleUploadedFile("bundle.json", json.dumps(bundle).encode())})


def refused(bundle) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(bundle, stderr=err)
    return err.getvalue().splitlines()


def row(**kw):
    return {"prediction": "acme-ipo", "action": "resolve", "actor": "admin", "at": "2026-03-01T10:00:00Z",
            "from_status": "open", "to_status": "true", "resolved_on": "2026-03-01", "note": "", **kw}


def test_a_resolution_that_contradicts_the_stated_status_is_refused():
    run_import(VALID)
    forged = copy.deepcopy(VALID)
    forged["history"] = [row()]  # the prediction stays open in the bundle
    lines = refused(forged)
    assert lines == ["history[0]: leaves 'acme-ipo' 'true', but the bundle gives its status as 'open'"]
    assert not ResolutionEvent.objects.exists()


def test_a_row_that_does_not_follow_from_the_stored_state_is_refused_with_its_place():
    run_import(VALID)
    forged = copy.deepcopy(VALID)
    forged["predictions"][0].update(status="false", resolved_on="2026-03-02")
    forged["history"] = [row(), row(at="2026-03-02T10:00:00Z", from_status="open", to_status="false",
                                    resolved_on="2026-03-02")]
    lines = refused(forged)
    assert lines == ["history[1].from_status: 'open' does not follow: 'acme-ipo' is 'true' at that point"]
    assert Prediction.objects.get(key="acme-ipo").status == "open"


def test_a_backdated_row_before_the_stored_history_is_refused(editor):
    run_import(VALID)
    p = Prediction.objects.get(key="acme-ipo")
    services.resolve(p, status="true", expected_version=p.version, actor=editor)
    forged = copy.deepcopy(VALID)
    forged["predictions"][0].update(status="false", resolved_on="2026-03-01")
    forged["history"] = [row(at="2026-03-01T10:00:00Z", from_status="true", to_status="false")]
    lines = refused(forged)
    assert len(lines) == 1 and lines[0].startswith("history[0].at: 2026-03-01T10:00:00+00:00 is not after the latest")
    assert ResolutionEvent.objects.count() == 1


def test_an_undo_must_restore_what_an_undo_would(editor_client):
    bundle = copy.deepcopy(VALID)
    bundle["predictions"][0].update(status="false", resolved_on="2026-03-02")
    bundle["history"] = [row(), row(at="2026-03-02T10:00:00Z", from_status="true", to_status="false",
                                    resolved_on="2026-03-02"),
                         row(at="2026-03-03T10:00:00Z", action="undo", from_status="false", to_status="open",
                             resolved_on=None)]
    response = upload(editor_client, bundle)
    assert response.status_code == 422
    assert "<code>history[2].to_status</code>: an undo at that point restores &#x27;true&#x27;" \
        in response.content.decode()


def test_history_that_replays_to_the_stated_status_is_added_and_undo_restores_its_previous_state(editor):
    run_import(VALID)
    bundle = copy.deepcopy(VALID)
    bundle["predictions"][0].update(status="false", resolved_on="2026-03-02")
    bundle["history"] = [row(note="Listed."), row(at="2026-03-02T10:00:00Z", from_status="true",
                                                  to_status="false", resolved_on="2026-03-02")]
    run_import(bundle)
    p = Prediction.objects.get(key="acme-ipo")
    assert list(p.history.values_list("from_status", "to_status")) == [("open", "true"), ("true", "false")]
    services.undo(p, expected_version=p.version, actor=editor)
    p.refresh_from_db()
    assert (p.status, p.resolved_on.isoformat(), p.resolution_note) == ("true", "2026-03-01", "Listed.")


def test_a_status_change_leaves_its_own_row_even_when_the_bundle_has_other_history(editor):
    run_import(VALID)
    bundle = copy.deepcopy(VALID)
    other = Prediction.objects.get(key="acme-ads")
    bundle["predictions"][1].update(status="true", resolved_on="2026-03-01")
    bundle["predictions"][0].update(status="false", resolved_on="2026-04-01")
    bundle["history"] = [row(prediction="acme-ads")]  # explains acme-ads only
    run_import(bundle, "--as", editor.username)
    p = Prediction.objects.get(key="acme-ipo")
    event = p.history.get()
    assert (event.from_status, event.to_status, event.actor) == ("open", "false", editor)
    assert other.history.count() == 1


def test_a_prediction_imported_as_resolved_shows_that_resolution_in_its_history(editor_client, editor):
    bundle = copy.deepcopy(VALID)
    bundle["predictions"][0].update(status="true", resolved_on="2026-05-01")
    upload(editor_client, bundle)
    p = Prediction.objects.get(key="acme-ipo")
    event = p.history.get()
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "open", "true", editor, "Imported as resolved")
    page = editor_client.get(p.get_absolute_url()).content.decode()
    assert "Not resolved yet" not in page and "Imported as resolved" in page
    services.undo(p, expected_version=p.version, actor=editor)
    p.refresh_from_db()
    assert p.status == "open"
    upload(editor_client, bundle)  # importing it again, after the undo, resolves it once more, in the history
    assert p.history.count() == 3


def test_reopening_through_a_bundle_is_an_undo_and_only_where_an_undo_would_reopen(editor):
    run_import(VALID)
    p = Prediction.objects.get(key="acme-ipo")
    p = services.resolve(p, status="true", expected_version=p.version, actor=editor)
    run_import(VALID)  # the bundle still says open
    p.refresh_from_db()
    last = p.history.last()
    assert (p.status, last.action, last.from_status, last.to_status) == ("open", "undo", "true", "open")

    p = services.resolve(p, status="true", expected_version=p.version, actor=editor)
    p = services.resolve(p, status="false", expected_version=p.version, actor=editor)
    lines = refused(VALID)
    assert lines == ["predictions[0].status: reopening 'acme-ipo' needs the history rows that lead there: an undo "
                     "now would restore 'true'"]
