"""The small figures shown on many pages and refreshed after every in-place action."""

from django.db.models import Count, Q
from django.utils import timezone

from .models import Prediction

Status = Prediction.Status


def page_summary(user) -> dict:
    """Status counts, the due count and the speakers' hit rate, in one query."""
    today = timezone.localdate()
    counts = Prediction.objects.aggregate(
        all=Count("id"),
        open=Count("id", filter=Q(status=Status.OPEN)),
        true=Count("id", filter=Q(status=Status.TRUE)),
        false=Count("id", filter=Q(status=Status.FALSE)),
        ambiguous=Count("id", filter=Q(status=Status.AMBIGUOUS)),
        overdue=Count("id", filter=Q(status=Status.OPEN, resolve_by__lt=today)),
    )
    return summary_of(counts)


def summary_of(counts: dict) -> dict:
    """The summary from status counts (the scoreboard's totals have the same figures)."""
    counts = {"all": counts.get("all", counts.get("predictions")), **counts}
    scored = counts["true"] + counts["false"]
    return {"counts": counts, "hit_rate": counts["true"] / scored if scored else None, "scored": scored}
