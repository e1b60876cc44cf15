"""Uploading a transcript in the browser: the review step maps speakers before anything is saved; the source page
shows the transcript, paginated; a sentence becomes a quote in one click."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_person, make_quote, make_source
from tracker.models import Person, Quote, TranscriptSegment
from tracker.templatetags.transcripts import PER_PAGE

SAMPLES = Path(__file__).parent / "transcripts"
pytestmark = pytest.mark.django_db


def upload(client, source, name=None, data=None, text=None):
    payload = {}
    if name or data is not None:
        payload["file"] = SimpleUploadedFile(name or "upload.vtt", data if data is not None
                                             else (SAMPLES / name).read_bytes())
    if text is not None:
        payload["text"] = text
    return client.post(reverse("transcript_upload", args=[source.pk]), payload)


def save(client, source, response, **choices):
    """Post the review form as the page filled it in, with `choices` changed."""
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data.update(choices)
    return client.post(reverse("transcript_save", args=[source.pk]), data)


def field_for(response, label: str) -> str:
    return next(choice.name for shown, _, choice, _ in response.context["form"].rows if shown == label)


def name_field_for(response, label: str) -> str:
    return next(name.name for shown, _, _, name in response.context["form"].rows if shown == label)


def test_an_upload_shows_the_review_step_and_saves_nothing_yet(editor_client):
    source = make_source()
    response = upload(editor_client, source, "whisperx.json")
    assert response.status_code == 200
    assert [row[0] for row in response.context["form"].rows] == ["SPEAKER_00", "SPEAKER_01"]
    assert TranscriptSegment.objects.count() == 0
    assert Person.objects.count() == 0


def test_labels_matching_a_person_are_preselected_and_diarization_labels_default_to_nobody(editor_client):
    maya = make_person(name="MAYA chen")
    source = make_source()
    response = upload(editor_client, source, "labels.srt")
    form = response.context["form"]
    assert form[field_for(response, "Maya Chen")].value() == str(maya.pk)
    assert form[field_for(response, "Tom Okafor")].value() == "new"
    response = upload(editor_client, source, "whisperx.json")
    assert response.context["form"][field_for(response, "SPEAKER_00")].value() == "none"


def test_the_review_maps_a_diarization_label_to_a_person_and_another_to_a_new_one(editor_client):
    dario = make_person(name="Dario Amodei")
    source = make_source()
    response = upload(editor_client, source, "whisperx.json")
    response = save(editor_client, source, response, **{
        field_for(response, "SPEAKER_00"): str(dario.pk),
        field_for(response, "SPEAKER_01"): "new", name_field_for(response, "SPEAKER_01"): "Ben Gilbert"})
    assert response.status_code == 302
    assert response["Location"] == f"{source.get_absolute_url()}#transcript"
    speakers = list(TranscriptSegment.objects.filter(source=source).order_by("position")
                    .values_list("speaker__name", flat=True))
    assert speakers == ["Dario Amodei", "Ben Gilbert", "Dario Amodei"]


def test_a_new_person_for_a_diarization_label_needs_a_name(editor_client):
    source = make_source()
    response = upload(editor_client, source, "whisperx.json")
    response = save(editor_client, source, response, **{field_for(response, "SPEAKER_00"): "new"})
    assert response.status_code == 422
    assert "Give the new person for “SPEAKER_00” a name." in response.content.decode()
    assert TranscriptSegment.objects.count() == 0


def test_a_pasted_article_without_times_or_speakers_is_saved(editor_client):
    source = make_source()
    response = upload(editor_client, source, text=(SAMPLES / "article.txt").read_text())
    assert response.context["form"].rows == []
    save(editor_client, source, response)
    assert TranscriptSegment.objects.filter(source=source, start_ms=None, speaker=None).count() == 4


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "broken_timing.vtt"}, "line 8: malformed cue timing"),
    ({"data": "Ben: très bien".encode("latin-1")}, "not UTF-8"),
    ({}, "Choose a transcript file or paste its text."),
])
def test_bad_uploads_are_refused_next_to_the_field_and_nothing_is_saved(editor_client, kwargs, message):
    source = make_source()
    response = upload(editor_client, source, **kwargs)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert TranscriptSegment.objects.count() == 0


def test_an_upload_over_the_limit_is_refused(editor_client, settings):
    settings.TRANSCRIPT_MAX_BYTES = 50
    response = upload(editor_client, make_source(), "voices.vtt")
    assert response.status_code == 422
    assert "the limit is 50 bytes" in response.content.decode()


def test_an_upload_with_times_past_the_sources_end_is_refused(editor_client):
    response = upload(editor_client, make_source(duration_seconds=30), "voices.vtt")
    assert response.status_code == 422
    assert "cue 4: time 1:02 is beyond the end" in response.content.decode()


def test_replacing_a_transcript_needs_confirming_and_keeps_quotes(editor_client):
    source = make_source()
    quote = make_quote(source=source)
    save(editor_client, source, upload(editor_client, source, "whisper.json"))
    response = upload(editor_client, source, "podcast.json")
    refused = save(editor_client, source, response)
    assert refused.status_code == 422
    assert TranscriptSegment.objects.filter(source=source).first().text == "The IPO prices above range."
    save(editor_client, source, response, replace="on")
    assert TranscriptSegment.objects.filter(source=source).first().text == "Inflation falls below 3% by June."
    assert Quote.objects.filter(pk=quote.pk).exists()


def test_an_expired_upload_sends_the_editor_back_to_upload_again(editor_client):
    source = make_source()
    response = save(editor_client, source, upload(editor_client, source, "whisper.json"), token="made-up")
    assert response.status_code == 302
    assert response["Location"] == reverse("transcript_upload", args=[source.pk])
    assert TranscriptSegment.objects.count() == 0


def test_members_cannot_upload_transcripts_or_quote_sentences(member_client):
    source = make_source()
    TranscriptSegment.objects.create(source=source, position=0, text="Hello.")
    assert upload(member_client, source, "whisper.json").status_code == 403
    quote_url = reverse("transcript_quote", args=[source.pk])
    assert member_client.post(quote_url, {"first": 1}).status_code == 403
    assert Quote.objects.count() == 0


def segments(source, n, speaker=None):
    TranscriptSegment.objects.bulk_create(
        TranscriptSegment(source=source, position=i, start_ms=i * 1500, end_ms=i * 1500 + 1000, speaker=speaker,
                          text=f"Sentence number {i}.") for i in range(n))


def test_the_source_page_shows_the_transcript_with_links_to_each_moment(editor_client):
    source = make_source(url="https://www.youtube.com/watch?v=abc123")
    segments(source, 3, speaker=make_person(name="Dario Amodei"))
    page = editor_client.get(source.get_absolute_url()).content.decode()
    assert "Sentence number 2." in page
    assert 'href="https://www.youtube.com/watch?v=abc123&amp;t=3s"' in page
    assert page.count("Dario Amodei") == 1  # the speaker once per turn


def test_a_long_transcript_is_paginated_with_a_fixed_number_of_queries(editor_client):
    source = make_source()
    segments(source, PER_PAGE + 1, speaker=make_person())
    first = editor_client.get(source.get_absolute_url()).content.decode()
    assert "Sentence number 0." in first
    assert f"Sentence number {PER_PAGE}." not in first
    last = editor_client.get(source.get_absolute_url(), {"transcript_page": 2}).content.decode()
    assert f"Sentence number {PER_PAGE}." in last
    other = make_source()
    segments(other, 3, speaker=make_person())
    with CaptureQueriesContext(connection) as long_one:
        editor_client.get(source.get_absolute_url())
    with CaptureQueriesContext(connection) as short_one:
        editor_client.get(other.get_absolute_url())
    assert len(long_one) == len(short_one)


def test_a_sentence_becomes_a_quote_at_its_moment_in_one_click(editor_client):
    speaker = make_person()
    source = make_source()
    TranscriptSegment.objects.create(source=source, position=7, start_ms=3_723_999, end_ms=3_725_000,
                                     speaker=speaker, text="Models write most of the code by 2027.")
    response = editor_client.post(reverse("transcript_quote", args=[source.pk]), {"first": 8})
    quote = Quote.objects.get()
    assert (quote.source, quote.speaker, quote.text, quote.timestamp_seconds) == (
        source, speaker, "Models write most of the code by 2027.", 3723)
    assert response["Location"] == quote.get_absolute_url()
    editor_client.post(reverse("transcript_quote", args=[source.pk]), {"first": 8})
    assert Quote.objects.count() == 1


def test_a_passage_of_several_sentences_becomes_one_quote_at_the_moment_it_starts(editor_client):
    source = make_source()
    segments(source, 5, speaker=make_person())
    editor_client.post(reverse("transcript_quote", args=[source.pk]), {"first": 2, "last": 4})
    quote = Quote.objects.get()
    assert (quote.text, quote.timestamp_seconds) == ("Sentence number 1. Sentence number 2. Sentence number 3.", 1)


@pytest.mark.parametrize(("fields", "message"), [
    ({"first": 4, "last": 2}, "Choose a sentence, or a passage"),
    ({"first": 1, "last": 31}, "at most 30 sentences"),
    ({"first": 2, "last": 9}, "The transcript has no sentence 5."),
    ({"first": "x"}, "Choose a sentence"),
    ({"first": 3, "last": 4}, "more than one speaker"),
])
def test_a_passage_that_cannot_be_a_quote_is_refused_with_a_message(editor_client, fields, message):
    source = make_source()
    segments(source, 3, speaker=make_person())
    TranscriptSegment.objects.create(source=source, position=3, speaker=make_person(), text="Someone else.")
    response = editor_client.post(reverse("transcript_quote", args=[source.pk]), fields, follow=True)
    assert message in response.content.decode()
    assert Quote.objects.count() == 0


def test_deleting_a_source_takes_its_transcript_but_a_person_who_speaks_in_one_is_kept(editor_client):
    speaker = make_person()
    source, other = make_source(), make_source()
    segments(source, 2)
    segments(other, 1, speaker=speaker)
    editor_client.post(reverse("source_delete", args=[source.pk]))
    assert not TranscriptSegment.objects.filter(source_id=source.pk).exists()
    response = editor_client.post(reverse("person_delete", args=[speaker.pk]))
    assert response.status_code == 409
    assert "1 transcript sentence" in response.content.decode()
    assert Person.objects.filter(pk=speaker.pk).exists()
