"""A forecaster's page: their scored forecasts, Brier over time, calibration and record against the crowd."""

import re

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tracker import track_record
from tracker.charts import calibration_chart
from tracker.paging import page_of
from tracker.time_charts import brier_over_time_chart

PER_PAGE = 50
# What a username may hold (Django's username rule and length): anything else is not looked up at all, so that a
# NUL or an overlong name is a 404 and never a database error.
USERNAME = re.compile(r"[\w.@+-]{1,150}")


@require_GET
def forecaster_detail(request: HttpRequest, username: str) -> HttpResponse:
    if not USERNAME.fullmatch(username):
        raise Http404("No such forecaster.")
    forecaster = get_object_or_404(get_user_model(), username=username)
    live_only = request.GET.get("forecasts") == "live"  # as the scoreboard counts them
    rows = track_record.scored_forecasts(forecaster, live_only=live_only)
    page = page_of(request, rows, PER_PAGE)
    track_record.attach_predictions(page.object_list)
    months = track_record.by_month(rows)
    calibration = track_record.calibration(rows)
    return render(request, "forecasters/detail.html", {
        "forecaster": forecaster, "is_me": forecaster.pk == request.user.pk, "page": page, "live_only": live_only,
        "figures": track_record.summary(rows), "months": months, "brier_chart": brier_over_time_chart(months),
        "calibration": calibration, "calibration_chart": calibration_chart(calibration)})
