"""Question integrity: an edit of a prediction's statement, criteria or resolve-by date after forecasts exist is
recorded (who, when, before and after), append-only, shown to its forecasters, and kept by the bundle."""

import io
import json
from datetime import UTC, date, datetime

import pytest
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.test import Client

from tests.factories import empty_the_database, make_prediction, make_user
from tests.test_bundle import run_import
from tests.test_edit_conflicts import form_in, opened_form
from tracker.bundle import export_bundle
from tracker.models import Forecast, Prediction, PredictionEdit

pytestmark = pytest.mark.django_db


@pytest.fixture
def forecast_question(member):
    p = make_prediction(statement="Acme lists in 2026.", criteria="A listing on a US exchange.",
                        made_on=date(2026, 1, 1), resolve_by=date(2026, 12, 31))
    Forecast.objects.create(prediction=p, user=member, probability=0.4, made_at=datetime(2026, 2, 1, tzinfo=UTC))
    return p


def edit(client: Client, p: Prediction, **changes):
    url = f"/predictions/{p.pk}/edit/"
    return client.post(url, {**opened_form(client, url), **changes})


def test_an_edit_after_forecasts_is_recorded_with_who_when_before_and_after(editor_client, editor, forecast_question):
    response = edit(editor_client, forecast_question, statement="Acme lists on NASDAQ in 2026.",
                    resolve_by="2027-03-31", source="")
    assert response.status_code == 302
    edits = {e.field: e for e in PredictionEdit.objects.all()}
    assert set(edits) == {"statement", "resolve_by"}  # the criteria did not change
    assert (edits["statement"].before, edits["statement"].after) == ("Acme lists in 2026.",
                                                                     "Acme lists on NASDAQ in 2026.")
    assert (edits["resolve_by"].before, edits["resolve_by"].after) == ("2026-12-31", "2027-03-31")
    assert all(e.editor == editor for e in edits.values())


def test_nothing_is_recorded_without_forecasts_or_for_other_fields(editor_client, forecast_question):
    unforecast = make_prediction(statement="Nobody forecast this.")
    assert edit(editor_client, unforecast, statement="Nobody forecast this, reworded.").status_code == 302
    assert edit(editor_client, forecast_question, tags="ipo", stated_percent="60").status_code == 302
    assert PredictionEdit.objects.count() == 0


def test_a_refused_stale_edit_records_nothing(editor_client, forecast_question):
    url = f"/predictions/{forecast_question.pk}/edit/"
    stale = opened_form(editor_client, url)
    assert edit(editor_client, forecast_question, criteria="First rewording.").status_code == 302
    assert editor_client.post(url, {**stale, "criteria": "Second rewording."}).status_code == 409
    assert list(PredictionEdit.objects.values_list("after", flat=True)) == ["First rewording."]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_forecasters_from_before_the_edit_are_told_and_everyone_sees_the_record(
        editor_client, member, forecast_question):
    member_client = logged_in(member)
    late = make_user("late", role="members")
    edit(editor_client, forecast_question, criteria="A listing on NASDAQ.", resolve_by="2027-03-31")
    Forecast.objects.create(prediction=forecast_question, user=late, probability=0.5)
    page = member_client.get(forecast_question.get_absolute_url()).content.decode()
    notice = page[page.index("data-edited-after-you"):page.index("</div>", page.index("data-edited-after-you"))]
    assert "Edited after you forecast" in notice and "by edith" in notice
    assert "<del>A listing on a US exchange.</del> → <ins>A listing on NASDAQ.</ins>" in notice
    assert "31 Dec 2026" in notice and "31 Mar 2027" in notice
    for client in (logged_in(late), editor_client):  # forecast after the edit, or not at all: no notice
        html = client.get(forecast_question.get_absolute_url()).content.decode()
        assert "data-edited-after-you" not in html
        assert "Edits to the question" in html and "A listing on NASDAQ." in html


def test_the_database_keeps_edits_append_only(editor_client, forecast_question, history_locked):
    edit(editor_client, forecast_question, statement="Reworded.")
    record = PredictionEdit.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PredictionEdit.objects.filter(pk=record.pk).update(after="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PredictionEdit.objects.filter(pk=record.pk).delete()
    assert PredictionEdit.objects.get().after == "Reworded."


def test_edits_survive_export_and_import_to_the_byte(editor_client, forecast_question):
    edit(editor_client, forecast_question, statement="Acme lists on NASDAQ in 2026.", criteria="")
    first = export_bundle()
    assert [(e["field"], e["before"], e["after"], e["editor"]) for e in json.loads(first)["edits"]] == [
        ("criteria", "A listing on a US exchange.", "", "edith"),
        ("statement", "Acme lists in 2026.", "Acme lists on NASDAQ in 2026.", "edith")]
    run_import(first)  # into the same database: nothing changes
    assert export_bundle() == first
    empty_the_database()
    run_import(first, "--restore")
    assert export_bundle() == first


def test_an_import_that_changes_a_forecast_question_records_the_edit_and_refuses_a_rewritten_one(
        editor_client, forecast_question):
    bundle = json.loads(export_bundle())
    bundle["predictions"][0]["statement"] = "Acme lists in 2027."
    run_import(bundle, "--as", "edith")
    stored = PredictionEdit.objects.get()
    assert (stored.field, stored.before, stored.after, stored.editor.username) == (
        "statement", "Acme lists in 2026.", "Acme lists in 2027.", "edith")
    rewritten = json.loads(export_bundle())
    rewritten["edits"][0]["before"] = "Something else."
    _, err = run_import_failing(rewritten)
    assert "edits[0]: differs from the edit already stored" in err
    assert PredictionEdit.objects.count() == 1


def run_import_failing(bundle):
    err = io.StringIO()
    with pytest.raises(CommandError):
        run_import(bundle, stderr=err)
    return None, err.getvalue()


def test_a_bundle_edit_must_name_a_real_date_for_resolve_by(editor):
    bundle = json.loads(export_bundle())
    p = make_prediction(key="p-1")
    bundle["edits"] = [{"prediction": p.key, "field": "resolve_by", "at": "2026-03-01T00:00:00Z",
                        "before": "2026-13-45", "after": "2027-01-01"}]
    _, err = run_import_failing(bundle)
    assert "edits[0].before: a resolve-by date is YYYY-MM-DD, not '2026-13-45'" in err


def test_an_edit_in_the_admin_is_recorded_too(client, forecast_question):
    admin = make_user("root")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    url = f"/admin/tracker/prediction/{forecast_question.pk}/change/"
    page = client.get(url).content.decode()
    assert "Acme lists in 2026." in page
    form = opened_admin_form(page)
    response = client.post(url, {**form, "statement": "Acme lists on NYSE in 2026."})
    assert response.status_code == 302
    stored = PredictionEdit.objects.get()
    assert (stored.field, stored.after, stored.editor) == ("statement", "Acme lists on NYSE in 2026.", admin)


def opened_admin_form(html: str) -> dict:
    return {name: values for name, values in form_in(html).items() if name != "_addanother"}


@pytest.mark.parametrize("change, message", [
    ({"after": "a\u0000b"}, "edits[0].after"),
    ({"field": "speaker"}, "edits[0].field"),
    ({"at": "2026-03-01T00:00:00"}, "edits[0].at"),
    ({"prediction": "nowhere"}, "edits[0].prediction: unknown prediction 'nowhere'"),
    ({"after": "x" * 20_001}, "edits[0].after"),
])
def test_a_bad_bundle_edit_is_refused_with_its_place_and_nothing_is_written(editor, change, message):
    p = make_prediction(key="p-1")
    bundle = {"format": "thesis-tracker/1", "edits": [{"prediction": p.key, "field": "statement",
                                                       "at": "2026-03-01T00:00:00Z", "before": "a", "after": "b",
                                                       **change}]}
    _, err = run_import_failing(bundle)
    assert message in err
    assert PredictionEdit.objects.count() == 0
