"""A source's transcript: upload, review the speakers, save; and a sentence of it becomes a quote."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tracker.forms import unique_key
from tracker.models import Quote, Source, TranscriptSegment
from tracker.transcripts.forms import SpeakerMappingForm, TranscriptUploadForm
from tracker.transcripts.parse import TranscriptError
from tracker.transcripts.store import TranscriptExists, prepare, save_transcript

# Uploading a transcript edits the source it belongs to.
UPLOAD_PERMISSION = "tracker.change_source"
QUOTE_PERMISSION = "tracker.add_quote"
# A quote is a passage, not a chapter.
MAX_QUOTED_SENTENCES = 30
# How long an upload waits for its speakers to be reviewed.
REVIEW_SECONDS = 60 * 60


def _source_for(request: HttpRequest, pk: int, permission: str, doing: str) -> Source:
    source = get_object_or_404(Source, pk=pk)
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"Only editors can {doing}.")
    return source


def _stash_key(request: HttpRequest, source: Source, token: str) -> str:
    # The user and source are part of the key, so a token is no use to anyone else or on another source.
    return f"transcript-upload:{request.user.pk}:{source.pk}:{token}"


def _existing(source: Source) -> int:
    return TranscriptSegment.objects.filter(source=source).count()


def _review(request: HttpRequest, source: Source, parsed, form: SpeakerMappingForm, status: int = 200) -> HttpResponse:
    return render(request, "transcripts/review.html", {
        "source": source, "parsed": parsed, "form": form, "preview": parsed.sentences[:10],
    }, status=status)


@require_http_methods(["GET", "POST"])
def transcript_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Step one: the file is parsed and checked; nothing is saved until its speakers are reviewed."""
    source = _source_for(request, pk, UPLOAD_PERMISSION, "upload transcripts")
    posted = request.method == "POST"
    form = TranscriptUploadForm(request.POST if posted else None, request.FILES if posted else None, source=source)
    if posted and form.is_valid():
        token = secrets.token_urlsafe(16)
        cache.set(_stash_key(request, source, token), form.cleaned_data["raw"], REVIEW_SECONDS)
        parsed = form.cleaned_data["parsed"]
        review = SpeakerMappingForm(initial={"token": token}, parsed=parsed, existing=_existing(source))
        return _review(request, source, parsed, review)
    return render(request, "transcripts/upload.html", {"source": source, "form": form, "existing": _existing(source)},
                  status=422 if form.is_bound else 200)


@require_POST
def transcript_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Step two: save the reviewed upload with its speakers mapped."""
    source = _source_for(request, pk, UPLOAD_PERMISSION, "upload transcripts")
    raw = cache.get(_stash_key(request, source, request.POST.get("token", "")))
    upload_again = reverse("transcript_upload", args=[source.pk])
    if raw is None:
        messages.error(request, "That upload has expired or was already saved; upload the transcript again.")
        return redirect(upload_again)
    try:
        parsed = prepare(raw, source)  # again, in case the source changed (its duration) since the upload
    except TranscriptError as exc:
        messages.error(request, f"The transcript no longer fits the source: {exc}")
        return redirect(upload_again)
    form = SpeakerMappingForm(request.POST, parsed=parsed, existing=_existing(source))
    if form.is_valid():
        try:
            saved = save_transcript(source, parsed, form.mapping(), replace=form.cleaned_data.get("replace", False))
        except TranscriptExists as exc:
            form = SpeakerMappingForm(request.POST, parsed=parsed, existing=_existing(source))
            form.is_valid()
            form.add_error(None, exc.message)
        else:
            cache.delete(_stash_key(request, source, form.cleaned_data["token"]))
            messages.success(request, f"Transcript saved: {saved.sentences} sentences; "
                                      f"{saved.candidates.pending} candidate predictions to review.")
            return redirect(f"{source.get_absolute_url()}#transcript")
    return _review(request, source, parsed, form, status=422)


def _sentence_number(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= 10**6 else None


@require_POST
def transcript_quote(request: HttpRequest, pk: int) -> HttpResponse:
    """A sentence of the transcript (`first`), or a passage (`first` to `last`, as numbered on the page), as
    said, becomes a quote at the moment it starts."""
    source = _source_for(request, pk, QUOTE_PERMISSION, "add quotes")
    first = _sentence_number(request, "first")
    last = _sentence_number(request, "last") or first
    back = f"{source.get_absolute_url()}#transcript"
    if first is None or last < first or last - first >= MAX_QUOTED_SENTENCES:
        messages.error(request, f"Choose a sentence, or a passage of at most {MAX_QUOTED_SENTENCES} sentences "
                                f"(first number, then a later one).")
        return redirect(back)
    passage = list(TranscriptSegment.objects.filter(source=source, position__range=(first - 1, last - 1))
                   .select_related("speaker").order_by("position"))
    if len(passage) != last - first + 1:
        # Positions run on without gaps, so the first one missing is right after those found.
        messages.error(request, f"The transcript has no sentence {first + len(passage)}.")
        return redirect(back)
    if len({s.speaker_id for s in passage}) > 1:
        messages.error(request, f"Sentences {first} to {last} have more than one speaker; a quote has one.")
        return redirect(back)
    text, start = " ".join(s.text for s in passage), passage[0]
    with transaction.atomic():
        quote = Quote.objects.filter(source=source, text=text, timestamp_seconds=start.seconds).first()
        if quote:
            messages.info(request, f"Already quoted: {quote}.")
        else:
            quote = Quote.objects.create(key=unique_key(Quote, text), source=source, speaker=start.speaker,
                                         text=text, timestamp_seconds=start.seconds)
            messages.success(request, f"Quote {quote} added.")
    return redirect(quote.get_absolute_url())
