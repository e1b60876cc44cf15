"""What a thesis would have earned: pure arithmetic over daily price series, no database.

The rules (the thesis page states them in the same words):
- A ticker's value on a day is its adjusted close, or its close where the file gave no adjusted close. A day
  without a price (a holiday, a gap in the file) takes the ticker's last value before it: carried forward.
- The start is the first trading day on or after the thesis's date (`since`): the first day from then on on
  which any of its priced companies has a price. So a thesis opened before the first imported price starts at
  that first price.
- Buy and hold, equal weights, never rebalanced: the same money goes into each priced company at the start, long
  or short. A company with no price on the start day is bought at its next price (its money waits until then).
  A short earns what its stock loses: a company's part is +r held long and -r held short, where r = its last
  value / its value when bought - 1. The thesis's return is the mean of those parts.
- The end is the latest day with a price of any priced company; a company whose prices stop earlier counts at
  its last value.
- The benchmark is held long, bought on the first day it has a price on or after the start, valued at its last
  price on or before the end. Excess return = the thesis's return - the benchmark's.
- A company without a ticker, or whose ticker has no price on or after the thesis's date, is left out, and said
  so; with none left there is no return (None).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean

LONG, SHORT = "long", "short"

Series = tuple[list[date], list[float]]  # a ticker's days in order, and its value on each


@dataclass(frozen=True)
class Holding:
    name: str
    ticker: str  # '' when the company has none
    direction: str  # LONG or SHORT
    company_id: int | None = None


@dataclass(frozen=True)
class Leg:
    """One priced company in the portfolio."""

    holding: Holding
    bought_on: date
    bought_at: float
    last_on: date  # its last price on or before the end
    last_at: float

    @property
    def stock_return(self) -> float:
        return self.last_at / self.bought_at - 1

    @property
    def part(self) -> float:
        """Its contribution before weighting: the stock's return, negated when held short."""
        return self.stock_return if self.holding.direction == LONG else -self.stock_return


@dataclass(frozen=True)
class Performance:
    since: date
    start_date: date | None = None
    end_date: date | None = None
    legs: list[Leg] = field(default_factory=list)
    left_out: list[tuple[Holding, str]] = field(default_factory=list)  # and why
    benchmark: str = ""
    benchmark_leg: Leg | None = None
    benchmark_missing: str = ""  # why there is no benchmark return

    @property
    def ret(self) -> float | None:
        return fmean(leg.part for leg in self.legs) if self.legs else None

    @property
    def benchmark_return(self) -> float | None:
        return self.benchmark_leg.stock_return if self.benchmark_leg else None

    @property
    def excess(self) -> float | None:
        if self.ret is None or self.benchmark_return is None:
            return None
        return self.ret - self.benchmark_return

    @property
    def starts_late(self) -> bool:
        """The first price comes after the date asked for by more than a weekend or a holiday."""
        return self.start_date is not None and (self.start_date - self.since).days > 4

    def as_row(self) -> dict:
        """The figures the command line and the downloads print (returns as fractions; None without prices)."""
        return {"return": self.ret, "benchmark": self.benchmark, "benchmark_return": self.benchmark_return,
                "excess": self.excess, "start_date": self.start_date, "end_date": self.end_date}


def series_of(rows: list[tuple[date, float]]) -> Series:
    """A series from (day, value) pairs in day order."""
    return [day for day, _ in rows], [value for _, value in rows]


def first_on_or_after(series: Series, day: date) -> tuple[date, float] | None:
    days, values = series
    i = bisect_left(days, day)
    return (days[i], values[i]) if i < len(days) else None


def last_on_or_before(series: Series, day: date) -> tuple[date, float] | None:
    days, values = series
    i = bisect_right(days, day) - 1
    return (days[i], values[i]) if i >= 0 else None


def performance(holdings: list[Holding], prices: dict[str, Series], benchmark: str, since: date) -> Performance:
    """The buy-and-hold, equal-weight return of `holdings` from the first trading day on or after `since`."""
    left_out, firsts = [], []
    for holding in holdings:
        series = prices.get(holding.ticker) if holding.ticker else None
        first = first_on_or_after(series, since) if series and series[0] else None
        if not holding.ticker:
            left_out.append((holding, "no ticker"))
        elif not series or not series[0]:
            left_out.append((holding, f"no prices for {holding.ticker}"))
        elif first is None:
            left_out.append((holding, f"no prices for {holding.ticker} on or after {since.isoformat()}"))
        else:
            firsts.append((holding, first))
    if not firsts:
        return Performance(since=since, left_out=left_out, benchmark=benchmark)
    start = min(day for _, (day, _) in firsts)
    end = max(prices[h.ticker][0][-1] for h, _ in firsts)
    legs = []
    for holding, (bought_on, bought_at) in firsts:
        last_on, last_at = last_on_or_before(prices[holding.ticker], end)
        legs.append(Leg(holding, bought_on, bought_at, last_on, last_at))
    bench_series = prices.get(benchmark)
    bench_leg, missing = None, ""
    bought = first_on_or_after(bench_series, start) if bench_series and bench_series[0] else None
    if not bench_series or not bench_series[0]:
        missing = f"no prices for {benchmark}"
    elif bought is None or bought[0] > end:
        missing = f"no prices for {benchmark} between {start.isoformat()} and {end.isoformat()}"
    else:
        last = last_on_or_before(bench_series, end)
        bench_leg = Leg(Holding(benchmark, benchmark, LONG), bought[0], bought[1], last[0], last[1])
    return Performance(since=since, start_date=start, end_date=end, legs=legs, left_out=left_out,
                       benchmark=benchmark, benchmark_leg=bench_leg, benchmark_missing=missing)


def index_on(result: Performance, prices: dict[str, Series], day: date) -> tuple[float, float | None]:
    """The portfolio and the benchmark on `day`, both rebased to 100 at the start: what the chart draws.

    The portfolio's value is the mean of its legs' values, each 1 when bought (and until then), then
    value / bought-at when held long and 2 - value / bought-at when held short (what a short position is worth:
    its stake plus what the stock lost), so it ends at 100 x (1 + the return)."""
    parts = []
    for leg in result.legs:
        last = last_on_or_before(prices[leg.holding.ticker], day) if day >= leg.bought_on else None
        growth = last[1] / leg.bought_at if last else 1.0
        parts.append(growth if leg.holding.direction == LONG else 2 - growth)
    bench = None
    if result.benchmark_leg is not None:
        leg = result.benchmark_leg
        last = last_on_or_before(prices[leg.holding.ticker], day) if day >= leg.bought_on else None
        bench = 100 * (last[1] / leg.bought_at if last else 1.0)
    return 100 * fmean(parts), bench


def trading_days(result: Performance, prices: dict[str, Series]) -> list[date]:
    """Every day from the start to the end on which any priced company or the benchmark has a price."""
    if result.start_date is None:
        return []
    tickers = {leg.holding.ticker for leg in result.legs}
    if result.benchmark_leg is not None:
        tickers.add(result.benchmark)
    found: set[date] = set()
    for ticker in tickers:
        days = prices[ticker][0]
        found.update(days[bisect_left(days, result.start_date):bisect_right(days, result.end_date)])
    return sorted(found)
