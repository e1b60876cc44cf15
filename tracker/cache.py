"""The scoreboard's figures and page, cached in the cache every worker shares, dropped by any write that changes them.

Each entry remembers the generation number (kept in the same cache) it was computed at. A resolution, undo,
edit or import bumps the scores' generation once its transaction commits, so the next request in any process
sees a stale entry and computes the figures afresh. A forecast on an open prediction changes no score: it
bumps only the generation of forecast views, which the rendered page depends on (its due predictions show
forecasts), never the figures.

Everybody's figures are cached once (per day and basis), not once per user; each user's own calibration is
a small query of its own.
"""

import hashlib
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .scoring import compute_scoreboard, my_calibration

GENERATION_KEY = "scoreboard:generation"
FORECASTS_KEY = "forecasts:generation"
# A bound on staleness for writes made outside the app (the admin, a shell).
TIMEOUT = 10 * 60


def invalidate_scoreboard() -> None:
    """Call inside the transaction that changes scored data: the bump happens when it commits."""
    transaction.on_commit(lambda: _bump(GENERATION_KEY))


def invalidate_forecast_views() -> None:
    """Call inside the transaction that records a forecast on an open prediction: the scores stay cached."""
    transaction.on_commit(lambda: _bump(FORECASTS_KEY))


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # no generation yet (or it was evicted): start one that no cached entry carries
        cache.set(key, int(timezone.now().timestamp() * 1000), timeout=None)


def cached_scoreboard(user=None, today: date | None = None, live_only: bool = False) -> dict[str, Any]:
    """The scoreboard as `compute_scoreboard` gives it: everybody's part from the shared cache while no score
    has changed (one cache read fetches the generation and the entry), the user's own calibration apart.

    The own calibration is one query on the user's stored scores (an index lookup); caching it per user would
    cost more than it saves, in writes to the database cache. Computing the whole board gives it for free.
    """
    today = today or timezone.localdate()
    key = f"scoreboard:{today.isoformat()}{':live' if live_only else ''}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY, 0)
    entry = found.get(key)
    if entry is not None and entry["generation"] == generation:
        return {**entry["board"], "my_calibration": my_calibration(user, live_only=live_only)}
    board = compute_scoreboard(today=today, user=user, live_only=live_only)  # the user's part comes along
    cache.set(key, {"generation": generation, "board": {**board, "my_calibration": None}}, timeout=TIMEOUT)
    return board


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a full GET of the page from the shared cache until the scores' or forecasts' generation changes.

    The rendered page carries the browser's CSRF token and the user's own figures, so an entry belongs to one
    user in one browser (their CSRF cookie); it is used only when there are no flash messages to show.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        if request.GET or request.htmx or not csrf_cookie or request.COOKIES.get("messages"):
            return view(request, *args, **kwargs)
        browser = hashlib.sha256(csrf_cookie.encode()).hexdigest()[:16]
        key = f"page:{request.path}:{timezone.localdate().isoformat()}:{request.user.pk}:{browser}"
        found = cache.get_many([GENERATION_KEY, FORECASTS_KEY, key])
        generation = (found.get(GENERATION_KEY, 0), found.get(FORECASTS_KEY, 0))
        entry = found.get(key)
        if entry is not None and entry["generation"] == generation:
            return HttpResponse(entry["content"], content_type=entry["content_type"])
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            cache.set(key, {"generation": generation, "content": response.content,
                            "content_type": response["Content-Type"]}, timeout=TIMEOUT)
        return response

    return wrapper
