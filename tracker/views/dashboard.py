"""The dashboard and the scoreboard."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker.models import Prediction, Thesis, attach_forecast_views
from tracker.summary import page_summary

from .common import user_abilities
from .predictions import latest_signals_prefetch

DUE_ON_DASHBOARD = 10


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    due = list(Prediction.objects.due(today).with_relations().order_by("resolve_by", "id")[:DUE_ON_DASHBOARD])
    recent = list(Prediction.objects.resolved().with_relations().order_by("-resolved_on", "-id")[:5])
    attach_forecast_views(due + recent, request.user)
    theses = (Thesis.objects.filter(status=Thesis.Status.ACTIVE).prefetch_related(latest_signals_prefetch(2))
              .order_by("title"))
    return render(request, "dashboard.html", {
        "due": due, "recent": recent, "theses": theses, **page_summary(request.user),
        **user_abilities(request.user)})


@require_GET
def scoreboard(request: HttpRequest) -> HttpResponse:
    return render(request, "scoreboard.html", {**page_summary(request.user), **user_abilities(request.user)})
