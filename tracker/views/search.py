"""The search page behind the navigation's search box."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracker import search


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind")
    kind = kind if kind in search.KIND_BY_NAME else None
    results = search.search(request.GET.get("q", ""), kind=kind)
    context = {"results": results, "kind": kind, "max_length": search.MAX_QUERY_LENGTH}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "search/results.html#results", context)
    return render(request, "search/results.html", context)
