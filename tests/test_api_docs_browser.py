"""The API's docs page in a real browser: Swagger UI from our own static files, under the strict CSP, and a
request made from it with a token."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_prediction, make_user
from tests.test_browser import SCREENSHOTS, csp_watch, htmx_errors, new_context, problems  # noqa: F401 -- fixtures
from tracker.api.tokens import issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_under_the_csp_and_calls_the_api_with_a_token(page: Page, live_server):
    """Any CSP violation or script error fails the test at teardown (csp_watch, from the browser tests)."""
    make_prediction(key="cursor-acquired", statement="Cursor is acquired.")
    _, raw = issue(make_user("scripter", role="members"), "docs")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/v1/docs")
    # The document is made on its first request, which takes a second or two on a busy machine.
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert page.locator(".opblock").count() >= 30
    assert all(url.startswith(live_server.url) for url in requests), "the docs page fetched from elsewhere"
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").first.fill(raw)
    dialog.locator("button.authorize").click()
    dialog.locator("button.btn-done").click()
    operation = page.locator("#operations-predictions-tracker_api_routes_list_predictions")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text("cursor-acquired")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "api-docs.png", full_page=False)
