"""Theses: the list by stance, the detail page, and its in-place status change and new signals."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.cache import invalidate_scoreboard
from tracker.editing import StaleEdit
from tracker.forms import PositionsForm, QuickSignalForm, ThesisForm, ThesisStatusForm
from tracker.market import thesis_market, thesis_performances
from tracker.models import Signal, Thesis, attach_forecast_views

from .common import delete_object, edit_object

Direction = Signal.Direction


@require_GET
def thesis_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    theses = Thesis.objects.prefetch_related("companies").annotate(
        n_predictions=Count("predictions", distinct=True),
        n_for=Count("signals", filter=Q(signals__direction=Direction.SUPPORTS), distinct=True),
        n_against=Count("signals", filter=Q(signals__direction=Direction.CONTRADICTS), distinct=True),
    ).order_by("title")
    if status in Thesis.Status.values:
        theses = theses.filter(status=status)
    theses = list(theses)
    returns = thesis_performances(theses)
    by_stance = {stance: [] for stance in Thesis.Stance}
    for thesis in theses:
        thesis.performance = returns[thesis.pk]
        by_stance[thesis.stance].append(thesis)
    return render(request, "theses/list.html", {
        "groups": [(stance.label, items) for stance, items in by_stance.items() if items],
        "status": status, "statuses": Thesis.Status.choices})


def thesis_context(request: HttpRequest, thesis: Thesis, **extra) -> dict:
    predictions = list(thesis.predictions.with_relations().order_by("resolve_by", "id"))
    attach_forecast_views(predictions, request.user)
    signals = list(thesis.signals.order_by("-occurred_on", "-id"))
    positions_form = extra.pop("positions_form", None) or PositionsForm(thesis=thesis)
    market = thesis_market(thesis, predictions, signals, positions_form.links)  # shared with later requests: read only
    return {
        **market,
        "positions": [{**row, "field": positions_form[PositionsForm.name_for(row["holding"].company_id)]}
                      for row in market["positions"]],
        "positions_form": positions_form,
        "thesis": thesis,
        "companies": thesis.companies.all(),
        "quotes": thesis.quotes.select_related("speaker", "source").order_by("source", "timestamp_seconds"),
        "predictions": predictions,
        "outcomes": thesis.predictions.outcome_counts(),
        "signals": signals,
        "signal_form": extra.pop("signal_form", None) or QuickSignalForm(),
        "status_form": extra.pop("status_form", None) or ThesisStatusForm(instance=thesis),
        **extra,
    }


@require_GET
def thesis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thesis = get_object_or_404(Thesis, pk=pk)
    return render(request, "theses/detail.html", thesis_context(request, thesis))


@require_POST
@permission_required("tracker.change_thesis", raise_exception=True)
def thesis_status(request: HttpRequest, pk: int) -> HttpResponse:
    thesis = get_object_or_404(Thesis, pk=pk)
    form = ThesisStatusForm(request.POST, instance=thesis)
    if form.is_valid():
        try:
            form.save()
        except StaleEdit as stale:
            if stale.current is None:
                raise Http404("This thesis was deleted meanwhile; nothing was saved.") from None
            return stale_status(request, stale.current)
        message = f"Status changed to “{thesis.get_status_display()}”."
        if not request.htmx:
            messages.success(request, message)
            return redirect(thesis)
        return render(request, "theses/detail.html#status", thesis_context(request, thesis, status_message=message))
    thesis.refresh_from_db()
    context = thesis_context(request, thesis, status_form=form)
    template = "theses/detail.html#status" if request.htmx else "theses/detail.html"
    return render(request, template, context, status=422)


def stale_status(request: HttpRequest, thesis: Thesis) -> HttpResponse:
    """409: the status form was opened before someone else changed the thesis; it shows the stored status."""
    message = (f"Not saved: someone else changed this thesis since you opened the page — its status is now "
               f"“{thesis.get_status_display()}”. Review it and save again if you still want yours.")
    context = thesis_context(request, thesis, status_error=message)
    return render(request, "theses/detail.html#status" if request.htmx else "theses/detail.html", context,
                  status=409)


@require_POST
@permission_required("tracker.change_thesis", raise_exception=True)
def thesis_positions(request: HttpRequest, pk: int) -> HttpResponse:
    """How each company is held (long, short, or as the stance says): checked against the version it was read at."""
    thesis = get_object_or_404(Thesis, pk=pk)
    form = PositionsForm(request.POST, thesis=thesis)
    if not form.is_valid():
        return render(request, "theses/detail.html", thesis_context(request, thesis, positions_form=form), status=422)
    try:
        changed = form.save()
    except StaleEdit as stale:
        if stale.current is None:
            raise Http404("This thesis was deleted meanwhile; nothing was saved.") from None
        context = thesis_context(request, stale.current, positions_error=(
            "Not saved: someone else changed this thesis since you opened the page. Its positions are shown as "
            "they are now; make your change again if you still want it."))
        return render(request, "theses/detail.html", context, status=409)
    messages.success(request, f"Positions saved ({changed} changed)." if changed else "Nothing to save: the "
                                                                                       "positions were as chosen.")
    return redirect(f"{thesis.get_absolute_url()}#thesis-returns")


@require_POST
@permission_required("tracker.add_signal", raise_exception=True)
def thesis_add_signal(request: HttpRequest, pk: int) -> HttpResponse:
    thesis = get_object_or_404(Thesis, pk=pk)
    form = QuickSignalForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            signal = form.save()
            signal.theses.add(thesis)
            invalidate_scoreboard()
        message = f"Signal “{signal.title}” added."
        if not request.htmx:
            messages.success(request, message)
            return redirect(thesis)
        return render(request, "theses/detail.html#signals",
                      thesis_context(request, thesis, signal_message=message, new_signal=signal.pk))
    context = thesis_context(request, thesis, signal_form=form)
    template = "theses/detail.html#signals" if request.htmx else "theses/detail.html"
    return render(request, template, context, status=422)


@require_http_methods(["GET", "POST"])
def thesis_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return edit_object(request, ThesisForm, pk)


@require_http_methods(["GET", "POST"])
def thesis_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_object(request, Thesis, pk, gone_to=reverse("thesis_list"))
