"""Issue 11's whole path in a real Chromium: an editor invites a member by e-mail; the member joins from the
e-mailed link, chooses a weekly digest and gets their calendar URL, all on the settings page they land on."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.test_browser import editor_page, htmx_errors, log_in, new_context, problems  # noqa: F401 (fixtures)
from tracker.models import ReminderSettings

pytestmark = pytest.mark.browser


def test_an_invited_member_joins_chooses_a_weekly_digest_and_sees_their_calendar_url(
        editor_page: Page, new_context, live_server, settings):  # noqa: F811
    settings.SITE_URL = live_server.url
    editor_page.goto("/users/")
    invite = editor_page.get_by_role("region", name="Invite someone")
    invite.get_by_label("E-mail address").fill("rui@example.com")
    invite.get_by_label("Role").select_option(label="Member")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(editor_page.get_by_text("Invitation sent to rui@example.com")).to_be_visible()

    [message] = mail.outbox
    assert message.to == ["rui@example.com"]
    link = re.search(r"https?://\S+/join/\S+/", message.body).group(0)
    page = new_context().new_page()
    page.goto(link)
    page.get_by_label("User name").fill("rui")
    page.get_by_label(re.compile(r"^New password\W*$")).fill("a-long-new-passphrase-8")
    page.get_by_label("New password confirmation").fill("a-long-new-passphrase-8")
    page.get_by_role("button", name="Join and log in").click()
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    expect(page.locator(".account .who")).to_contain_text("rui member")

    digest = page.locator("#settings-reminders")
    expect(digest.get_by_text("Digests go to rui@example.com.")).to_be_visible()
    digest.get_by_label("Weekly").check()
    digest.get_by_label("Weekday").select_option(label="Monday")
    digest.get_by_role("button", name="Save digest settings").click()
    expect(page.locator("#settings-reminders").get_by_text(re.compile(r"Saved: a weekly digest on Mondays"))
           ).to_be_visible()

    page.locator("#settings-calendar").get_by_role("button", name="Make a calendar link").click()
    url_box = page.locator("#settings-calendar").get_by_label("Calendar (iCalendar)")
    expect(url_box).to_have_value(re.compile(rf"^{re.escape(live_server.url)}/calendar/[\w-]{{32}}\.ics$"))
    prefs = ReminderSettings.objects.get(user__username="rui")
    assert (prefs.digest, prefs.weekday) == ("weekly", 0)
    assert url_box.input_value().endswith(f"/calendar/{prefs.calendar_token}.ics")
