"""The page regions that summarise many predictions, each served on its own.

After an in-place action the server sends one event, `predictions-changed` (on success and on a refusal
because someone else changed the prediction, since either way the page's figures may be stale). Each region
on the page listens for it and fetches itself again from here, so an action needs to know nothing about the
page it was taken on.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tracker.models import Prediction
from tracker.summary import page_summary

from .predictions import detail_context

# The status chips link to the prediction list with its other filters kept; these they set themselves.
CHIP_PARAMETERS = ("status", "due", "page")


@require_GET
def status_counts(request: HttpRequest) -> HttpResponse:
    keep = request.GET.copy()
    for name in CHIP_PARAMETERS:
        keep.pop(name, None)
    return render(request, "_status_counts.html", {**page_summary(), "keep": keep.urlencode()})


@require_GET
def score_summary(request: HttpRequest) -> HttpResponse:
    return render(request, "_score_summary.html", page_summary())


@require_GET
def prediction_histories(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = get_object_or_404(Prediction.objects.with_relations(), pk=pk)
    return render(request, "predictions/detail.html#histories", detail_context(request, prediction))
