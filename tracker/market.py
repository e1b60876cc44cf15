"""Theses and their prices from the database, handed to the arithmetic in `tracker.returns` (two queries for any
number of theses)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from .charts import POINTS, return_chart
from .models import Prediction, Price, Signal, Thesis, ThesisCompany
from .returns import Holding, Performance, Series, index_on, performance, trading_days


def holdings_of(theses: Iterable[Thesis]) -> dict[int, list[Holding]]:
    """Each thesis's companies as held: its ticker and its direction (its own, or the stance's)."""
    theses = {t.pk: t for t in theses}
    held: dict[int, list[Holding]] = {pk: [] for pk in theses}
    links = ThesisCompany.objects.filter(thesis_id__in=theses).select_related("company").order_by(
        "company__name", "company_id")
    for link in links:
        held[link.thesis_id].append(Holding(link.company.name, link.company.price_ticker,
                                            link.held(theses[link.thesis_id]), link.company_id))
    return held


def price_series(tickers: Iterable[str], since: date) -> dict[str, Series]:
    """Each ticker's values (adjusted close, else close) from `since` on, in day order."""
    days: dict[str, list[date]] = defaultdict(list)
    values: dict[str, list[float]] = defaultdict(list)
    rows = Price.objects.filter(ticker__in=set(tickers), day__gte=since).order_by("ticker", "day")
    for ticker, day, close, adj_close in rows.values_list("ticker", "day", "close", "adj_close"):
        days[ticker].append(day)
        values[ticker].append(close if adj_close is None else adj_close)
    return {ticker: (days[ticker], values[ticker]) for ticker in days}


def thesis_performances(theses: Iterable[Thesis]) -> dict[int, Performance]:
    """The return of each thesis since it was opened."""
    theses = list(theses)
    if not theses:
        return {}
    held = holdings_of(theses)
    tickers = {h.ticker for hs in held.values() for h in hs if h.ticker} | {t.benchmark for t in theses}
    prices = price_series(tickers, min(t.opened_on for t in theses))
    return {t.pk: performance(held[t.pk], prices, t.benchmark, t.opened_on) for t in theses}


def latest_price_day() -> date | None:
    return Price.objects.order_by("-day").values_list("day", flat=True).first()


def month_ends(days: list[date]) -> list[int]:
    """The index of the first day, of each month's last trading day, and of the last day: the data table's rows."""
    keep = [i for i in range(len(days)) if i + 1 == len(days) or days[i + 1].month != days[i].month]
    return [0, *keep] if days and keep[0] != 0 else keep


def thesis_market(thesis: Thesis, predictions: list[Prediction], signals: list[Signal]) -> dict:
    """What the thesis page shows of prices: the return since it was opened, since each prediction was made and
    since each signal, the chart and its data table (two queries)."""
    held = holdings_of([thesis])[thesis.pk]
    anchors = [thesis.opened_on, *(p.made_on for p in predictions), *(s.occurred_on for s in signals)]
    prices = price_series({h.ticker for h in held if h.ticker} | {thesis.benchmark}, min(anchors))
    result = performance(held, prices, thesis.benchmark, thesis.opened_on)
    days = trading_days(result, prices)
    tabled = month_ends(days)
    every = math.ceil(len(days) / POINTS) or 1
    drawn = sorted({*range(0, len(days), every), *tabled, len(days) - 1}) if days else []
    points = {i: index_on(result, prices, days[i]) for i in drawn}
    marks = [{"day": s.occurred_on, "kind": "signal", "title": s.title, "direction": s.direction} for s in signals]
    marks += [{"day": p.resolved_on, "kind": "resolution", "title": str(p), "status": p.status}
              for p in predictions if p.resolved_on]
    table = [{"day": days[i], "thesis": points[i][0], "benchmark": points[i][1]} for i in tabled]
    legs = {leg.holding.company_id: leg for leg in result.legs}
    reasons = {holding.company_id: reason for holding, reason in result.left_out}
    return {
        "performance": result,
        "positions": [{"holding": h, "leg": legs.get(h.company_id), "left_out": reasons.get(h.company_id, "")}
                      for h in held],
        "chart": return_chart([days[i] for i in drawn], [points[i] for i in drawn], marks),
        "chart_table": table,
        "marks_outside": [m for m in marks if not days or not days[0] <= m["day"] <= days[-1]],
        "since_predictions": [(p, performance(held, prices, thesis.benchmark, p.made_on)) for p in predictions],
        "since_signals": [(s, performance(held, prices, thesis.benchmark, s.occurred_on)) for s in signals],
    }
