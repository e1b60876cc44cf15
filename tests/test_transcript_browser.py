"""In a real Chromium: upload a transcript on a source's page, map a diarization label to a person, save, read
the transcript, and turn a sentence into a quote linked to its moment."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_person, make_source
from tests.test_browser import SCREENSHOTS, editor_page, htmx_errors, log_in, new_context, problems  # noqa: F401 (fixtures)
from tracker.models import Quote

pytestmark = pytest.mark.browser
SAMPLES = Path(__file__).parent / "transcripts"


def test_an_editor_uploads_a_transcript_maps_a_speaker_and_quotes_a_sentence(editor_page: Page):  # noqa: F811
    page = editor_page
    dario = make_person(name="Dario Amodei")
    source = make_source(title="Dario on scaling", url="https://www.youtube.com/watch?v=abc123", duration_seconds=600)
    page.goto(source.get_absolute_url())
    page.get_by_role("link", name="Upload a transcript").click()
    page.get_by_label("Transcript file").set_input_files(SAMPLES / "whisperx.json")
    page.get_by_role("button", name="Read the transcript").click()

    expect(page.get_by_role("heading", name="Review the speakers")).to_be_visible()
    page.get_by_label("“SPEAKER_00” is").select_option(label=dario.name)
    page.screenshot(path=SCREENSHOTS / "transcript-review.png", full_page=True)
    page.get_by_role("button", name="Save the transcript").click()

    transcript = page.locator("#transcript")
    expect(transcript.get_by_text("Welcome back to the show.")).to_be_visible()
    expect(page.locator("#t-0 .speaker")).to_have_text("Dario Amodei")
    expect(page.locator("#t-1 .speaker")).to_have_text("Unattributed")
    page.screenshot(path=SCREENSHOTS / "transcript-on-source.png", full_page=True)

    transcript.get_by_role("button", name=re.compile(r"^Quote: Chip exports keep growing")).click()
    quote = Quote.objects.get()
    figure = page.locator(f"#quote-{quote.key}")
    expect(figure).to_contain_text("Chip exports keep growing next year, I expect.")
    expect(figure.get_by_role("link", name="Listen at 0:02")).to_have_attribute(
        "href", "https://www.youtube.com/watch?v=abc123&t=2s")
    assert (quote.speaker, quote.timestamp_seconds) == (None, 2)


def test_selecting_text_across_sentences_quotes_them_as_one_passage(editor_page: Page):  # noqa: F811
    page = editor_page
    source = make_source(title="Dario on scaling", url="https://www.youtube.com/watch?v=abc123", duration_seconds=4000)
    page.goto(source.get_absolute_url())
    page.get_by_role("link", name="Upload a transcript").click()
    page.get_by_label("Or paste the text").fill((SAMPLES / "marks.txt").read_text())
    page.get_by_role("button", name="Read the transcript").click()
    page.get_by_role("button", name="Save the transcript").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Transcript \(4 sentences\)"))).to_be_visible()
    page.wait_for_load_state()  # the script that reads selections runs before "load"

    # Select from inside sentence 2 to inside sentence 3, as a reader would drag across them.
    page.evaluate("""() => {
        const texts = [...document.querySelectorAll('#transcript .transcript-line .text')];
        const range = document.createRange();
        range.setStart(texts[1].firstChild, 3);
        range.setEnd(texts[2].firstChild, 5);
        document.getSelection().removeAllRanges();
        document.getSelection().addRange(range);
    }""")
    expect(page.get_by_label("to")).to_have_value("3")
    page.get_by_role("button", name="Quote them").click()
    quote = Quote.objects.get()
    assert quote.text == "Models get much better. I'd bet on that strongly."
    assert (quote.speaker.name, quote.timestamp_seconds) == ("Dario Amodei", 9)
    expect(page.locator(f"#quote-{quote.key}").get_by_role("link", name="Listen at 0:09")).to_be_visible()
