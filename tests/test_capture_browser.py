"""In a real Chromium: from a quote on a source's page, "Add prediction" with a second quote typed inline, the
speaker found in the inline picker as you type, and one's own forecast, all saved in one step."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_person, make_quote, make_source
from tests.test_browser import (  # noqa: F401 (fixtures)
    SCREENSHOTS,
    days,
    editor_page,
    htmx_errors,
    log_in,
    new_context,
    problems,
    wait_for_htmx_to_settle,
)
from tracker.models import Forecast, Prediction, Quote

pytestmark = pytest.mark.browser


def test_an_editor_captures_a_prediction_with_a_new_quote_and_a_forecast_in_one_step(editor_page: Page, editor):  # noqa: F811
    page = editor_page
    nathan, sebastian = make_person(name="Nathan Lambert"), make_person(name="Sebastian Raschka")
    source = make_source(title="State of AI", published_on=date(2026, 1, 31), duration_seconds=15900,
                         url="https://www.youtube.com/watch?v=abc123")
    said = make_quote(source=source, speaker=nathan, timestamp_seconds=600, text="Cursor gets bought this year.")
    make_quote(text="A quote of another show.")

    page.goto(source.get_absolute_url())
    page.get_by_role("link", name="Add prediction").nth(1).click()  # the page's first is for the source
    expect(page.get_by_role("heading", name="New prediction")).to_be_visible()
    expect(page.get_by_label("Made on")).to_have_value("2026-01-31")
    picker = page.get_by_role("group", name="Supporting quotes")
    expect(picker.get_by_role("checkbox")).to_have_count(1)  # this source's quotes only
    expect(picker.get_by_label(re.compile("Cursor gets bought"))).to_be_checked()

    page.get_by_label("Statement").fill("Cursor is acquired in 2026.")
    page.get_by_label("Resolve by").fill(days(200).isoformat())
    inline = page.get_by_role("group", name=re.compile("New quote"))
    inline.get_by_label("Verbatim text").fill("I'd bet on a deal before December.")
    inline.get_by_role("searchbox", name="Find said by").fill("raschka")
    wait_for_htmx_to_settle(page)
    expect(inline.get_by_label("Said by", exact=True).locator("option")).to_have_count(2)  # blank, and the match
    inline.get_by_label("Said by", exact=True).select_option(label="Sebastian Raschka")
    inline.get_by_label("Moment in the recording").fill("3:39:17")
    page.get_by_label("Your own forecast (%)").fill("35")
    page.screenshot(path=SCREENSHOTS / "capture-form.png", full_page=True)
    page.get_by_role("button", name="Save prediction").click()

    expect(page.get_by_role("heading", name="Cursor is acquired in 2026.")).to_be_visible()
    prediction = Prediction.objects.get()
    typed = Quote.objects.get(text="I'd bet on a deal before December.")
    assert set(prediction.quotes.all()) == {said, typed} and prediction.speaker == nathan
    assert (typed.source, typed.speaker, typed.timestamp_seconds) == (source, sebastian, 13157)
    forecast = Forecast.objects.get()
    assert (forecast.user, forecast.prediction, forecast.probability) == (editor, prediction, 0.35)
    expect(page.locator("[data-figure=mine]").first).to_have_text("35%")
    figure = page.locator(f"#quote-{typed.key}")
    expect(figure.get_by_role("link", name="Listen at 3:39:17")).to_have_attribute("href", re.compile(r"t=13157s"))
