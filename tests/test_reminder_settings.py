"""The digest section of the settings page: the defaults, saving a choice in place or by a plain post, and
refusals that change nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import ReminderOutbox, ReminderSettings
from tracker.reminders import unsubscribe_token

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def choice(**kw) -> dict:
    return {"digest": "weekly", "weekday": "4", "hour": "9", "stale_after_days": "21", **kw}


def test_the_settings_page_shows_the_default_daily_digest_and_the_address(member_client, member):
    member.email = "mo@example.com"
    member.save(update_fields=["email"])
    page = member_client.get(reverse("settings")).content.decode()
    assert "Digests go to <strong>mo@example.com</strong>." in page
    assert '<input type="radio" name="digest" value="daily" required id="id_digest_0" checked>' in page
    assert '<option value="7" selected>07:00</option>' in page
    assert not ReminderSettings.objects.exists()  # looking saves nothing


def test_an_account_without_an_address_is_told_no_digest_goes_out(member_client):
    page = member_client.get(reverse("settings")).content.decode()
    assert "Your account has no e-mail address, so no digest is sent until it has one." in page


def test_choosing_a_weekly_digest_in_place_saves_it_and_says_so(member_client, member):
    response = member_client.post(reverse("reminder_settings"), choice(), headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="panel" id="settings-reminders"')
    assert "Saved: a weekly digest on Fridays at 09:00." in body
    prefs = ReminderSettings.objects.get(user=member)
    assert (prefs.digest, prefs.weekday, prefs.hour, prefs.stale_after_days, prefs.version) == ("weekly", 4, 9, 21, 1)
    # A second save checks the version the form carried, and moves it on.
    response = member_client.post(reverse("reminder_settings"), choice(digest="off", version="1"), headers=HTMX)
    assert "Saved: no digest." in response.content.decode()
    assert ReminderSettings.objects.get(user=member).version == 2


def test_a_plain_form_post_saves_and_returns_to_the_settings_page(member_client, member):
    response = member_client.post(reverse("reminder_settings"), choice(), follow=True)
    assert response.redirect_chain == [(reverse("settings"), 302)]
    assert "Digest settings saved." in response.content.decode()
    assert ReminderSettings.objects.get(user=member).digest == "weekly"


@pytest.mark.parametrize(("field", "value"), [("hour", "24"), ("hour", "seven"), ("weekday", "7"),
                                              ("stale_after_days", "0"), ("stale_after_days", "366"),
                                              ("digest", "hourly")])
def test_a_bad_value_is_refused_at_its_field_and_nothing_is_saved(member_client, field, value):
    response = member_client.post(reverse("reminder_settings"), choice(**{field: value}), headers=HTMX)
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ReminderSettings.objects.exists()


def test_a_save_from_a_stale_page_is_refused_and_shows_what_is_stored(member_client, member):
    member_client.post(reverse("reminder_settings"), choice())
    ReminderSettings.objects.filter(user=member).update(hour=6, version=2)  # another tab saved meanwhile
    response = member_client.post(reverse("reminder_settings"), choice(hour="10", version="1"), headers=HTMX)
    assert response.status_code == 409
    assert "Not saved: these settings were changed elsewhere" in response.content.decode()
    assert ReminderSettings.objects.get(user=member).hour == 6


def test_editors_see_how_delivery_went_and_members_do_not(editor_client, member, client):
    ReminderOutbox.objects.create(user=member, period="daily:2026-12-02", due_at="2026-12-02T07:00Z",
                                  next_attempt_at="2026-12-02T07:00Z", state="failed", last_attempt_at=timezone.now(),
                                  last_error="the mail server answered 550 no such user")
    page = editor_client.get(reverse("settings")).content.decode()
    assert "No reminder sent yet; 1 failed:" in page
    assert "mo, daily:2026-12-02: the mail server answered 550 no such user (given up)" in page
    client.force_login(member)
    assert "Delivery (editors)" not in client.get(reverse("settings")).content.decode()


def test_the_digest_settings_need_a_login(client):
    response = client.post(reverse("reminder_settings"), choice())
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not ReminderSettings.objects.exists()


def test_making_a_calendar_link_does_not_make_the_digest_form_stale(member_client, member):
    member_client.post(reverse("reminder_settings"), choice())  # version 1, as the page now shows
    member_client.post(reverse("calendar_link"), {"action": "create", "shown": ""})
    response = member_client.post(reverse("reminder_settings"), choice(hour="10", version="1"), headers=HTMX)
    assert response.status_code == 200
    prefs = ReminderSettings.objects.get(user=member)
    assert prefs.hour == 10 and prefs.calendar_token


def test_unsubscribing_turns_the_digest_off_and_the_page_shows_it(member_client, member, client):
    response = client.post(reverse("reminders_unsubscribe", args=[unsubscribe_token(member)]))
    assert "will get no more digests" in response.content.decode()
    page = member_client.get(reverse("settings")).content.decode()
    assert '<input type="radio" name="digest" value="off" required id="id_digest_2" checked>' in page
