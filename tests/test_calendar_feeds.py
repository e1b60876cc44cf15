"""The secret calendar and feed links: made and revoked on the settings page, read without a login, parsed
with `icalendar` (and as Atom XML)."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests.factories import make_prediction
from tracker import services
from tracker.models import ReminderSettings
from tracker.reminders import token_fingerprint

pytestmark = pytest.mark.django_db
SITE = "https://tracker.example.com"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def make_link(client) -> str:
    response = client.post(reverse("calendar_link"), {"action": "create"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def token_of(user) -> str:
    return ReminderSettings.objects.get(user=user).calendar_token


def events(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_a_user_makes_a_calendar_link_and_sees_it_on_the_settings_page(member_client, member):
    assert "You have no calendar link yet." in member_client.get(reverse("settings")).content.decode()
    section = make_link(member_client)
    token = token_of(member)
    assert len(token) >= 32
    assert f"{SITE}/calendar/{token}.ics" in section and f"{SITE}/feeds/{token}/atom/" in section
    assert f"{SITE}/calendar/{token}.ics" in member_client.get(reverse("settings")).content.decode()


def test_the_calendar_has_one_all_day_event_per_open_prediction_and_parses(member_client, member, client):
    make_link(member_client)
    due = make_prediction(statement="Cursor is acquired.", criteria="A signed deal is announced.",
                          resolve_by=days(10))
    other = make_prediction(resolve_by=days(40))
    resolved = make_prediction(resolve_by=days(-5), status="false", resolved_on=days(-1))
    client.logout()  # calendar apps have no session
    response = client.get(reverse("calendar_feed", args=[token_of(member)]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response.content)
    assert set(found) == {f"prediction-{p.pk}@tracker.example.com" for p in (due, other)}
    event = found[f"prediction-{due.pk}@tracker.example.com"]
    assert event.decoded("DTSTART") == due.resolve_by  # a date: an all-day event
    assert event.decoded("DTEND") == due.resolve_by + timedelta(days=1)
    assert str(event["SUMMARY"]) == "Due: Cursor is acquired."
    description = str(event["DESCRIPTION"])
    assert "Cursor is acquired." in description and "Criteria: A signed deal is announced." in description
    assert f"{SITE}/predictions/{due.pk}/" in description and str(event["URL"]) == f"{SITE}/predictions/{due.pk}/"
    assert resolved.pk not in [int(uid.split("-")[1].split("@")[0]) for uid in found]


def test_an_event_keeps_its_uid_and_a_resolved_prediction_drops_out(member_client, member, editor, client):
    make_link(member_client)
    prediction = make_prediction(resolve_by=days(3))
    url = reverse("calendar_feed", args=[token_of(member)])
    first = events(client.get(url).content)
    assert list(events(client.get(url).content)) == list(first)
    services.resolve(prediction, status="true", expected_version=prediction.version, actor=editor,
                     resolved_on=timezone.localdate())
    assert events(client.get(url).content) == {}


def test_a_revoked_or_renewed_link_stops_working_at_once(member_client, member, client):
    make_link(member_client)
    old = token_of(member)
    member_client.post(reverse("calendar_link"), {"action": "create", "shown": token_fingerprint(old)})
    new = token_of(member)
    assert new != old
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200
    response = member_client.post(reverse("calendar_link"), {"action": "revoke", "shown": token_fingerprint(new)},
                                  headers={"HX-Request": "true"})
    assert "Revoked: the old links no longer work." in response.content.decode()
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 404
    assert client.get(reverse("prediction_feed", args=[new])).status_code == 404


def test_a_stale_page_cannot_revoke_a_link_made_since(member_client, member, client):
    make_link(member_client)
    token = token_of(member)
    response = member_client.post(reverse("calendar_link"), {"action": "revoke", "shown": ""},
                                  headers={"HX-Request": "true"})
    assert response.status_code == 409 and "Not saved" in response.content.decode()
    assert token_of(member) == token
    assert client.get(reverse("calendar_feed", args=[token])).status_code == 200


def test_a_deactivated_accounts_links_stop_working(member_client, member, client):
    make_link(member_client)
    token = token_of(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(reverse("calendar_feed", args=[token])).status_code == 404
    assert client.get(reverse("calendar_feed", args=["x" * 32])).status_code == 404


def test_the_atom_feed_lists_predictions_coming_due_and_recently_resolved(member_client, member, client):
    make_link(member_client)
    soon = make_prediction(statement="Soon due.", resolve_by=days(5))
    overdue = make_prediction(statement="Overdue.", resolve_by=days(-2))
    far = make_prediction(statement="Far off.", resolve_by=days(200))
    recent = make_prediction(statement="Just resolved.", resolve_by=days(-20), status="true", resolved_on=days(-3),
                             made_on=days(-40))
    old = make_prediction(statement="Resolved long ago.", resolve_by=days(-200), status="false",
                          resolved_on=days(-100), made_on=days(-300))
    client.logout()
    response = client.get(reverse("prediction_feed", args=[token_of(member)]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = {e.find(f"{ATOM}link").get("href"): e.find(f"{ATOM}title").text for e in feed.iter(f"{ATOM}entry")}
    assert set(entries) == {f"{SITE}{p.get_absolute_url()}" for p in (soon, overdue, recent)}
    assert entries[f"{SITE}{recent.get_absolute_url()}"] == "Resolved true: Just resolved."
    assert entries[f"{SITE}{soon.get_absolute_url()}"].startswith("Due ")
    assert far.statement not in response.content.decode() and old.statement not in response.content.decode()
