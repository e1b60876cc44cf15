"""The review queue of a source's candidate predictions: accept one into a prediction (with its quote), or
dismiss it. Editors only; the queue works with and without htmx."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tracker.cache import invalidate_scoreboard
from tracker.formats import moment
from tracker.forms import PredictionForm
from tracker.limits import STATEMENT_LENGTH
from tracker.models import Candidate, Source
from tracker.paging import page_of
from tracker.transcripts.queue import AlreadyDecided, accept, dismiss

# Reviewing candidates makes predictions and quotes.
PERMISSIONS = ("tracker.add_prediction", "tracker.add_quote")
PER_PAGE = 50


def may_review(user) -> bool:
    return user.has_perms(PERMISSIONS)


def _check(request: HttpRequest) -> None:
    if not may_review(request.user):
        raise PermissionDenied("Only editors can review candidate predictions.")


def _queue(source: Source):
    return (Candidate.objects.filter(source=source).pending().select_related("speaker", "source")
            .prefetch_related("companies").order_by("position", "id"))


def _count(source: Source) -> int:
    return Candidate.objects.filter(source=source).pending().count()


@require_GET
def candidate_queue(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    _check(request)
    decided = Candidate.objects.filter(source=source).aggregate(
        accepted=Count("pk", filter=Q(decision=Candidate.Decision.ACCEPTED)),
        dismissed=Count("pk", filter=Q(decision=Candidate.Decision.DISMISSED)))
    return render(request, "transcripts/candidates.html", {
        "source": source, "page": page_of(request, _queue(source), PER_PAGE), "decided": decided})


def _decided_elsewhere(request: HttpRequest, candidate: Candidate | None, source: Source) -> HttpResponse:
    if candidate is None:
        text = "That candidate no longer exists (its transcript was replaced)."
    elif candidate.decision == Candidate.Decision.PENDING:  # changed by a bundle import since the page was loaded
        text = "That candidate changed since the page was loaded; nothing was changed. Look at it again below."
    else:
        by = f" by {candidate.decided_by}" if candidate.decided_by else ""
        text = (f"That candidate was decided already ({candidate.get_decision_display()}{by}, "
                f"{moment(candidate.decided_at)}); nothing was changed.")
    if request.htmx:
        return render(request, "transcripts/candidates.html#gone", {"message": text, "source": source,
                                                                    "count": _count(source)}, status=409)
    messages.error(request, text)
    return redirect("candidate_queue", source.pk)


def _seen_version(request: HttpRequest) -> int:
    value = request.POST.get("candidate_version", "")
    return int(value) if value.isdigit() and len(value) < 10 else 0


@require_POST
def candidate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate.objects.select_related("source"), pk=pk)
    _check(request)
    source = candidate.source
    try:
        dismiss(candidate, _seen_version(request), request.user)
    except AlreadyDecided as exc:
        return _decided_elsewhere(request, exc.candidate, source)
    if request.htmx:
        # The row goes; the count beside the heading follows, out of band.
        return render(request, "transcripts/candidates.html#gone", {"source": source, "count": _count(source)})
    messages.success(request, f"Dismissed: “{candidate.text[:80]}”.")
    return redirect("candidate_queue", source.pk)


def prediction_initial(candidate: Candidate) -> dict:
    """The draft prediction a candidate suggests: its sentence, speaker and source, made on the source's date, due
    by the date its time expression gives, about the companies it names."""
    source = candidate.source
    initial = {"statement": candidate.text[:STATEMENT_LENGTH],
               "source": source.pk, "made_on": source.published_on or timezone.localdate(),
               "companies": [c.pk for c in candidate.companies.all()]}
    if candidate.speaker_id:
        initial["speaker"] = candidate.speaker_id
    if candidate.resolve_by:
        initial["resolve_by"] = candidate.resolve_by
    return initial


@require_http_methods(["GET", "POST"])
def candidate_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The prediction form, filled in from the candidate; saving it also makes the quote and records the decision."""
    candidate = get_object_or_404(Candidate.objects.select_related("source", "speaker"), pk=pk)
    _check(request)
    if candidate.decision != Candidate.Decision.PENDING:
        return _decided_elsewhere(request, candidate, candidate.source)
    posted = request.method == "POST"
    form = PredictionForm(request.POST if posted else None, initial=prediction_initial(candidate))
    form.find(request.GET)
    if not posted and request.htmx and (picker := form.searched_picker(request.htmx.trigger_name)):
        picker = PredictionForm(request.GET).find(request.GET)[picker.name]
        return render(request, "objects/_picker.html#choices", {"field": picker})
    if posted and form.is_valid():
        try:
            prediction, quote = accept(candidate, _seen_version(request), request.user, form)
        except AlreadyDecided as exc:
            return _decided_elsewhere(request, exc.candidate, candidate.source)
        invalidate_scoreboard()
        messages.success(request, f"Prediction “{prediction}” saved, with the quote {quote}.")
        if request.htmx:
            return HttpResponseClientRedirect(prediction.get_absolute_url())
        return redirect(prediction)
    return render(request, "transcripts/accept.html", {
        "candidate": candidate, "form": form, "source": candidate.source,
        "cancel_url": reverse("candidate_queue", args=[candidate.source_id])}, status=422 if posted else 200)
