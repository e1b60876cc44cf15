"""Prediction pages and the in-place actions on them: resolve, undo, forecast."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url, trigger_client_event

from tracker import services
from tracker.formats import day
from tracker.forms import ForecastForm, PredictionFilterForm, ResolveForm, UndoForm
from tracker.models import Forecast, Prediction, attach_forecast_views
from tracker.paging import page_of
from tracker.roles import MAY_FORECAST
from tracker.summary import page_summary
from tracker.templatetags.tracker import percent
from tracker.time_charts import forecasts_chart

from .common import safe_next

PER_PAGE = 20


@require_GET
def prediction_list(request: HttpRequest) -> HttpResponse:
    # Links carry only the filters that are set: a plain form submits every field, so drop the empty ones.
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        query.setlist(name, [value for value in values if value])
    query = QueryDict(query.urlencode())
    clean_path = request.get_full_path()
    if query.urlencode() != request.GET.urlencode():
        clean_path = f"{request.path}?{query.urlencode()}" if query else request.path
        if not request.htmx:
            return redirect(clean_path)
    form = PredictionFilterForm(query or None)
    predictions = Prediction.objects.with_relations()
    status = 200
    if form.is_bound and not form.is_valid():
        predictions, status = predictions.none(), 400
    elif form.is_bound:
        predictions = form.filter(predictions)
    else:
        predictions = predictions.order_by("resolve_by", "id")
    page = page_of(request, predictions, PER_PAGE)
    attach_forecast_views(page.object_list, request.user)
    query = query.copy()
    query.pop("page", None)
    keep = query.copy()
    for name in ("status", "due"):
        keep.pop(name, None)
    context = {"form": form, "page": page, "query": query.urlencode(), "keep": keep.urlencode()}
    if request.htmx and not request.htmx.history_restore_request:
        # The status chips keep the other filters, so they change with them.
        response = render(request, "predictions/list.html#results", {**context, **page_summary(), "oob": True},
                          status=status)
        # One history entry per distinct filter state, however many events asked for the same list.
        if clean_path != request.htmx.current_url_abs_path:
            push_url(response, clean_path)
        return response
    return render(request, "predictions/list.html", {**context, **page_summary()}, status=status)


@require_GET
def prediction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = get_object_or_404(Prediction.objects.with_relations(), pk=pk)
    return render(request, "predictions/detail.html", detail_context(request, prediction))


def detail_context(request: HttpRequest, prediction: Prediction, **extra) -> dict:
    attach_forecast_views([prediction], request.user)
    forecasts = list(prediction.forecasts.select_related("user", "imported_by").order_by("-made_at", "-id"))
    # Blind forecasting: nothing of the others' forecasts reaches the page (and there is none of the user's own).
    hidden = len(forecasts) if prediction.crowd_hidden else 0
    forecasts = [] if hidden else forecasts
    return {
        "p": prediction,
        "on_detail": True,
        "quotes": prediction.quotes.select_related("speaker", "source").order_by("source", "timestamp_seconds"),
        "theses": prediction.theses.all(),
        "signals": prediction.signals.order_by("-occurred_on"),
        "forecasts": forecasts,
        "counted": counted_forecasts(prediction, forecasts),
        "hidden_forecasts": hidden,
        "forecasts_chart": None if hidden else forecasts_chart(prediction, forecasts, request.user.pk,
                                                               timezone.localdate()),
        "edits": edits_for(prediction, request.user, forecasts),
        "history": prediction.history.select_related("actor").order_by("-at", "-id"),
        **extra,
    }


def edits_for(prediction: Prediction, user, forecasts: list[Forecast]) -> dict:
    """The recorded edits of the question (oldest first), and those made after `user` first forecast it: what
    they forecast is no longer quite what is asked."""
    edits = list(prediction.edits.select_related("editor"))
    mine = [f.made_at for f in forecasts if f.user_id == user.pk]
    return {"all": edits, "after_mine": [e for e in edits if mine and e.at > min(mine)]}


def counted_forecasts(prediction: Prediction, forecasts: list[Forecast]) -> set[int] | None:
    """The ids of the forecasts the scoreboard counts (None when the outcome is not scored): each forecaster's
    latest made before the day of the resolution, 00:00 UTC, the rule of tracker.scoring's query."""
    if prediction.status not in (Prediction.Status.TRUE, Prediction.Status.FALSE):
        return None
    day_starts = datetime.combine(prediction.resolved_on, time.min, tzinfo=UTC)
    latest: dict[int, int] = {}
    for forecast in forecasts:  # newest first
        if forecast.made_at < day_starts:
            latest.setdefault(forecast.user_id, forecast.pk)
    return set(latest.values())


# Sent after an in-place action changed a prediction, or was refused because someone else had: every region
# of the page that depends on predictions listens for it and fetches itself again (tracker/views/regions.py).
CHANGED = "predictions-changed"


def card_response(request: HttpRequest, prediction: Prediction, *, status: int = 200, **extra) -> HttpResponse:
    """The prediction's card; the page's other regions refresh themselves on the event it sends."""
    on_detail = (request.POST.get("panel") or request.GET.get("panel")) == "detail"
    if on_detail:
        context = detail_context(request, prediction, **extra)
    else:
        attach_forecast_views([prediction], request.user)
        context = {"p": prediction, **extra}
    response = render(request, "predictions/_card.html", context, status=status)
    if request.method == "POST" and status in (200, 409):
        trigger_client_event(response, CHANGED)
    return response


def after_action(request: HttpRequest, prediction: Prediction, message: str, **extra) -> HttpResponse:
    if request.htmx:
        return card_response(request, prediction, message=message, **extra)
    messages.success(request, message)
    return redirect(safe_next(request, prediction.get_absolute_url()))


def refused(request: HttpRequest, prediction: Prediction, status: int, message: str, **extra) -> HttpResponse:
    """A refused action: the card with the reason for htmx, or the detail page for a plain form post."""
    extra |= {"message": message, "message_kind": "error"}
    if request.htmx:
        return card_response(request, prediction, status=status, **extra)
    return render(request, "predictions/detail.html", detail_context(request, prediction, **extra), status=status)


def conflict_message(current: Prediction) -> str:
    if current.is_open:
        state = "it is open again"
    else:
        state = f"it is now resolved “{current.get_status_display()}” (on {day(current.resolved_on)})"
    return f"Not saved: someone else changed this prediction since you loaded the page — {state}. Review and retry."


def forecasts_closed_message(current: Prediction) -> str:
    return (f"Not saved: forecasts are closed, because this prediction was resolved "
            f"“{current.get_status_display()}” on {day(current.resolved_on)}.")


@require_http_methods(["GET", "POST"])
@permission_required("tracker.resolve_prediction", raise_exception=True)
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the resolve form (in the card for htmx, on the detail page otherwise); POST resolves."""
    prediction = get_object_or_404(Prediction.objects.with_relations(), pk=pk)
    if request.method == "GET":
        form = None if "close" in request.GET else ResolveForm(initial={"version": prediction.version},
                                                               made_on=prediction.made_on)
        if request.htmx:
            return card_response(request, prediction, resolve_form=form, focus="resolve" if not form else None)
        return render(request, "predictions/detail.html", detail_context(request, prediction, resolve_form=form))
    form = ResolveForm(request.POST, made_on=prediction.made_on)
    if not form.is_valid():
        return refused(request, prediction, 422, "Please correct the fields marked below.", resolve_form=form)
    try:
        prediction = services.resolve(
            prediction, status=form.cleaned_data["status"], expected_version=form.cleaned_data["version"],
            actor=request.user, resolved_on=form.cleaned_data["resolved_on"], note=form.cleaned_data["note"],
            evidence_url=form.cleaned_data["evidence_url"],
        )
    except services.Conflict as conflict:
        return refused(request, conflict.current, 409, conflict_message(conflict.current))
    return after_action(request, prediction, f"Resolved as “{prediction.get_status_display()}”.",
                        focus="undo")


@require_POST
@permission_required("tracker.resolve_prediction", raise_exception=True)
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = get_object_or_404(Prediction.objects.with_relations(), pk=pk)
    form = UndoForm(request.POST)
    if not form.is_valid():
        return refused(request, prediction, 400, "The undo request was incomplete; reload the page and retry.")
    try:
        prediction = services.undo(prediction, expected_version=form.cleaned_data["version"], actor=request.user)
    except services.NothingToUndo as exc:
        return refused(request, prediction, 409, str(exc))
    except services.Conflict as conflict:
        return refused(request, conflict.current, 409, conflict_message(conflict.current))
    now = "open again" if prediction.is_open else f"back to “{prediction.get_status_display()}”"
    return after_action(request, prediction, f"Resolution undone: the prediction is {now}.", focus="resolve")


@require_POST
@permission_required(MAY_FORECAST, raise_exception=True)
def forecast(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = get_object_or_404(Prediction.objects.with_relations(), pk=pk)
    form = ForecastForm(request.POST)
    if not form.is_valid():
        return refused(request, prediction, 422, "Your forecast was not saved.", forecast_form=form,
                       focus="forecast")
    try:
        forecast = services.record_forecast(prediction, request.user, form.probability, form.cleaned_data["note"])
    except services.Conflict as conflict:
        return refused(request, conflict.current, 409, forecasts_closed_message(conflict.current))
    return after_action(request, prediction, f"Forecast saved: {percent(forecast.probability)}.", focus="forecast")
