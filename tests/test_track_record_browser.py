"""The track record in a real Chromium: the forecaster page and the chart of forecasts on a prediction render,
and update in place, without any Content Security Policy violation (watched by tests/test_browser.py's fixtures)."""

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_prediction, make_user
from tests.test_browser import (  # noqa: F401 (fixtures)
    SCREENSHOTS,
    assert_no_csp_violation_events,
    csp_watch,
    editor_page,
    htmx_errors,
    log_in,
    member_page,
    new_context,
    problems,
)
from tracker import services
from tracker.models import Forecast

pytestmark = pytest.mark.browser


def scored_record(editor, member) -> None:
    """The member and two others on eight predictions resolved over four months."""
    others = [make_user(name, role="members") for name in ("ana", "ben")]
    for n in range(8):
        p = make_prediction(statement=f"Resolved prediction {n}.", made_on=date(2026, 1, 1),
                            stated_probability=0.6 if n % 3 == 0 else None)
        for k, user in enumerate([member, *others]):
            Forecast.objects.create(prediction=p, user=user, probability=0.15 + 0.1 * ((n + k) % 8),
                                    made_at=datetime(2026, 2, 1 + k, tzinfo=UTC))
        services.resolve(p, status="true" if n % 2 else "false", expected_version=p.version, actor=editor,
                         resolved_on=date(2026, 3 + n % 4, 10))


def test_the_forecaster_page_opens_from_the_scoreboard_and_renders_cleanly(  # noqa: F811
        member_page: Page, editor, member, problems):  # noqa: F811
    scored_record(editor, member)
    page = member_page
    page.goto("/scoreboard/")
    page.locator("#table-forecasters").get_by_role("link", name=member.username).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.username)
    expect(page.get_by_role("img", name="Brier over time")).to_be_visible()
    expect(page.get_by_role("img", name="Calibration")).to_be_visible()
    expect(page.locator("[data-figure=scored]")).to_have_text("8")
    expect(page.locator("tr[data-prediction]")).to_have_count(8)
    page.get_by_text("Data table: Brier over time").click()
    expect(page.locator("details[open] tbody tr")).to_have_count(4)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "forecaster.png", full_page=True)
    assert_no_csp_violation_events(page)
    assert problems == []


def test_the_forecasts_chart_renders_and_follows_a_new_forecast(member_page: Page, member, problems):  # noqa: F811
    p = make_prediction(statement="Acme lists in 2026.", made_on=date(2026, 1, 1), resolve_by=date(2027, 6, 30),
                        stated_probability=0.7)
    for name, probability, day in (("ana", 0.3, 2), ("ben", 0.55, 9), ("ana", 0.45, 20)):
        user = make_user(name, role="members") if day != 20 else member.__class__.objects.get(username=name)
        Forecast.objects.create(prediction=p, user=user, probability=probability,
                                made_at=datetime(2026, 2, day, tzinfo=UTC))
    page = member_page
    page.goto(f"/predictions/{p.pk}/")
    chart = page.get_by_role("img", name="Forecasts over time")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.point")).to_have_count(3)
    expect(chart.get_by_text("Speaker: 70%")).to_be_visible()
    page.get_by_label("Your probability (%)").fill("62")
    page.get_by_role("button", name="Save forecast").click()
    expect(page.locator("#forecast-history [data-figure=mine]")).to_have_text("62%")
    expect(page.get_by_role("img", name="Forecasts over time").locator("circle.point.mine")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "prediction-forecasts-chart.png", full_page=True)
    assert_no_csp_violation_events(page)
    assert problems == []


def test_blind_forecasting_reveals_the_crowd_once_you_forecast(member_page: Page, settings, problems):  # noqa: F811
    settings.BLIND_FORECASTING = True
    p = make_prediction(statement="Acme lists in 2026.", made_on=date(2026, 1, 1))
    Forecast.objects.create(prediction=p, user=make_user("ana", role="members"), probability=0.83,
                            made_at=datetime(2026, 2, 1, tzinfo=UTC))
    page = member_page
    page.goto(f"/predictions/{p.pk}/")
    expect(page.locator("#forecast-history [data-blind]")).to_be_visible()
    expect(page.get_by_role("img", name="Forecasts over time")).to_have_count(0)
    expect(page.get_by_text("83%")).to_have_count(0)
    page.get_by_label("Your probability (%)").fill("40")
    page.get_by_role("button", name="Save forecast").click()
    expect(page.locator("#forecast-history [data-figure=median]")).to_have_text("61.5%")
    expect(page.get_by_role("img", name="Forecasts over time").locator("circle.point")).to_have_count(2)
    expect(page.locator("[data-blind]")).to_have_count(0)
    assert_no_csp_violation_events(page)
    assert problems == []
