"""Daily prices uploaded as CSV files (Stooq or Yahoo), and what is stored of them."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tracker.forms import PriceImportForm
from tracker.limits import too_large
from tracker.models import PriceSeries
from tracker.prices import PriceFileError, import_prices

PROBLEMS_SHOWN = 50  # a file wrong on every line would otherwise fill the page with thousands


@require_http_methods(["GET", "POST"])
def price_import(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("tracker.add_price"):
        raise PermissionDenied("Only editors can import prices.")
    form = PriceImportForm(request.POST, request.FILES) if request.method == "POST" else PriceImportForm()
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if refusal := too_large(upload.size, settings.PRICES_MAX_BYTES):
            problems = [refusal]
        else:
            try:
                report = import_prices(upload.read(), form.cleaned_data["ticker"])
            except PriceFileError as exc:
                problems = exc.problems
            else:
                messages.success(request, f"Imported {upload.name}: {report.summary()}.")
                return redirect("price_import")
    stored = PriceSeries.objects.order_by("ticker")
    return render(request, "prices/import.html", {
        "form": form, "problems": problems[:PROBLEMS_SHOWN], "more": max(len(problems) - PROBLEMS_SHOWN, 0),
        "total": len(problems), "stored": stored, "max_bytes": settings.PRICES_MAX_BYTES,
    }, status=422 if problems or form.errors else 200)
