"""The functions the bundle calls for its `transcripts` list: export, validate, import, and the round trip."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import make_person, make_quote, make_source
from tracker.bundle import BundleError, export_bundle, import_bundle
from tracker.models import Quote, TranscriptSegment
from tracker.transcripts.exchange import TranscriptImportError, import_transcripts, transcripts_for_export

SAMPLES = Path(__file__).parent / "transcripts"
pytestmark = pytest.mark.django_db


def imported(source, name: str) -> None:
    call_command("import_transcript", source.key, str(SAMPLES / name), stdout=io.StringIO())


def test_the_export_lists_each_transcript_with_times_in_seconds_and_speaker_keys():
    source = make_source(key="ep-1")
    imported(source, "voices.vtt")
    [entry] = transcripts_for_export()
    assert entry["source"] == "ep-1"
    assert entry["segments"][0] == {"start": 1.25, "end": 4.0, "speaker": "dwarkesh-patel",
                                    "text": "Today I'm talking with Dario Amodei."}
    assert entry["segments"][-1]["end"] == 62.042


def test_export_import_export_is_byte_identical_and_a_second_import_changes_nothing():
    for name in ("voices.vtt", "whisper.json", "transcript.html", "article.txt"):
        imported(make_source(), name)
    first = json.dumps(transcripts_for_export(), indent=2)
    TranscriptSegment.objects.all().delete()
    report = import_transcripts(json.loads(first))
    assert report["created"] == 4
    assert json.dumps(transcripts_for_export(), indent=2) == first
    assert import_transcripts(json.loads(first))["unchanged"] == 4


def test_importing_replaces_a_sources_transcript_and_keeps_its_quotes():
    source = make_source()
    quote = make_quote(source=source)
    imported(source, "labels.srt")
    report = import_transcripts([{"source": source.key, "segments": [
        {"start": 0.5, "end": None, "speaker": None, "text": "Only this."}]}])
    assert report["updated"] == 1
    rows = TranscriptSegment.objects.filter(source=source).values_list("start_ms", "text")
    assert list(rows) == [(500, "Only this.")]
    assert Quote.objects.filter(pk=quote.pk).exists()


@pytest.mark.parametrize(("segment", "problem"), [
    ({"start": "soon", "end": None, "speaker": None, "text": "Hi."}, "transcripts[0].segments[0].start:"),
    ({"start": 2, "end": 1, "speaker": None, "text": "Hi."}, "transcripts[0].segments[0].end: ends (1 s) before"),
    ({"start": 0, "end": 1, "speaker": "nobody", "text": "Hi."},
     "transcripts[0].segments[0].speaker: no person has the key 'nobody'"),
    ({"start": 125, "end": None, "speaker": None, "text": "Hi."}, "transcripts[0].segments[0]: time 125 s is beyond"),
    ({"start": 0, "end": 1, "speaker": None, "text": "  "}, "transcripts[0].segments[0].text:"),
    ({"start": 0, "end": 1, "speaker": None, "text": "Hi.", "extra": 1}, "transcripts[0].segments[0].extra:"),
])
def test_bad_segments_are_located_and_nothing_is_written(segment, problem):
    source = make_source(duration_seconds=120)
    make_person(key="someone")
    with pytest.raises(TranscriptImportError) as caught:
        import_transcripts([{"source": source.key, "segments": [segment]}])
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert TranscriptSegment.objects.count() == 0


def test_an_unknown_or_repeated_source_is_a_located_problem():
    source = make_source()
    entry = {"source": source.key, "segments": [{"start": None, "end": None, "speaker": None, "text": "Hi."}]}
    with pytest.raises(TranscriptImportError) as caught:
        import_transcripts([entry, entry, {**entry, "source": "missing"}])
    assert caught.value.problems == [
        f"transcripts[1].source: a second transcript for source {source.key!r}",
        "transcripts[2].source: no source has the key 'missing'",
    ]
    assert TranscriptSegment.objects.count() == 0


def test_a_bundle_carries_transcripts_so_an_export_restores_them():
    imported(make_source(key="ep-1"), "voices.vtt")
    first = export_bundle()
    assert json.loads(first)["transcripts"][0]["source"] == "ep-1"
    TranscriptSegment.objects.all().delete()
    report = import_bundle(first, restore=True)
    assert report.created["transcripts"] == 1
    assert export_bundle() == first
    broken = json.loads(first)
    broken["transcripts"][0]["segments"][0]["speaker"] = "nobody-known"
    with pytest.raises(BundleError) as refused:
        import_bundle(json.dumps(broken))
    assert "transcripts[0].segments[0].speaker: no person has the key 'nobody-known'" in str(refused.value)
