"""Resolve, undo and forecast through the views: in place for htmx, redirects for plain forms."""

import json
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import make_prediction, make_thesis
from tracker import services
from tracker.models import Forecast, Prediction, ResolutionEvent, Signal, Thesis

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def resolve_data(p, **overrides):
    return {"status": "true", "resolved_on": str(timezone.localdate()), "note": "It shipped.",
            "evidence_url": "https://example.com/news", "version": p.version, **overrides}


def changed_event(response) -> bool:
    return "predictions-changed" in json.loads(response.headers.get("HX-Trigger", "{}"))


def test_resolving_in_place_returns_only_the_card_and_tells_the_page_it_changed(editor_client):
    p = make_prediction(resolve_by=date.today() - timedelta(days=3))
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<article class="card prediction status-true" id="prediction-{p.pk}"')
    assert html.rstrip().endswith("</article>")
    assert "Resolved as “True”." in html and "Undo resolution" in html
    assert changed_event(response)
    p.refresh_from_db()
    assert (p.status, p.resolution_note, p.resolution_url) == ("true", "It shipped.", "https://example.com/news")
    assert p.history.get().actor.username == "edith"


def test_a_refusal_because_someone_else_changed_it_also_tells_the_page(editor_client):
    p = make_prediction()
    stale = resolve_data(p)
    editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p), **HTMX)
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", {**stale, "status": "false"}, **HTMX)
    assert response.status_code == 409
    assert changed_event(response)


def test_a_refusal_of_bad_input_changes_nothing_and_tells_nobody(editor_client):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p, status=""), **HTMX)
    assert response.status_code == 422
    assert not changed_event(response)
    forecast = editor_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "150"}, **HTMX)
    assert forecast.status_code == 422 and not changed_event(forecast)


def test_opening_the_resolve_form_tells_nobody(editor_client):
    p = make_prediction()
    response = editor_client.get(f"/predictions/{p.pk}/resolve/", **HTMX)
    assert response.status_code == 200 and not changed_event(response)


@pytest.mark.parametrize("action", ["forecast", "undo"])
def test_every_in_place_action_tells_the_page(editor_client, action):
    p = make_prediction()
    if action == "undo":
        p = services.resolve(p, status="true", expected_version=p.version, actor=None,
                             resolved_on=timezone.localdate())
        response = editor_client.post(f"/predictions/{p.pk}/undo/", {"version": p.version}, **HTMX)
    else:
        response = editor_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "40"}, **HTMX)
    assert response.status_code == 200 and changed_event(response)


def test_the_card_sets_where_its_actions_land_once(editor_client):
    p = make_prediction()
    card = editor_client.get(f"/predictions/{p.pk}/resolve/", **HTMX).content.decode()
    assert card.count("hx-target=") == 1 and card.count("hx-swap=") == 1
    assert 'hx-target="this" hx-swap="outerHTML"' in card
    listing = editor_client.get("/predictions/").content.decode()
    assert 'name="regions"' not in listing and "hx-swap-oob" not in listing


@pytest.mark.parametrize(("url", "regions"), [
    ("/", ["status-counts", "score-summary"]),
    ("/predictions/", ["status-counts"]),
    ("/scoreboard/", ["status-counts", "board"]),
])
def test_each_region_of_a_page_refreshes_itself_on_the_event(editor_client, url, regions):
    make_prediction()
    html = editor_client.get(url).content.decode()
    for region in regions:
        tag = re.search(rf'<[a-z]+ id="{region}"[^>]*>', html).group(0)
        assert 'hx-trigger="predictions-changed from:body"' in tag and "hx-get=" in tag


def test_the_detail_pages_histories_refresh_themselves_from_their_own_url(editor_client):
    p = make_prediction()
    page = editor_client.get(p.get_absolute_url()).content.decode()
    assert f'<div id="histories" hx-get="/predictions/{p.pk}/histories/"' in page
    editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p), **HTMX)
    html = editor_client.get(f"/predictions/{p.pk}/histories/", **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="histories"')
    assert 'id="resolution-history"' in html and 'id="forecast-history"' in html and "It shipped." in html


def test_the_summary_regions_show_the_current_figures(editor_client):
    p = make_prediction(resolve_by=date.today() - timedelta(days=3))
    make_prediction()
    editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p), **HTMX)
    counts = editor_client.get("/regions/status-counts/?tag=ipo&status=open&page=3").content.decode()
    assert counts.lstrip().startswith('<ul id="status-counts"')
    assert 'data-count="open">1<' in counts and 'data-count="true">1<' in counts and 'data-count="overdue">0<' in counts
    # The chips keep the list's other filters, and set status and page themselves.
    assert 'href="/predictions/?tag=ipo&amp;status=true"' in counts and "page=3" not in counts
    summary = editor_client.get("/regions/score-summary/").content.decode()
    assert summary.lstrip().startswith('<section id="score-summary"')
    assert 'data-figure="scored">1<' in summary


def test_a_plain_form_post_redirects_back_with_a_message(editor_client):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", {**resolve_data(p), "next": "/predictions/"})
    assert response.status_code == 302 and response["Location"] == "/predictions/"
    assert "Resolved as" in editor_client.get("/predictions/").content.decode()


def test_without_javascript_the_resolve_page_returns_to_the_page_it_was_opened_from(editor_client):
    p = make_prediction()
    listing = editor_client.get("/predictions/?status=open").content.decode()
    assert 'name="next" value="/predictions/?status=open"' in listing  # in the card's Resolve button form
    page = editor_client.get(f"/predictions/{p.pk}/resolve/?next=/predictions/%3Fstatus%3Dopen").content.decode()
    assert 'name="next" value="/predictions/?status=open"' in page  # carried into the resolve form
    response = editor_client.post(f"/predictions/{p.pk}/resolve/",
                                  {**resolve_data(p), "next": "/predictions/?status=open"})
    assert response.status_code == 302 and response["Location"] == "/predictions/?status=open"


def test_an_offsite_next_is_ignored(editor_client):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/",
                                  {**resolve_data(p), "next": "https://evil.example.com/"})
    assert response["Location"] == p.get_absolute_url()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": ""}, "This field is required."),
        ({"status": "open"}, "Select a valid choice."),
        ({"resolved_on": "2026-13-45"}, "Enter a valid date."),
        ({"resolved_on": str(date.today() + timedelta(days=5))}, "cannot be resolved on a date in the future"),
        ({"evidence_url": "not a url at all"}, "starts with http:// or https://"),
        ({"evidence_url": "ftp://example.com/filing.pdf"}, "starts with http:// or https://"),
        ({"resolved_on": "2020-01-01"}, "it cannot have been resolved before that"),
    ],
)
def test_a_bad_resolution_shows_the_error_next_to_the_field_and_changes_nothing(editor_client, overrides, message):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p, **overrides), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and 'class="field-error"' in html
    assert 'hx-swap-oob' not in html
    p.refresh_from_db()
    assert p.status == "open" and not p.history.exists()


def test_a_bad_resolution_without_javascript_renders_the_detail_page_with_errors(editor_client):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p, status=""))
    assert response.status_code == 422
    assert b"This field is required." in response.content and b"<nav" in response.content


def test_a_stale_resolution_is_a_409_showing_the_current_state(editor_client, editor):
    p = make_prediction()
    seen = p.version
    services.resolve(p, status="false", expected_version=seen, actor=editor, note="Other editor")
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", resolve_data(p, version=seen), **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved: someone else changed this prediction" in html and "False" in html
    p.refresh_from_db()
    assert (p.status, p.resolution_note, p.history.count()) == ("false", "Other editor", 1)


def test_undo_in_place_reopens_and_is_recorded(editor_client, editor):
    p = make_prediction()
    p = services.resolve(p, status="true", expected_version=p.version, actor=editor)
    response = editor_client.post(f"/predictions/{p.pk}/undo/", {"version": p.version}, **HTMX)
    assert response.status_code == 200
    assert "Resolution undone: the prediction is open again." in response.content.decode()
    p.refresh_from_db()
    assert p.status == "open"
    assert list(p.history.values_list("action", flat=True)) == ["resolve", "undo"]


def test_undo_of_a_stale_page_is_a_conflict(editor_client, editor):
    p = make_prediction()
    p = services.resolve(p, status="true", expected_version=p.version, actor=editor)
    stale = p.version
    p = services.resolve(p, status="false", expected_version=p.version, actor=editor)
    response = editor_client.post(f"/predictions/{p.pk}/undo/", {"version": stale}, **HTMX)
    assert response.status_code == 409
    assert Prediction.objects.get(pk=p.pk).status == "false"


def test_undo_of_an_open_prediction_is_refused(editor_client):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/undo/", {"version": p.version}, **HTMX)
    assert response.status_code == 409
    assert b"no resolution to undo" in response.content
    assert not ResolutionEvent.objects.exists()


def test_the_resolve_form_opens_in_the_card(editor_client):
    p = make_prediction()
    html = editor_client.get(f"/predictions/{p.pk}/resolve/", **HTMX).content.decode()
    assert "Save resolution" in html and f'name="version" value="{p.version}"' in html
    assert "<nav" not in html
    closed = editor_client.get(f"/predictions/{p.pk}/resolve/?close=1", **HTMX).content.decode()
    assert "Save resolution" not in closed and ">Resolve</button>" in closed


def test_a_member_records_a_forecast_in_place(member_client, member):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "40", "note": "base rate"}, **HTMX)
    assert response.status_code == 200
    assert "Forecast saved: 40%." in response.content.decode()
    forecast = Forecast.objects.get()
    assert (forecast.user, forecast.probability, forecast.note) == (member, 0.4, "base rate")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_forecasts_close_when_the_prediction_resolves(member_client, editor, htmx):
    p = make_prediction(made_on=date(2026, 1, 1))
    services.resolve(p, status="false", expected_version=p.version, actor=editor, resolved_on=date(2026, 3, 2))
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "1"}, **(HTMX if htmx else {}))
    assert response.status_code == 409 and Forecast.objects.count() == 0
    assert "forecasts are closed, because this prediction was resolved “False” on 2 Mar 2026" in \
        response.content.decode()


def test_a_saved_forecast_is_reported_as_the_card_shows_it(member_client):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "50.1235"}, **HTMX)
    assert "Forecast saved: 50.1%." in response.content.decode()


def test_forecasts_are_kept_and_the_latest_is_current(member_client, member):
    p = make_prediction()
    member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "40"}, **HTMX)
    member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "65"}, **HTMX)
    assert Forecast.objects.filter(user=member).count() == 2
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    assert 'data-figure="mine">65%<' in page
    assert 'data-figure="median">65%<' in page


def test_the_community_median_takes_each_forecasters_latest(client, member, editor):
    p = make_prediction()
    for user, values in [(member, [0.9, 0.2]), (editor, [0.6])]:
        for value in values:
            services.record_forecast(p, user, value)
    client.force_login(editor)
    page = client.get(f"/predictions/{p.pk}/").content.decode()
    assert 'data-figure="median">40%<' in page  # median of 0.2 and 0.6


@pytest.mark.parametrize("percent", ["0", "100", "-5", "abc", "nan", "inf", "", "1e309"])
def test_a_bad_forecast_is_refused_with_a_message(member_client, percent):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": percent}, **HTMX)
    assert response.status_code == 422
    assert b"field-error" in response.content
    assert not Forecast.objects.exists()


def test_a_thesis_status_changes_in_place(editor_client):
    thesis = make_thesis()
    response = editor_client.post(f"/theses/{thesis.pk}/status/", {"status": "confirmed",
                                                                    "version": thesis.version}, **HTMX)
    assert response.status_code == 200
    assert 'id="thesis-status"' in response.content.decode() and "<nav" not in response.content.decode()
    assert Thesis.objects.get(pk=thesis.pk).status == "confirmed"


def test_a_signal_is_added_to_a_thesis_in_place(editor_client):
    thesis = make_thesis()
    data = {"title": "Acme files S-1", "occurred_on": "2026-03-02", "direction": "supports", "url": "", "summary": ""}
    response = editor_client.post(f"/theses/{thesis.pk}/signals/", data, **HTMX)
    assert response.status_code == 200
    assert "Acme files S-1" in response.content.decode()
    signal = Signal.objects.get()
    assert list(signal.theses.all()) == [thesis] and signal.key == "acme-files-s-1"


def test_a_bad_signal_keeps_the_form_with_errors(editor_client):
    thesis = make_thesis()
    response = editor_client.post(f"/theses/{thesis.pk}/signals/", {"title": "", "occurred_on": "soon",
                                                                     "direction": "sideways"}, **HTMX)
    assert response.status_code == 422
    assert b"This field is required." in response.content and b"Enter a valid date." in response.content
    assert not Signal.objects.exists()
