"""`manage.py import_transcript`: every format, speakers, re-imports and bad input."""

import io
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_person, make_quote, make_source
from tracker.models import Person, Quote, TranscriptSegment

SAMPLES = Path(__file__).parent / "transcripts"
pytestmark = pytest.mark.django_db


def run(source, name: str, *args) -> str:
    out = io.StringIO()
    call_command("import_transcript", source.key, str(SAMPLES / name), *args, stdout=out)
    return out.getvalue()


def transcript(source) -> list[tuple]:
    rows = TranscriptSegment.objects.filter(source=source).select_related("speaker").order_by("position")
    return [(s.start_ms, s.end_ms, s.speaker.name if s.speaker else None, s.text) for s in rows]


@pytest.mark.parametrize(("name", "first", "last"), [
    ("voices.vtt", (1250, 4000, "Dwarkesh Patel", "Today I'm talking with Dario Amodei."),
     (12125, 62042, "Dario Amodei", "It will be & it should be cheaper next year.")),
    ("labels.vtt", (500, 3250, "Maya Chen", "Rates are cut twice before summer."),
     (6000, 9999, "Maya Chen", "We'll see.")),
    ("labels.srt", (1500, 4250, "Maya Chen", "The merger closes this quarter, regulators permitting."),
     (6010, 9300, "Tom Okafor", "Margins recover in 2027 at the earliest.")),
    ("whisperx.json", (31, 2500, "SPEAKER_00", "Welcome back to the show."), (7000, 9875, "SPEAKER_00", "Why?")),
    ("whisper.json", (0, 3200, None, "The IPO prices above range."), (3200, 4999, None, "I'd bet on it.")),
    ("podcast.json", (500, 1732, "Priya Raman", "Inflation falls below 3% by June."),
     (2000, 3000, "Ben Gilbert", "Bold call.")),
    ("transcript.html", (2000, None, "Priya Raman", "Inflation falls below 3% by June & stays there."),
     (3729000, None, "Ben Gilbert", "I'll hold you to it.")),
    ("marks.txt", (5000, None, "Dwarkesh Patel", "So what happens next year?"),
     (3723000, None, "Dwarkesh Patel", "And after that?")),
    ("parens.txt", (3000, None, "Maya Chen", "Rates are cut twice."),
     (150000, None, "Tom Okafor", "Back to you, Maya.")),
    ("article.txt", (None, None, None, "Nvidia's data-centre revenue was approx. $14.2 bn. in the quarter, up 3.5% "
                                       "on the year."), (None, None, None, "Mr. Huang did not comment!")),
])
def test_each_format_imports_its_sentences_with_speakers_and_times(name, first, last):
    source = make_source()
    run(source, name)
    rows = transcript(source)
    assert rows[0] == first
    assert rows[-1] == last


def test_a_sentence_running_across_cues_is_one_sentence_with_the_time_of_the_cue_it_starts_in():
    source = make_source()
    run(source, "voices.vtt")
    assert (1250, 7500, "Dwarkesh Patel", "Dario, by 2027 will models write most of the code at Anthropic?") \
        in transcript(source)


def test_a_speaker_carries_on_through_cues_without_a_label_until_another_is_named():
    source = make_source()
    run(source, "whisperx.json")
    assert transcript(source)[1] == (2500, 7000, "SPEAKER_01", "Chip exports keep growing next year, I expect.")


def test_a_vtt_cue_with_two_lines_of_names_gives_each_line_its_speaker():
    source = make_source()
    run(source, "labels.vtt")
    assert [row[2] for row in transcript(source)] == ["Maya Chen", "Maya Chen", "Tom Okafor", "Maya Chen"]


def test_labels_match_people_by_name_ignoring_case_and_spaces():
    maya = make_person(name="maya   CHEN")
    source = make_source()
    run(source, "labels.srt")
    assert TranscriptSegment.objects.filter(source=source, speaker=maya).count() == 2


def test_an_unknown_label_becomes_a_new_person_named_as_the_label():
    source = make_source()
    run(source, "labels.srt")
    assert set(Person.objects.values_list("name", flat=True)) == {"Maya Chen", "Tom Okafor"}


def test_speaker_options_map_a_label_to_a_person_or_to_nobody():
    dario = make_person(name="Dario Amodei (Anthropic)")
    source = make_source()
    run(source, "whisperx.json", "--speaker", "speaker_01=" + dario.key, "--speaker", "SPEAKER_00=")
    assert [row[2] for row in transcript(source)] == [None, dario.name, None]
    assert Person.objects.count() == 1


def test_a_speaker_option_naming_no_person_is_refused_and_nothing_is_written():
    source = make_source()
    with pytest.raises(CommandError, match="no person has the key 'nobody-here'"):
        run(source, "whisperx.json", "--speaker", "SPEAKER_00=nobody-here")
    assert TranscriptSegment.objects.count() == 0


def test_a_dry_run_reports_and_writes_nothing():
    source = make_source()
    output = run(source, "labels.srt", "--dry-run")
    assert "3 sentences (srt)" in output
    assert "dry run" in output
    assert TranscriptSegment.objects.count() == 0
    assert Person.objects.count() == 0


def test_a_transcript_can_be_read_from_standard_input(monkeypatch):
    source = make_source()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((SAMPLES / "podcast.json").read_bytes())))
    call_command("import_transcript", source.key, "-", stdout=io.StringIO())
    assert len(transcript(source)) == 2


def test_reimporting_needs_replace_and_keeps_the_quotes():
    source = make_source()
    quote = make_quote(source=source)
    run(source, "labels.srt")
    with pytest.raises(CommandError, match="already has a transcript of 3 sentences"):
        run(source, "whisper.json")
    assert len(transcript(source)) == 3
    run(source, "whisper.json", "--replace")
    assert [row[3] for row in transcript(source)] == ["The IPO prices above range.", "I'd bet on it."]
    assert Quote.objects.filter(pk=quote.pk).exists()


@pytest.mark.parametrize(("name", "where"), [
    ("broken_timing.vtt", "line 8: malformed cue timing '00:00:05.000 --> garbage'"),
    ("broken.srt", "line 5: not a readable SRT cue"),
])
def test_a_malformed_cue_is_a_located_error_and_nothing_is_written(name, where):
    source = make_source()
    with pytest.raises(CommandError, match=where):
        run(source, name)
    assert TranscriptSegment.objects.count() == 0


def test_json_with_a_bad_field_names_the_segment(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"segments": [{"start": 0, "end": 1, "text": "Fine."}, {"start": "soon", "text": "No."}]}')
    source = make_source()
    with pytest.raises(CommandError, match=r"segments\[1\]\.start"):
        call_command("import_transcript", source.key, str(path))


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Ben: Ça va très bien.\n".encode("latin-1"))
    source = make_source()
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_transcript", source.key, str(path))
    assert TranscriptSegment.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.TRANSCRIPT_MAX_BYTES = 100
    source = make_source()
    with pytest.raises(CommandError, match="the limit is 100 bytes"):
        run(source, "voices.vtt")
    assert TranscriptSegment.objects.count() == 0


def test_times_beyond_the_sources_duration_are_refused():
    source = make_source(duration_seconds=60)
    with pytest.raises(CommandError, match="cue 4: time 1:02 is beyond the end"):
        run(source, "voices.vtt")
    assert TranscriptSegment.objects.count() == 0


def test_an_unknown_source_key_is_refused():
    with pytest.raises(CommandError, match="No source has the key 'missing'"):
        call_command("import_transcript", "missing", str(SAMPLES / "voices.vtt"))
