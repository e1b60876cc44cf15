"""The scoreboard, cached in the cache every worker shares, and dropped by any write that changes it.

Each entry remembers the generation number (kept in the same cache) it was computed at. A resolution,
undo, forecast, edit or import bumps the generation once its transaction commits, so the next request in any
process sees a stale entry and computes the figures afresh.
"""

from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
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


def cached_scoreboard(user=None, today: date | None = None) -> dict[str, Any]:
    """The scoreboard as `compute_scoreboard` gives it, from the shared cache when nothing has changed.

    One cache read fetches both the current generation and the entry, which remembers the generation it
    was computed at.
    """
    today = today or timezone.localdate()
    user_id = user.pk if user is not None and user.is_authenticated else 0
    key = f"scoreboard:{today.isoformat()}:{user_id}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY, 0)
    entry = found.get(key)
    if entry is not None and entry["generation"] == generation:
        return entry["board"]
    board = compute_scoreboard(today=today, user=user if user_id else None)
    cache.set(key, {"generation": generation, "board": board}, timeout=TIMEOUT)
    return board
