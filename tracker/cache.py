"""The scoreboard's figures and page, cached in the cache every worker shares, dropped by any write that changes them.

Each entry remembers the generation number (kept in the same cache) it was computed at. A resolution,
undo, forecast, edit or import bumps the generation once its transaction commits, so the next request in any
process sees a stale entry and computes the figures afresh.
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

from .scoring import compute_scoreboard

GENERATION_KEY = "scoreboard:generation"
# A bound on staleness for writes made outside the app (the admin, a shell).
TIMEOUT = 10 * 60


def invalidate_scoreboard() -> None:
    """Call inside the transaction that changes scored data: the bump happens when it commits."""
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or it was evicted): start one that no cached entry carries
        cache.set(GENERATION_KEY, int(timezone.now().timestamp() * 1000), timeout=None)


def cached_scoreboard(user=None, today: date | None = None, live_only: bool = False) -> dict[str, Any]:
    """The scoreboard as `compute_scoreboard` gives it, from the shared cache when nothing has changed.

    One cache read fetches both the current generation and the entry, which remembers the generation it
    was computed at.
    """
    today = today or timezone.localdate()
    user_id = user.pk if user is not None and user.is_authenticated else 0
    key = f"scoreboard:{today.isoformat()}:{user_id}{':live' if live_only else ''}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY, 0)
    entry = found.get(key)
    if entry is not None and entry["generation"] == generation:
        return entry["board"]
    board = compute_scoreboard(today=today, user=user if user_id else None, live_only=live_only)
    cache.set(key, {"generation": generation, "board": board}, timeout=TIMEOUT)
    return board


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a full GET of the page from the shared cache until the scoreboard's generation changes.

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
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY, 0)
        entry = found.get(key)
        if entry is not None and entry["generation"] == generation:
            return HttpResponse(entry["content"], content_type=entry["content_type"])
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            cache.set(key, {"generation": generation, "content": response.content,
                            "content_type": response["Content-Type"]}, timeout=TIMEOUT)
        return response

    return wrapper
