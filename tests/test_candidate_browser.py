"""The issue's done-when, in a real Chromium: upload a transcript, map a speaker, review the candidate
predictions (dismiss one in place), accept one, edit its resolve-by date, and see the new prediction with its quote
linked to the moment it was said."""

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_company, make_person, make_source
from tests.test_browser import SCREENSHOTS, editor_page, htmx_errors, log_in, new_context, problems  # noqa: F401 (fixtures)
from tracker.models import Candidate, Prediction

pytestmark = pytest.mark.browser
SAMPLES = Path(__file__).parent / "transcripts"


def test_an_editor_turns_a_transcript_sentence_into_a_prediction_with_its_quote(editor_page: Page,  # noqa: F811
                                                                               problems):  # noqa: F811
    page = editor_page
    thomas = make_person(name="Thomas Okafor")
    make_person(name="Maya Chen")
    make_company(name="Nvidia", ticker="NVDA")
    source = make_source(title="Rates and chips", url="https://www.youtube.com/watch?v=abc123", duration_seconds=600,
                         published_on=date(2026, 1, 20))
    page.goto(source.get_absolute_url())
    page.get_by_role("link", name="Upload a transcript").click()
    page.get_by_label("Transcript file").set_input_files(SAMPLES / "candidates.txt")
    page.get_by_role("button", name="Read the transcript").click()
    page.get_by_label("“Tom Okafor” is").select_option(label=thomas.name)  # the label is not his full name
    page.get_by_role("button", name="Save the transcript").click()

    expect(page.get_by_text("3 candidate predictions to review")).to_be_visible()
    page.get_by_role("link", name="Review 3 candidate predictions").click()
    expect(page.get_by_role("heading", name="Candidate predictions")).to_be_visible()
    queue = page.get_by_role("list", name="Candidates to review")
    expect(queue.locator("> li")).to_have_count(3)
    expect(queue.locator("> li").first).to_contain_text("date: next year → 31 Dec 2027")
    page.screenshot(path=SCREENSHOTS / "candidate-queue.png", full_page=True)

    # Dismissed in place, with htmx: the row goes and the count follows, without a reload.
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name=re.compile(r"^Dismiss: I expect the Fed")).click()
    expect(queue.locator("> li")).to_have_count(2)
    expect(page.locator("#candidate-count")).to_contain_text("2 to review")
    assert page.evaluate("window.notReloaded") is True

    page.get_by_role("link", name=re.compile(r"^Accept: Nvidia will pass")).click()
    expect(page.get_by_role("heading", name="New prediction from the transcript")).to_be_visible()
    statement = page.get_by_label("Statement")
    expect(statement).to_have_value("Nvidia will pass $5 trillion in market value by 2027.")
    expect(page.get_by_label("Made on")).to_have_value("2026-01-20")
    resolve_by = page.get_by_label("Resolve by")
    expect(resolve_by).to_have_value("2027-12-31")
    page.screenshot(path=SCREENSHOTS / "candidate-accept.png", full_page=True)
    statement.fill("Nvidia's market value passes $5 trillion.")
    resolve_by.fill("2027-06-30")
    page.get_by_role("button", name="Save prediction and quote").click()

    expect(page.get_by_role("heading", name="Nvidia's market value passes $5 trillion.")).to_be_visible()
    prediction = Prediction.objects.get()
    assert (prediction.resolve_by, prediction.speaker, prediction.source) == (date(2027, 6, 30), thomas, source)
    assert [c.name for c in prediction.companies.all()] == ["Nvidia"]
    quote = prediction.quotes.get()
    figure = page.locator(f"#quote-{quote.key}")
    expect(figure).to_contain_text("Nvidia will pass $5 trillion in market value by 2027.")
    expect(figure.get_by_role("link", name="Listen at 0:31")).to_have_attribute(
        "href", "https://www.youtube.com/watch?v=abc123&t=31s")
    assert Candidate.objects.get(prediction=prediction).decision == "accepted"
    page.screenshot(path=SCREENSHOTS / "candidate-accepted.png", full_page=True)
    assert problems == []
