"""In a real Chromium: a member chooses a weekly digest on their settings page and gets their calendar link,
which a calendar app (here, Playwright's own HTTP client, with no session) can read."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.factories import make_prediction
from tests.test_browser import (  # noqa: F401 (fixtures)
    SCREENSHOTS,
    assert_no_reload,
    htmx_errors,
    log_in,
    mark_window,
    member_page,
    new_context,
    problems,
)
from tracker.models import ReminderSettings

pytestmark = pytest.mark.browser


def test_a_member_chooses_a_weekly_digest_and_sees_their_calendar_url(member_page: Page, member, live_server,  # noqa: F811
                                                                      settings, playwright):
    settings.SITE_URL = live_server.url
    member.email = "mo@example.com"
    member.save(update_fields=["email"])
    due = make_prediction(statement="Cursor is acquired.", resolve_by=timezone.localdate() + timedelta(days=9))
    page = member_page
    page.goto("/")
    page.get_by_role("link", name="Settings").click()
    section = page.locator("#settings-reminders")
    expect(section.get_by_text("Digests go to mo@example.com.")).to_be_visible()
    mark_window(page)

    section.get_by_label("Weekly").check()
    section.get_by_label("Weekday").select_option(label="Friday")
    section.get_by_label("Hour").select_option(label="09:00")
    section.get_by_role("button", name="Save digest settings").click()
    saved = page.locator("#settings-reminders").get_by_text("Saved: a weekly digest on Fridays at 09:00.")
    expect(saved).to_be_visible()
    assert_no_reload(page)
    prefs = ReminderSettings.objects.get(user=member)
    assert (prefs.digest, prefs.weekday, prefs.hour) == ("weekly", 4, 9)

    calendar = page.locator("#settings-calendar")
    expect(calendar.get_by_text("You have no calendar link yet.")).to_be_visible()
    calendar.get_by_role("button", name="Make a calendar link").click()
    url_box = page.locator("#settings-calendar").get_by_label("Calendar (iCalendar)")
    expect(url_box).to_have_value(re.compile(r"/calendar/[\w-]{32}\.ics$"))  # the answer has come back
    token = ReminderSettings.objects.get(user=member).calendar_token
    assert url_box.input_value() == f"{live_server.url}/calendar/{token}.ics"
    assert_no_reload(page)
    page.screenshot(path=SCREENSHOTS / "settings-reminders.png", full_page=True)

    # The settings saved in place are still there after a reload, and the link works without a session.
    page.reload()
    expect(page.locator("#settings-reminders").get_by_label("Weekly")).to_be_checked()
    app = playwright.request.new_context()
    try:
        response = app.get(url_box.input_value())
        assert response.ok and response.headers["content-type"].startswith("text/calendar")
        [event] = Calendar.from_ical(response.body()).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Due: Cursor is acquired." and event.decoded("DTSTART") == due.resolve_by
    finally:
        app.dispose()
