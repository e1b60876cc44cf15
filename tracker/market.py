"""Theses and their prices from the database, handed to the arithmetic in `tracker.returns`.

Prices change only when a file or a bundle is imported, and a thesis page reads every price of its tickers (ten
years of ten companies are 25,000 rows, tens of milliseconds to read), so each process keeps the series it read,
as packed arrays, for at most TIMEOUT and LOCAL_TICKERS tickers, and uses one only while its ticker's PriceSeries
`changed_at` (which every import sets, in its own transaction) is the one it was read at. The moments come with
the thesis's links, in the same query.
"""

from __future__ import annotations

import math
import time
from array import array
from bisect import bisect_left
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Trim, Upper

from .charts import POINTS, return_chart
from .formats import day as day_label
from .models import Prediction, Price, PriceSeries, Signal, Thesis, ThesisCompany
from .returns import Holding, Performance, Series, index_series, performance, trading_days

TIMEOUT = 10 * 60  # a bound on staleness for prices written around the imports (the admin, a shell)
LOCAL_TICKERS = 256  # about 40 KB each for ten years
LOCAL_CHARTS = 64  # thesis pages' figures, about 60 KB each
_local: OrderedDict[str, tuple[datetime, float, Series]] = OrderedDict()  # ticker -> changed at, read at, series
_charts: OrderedDict[tuple, tuple[float, dict]] = OrderedDict()  # what a thesis page was drawn from -> figures


def _remember(memo: OrderedDict, key, entry, most: int) -> None:
    """Keep `entry` as the most recently used, dropping the least recently used past `most`. Safe in a threaded
    server: a key another thread dropped meanwhile is simply set again."""
    memo[key] = entry
    try:
        memo.move_to_end(key)
        while len(memo) > most:
            memo.popitem(last=False)
    except KeyError:
        pass


def priced_links(links: QuerySet[ThesisCompany]) -> QuerySet[ThesisCompany]:
    """Links with their companies and theses, and when the prices of the company's ticker and of the thesis's
    benchmark last changed (None: no prices)."""
    def changed(ticker) -> Subquery:
        return Subquery(PriceSeries.objects.filter(ticker=ticker).values("changed_at")[:1])

    return links.select_related("thesis", "company").annotate(
        prices_changed=changed(Upper(Trim(OuterRef("company__ticker")))),
        benchmark_changed=changed(OuterRef("thesis__benchmark")))


def versions_of(links: Iterable[ThesisCompany]) -> dict[str, datetime]:
    """When each priced ticker of these links (companies and benchmarks) last changed."""
    versions = {}
    for link in links:
        if link.prices_changed is not None:
            versions[link.company.price_ticker] = link.prices_changed
        if link.benchmark_changed is not None:
            versions[link.thesis.benchmark] = link.benchmark_changed
    return versions


def _holdings(thesis: Thesis, links: Iterable[ThesisCompany]) -> list[Holding]:
    return [Holding(link.company.name, link.company.price_ticker, link.held(thesis), link.company_id)
            for link in links]


def _load(tickers: set[str]) -> dict[str, Series]:
    days: dict[str, array] = defaultdict(lambda: array("l"))
    values: dict[str, array] = defaultdict(lambda: array("d"))
    rows = Price.objects.filter(ticker__in=tickers).order_by("ticker", "day")
    for ticker, day, close, adj_close in rows.values_list("ticker", "day", "close", "adj_close"):
        days[ticker].append(day.toordinal())
        values[ticker].append(close if adj_close is None else adj_close)
    return {ticker: (days[ticker], values[ticker]) for ticker in tickers}  # empty where none


def price_series(versions: dict[str, datetime]) -> dict[str, Series]:
    """Each ticker's values (adjusted close, else close) in day order, for the tickers `versions` gives with when
    they last changed: one query when one changed since this process last read it, else none."""
    tickers, now = set(versions), time.monotonic()
    series: dict[str, Series] = {}
    for ticker in tickers:
        entry = _local.get(ticker)
        if entry is not None and entry[0] == versions[ticker] and now - entry[1] < TIMEOUT:
            series[ticker] = entry[2]
            _remember(_local, ticker, entry, LOCAL_TICKERS)
    missing = tickers - set(series)
    if missing:
        for ticker, loaded in _load(missing).items():
            series[ticker] = loaded
            _remember(_local, ticker, (versions[ticker], now, loaded), LOCAL_TICKERS)
    # As lists: searching one is several times as fast as searching an array.
    return {ticker: (days.tolist(), values.tolist()) for ticker, (days, values) in series.items() if days}


def thesis_performances(theses: Iterable[Thesis]) -> dict[int, Performance]:
    """The return of each thesis since it was opened (one query, and one more for prices not read yet)."""
    theses = {t.pk: t for t in theses}
    links = list(priced_links(ThesisCompany.objects.filter(thesis_id__in=theses)).order_by("company__name", "pk"))
    return performances_of(theses.values(), links)


def performances_of(theses: Iterable[Thesis], links: list[ThesisCompany]) -> dict[int, Performance]:
    """The return of each thesis since it was opened, from its `priced_links`."""
    theses = list(theses)
    held: dict[int, list[Holding]] = {t.pk: [] for t in theses}
    by_pk = {t.pk: t for t in theses}
    for link in links:
        held[link.thesis_id] += _holdings(by_pk[link.thesis_id], [link])
    prices = price_series(versions_of(links))
    return {t.pk: performance(held[t.pk], prices, t.benchmark, t.opened_on) for t in theses}


def month_ends(days: list[int]) -> list[int]:
    """The indexes of the first day, of each month's last trading day, and of the last day: the data table's rows."""
    if not days:
        return []
    first, last = date.fromordinal(days[0]), date.fromordinal(days[-1])
    ends, year, month = [0], first.year, first.month
    while (year, month) < (last.year, last.month):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        index = bisect_left(days, date(year, month, 1).toordinal()) - 1  # the last day before the next month
        if index > ends[-1]:
            ends.append(index)
    return ends if ends[-1] == len(days) - 1 else [*ends, len(days) - 1]


def table_row(day: int, thesis: float, benchmark: float | None) -> dict[str, str]:
    """One row of the chart's data table, written out here: a hundred and twenty rows through template filters
    would cost more than the rest of the page."""
    on = date.fromordinal(day)
    return {"iso": on.isoformat(), "day": day_label(on), "thesis": f"{thesis:.1f}",
            "benchmark": "—" if benchmark is None else f"{benchmark:.1f}"}


def thesis_market(thesis: Thesis, predictions: list[Prediction], signals: list[Signal],
                  links: list[ThesisCompany]) -> dict:
    """What the thesis page shows of prices: the return since it was opened, since each prediction was made and
    since each signal, the chart and its data table. `links`: the thesis's `priced_links`. No query, or one for
    prices this process has not read since they last changed.

    The figures depend only on the holdings, the dates and marks given here and the prices' versions, so each
    process keeps the last LOCAL_CHARTS of them (for at most TIMEOUT), like the series."""
    held = tuple(_holdings(thesis, links))
    versions = versions_of(links)
    marks = tuple([("signal", s.occurred_on, s.title, s.direction) for s in signals]
                  + [("resolution", p.resolved_on, str(p), p.status) for p in predictions if p.resolved_on])
    anchors = (thesis.opened_on, tuple(p.made_on for p in predictions), tuple(s.occurred_on for s in signals))
    key, now = (tuple(sorted(versions.items())), held, thesis.benchmark, anchors, marks), time.monotonic()
    entry = _charts.get(key)
    if entry is None or now - entry[0] >= TIMEOUT:
        entry = (now, _market_figures(held, thesis.benchmark, anchors, marks, versions))
    _remember(_charts, key, entry, LOCAL_CHARTS)
    figures = entry[1]
    return {**figures, "since_predictions": list(zip(predictions, figures["since_predictions"], strict=True)),
            "since_signals": list(zip(signals, figures["since_signals"], strict=True))}


def _market_figures(held: tuple[Holding, ...], benchmark: str, anchors: tuple, marks: tuple,
                    versions: dict[str, int]) -> dict:
    opened_on, made_on, occurred_on = anchors
    prices = price_series(versions)
    result = performance(list(held), prices, benchmark, opened_on)
    days = trading_days(result, prices)
    tabled = month_ends(days)
    every = math.ceil(len(days) / POINTS) or 1
    drawn = sorted({*range(0, len(days), every), *tabled}) if days else []
    points = dict(zip(drawn, index_series(result, prices, [days[i] for i in drawn]), strict=True))
    marks = [{"kind": kind, "day": day, "title": title, "direction" if kind == "signal" else "status": how}
             for kind, day, title, how in marks]
    legs = {leg.holding.company_id: leg for leg in result.legs}
    reasons = {holding.company_id: reason for holding, reason in result.left_out}

    def on_chart(day: date) -> bool:
        return bool(days) and days[0] <= day.toordinal() <= days[-1]

    return {
        "performance": result,
        "positions": [{"holding": h, "leg": legs.get(h.company_id), "left_out": reasons.get(h.company_id, "")}
                      for h in held],
        "chart": return_chart([days[i] for i in drawn], [points[i] for i in drawn],
                              [m for m in marks if on_chart(m["day"])]),
        "chart_table": [table_row(days[i], *points[i]) for i in tabled],
        "marks_outside": [m for m in marks if not on_chart(m["day"])],
        "since_predictions": [performance(list(held), prices, benchmark, day) for day in made_on],
        "since_signals": [performance(list(held), prices, benchmark, day) for day in occurred_on],
    }
