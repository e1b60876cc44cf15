"""The main journeys, driven in a real Chromium: log in and out, filter, forecast, resolve in place, theses.

Every browser context here is watched (the autouse fixture `csp_watch`) for Content Security Policy violations
and page errors; a test that causes one fails at teardown.
"""

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from playwright.sync_api import BrowserContext, Error, Page, expect

from tests.factories import (
    make_company,
    make_person,
    make_prediction,
    make_quote,
    make_signal,
    make_source,
    make_thesis,
    make_user,
)
from tracker import services
from tracker.models import Forecast, Prediction, ResolutionEvent, Signal, Source, Thesis

# live_server makes every test transactional: the database is flushed after each one.
pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery-42"

# Injected by Playwright before any page script, so the page's CSP does not apply to it.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const text = `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`;
  window.__cspViolations.push(text);
  console.error(`Content Security Policy violation (event): ${text}`);
});
window.__htmxPending = 0;
window.__htmxLastActivity = 0;
document.addEventListener("htmx:beforeRequest", () => {
  window.__htmxPending++;
  window.__htmxLastActivity = Date.now();
});
document.addEventListener("htmx:afterRequest", () => {
  window.__htmxPending--;
  window.__htmxLastActivity = Date.now();
});
"""


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


# --- Fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def problems() -> list[str]:
    """CSP violations and uncaught page errors seen by any watched context during the test."""
    return []


@pytest.fixture
def htmx_errors() -> list[str]:
    """Errors htmx logged to the console (e.g. an out-of-band swap whose target is not on the page)."""
    return []


@pytest.fixture
def new_context(new_context, live_server, problems, htmx_errors):
    """pytest-playwright's context factory, pointed at the live server and watched for CSP violations."""
    contexts: list[BrowserContext] = []

    def on_console(msg) -> None:
        if "Content Security Policy" in msg.text:
            problems.append(msg.text)
        elif msg.type == "error" and msg.text.startswith("htmx:"):
            htmx_errors.append(msg.text)

    def make(**kwargs) -> BrowserContext:
        context = new_context(base_url=live_server.url, **kwargs)
        context.set_default_timeout(10_000)
        context.add_init_script(WATCH_CSP)
        context.on("console", on_console)
        context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        for page in context.pages:
            collect_late_violations(page, problems)
    assert problems == [], "the pages raised CSP violations or script errors"


@pytest.fixture(autouse=True)
def csp_watch(new_context, problems):
    """Every test here runs watched: a CSP violation in the console or a `securitypolicyviolation` event, on
    any page of any context, fails it (at teardown, after the last events have come in)."""
    return problems


def collect_late_violations(page: Page, problems: list[str]) -> None:
    """Events the page recorded that the console has not delivered yet: a swap that settles as the test ends
    reports its violation after the last step. The round trip also lets pending console messages arrive."""
    if page.is_closed():
        return
    try:
        events = page.evaluate("window.__cspViolations || []")
    except Error:  # the page is between documents
        return
    for event in events:
        text = f"Content Security Policy violation (event): {event}"
        if text not in problems:
            problems.append(text)


@pytest.fixture
def log_in(live_server):
    """Put a logged-in session for `user` into a browser context (the login form has its own test)."""

    def log_in(context: BrowserContext, user) -> BrowserContext:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        return context

    return log_in


@pytest.fixture
def editor_page(page: Page, log_in, editor) -> Page:
    """A page logged in as the conftest's editor, edith."""
    log_in(page.context, editor)
    return page


@pytest.fixture
def member_page(page: Page, log_in, member) -> Page:
    """A page logged in as the conftest's member, mo."""
    log_in(page.context, member)
    return page


# --- Helpers --------------------------------------------------------------------------------------------


def mark_window(page: Page) -> None:
    """A variable that survives in-place updates and vanishes on a full page load."""
    page.evaluate("window.__noReload = 'still here'")


def assert_no_reload(page: Page) -> None:
    assert page.evaluate("window.__noReload") == "still here", "the page was reloaded"


def go_back_to_a_fresh_page(page: Page) -> None:
    """Back, and wait for the full reload htmx does on a history miss (its history cache is off).

    Going back to an entry made by hx-push-url is a same-document step; the reload comes after it, so
    without this wait the next step could act on the page that is being replaced.
    """
    mark_window(page)
    page.go_back()
    page.wait_for_function("() => window.__noReload === undefined", polling=50)
    page.wait_for_load_state()


def assert_no_csp_violation_events(page: Page) -> None:
    assert page.evaluate("window.__cspViolations") == []


def wait_for_htmx_to_settle(page: Page, quiet_ms: int = 400) -> None:
    """Until no htmx request is in flight and none started for a while (queued requests included)."""
    # A function, not an expression string: Playwright would eval() a string, which the page's CSP forbids.
    page.wait_for_function("(quiet) => window.__htmxPending === 0 && Date.now() - window.__htmxLastActivity > quiet",
                           arg=quiet_ms, polling=50)


def card(page: Page, prediction: Prediction):
    """A prediction's card, found by its accessible name (the statement)."""
    return page.get_by_role("article", name=prediction.statement)


def counts(page: Page, **expected: int) -> None:
    for name, value in expected.items():
        expect(page.locator(f"#status-counts [data-count={name}]")).to_have_text(str(value))


def resolve_in_card(page: Page, prediction: Prediction, outcome: str = "True — it happened",
                    note: str = "It happened.", open_form: bool = True) -> None:
    box = card(page, prediction)
    if open_form:
        box.get_by_role("button", name="Resolve").click()
    form = box.get_by_role("form", name="Resolve this prediction")
    form.get_by_label(outcome).check()
    form.get_by_label("Note").fill(note)
    form.get_by_label("Evidence link").fill("https://example.com/evidence")
    form.get_by_role("button", name="Save resolution").click()


def counting_data():
    """Four predictions: two overdue, one open in time, one already true."""
    speaker = make_person(name="Maya Chen")
    overdue = make_prediction(statement="Rates are cut twice before summer.", speaker=speaker,
                              made_on=days(-200), resolve_by=days(-10))
    make_prediction(statement="The merger closes this quarter.", made_on=days(-100), resolve_by=days(-2))
    make_prediction(statement="Chip exports keep growing next year.", made_on=days(-20), resolve_by=days(300))
    done = make_prediction(statement="The IPO prices above range.", made_on=days(-90), resolve_by=days(-30))
    services.resolve(done, status="true", expected_version=done.version, resolved_on=days(-25))
    return overdue


def realistic_data(editor) -> dict:
    """A small but believable book: people, sources, quotes, theses, predictions, forecasts, signals."""
    maya = make_person(name="Maya Chen", affiliation="Northwind Capital")
    tom = make_person(name="Tom Okafor", affiliation="Semis analyst, Harbor Research")
    priya = make_person(name="Priya Raman", affiliation="Macro strategist")
    nvda = make_company(name="Nvidia", ticker="NVDA")
    tsmc = make_company(name="TSMC", ticker="TSM")
    rivn = make_company(name="Rivian", ticker="RIVN")
    podcast = make_source(kind=Source.Kind.PODCAST, title="Capital Allocators, ep. 212: the AI build-out",
                          publisher="Capital Allocators", author=maya, published_on=days(-120),
                          url="https://www.youtube.com/watch?v=a1b2c3", duration_seconds=3900)
    article = make_source(kind=Source.Kind.ARTICLE, title="Why EV start-ups will need one more raise",
                          publisher="Harbor Research notes", author=tom, published_on=days(-60),
                          url="https://example.com/ev-raise")
    q_capex = make_quote(source=podcast, speaker=maya, timestamp_seconds=754,
                         text="Hyperscaler capex does not roll over next year; if anything it accelerates.")
    q_fabs = make_quote(source=podcast, speaker=tom, timestamp_seconds=1432,
                        text="TSMC's Arizona fab will be shipping at volume within eighteen months.")
    q_cash = make_quote(source=article, speaker=tom,
                        text="Rivian has to raise again before its next model ships.")
    ai = make_thesis(title="AI capex keeps compounding through 2027", stance=Thesis.Stance.BULLISH,
                     opened_on=days(-110), rationale="Training clusters keep growing; inference demand follows.")
    ai.companies.add(nvda, tsmc)
    ai.quotes.add(q_capex, q_fabs)
    ev = make_thesis(title="EV start-ups run short of cash", stance=Thesis.Stance.BEARISH, opened_on=days(-55),
                     rationale="Capital markets are closed to cash-burning car makers.")
    ev.companies.add(rivn)
    ev.quotes.add(q_cash)
    p_capex = make_prediction(statement="Big-four hyperscaler capex grows more than 30% this year.",
                              speaker=maya, source=podcast, made_on=days(-120), resolve_by=days(-5),
                              criteria="Sum of the four companies' reported capex, year on year.",
                              stated_probability=0.8, tags=["ai", "capex"])
    p_fab = make_prediction(statement="TSMC Arizona ships at volume within eighteen months.", speaker=tom,
                            source=podcast, made_on=days(-120), resolve_by=days(420), tags=["semis"])
    p_raise = make_prediction(statement="Rivian announces a new equity raise before year end.", speaker=tom,
                              source=article, made_on=days(-60), resolve_by=days(-1), tags=["ev"])
    p_rates = make_prediction(statement="The Fed cuts rates at least twice this year.", speaker=priya,
                              made_on=days(-200), resolve_by=days(-20), tags=["macro"])
    p_nvda = make_prediction(statement="Nvidia data-centre revenue beats consensus two quarters running.",
                             speaker=maya, source=podcast, made_on=days(-120), resolve_by=days(-40),
                             tags=["ai"])
    for p, quotes, theses, companies in [(p_capex, [q_capex], [ai], [nvda]), (p_fab, [q_fabs], [ai], [tsmc]),
                                         (p_raise, [q_cash], [ev], [rivn]), (p_nvda, [q_capex], [ai], [nvda])]:
        p.quotes.add(*quotes)
        p.theses.add(*theses)
        p.companies.add(*companies)
    members = [make_user(name, role="members") for name in ("ana", "ben", "chloe")]
    now = timezone.now()
    for n, (user, probabilities) in enumerate(
            zip(members, [(0.7, 0.55, 0.6, 0.8, 0.3), (0.8, 0.4, 0.35, 0.6, 0.55),
                                 (0.65, 0.5, 0.7, 0.45, 0.7)], strict=True)):
        for p, probability in zip((p_capex, p_fab, p_raise, p_nvda, p_rates), probabilities, strict=True):
            Forecast.objects.create(prediction=p, user=user, probability=probability,
                                    made_at=now - timedelta(days=40 - 9 * n, hours=n),
                                    note="After the last earnings call." if n else "")
    Forecast.objects.create(prediction=p_capex, user=editor, probability=0.6, made_at=now - timedelta(days=50))
    Forecast.objects.create(prediction=p_nvda, user=editor, probability=0.7, made_at=now - timedelta(days=45))
    services.record_forecast(p_capex, editor, 0.75, note="Guidance was raised again.")
    services.resolve(p_nvda, status="true", expected_version=p_nvda.version, actor=editor,
                     resolved_on=days(-3), note="Beat in both reported quarters.",
                     evidence_url="https://example.com/nvda-results")
    services.resolve(p_rates, status="false", expected_version=p_rates.version, actor=editor,
                     resolved_on=days(-15), note="One cut only.")
    for title, direction, thesis, when in [
        ("Microsoft raises its capex guidance", Signal.Direction.SUPPORTS, ai, -12),
        ("A hyperscaler pauses two data-centre projects", Signal.Direction.CONTRADICTS, ai, -30),
        ("Rivian extends its credit line", Signal.Direction.CONTRADICTS, ev, -8),
    ]:
        make_signal(title=title, direction=direction, occurred_on=days(when)).theses.add(thesis)
    return {"person": maya, "company": nvda, "source": podcast, "thesis": ai, "prediction": p_capex,
            "open": p_raise}


# --- 1. Logging in and out ------------------------------------------------------------------------------


def test_logging_in_through_the_form_and_out_again_leaves_nothing_private_behind(page: Page, live_server):
    make_user("lena", role="members", password=PASSWORD)
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match")

    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(f"{live_server.url}/") as dashboard:
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("lena")
    assert "no-store" in dashboard.value.headers["cache-control"]

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    # The dashboard was sent with no-store: going back asks the server again, which wants a login.
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", name="Dashboard")).to_have_count(0)
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.goto("/predictions/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/predictions/")


# --- 2. Filtering the list ------------------------------------------------------------------------------


def test_filtering_the_predictions_updates_the_list_in_place_and_back_restores_it(member_page: Page):
    page = member_page
    maya, tom = make_person(name="Maya Chen"), make_person(name="Tom Okafor")
    make_prediction(statement="Rates are cut twice before summer.", speaker=maya)
    make_prediction(statement="Chip exports keep growing.", speaker=maya)
    make_prediction(statement="Rates stay higher for longer.", speaker=tom)
    results = page.locator("#results")
    filters = page.get_by_role("search", name="Filter predictions")

    page.goto("/predictions/")
    expect(results.get_by_role("article")).to_have_count(3)
    mark_window(page)

    filters.get_by_label("Speaker").select_option(label="Maya Chen")
    maya_value = filters.get_by_label("Speaker").input_value()  # whatever identifies her in links
    expect(page).to_have_url(re.compile(rf"[?&]speaker={re.escape(maya_value)}(&|$)"))
    expect(results.get_by_role("article")).to_have_count(2)
    expect(results).not_to_contain_text("higher for longer")

    filters.get_by_label("Search").press_sequentially("rates")
    expect(page).to_have_url(re.compile(r"[?&]q=rates(&|$)"))
    expect(results.get_by_role("article")).to_have_count(1)
    expect(results).to_contain_text("Rates are cut twice")
    assert_no_reload(page)

    filters.get_by_label("Status").select_option(label="True")
    expect(page).to_have_url(re.compile(r"[?&]status=true(&|$)"))
    expect(results).to_contain_text("No predictions match these filters.")
    assert_no_reload(page)

    go_back_to_a_fresh_page(page)
    expect(page).not_to_have_url(re.compile(r"status=true"))
    expect(page).to_have_url(re.compile(r"[?&]q=rates(&|$)"))
    expect(results.get_by_role("article")).to_have_count(1)
    expect(filters.get_by_label("Search")).to_have_value("rates")

    go_back_to_a_fresh_page(page)
    expect(page).not_to_have_url(re.compile(r"q=rates"))
    expect(results.get_by_role("article")).to_have_count(2)
    expect(filters.get_by_label("Speaker")).to_have_value(maya_value)

    go_back_to_a_fresh_page(page)
    expect(results.get_by_role("article")).to_have_count(3)
    expect(filters.get_by_label("Speaker")).to_have_value("")

    # Leaving a filtered list for a prediction and coming back shows the whole page, not the bare fragment.
    filters.get_by_label("Speaker").select_option(label="Tom Okafor")
    tom_value = filters.get_by_label("Speaker").input_value()
    expect(results.get_by_role("article")).to_have_count(1)
    results.get_by_role("link", name="Rates stay higher for longer.").click()
    expect(page).to_have_url(re.compile(r"/predictions/\d+/$"))
    go_back_to_a_fresh_page(page)
    expect(page).to_have_url(re.compile(rf"[?&]speaker={re.escape(tom_value)}(&|$)"))
    expect(page.get_by_role("heading", name="Predictions", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(results.get_by_role("article")).to_have_count(1)
    assert_no_csp_violation_events(page)


def test_one_search_is_one_step_in_the_browser_history(member_page: Page, live_server):
    page = member_page
    make_prediction(statement="Rates are cut twice before summer.")
    make_prediction(statement="Chip exports keep growing.")
    filters = page.get_by_role("search", name="Filter predictions")
    page.goto("/predictions/")
    filters.get_by_label("Search").press_sequentially("rates")
    expect(page).to_have_url(re.compile(r"[?&]q=rates(&|$)"))
    filters.get_by_label("Search").press("Enter")
    expect(page.locator("#results").get_by_role("article")).to_have_count(1)
    wait_for_htmx_to_settle(page)

    go_back_to_a_fresh_page(page)
    expect(page.locator("#results").get_by_role("article").first).to_be_visible()
    assert page.url == f"{live_server.url}/predictions/"
    expect(page.locator("#results").get_by_role("article")).to_have_count(2)


# --- 3. Forecasting -------------------------------------------------------------------------------------


def test_a_forecast_from_the_list_shows_on_its_card_at_once(member_page: Page):
    page = member_page
    prediction = make_prediction(statement="Rates are cut twice before summer.", made_on=days(-30),
                                 resolve_by=days(60))
    make_prediction(statement="Chip exports keep growing.", made_on=days(-30), resolve_by=days(90))

    page.goto("/predictions/")
    mark_window(page)
    box = card(page, prediction)
    expect(box.locator("[data-my-forecast]")).to_have_text("—")
    box.get_by_label("Your probability (%)").fill("40")
    box.get_by_role("button", name="Save forecast").click()

    expect(box.get_by_role("status")).to_have_text("Forecast saved: 40%.")
    expect(box.locator("[data-my-forecast]")).to_have_text("40%")
    expect(box).to_contain_text("median of 1")
    assert_no_reload(page)
    forecast = Forecast.objects.get()
    assert (forecast.prediction, forecast.user.username, forecast.probability) == (prediction, "mo", 0.4)


def test_a_forecast_on_the_detail_page_joins_the_history_at_once(member_page: Page):
    page = member_page
    prediction = make_prediction(statement="Rates are cut twice before summer.", made_on=days(-30),
                                 resolve_by=days(60))
    services.record_forecast(prediction, make_user("ana", role="members"), 0.7)
    history = page.locator("#forecast-history")

    page.goto(f"/predictions/{prediction.pk}/")
    expect(history.get_by_role("row")).to_have_count(2)  # the header and ana's forecast
    mark_window(page)
    box = card(page, prediction)
    box.get_by_label("Your probability (%)").fill("40")
    box.get_by_label("Note").fill("The labour market is cooling.")
    box.get_by_role("button", name="Save forecast").click()

    expect(box.locator("[data-my-forecast]")).to_have_text("40%")
    expect(history.locator("[data-figure=mine]")).to_have_text("40%")
    expect(history.locator("[data-figure=median]")).to_have_text("55%")
    mine = history.get_by_role("row").filter(has_text="mo (you)")
    expect(mine).to_contain_text("40%")
    expect(mine).to_contain_text("The labour market is cooling.")
    expect(history.get_by_role("row")).to_have_count(3)
    assert_no_reload(page)
    assert_no_csp_violation_events(page)


# --- 4. Resolving and undoing in place ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/predictions/"], ids=["dashboard", "list"])
def test_resolving_in_place_updates_the_counts_and_undo_puts_them_back(editor_page: Page, url):
    page = editor_page
    prediction = counting_data()

    page.goto(url)
    counts(page, all=4, open=3, overdue=2, true=1, false=0)
    if url == "/":
        expect(page.locator("#score-summary [data-figure=scored]")).to_have_text("1")
    mark_window(page)
    box = card(page, prediction)
    expect(box.get_by_text("Overdue", exact=True)).to_be_visible()

    box.get_by_role("button", name="Resolve").click()
    expect(box.get_by_label("True — it happened")).to_be_focused()
    expect(box.get_by_label("Resolved on")).to_have_value(timezone.localdate().isoformat())
    box.get_by_role("link", name="Cancel").click()
    expect(box.get_by_role("button", name="Resolve")).to_be_focused()
    expect(box.get_by_role("form", name="Resolve this prediction")).to_have_count(0)

    resolve_in_card(page, prediction)
    expect(box.get_by_role("status")).to_have_text("Resolved as “True”.")
    expect(box.get_by_role("button", name="Undo resolution")).to_be_focused()
    counts(page, all=4, open=2, overdue=1, true=2, false=0)
    if url == "/":
        expect(page.locator("#score-summary [data-figure=scored]")).to_have_text("2")
    expect(box.get_by_role("link", name="Evidence")).to_have_attribute("href", "https://example.com/evidence")
    assert_no_reload(page)
    prediction.refresh_from_db()
    assert (prediction.status, prediction.resolved_on, prediction.resolution_note) == (
        "true", timezone.localdate(), "It happened.")

    box.get_by_role("button", name="Undo resolution").click()
    expect(box.get_by_role("status")).to_have_text("Resolution undone: the prediction is open again.")
    expect(box.get_by_role("button", name="Resolve")).to_be_visible()
    counts(page, all=4, open=3, overdue=2, true=1, false=0)
    if url == "/":
        expect(page.locator("#score-summary [data-figure=scored]")).to_have_text("1")
    assert_no_reload(page)
    prediction.refresh_from_db()
    assert prediction.status == "open"
    assert list(prediction.history.values_list("action", flat=True).order_by("at")) == ["resolve", "undo"]


# --- 5. Two editors at once -----------------------------------------------------------------------------


def test_the_second_of_two_editors_resolving_the_same_prediction_is_told_and_changes_nothing(
        new_context, log_in):
    prediction = make_prediction(statement="Rates are cut twice before summer.", made_on=days(-90),
                                 resolve_by=days(-1))
    first = log_in(new_context(), make_user("edith", role="editors")).new_page()
    second = log_in(new_context(), make_user("eve", role="editors")).new_page()
    for page in (first, second):
        page.goto(f"/predictions/{prediction.pk}/")
        card(page, prediction).get_by_role("button", name="Resolve").click()
        expect(card(page, prediction).get_by_role("button", name="Save resolution")).to_be_visible()

    resolve_in_card(first, prediction, "True — it happened", note="Two cuts, March and May.", open_form=False)
    expect(card(first, prediction).get_by_role("status")).to_have_text("Resolved as “True”.")
    expect(first.locator("#resolution-history").get_by_role("row")).to_have_count(2)
    expect(first.locator("#resolution-history")).to_contain_text("Two cuts, March and May.")

    box = card(second, prediction)
    form = box.get_by_role("form", name="Resolve this prediction")
    form.get_by_label("False — it did not").check()
    form.get_by_label("Note").fill("Only one cut.")
    with second.expect_response(f"**/predictions/{prediction.pk}/resolve/") as response:
        form.get_by_role("button", name="Save resolution").click()
    assert response.value.status == 409
    alert = box.get_by_role("alert")
    expect(alert).to_contain_text(re.compile(r"^Not saved: someone else changed this prediction"))
    expect(alert).to_contain_text("it is now resolved “True”")
    expect(box.get_by_role("button", name="Undo resolution")).to_be_visible()

    prediction.refresh_from_db()
    assert (prediction.status, prediction.resolution_note) == ("true", "Two cuts, March and May.")
    event = ResolutionEvent.objects.get()
    assert (event.actor.username, event.to_status) == ("edith", "true")


@pytest.mark.parametrize("url", ["/", "/scoreboard/"], ids=["dashboard", "scoreboard"])
def test_a_refused_resolution_still_refreshes_every_figure_on_the_page(new_context, log_in, url):
    """The refusal means someone else changed the prediction, so the page's other figures are stale too."""
    prediction = counting_data()
    first = log_in(new_context(), make_user("edith", role="editors")).new_page()
    second = log_in(new_context(), make_user("eve", role="editors")).new_page()
    came_true = "#score-summary [data-figure=scored]" if url == "/" else "#board [data-figure=came-true]"
    for page in (first, second):
        page.goto(url)
        counts(page, open=3, true=1)
        expect(page.locator(came_true)).to_have_text("1")
    card(second, prediction).get_by_role("button", name="Resolve").click()

    resolve_in_card(first, prediction)
    expect(card(first, prediction).get_by_role("status")).to_have_text("Resolved as “True”.")
    counts(second, open=3, true=1)  # nothing tells a page about a change until it acts

    with second.expect_response(f"**/predictions/{prediction.pk}/resolve/") as response:
        resolve_in_card(second, prediction, outcome="False — it did not", open_form=False)
    assert response.value.status == 409
    expect(card(second, prediction).get_by_role("alert")).to_contain_text("it is now resolved “True”")
    counts(second, open=2, overdue=1, true=2)
    expect(second.locator(came_true)).to_have_text("2")
    assert list(prediction.history.values_list("actor__username", "to_status")) == [("edith", "true")]


def test_the_second_of_two_editors_editing_a_thesis_is_shown_both_versions_and_overwrites_nothing(
        new_context, log_in):
    thesis = make_thesis(title="Rates fall in 2026", rationale="Inflation cools.")
    first = log_in(new_context(), make_user("edith", role="editors")).new_page()
    second = log_in(new_context(), make_user("eve", role="editors")).new_page()
    for page in (first, second):
        page.goto(f"/theses/{thesis.pk}/edit/")
    first.get_by_label("Rationale").fill("Inflation cools fast.")
    first.get_by_role("button", name="Save thesis").click()
    first.wait_for_url(re.compile(rf"/theses/{thesis.pk}/$"))

    second.get_by_label("Rationale").fill("Wages stall.")
    with second.expect_response(f"**/theses/{thesis.pk}/edit/") as response:
        second.get_by_role("button", name="Save thesis").click()
    assert response.value.status == 409
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("Not saved: someone else changed this thesis since you opened the form.")
    expect(alert.get_by_role("row", name="Rationale")).to_contain_text("Inflation cools fast.")
    expect(alert.get_by_role("row", name="Rationale")).to_contain_text("Wages stall.")
    assert Thesis.objects.get(pk=thesis.pk).rationale == "Inflation cools fast."

    second.get_by_role("button", name="Save again").click()
    second.wait_for_url(re.compile(rf"/theses/{thesis.pk}/$"))
    assert Thesis.objects.get(pk=thesis.pk).rationale == "Wages stall."


# --- 6. Members cannot resolve --------------------------------------------------------------------------


def test_a_member_sees_no_resolve_button_and_a_forged_resolve_is_refused(member_page: Page):
    page = member_page
    prediction = make_prediction(statement="Rates are cut twice before summer.", made_on=days(-90),
                                 resolve_by=days(-1))
    page.goto("/predictions/")
    box = card(page, prediction)
    expect(box.get_by_role("button", name="Save forecast")).to_be_visible()
    expect(box.get_by_role("button", name="Resolve")).to_have_count(0)
    page.goto(f"/predictions/{prediction.pk}/")
    expect(box.get_by_role("button", name="Save forecast")).to_be_visible()
    expect(box.get_by_role("button", name="Resolve")).to_have_count(0)

    token = next(c["value"] for c in page.context.cookies() if c["name"] == settings.CSRF_COOKIE_NAME)
    form = {"status": "true", "resolved_on": timezone.localdate().isoformat(), "version": str(prediction.version)}
    response = page.request.post(f"/predictions/{prediction.pk}/resolve/", form=form,
                                 headers={"X-CSRFToken": token})
    assert response.status == 403
    assert "Not allowed" in response.text()  # our 403 page, not a CSRF failure

    # The same through htmx, from the page: the refusal shows in the message area, the card is untouched.
    mark_window(page)
    page.evaluate("""([url, target, values]) => htmx.ajax("POST", url, {target, swap: "outerHTML", values})""",
                  [f"/predictions/{prediction.pk}/resolve/", f"#prediction-{prediction.pk}", form])
    expect(page.locator("#flash").get_by_role("alert")).to_contain_text("Not allowed")
    expect(box.get_by_text("Open", exact=True)).to_be_visible()
    assert_no_reload(page)

    prediction.refresh_from_db()
    assert (prediction.status, prediction.version) == ("open", 1)
    assert not ResolutionEvent.objects.exists()


def test_an_in_place_action_after_the_session_ended_sends_the_browser_to_the_login_page(member_page: Page,
                                                                                      live_server):
    page = member_page
    prediction = make_prediction(statement="Rates are cut twice before summer.", made_on=days(-30),
                                 resolve_by=days(60))
    page.goto("/predictions/?q=rates")
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    card(page, prediction).get_by_label("Your probability (%)").fill("40")
    card(page, prediction).get_by_role("button", name="Save forecast").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.locator("#results")).to_have_count(0)
    assert not Forecast.objects.exists()


def test_after_an_expired_session_logging_in_returns_to_the_same_filtered_list(page: Page, log_in, live_server):
    user = make_user("lena", role="members", password=PASSWORD)
    log_in(page.context, user)
    prediction = make_prediction(statement="Rates are cut twice before summer.", made_on=days(-30),
                                 resolve_by=days(60))
    page.goto("/predictions/?q=rates&status=open")
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    card(page, prediction).get_by_label("Your probability (%)").fill("40")
    card(page, prediction).get_by_role("button", name="Save forecast").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Predictions", level=1)).to_be_visible()
    assert page.url == f"{live_server.url}/predictions/?q=rates&status=open"


def test_in_place_actions_log_no_htmx_errors(editor_page: Page, htmx_errors):
    page = editor_page
    prediction = counting_data()
    thesis = make_thesis(title="Rates fall faster than priced")
    prediction.theses.add(thesis)
    for url in ("/predictions/", f"/predictions/{prediction.pk}/", f"/theses/{thesis.pk}/"):
        page.goto(url)
        box = card(page, prediction)
        box.get_by_label("Your probability (%)").fill("40")
        box.get_by_role("button", name="Save forecast").click()
        expect(box.get_by_role("status")).to_have_text("Forecast saved: 40%.")
    assert htmx_errors == []


# --- 7. Thesis page -------------------------------------------------------------------------------------


def test_a_thesis_status_changes_and_a_signal_is_added_in_place(editor_page: Page):
    page = editor_page
    thesis = make_thesis(title="AI capex keeps compounding", opened_on=days(-60))
    make_signal(title="Microsoft raises capex guidance", occurred_on=days(-20)).theses.add(thesis)

    page.goto(f"/theses/{thesis.pk}/")
    mark_window(page)
    expect(page.locator("[data-thesis-status]")).to_have_text("Active")
    page.get_by_label("Change status").select_option(label="Confirmed")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator("#thesis-status").get_by_role("status")).to_have_text("Status changed to “Confirmed”.")
    expect(page.locator("[data-thesis-status]")).to_have_text("Confirmed")
    expect(page.get_by_label("Change status")).to_have_value("confirmed")
    thesis.refresh_from_db()
    assert thesis.status == "confirmed"

    form = page.get_by_role("form", name="Add a signal")
    form.get_by_label("Title").fill("TSMC raises its AI revenue outlook")
    form.get_by_label("Date").fill(days(-1).isoformat())
    form.get_by_label("Bears on the thesis as").select_option(label="Supports")
    form.get_by_label("Link").fill("https://example.com/tsmc-outlook")
    form.get_by_label("Summary").fill("AI accelerators now a fifth of revenue.")
    form.get_by_role("button", name="Add signal").click()

    signals = page.locator("#thesis-signals")
    expect(signals.get_by_role("status")).to_have_text("Signal “TSMC raises its AI revenue outlook” added.")
    timeline = signals.get_by_role("listitem")
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("TSMC raises its AI revenue outlook")
    expect(timeline.first).to_contain_text("Supports")
    expect(timeline.first.get_by_role("link", name="TSMC raises its AI revenue outlook")).to_have_attribute(
        "href", "https://example.com/tsmc-outlook")
    expect(page.get_by_role("form", name="Add a signal").get_by_label("Title")).to_have_value("")
    expect(page.locator("[data-thesis-status]")).to_have_text("Confirmed")
    assert_no_reload(page)
    signal = Signal.objects.get(title="TSMC raises its AI revenue outlook")
    assert list(signal.theses.all()) == [thesis]
    assert (signal.direction, signal.occurred_on) == ("supports", days(-1))
    assert_no_csp_violation_events(page)


# --- 7b. Create forms -----------------------------------------------------------------------------------


def test_the_quote_picker_finds_quotes_as_you_type_and_keeps_what_is_picked(editor_page: Page):
    page = editor_page
    maya = make_person(name="Maya Chen")
    show, paper = make_source(title="Macro Hour"), make_source(title="The Chip Letter")
    for n in range(40):
        make_quote(source=show, text=f"Filler remark number {n} about the weather.")
    chips = make_quote(source=paper, speaker=maya, text="Export controls will not slow chip sales this year.")
    rates = make_quote(source=show, text="Two rate cuts before summer, I would bet on it.")
    make_quote(source=show, text="Older filler, listed after the first matches.")

    page.goto("/predictions/new/")
    mark_window(page)
    picker = page.get_by_role("group", name="Supporting quotes")
    shown = picker.get_by_role("checkbox")
    expect(shown).to_have_count(30)  # the newest first, not every quote
    expect(picker.get_by_role("button", name="Find")).to_have_count(0)  # typing finds already

    search = picker.get_by_role("searchbox", name="Find supporting quotes")
    search.fill("maya chip")  # words from the speaker and the source's title, in any order
    expect(shown).to_have_count(1)
    picker.get_by_label(re.compile("Export controls")).check()

    search.fill("rate cuts")
    expect(shown).to_have_count(2)  # the quote already picked, and the match
    expect(picker.get_by_label(re.compile("Export controls"))).to_be_checked()
    picker.get_by_label(re.compile("Two rate cuts")).check()
    search.press("Enter")  # searches; does not send the half-filled form anywhere
    wait_for_htmx_to_settle(page)
    expect(page).to_have_url(re.compile(r"/predictions/new/$"))
    assert_no_reload(page)

    page.get_by_label("Statement").fill("Chip exports keep growing.")
    page.get_by_label("Speaker", exact=True).select_option(label="Maya Chen")
    page.get_by_label("Resolve by").fill(days(90).isoformat())
    page.get_by_label("Resolution criteria").fill("Export figures for the year are up on the year before.")
    page.get_by_role("button", name="Save prediction").click()
    expect(page.get_by_role("heading", name="Chip exports keep growing.")).to_be_visible()
    prediction = Prediction.objects.get(statement="Chip exports keep growing.")
    assert set(prediction.quotes.all()) == {chips, rates}


# --- 8 and 9. Every main page: no CSP violations, and a screenshot for people to look at ---------------


def test_the_csp_watch_catches_a_violation(new_context, problems):
    """The watch used by every test can fail: an inline script is refused and reported."""
    page = new_context().new_page()
    page.goto("/accounts/login/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                             document.head.append(s); }""")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any("violates the following Content Security Policy directive" in text for text in problems)  # Chromium
    assert any(text.startswith("Content Security Policy violation (event)") for text in problems)  # init script
    page.evaluate("() => { window.__cspViolations = []; }")  # seen; the teardown would report it again
    problems.clear()


def test_an_in_place_update_of_an_element_with_a_style_attribute_breaks_no_csp_rule(member_page: Page, problems):
    """htmx settles a swap by copying the old element's attributes onto the new one; were `style` among them,
    any inline style the old element carried (set by a browser extension, or by script through the CSSOM, as
    here) would be written back with setAttribute, which the CSP refuses."""
    page = member_page
    prediction = make_prediction(statement="Rates are cut twice before summer.", made_on=days(-30),
                                 resolve_by=days(60))
    page.goto(f"/predictions/{prediction.pk}/")
    page.evaluate("(id) => { document.getElementById(id).style.width = '7rem'; }", f"forecast-{prediction.pk}")
    box = card(page, prediction)
    box.get_by_label("Your probability (%)").fill("40")
    box.get_by_role("button", name="Save forecast").click()
    expect(page.locator("#forecast-history [data-figure=mine]")).to_have_text("40%")
    wait_for_htmx_to_settle(page)
    assert_no_csp_violation_events(page)
    assert problems == []


def test_every_main_page_renders_without_csp_violations_and_is_photographed(editor_page: Page, editor, problems):
    page = editor_page
    objs = realistic_data(editor)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "dashboard": "/",
        "predictions": "/predictions/",
        "prediction-detail": f"/predictions/{objs['prediction'].pk}/",
        "thesis-detail": f"/theses/{objs['thesis'].pk}/",
        "scoreboard": "/scoreboard/",
        "theses": "/theses/",
        "signals": "/signals/",
        "sources": "/sources/",
        "source-detail": f"/sources/{objs['source'].pk}/",
        "people": "/people/",
        "person-detail": f"/people/{objs['person'].pk}/",
        "companies": "/companies/",
        "company-detail": f"/companies/{objs['company'].pk}/",
        "new-prediction": "/predictions/new/",
        "import": "/import/",
        "search": "/search/?q=ai",
    }
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, url
        expect(page.get_by_role("main")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        assert_no_csp_violation_events(page)
        assert problems == [], url

    # The in-place actions, on these pages, raise none either.
    page.goto("/")
    resolve_in_card(page, objs["open"])
    expect(card(page, objs["open"]).get_by_role("button", name="Undo resolution")).to_be_visible()
    card(page, objs["open"]).get_by_role("button", name="Undo resolution").click()
    expect(card(page, objs["open"]).get_by_role("button", name="Resolve")).to_be_visible()
    assert_no_csp_violation_events(page)
    page.goto(f"/predictions/{objs['prediction'].pk}/")
    card(page, objs["prediction"]).get_by_label("Your probability (%)").fill("40")
    card(page, objs["prediction"]).get_by_role("button", name="Save forecast").click()
    expect(page.locator("#forecast-history [data-figure=mine]")).to_have_text("40%")
    assert_no_csp_violation_events(page)
    page.goto("/predictions/")
    page.get_by_role("search", name="Filter predictions").get_by_label("Tag").select_option(label="ai")
    expect(page).to_have_url(re.compile(r"[?&]tag=ai(&|$)"))
    assert_no_csp_violation_events(page)
    assert problems == []


# --- The README's screenshots ---------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_readme_screenshots_show_what_the_shipped_episode_gives(new_context, log_in):
    """What `make run` shows a new editor: the shipped episode, imported the same way, and nothing invented.
    Written to test-artifacts/screenshots/ always, and over docs/*.png with UPDATE_SCREENSHOTS=1."""
    call_command("setup_demo", stdout=io.StringIO())
    demo = get_user_model().objects.get(username="demo")
    page = log_in(new_context(viewport={"width": 1280, "height": 900}), demo).new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, url, heading in [("dashboard", "/", "Dashboard"), ("scoreboard", "/scoreboard/", "Scoreboard")]:
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"readme-{name}.png")
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            page.screenshot(path=DOCS / f"{name}.png")
    assert not Forecast.objects.exists()  # the episode ships no forecasts, and none were made up


# --- A phone's width -----------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(new_context, log_in, editor) -> Page:
    context = log_in(new_context(viewport=PHONE, is_mobile=True, has_touch=True), editor)
    return context.new_page()


def test_on_a_phone_no_page_is_wider_than_the_screen_and_wide_tables_scroll_in_place(phone_page: Page, editor):
    page = phone_page
    objs = realistic_data(editor)
    resolved = Prediction.objects.filter(status="true").get()
    services.record_forecast(objs["open"], editor, 0.35, note="A long note that explains the reasoning at length, "
                                                               "enough to push a table column out.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {"prediction-detail": f"/predictions/{resolved.pk}/", "scoreboard": "/scoreboard/",
             "dashboard": "/", "predictions": "/predictions/", "prediction-open": f"/predictions/{objs['open'].pk}/"}
    for name, url in pages.items():
        page.goto(url)
        expect(page.get_by_role("main")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"phone-{name}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
        # A table wider than the screen scrolls inside its own box, which stays on the screen.
        for box in page.locator(".table-wrap").all():
            fits = box.evaluate("""(wrap) => {
                const r = wrap.getBoundingClientRect();
                const scrolls = ["auto", "scroll"].includes(getComputedStyle(wrap).overflowX);
                return r.left >= 0 && r.right <= window.innerWidth + 0.5
                       && (wrap.scrollWidth <= wrap.clientWidth || scrolls);
            }""")
            assert fits, url
    page.goto(f"/predictions/{resolved.pk}/")
    assert page.locator("#resolution-history table").count() == 1


def test_on_a_phone_every_navigation_link_is_on_the_screen(phone_page: Page):
    page = phone_page
    page.goto("/")
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    assert links.count() >= 9
    for link in links.all():
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- Hostile text --------------------------------------------------------------------------------------

PAYLOADS = ['<script>window.__xss = "script"</script>', '<img src=x onerror="window.__xss = \'img\'">',
            '"><svg onload="window.__xss = \'svg\'">', "javascript:window.__xss='link'"]


def test_user_text_is_escaped_everywhere_it_is_shown(editor_page: Page, editor, problems):
    """Payloads in every text field a user can fill are shown as text: no element is injected, nothing runs."""
    page = editor_page
    payload = " ".join(PAYLOADS)
    person = make_person(name=f"Speaker {PAYLOADS[1]}", affiliation=PAYLOADS[0])
    source = make_source(title=f"Source {PAYLOADS[0]}", publisher=PAYLOADS[2], url="https://example.com/ep")
    quote = make_quote(source=source, speaker=person, text=f"Quote {payload}", timestamp_seconds=61)
    thesis = make_thesis(title=f"Thesis {PAYLOADS[2]}", rationale=payload)
    company = make_company(name=f"Company {PAYLOADS[1]}", ticker="<b>")
    prediction = make_prediction(statement=f"Statement {payload}", criteria=payload, speaker=person, source=source,
                                 tags=["script-alert"], made_on=days(-30), resolve_by=days(-1))
    prediction.quotes.add(quote)
    prediction.theses.add(thesis)
    prediction.companies.add(company)
    services.record_forecast(prediction, editor, 0.4, note=payload)
    signal = make_signal(title=f"Signal {PAYLOADS[0]}", summary=payload)
    signal.theses.add(thesis)
    signal.predictions.add(prediction)
    page.goto("/predictions/")
    resolve_in_card(page, prediction, note=f"Note {payload}")
    expect(card(page, prediction).get_by_role("button", name="Undo resolution")).to_be_visible()

    pages = ["/", "/predictions/", f"/predictions/{prediction.pk}/", "/theses/", f"/theses/{thesis.pk}/",
             "/sources/", f"/sources/{source.pk}/", "/people/", f"/people/{person.pk}/", "/companies/",
             f"/companies/{company.pk}/", "/signals/", "/scoreboard/", f"/predictions/{prediction.pk}/edit/"]
    for url in pages:
        page.goto(url)
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("img[src='x'], svg[onload], main script").count() == 0, url
    page.goto(f"/predictions/{prediction.pk}/")
    # The payload is there, as text.
    expect(page.get_by_role("heading", name=f"Statement {payload}")).to_be_visible()
    expect(page.locator("#resolution-history")).to_contain_text(f"Note {PAYLOADS[0]}")
    expect(page.locator("#forecast-history")).to_contain_text(PAYLOADS[1])
    assert problems == []


def test_the_navigation_search_finds_a_prediction_by_its_speaker_and_filter_urls_stay_short(member_page: Page):
    page = member_page
    make_prediction(statement="Tidal power doubles.", speaker=make_person(name="Ottoline Brack"))
    make_prediction(statement="Wind power stalls.")
    page.goto("/predictions/")
    box = page.get_by_role("search", name="Search everything").get_by_role("searchbox")
    box.fill("brack")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=brack$"))
    hit = page.locator(".hit-prediction")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark").first).to_have_text("Brack")
    hit.get_by_role("link", name="Tidal power doubles.").click()
    expect(page).to_have_url(re.compile(r"/predictions/\d+/$"))

    page.goto("/predictions/")
    page.get_by_role("search", name="Filter predictions").get_by_label("Speaker").select_option(label="Ottoline Brack")
    expect(page).to_have_url(re.compile(r"/predictions/\?speaker=[^&]+$"))
    page.get_by_role("list", name="Predictions by status").get_by_role("link", name=re.compile("open")).click()
    expect(page).to_have_url(re.compile(r"/predictions/\?speaker=[^&]+&status=open$"))
    expect(page.locator("#results").get_by_role("article")).to_have_count(1)
    assert_no_csp_violation_events(page)
