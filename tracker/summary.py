"""The small figures shown on many pages and refreshed after every in-place action."""

from .models import Prediction


def page_summary() -> dict:
    """Status counts, the due count and the speakers' hit rate, in one query."""
    return summary_of(Prediction.objects.totals())


def summary_of(totals: dict) -> dict:
    """The summary from the totals (the scoreboard's own totals serve as well)."""
    counts = {**totals, "all": totals["predictions"]}
    scored = counts["true"] + counts["false"]
    return {"counts": counts, "hit_rate": counts["true"] / scored if scored else None, "scored": scored}
