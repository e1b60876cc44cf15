"""In a real Chromium: an editor invites a member from the Users page; the member opens the e-mail's link, chooses
a user name and password, lands logged in on the settings page; the editor changes a role in place."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.test_browser import SCREENSHOTS, editor_page, htmx_errors, log_in, new_context, problems  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_an_editor_invites_a_member_who_joins_from_the_emailed_link(editor_page: Page, new_context):  # noqa: F811
    page = editor_page
    page.goto("/")
    page.get_by_role("link", name="Users").click()
    invite = page.get_by_role("region", name="Invite someone")
    invite.get_by_label("E-mail address").fill("ana.lima@example.com")
    invite.get_by_label("Role").select_option(label="Member")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to ana.lima@example.com")).to_be_visible()
    expect(page.locator("tr", has_text="ana.lima@example.com")).to_contain_text("Invited, not yet joined")
    page.screenshot(path=SCREENSHOTS / "users.png", full_page=True)

    [message] = mail.outbox
    link = re.search(r"https?://\S+/join/\S+/", message.body).group(0)
    invitee = new_context().new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Thesis Tracker")).to_be_visible()
    invitee.get_by_label("User name").fill("ana")
    invitee.get_by_label(re.compile(r"^New password\W*$")).fill("a-long-new-passphrase-7")
    invitee.get_by_label("New password confirmation").fill("a-long-new-passphrase-7")
    invitee.get_by_role("button", name="Join and log in").click()

    expect(invitee.get_by_role("heading", name="Your settings")).to_be_visible()
    expect(invitee.get_by_text("Welcome, ana: you are logged in.")).to_be_visible()
    expect(invitee.locator(".account .who")).to_contain_text("ana member")
    expect(invitee.get_by_role("textbox", name="E-mail address")).to_have_value("ana.lima@example.com")
    invitee.screenshot(path=SCREENSHOTS / "settings-after-joining.png", full_page=True)

    # The editor's page, reloaded, shows ana as active; a role changes in place, without a page load.
    page.reload()
    row = page.locator("tr", has_text="ana.lima@example.com")
    expect(row).to_contain_text("Active")
    page.evaluate("window.__noReload = 'still here'")
    row.get_by_label("Role of ana").select_option(label="Editor")
    row.get_by_role("button", name="Change role").click()
    expect(page.locator("tr", has_text="ana.lima@example.com")).to_contain_text("ana is now editor.")
    assert page.evaluate("window.__noReload") == "still here"
