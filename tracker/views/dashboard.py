"""The dashboard: due predictions, recent resolutions and the active theses."""

from django.db.models import F, Max, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker.models import Prediction, Signal, Thesis, attach_forecast_views
from tracker.reminders import troubled
from tracker.summary import page_summary

DUE_ON_DASHBOARD = 10
THESES_ON_DASHBOARD = 6  # the active theses with the freshest signals


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    due = list(Prediction.objects.due(today).with_relations().order_by("resolve_by", "id")[:DUE_ON_DASHBOARD])
    recent = list(Prediction.objects.resolved().with_relations().order_by("-resolved_on", "-id")[:5])
    attach_forecast_views(due + recent, request.user)
    latest_signals = Prefetch("signals", queryset=Signal.objects.order_by("-occurred_on", "-id")[:2],
                              to_attr="latest_signals")
    active = Thesis.objects.filter(status=Thesis.Status.ACTIVE)
    theses = (active.annotate(last_signal=Max("signals__occurred_on")).prefetch_related(latest_signals)
              .order_by(F("last_signal").desc(nulls_last=True), "title")[:THESES_ON_DASHBOARD])
    # Editors answer for reminders reaching people: a digest that did not go out is never silent.
    failed_reminders = troubled().count() if request.user.has_perm("tracker.resolve_prediction") else 0
    return render(request, "dashboard.html", {
        "due": due, "recent": recent, "theses": theses, "active_theses": active.count(), **page_summary(),
        "failed_reminders": failed_reminders,
       })
