"""In a real Chromium: an editor uploads price files on the Prices page and sees the thesis's chart and return."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_company, make_signal, make_thesis
from tests.test_browser import SCREENSHOTS, editor_page, htmx_errors, log_in, new_context, problems  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def yahoo(first: date, closes: list[float]) -> bytes:
    lines, day = ["Date,Open,High,Low,Close,Adj Close,Volume"], first
    for close in closes:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        lines.append(f"{day},{close},{close},{close},{close},{close},1000")
        day += timedelta(days=1)
    return ("\n".join(lines) + "\n").encode()


def test_an_editor_uploads_prices_and_sees_the_chart_on_the_thesis_page(editor_page: Page, tmp_path):  # noqa: F811
    page = editor_page
    thesis = make_thesis(title="Chips keep winning", opened_on=date(2026, 1, 2))
    thesis.companies.add(make_company(name="Alpha", ticker="AAA"))
    make_signal(title="New fab", occurred_on=date(2026, 1, 20), direction="supports").theses.add(thesis)
    first = date(2026, 1, 5)
    (tmp_path / "aaa.csv").write_bytes(yahoo(first, [100 + i for i in range(40)]))
    (tmp_path / "spy.csv").write_bytes(yahoo(first, [400 + i / 2 for i in range(40)]))
    (tmp_path / "broken.csv").write_bytes(b"<!doctype html><html><body>Too many requests</body></html>")

    page.goto("/")
    page.get_by_role("link", name="Prices").click()
    page.get_by_label("Price file (CSV from Stooq or Yahoo)").set_input_files(tmp_path / "broken.csv")
    page.get_by_label("Ticker").fill("AAA")
    page.get_by_role("button", name="Import prices").click()
    expect(page.get_by_role("alert")).to_contain_text("this is a web page (HTML), not a CSV file")

    for ticker in ("AAA", "SPY"):
        page.get_by_label("Price file (CSV from Stooq or Yahoo)").set_input_files(tmp_path / f"{ticker.lower()}.csv")
        page.get_by_label("Ticker").fill(ticker.lower())
        page.get_by_role("button", name="Import prices").click()
        expect(page.locator(".messages")).to_contain_text(f"{ticker}: 40 new")

    page.goto(thesis.get_absolute_url())
    chart = page.locator('svg[data-chart="returns"]')
    expect(chart).to_be_visible()
    expect(chart.locator('polyline[data-series="thesis"]')).to_have_count(1)
    expect(chart.locator('[data-mark="signal"]')).to_have_count(1)
    expect(page.locator('[data-figure="return"]')).to_have_text("+39%")
    expect(page.locator('[data-figure="prices-through"]')).to_contain_text("2026")
    page.get_by_text("Data table: the thesis and SPY").click()
    expect(page.get_by_role("cell", name="139.0", exact=True)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "thesis-returns.png", full_page=True)
