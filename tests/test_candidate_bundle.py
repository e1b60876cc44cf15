"""The bundle carries each transcript's candidates and their decisions: the round trip stays byte-identical, a
restore gives the decisions back, and a bad candidate is a located problem that writes nothing."""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import empty_the_database, make_company, make_person, make_source
from tracker.bundle import BundleError, export_bundle, import_bundle
from tracker.models import Candidate, Prediction, Quote, TranscriptSegment

SAMPLES = Path(__file__).parent / "transcripts"
pytestmark = pytest.mark.django_db
FORMATS = ["voices.vtt", "labels.vtt", "labels.srt", "whisper.json", "whisperx.json", "podcast.json",
           "transcript.html", "marks.txt", "parens.txt", "article.txt", "candidates.txt"]


def imported(source, name: str) -> None:
    call_command("import_transcript", source.key, str(SAMPLES / name), stdout=io.StringIO())


@pytest.fixture
def decided(editor):
    """An episode whose candidates are one accepted (into a prediction with its quote), one dismissed, one pending."""
    make_person(name="Maya Chen", key="maya-chen")
    make_person(name="Tom Okafor", key="tom-okafor")
    make_company(name="Nvidia", key="nvidia")
    source = make_source(key="rates", published_on=date(2026, 1, 20), duration_seconds=600)
    imported(source, "candidates.txt")
    client = Client()
    client.force_login(editor)
    fed, nvidia, _ = Candidate.objects.order_by("position")
    client.post(reverse("candidate_dismiss", args=[fed.pk]), {"candidate_version": 1})
    response = client.post(reverse("candidate_accept", args=[nvidia.pk]), {
        "statement": "Nvidia passes $5 trillion.", "source": source.pk, "speaker": nvidia.speaker_id,
        "made_on": "2026-01-20", "resolve_by": "2027-12-31", "companies": [c.pk for c in nvidia.companies.all()],
        "version": 1, "candidate_version": 1, "key": "nvidia-5t"})
    assert response.status_code == 302
    return source


def test_the_export_lists_the_candidates_with_their_decisions(decided):
    [entry] = json.loads(export_bundle())["transcripts"]
    fed, nvidia, anthropic = entry["candidates"]
    assert (fed["decision"], fed["decided_by"], fed["prediction"]) == ("dismissed", "edith", None)
    assert nvidia["text"] == "Nvidia will pass $5 trillion in market value by 2027."
    assert (nvidia["decision"], nvidia["prediction"], nvidia["companies"], nvidia["resolve_by"]) == (
        "accepted", "nvidia-5t", ["nvidia"], "2027-12-31")
    assert nvidia["quote"] == Quote.objects.get().key
    assert (nvidia["position"], nvidia["start"], nvidia["speaker"]) == (4, 31.0, "tom-okafor")
    assert nvidia["reasons"][0] == "future: 'will'"
    assert (anthropic["decision"], anthropic["decided_at"]) == ("pending", None)


def test_export_import_export_is_byte_identical_with_every_format_and_the_decisions(decided):
    for name in FORMATS:
        imported(make_source(duration_seconds=4000), name)
    first = export_bundle()
    report = import_bundle(first)
    assert not report.changed
    assert export_bundle() == first


def test_a_restore_into_an_empty_database_gives_back_the_candidates_and_decisions(decided):
    first = export_bundle()
    empty_the_database()
    assert Candidate.objects.count() == 0
    import_bundle(first, restore=True)
    assert export_bundle() == first
    assert Candidate.objects.get(decision="accepted").prediction == Prediction.objects.get(key="nvidia-5t")


def test_a_reimport_of_the_transcript_after_a_restore_does_not_ask_again(decided):
    first = export_bundle()
    empty_the_database()
    import_bundle(first, restore=True)
    imported_again = io.StringIO()
    call_command("import_transcript", "rates", str(SAMPLES / "candidates.txt"), "--replace", stdout=imported_again)
    assert "1 candidate predictions to review (0 new, 2 decided before" in imported_again.getvalue()


@pytest.mark.parametrize(("change", "problem"), [
    ({"prediction": "no-such"}, "transcripts[0].candidates[1].prediction: no prediction has the key 'no-such'"),
    ({"companies": ["nvidia", "ghost"]}, "transcripts[0].candidates[1].companies[1]: no company has the key 'ghost'"),
    ({"decided_at": None}, "transcripts[0].candidates[1].decided_at: required when the decision is 'accepted'"),
    ({"decision": "maybe"}, "transcripts[0].candidates[1].decision"),
    ({"resolve_by": "2027-13-01"}, "transcripts[0].candidates[1].resolve_by"),
    ({"speaker": "nobody-known"}, "transcripts[0].candidates[1].speaker: no person has the key 'nobody-known'"),
])
def test_a_bad_candidate_is_a_located_problem_and_nothing_is_written(decided, change, problem):
    bundle = json.loads(export_bundle())
    bundle["transcripts"][0]["candidates"][1].update(change)
    bundle["transcripts"][0]["segments"][0]["text"] = "Changed, but never written."
    before = export_bundle()
    with pytest.raises(BundleError) as refused:
        import_bundle(json.dumps(bundle))
    assert problem in str(refused.value)
    assert export_bundle() == before
    assert TranscriptSegment.objects.filter(text="Changed, but never written.").count() == 0


def test_a_bundle_may_decide_a_pending_candidate(decided):
    bundle = json.loads(export_bundle())
    bundle["transcripts"][0]["candidates"][2].update(decision="dismissed", decided_by="ana",
                                                     decided_at="2026-02-01T10:00:00Z")
    import_bundle(json.dumps(bundle))
    anthropic = Candidate.objects.get(text__startswith="I'd bet Anthropic")
    assert (anthropic.decision, anthropic.decided_by.username) == ("dismissed", "ana")
    assert not anthropic.decided_by.has_usable_password()
