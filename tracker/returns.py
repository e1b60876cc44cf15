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

# A ticker's days in order, as date ordinals (date.toordinal: the arithmetic never builds date objects, which is most
# of the cost with ten years of prices), and its value on each.
Series = tuple[list[int], list[float]]


@dataclass(frozen=True)
class Holding:
    name: str
    ticker: str  # '' when the company has none
    direction: str  # LONG or SHORT
    company_id: int | None = None


@dataclass(frozen=True)
class Leg:
    """One priced company in the portfolio (or the benchmark)."""

    holding: Holding
    bought: int  # ordinal of the day it was bought
    bought_at: float
    last: int  # ordinal of its last price on or before the end
    last_at: float

    @property
    def bought_on(self) -> date:
        return date.fromordinal(self.bought)

    @property
    def last_on(self) -> date:
        return date.fromordinal(self.last)

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
    start: int | None = None  # ordinals of the first and last trading day counted
    end: int | None = None
    legs: list[Leg] = field(default_factory=list)
    left_out: list[tuple[Holding, str]] = field(default_factory=list)  # and why
    benchmark: str = ""
    benchmark_leg: Leg | None = None
    benchmark_missing: str = ""  # why there is no benchmark return

    @property
    def start_date(self) -> date | None:
        return None if self.start is None else date.fromordinal(self.start)

    @property
    def end_date(self) -> date | None:
        return None if self.end is None else date.fromordinal(self.end)

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
        return self.start is not None and self.start - self.since.toordinal() > 4

    def as_row(self) -> dict:
        """The figures the command line and the downloads print (returns as fractions; None without prices)."""
        return {"return": self.ret, "benchmark": self.benchmark, "benchmark_return": self.benchmark_return,
                "excess": self.excess, "start_date": self.start_date, "end_date": self.end_date}


def series_of(rows: list[tuple[date, float]]) -> Series:
    """A series from (day, value) pairs in day order."""
    return [day.toordinal() for day, _ in rows], [value for _, value in rows]


def first_on_or_after(series: Series, day: int) -> tuple[int, float] | None:
    days, values = series
    i = bisect_left(days, day)
    return (days[i], values[i]) if i < len(days) else None


def last_on_or_before(series: Series, day: int) -> tuple[int, float] | None:
    days, values = series
    i = bisect_right(days, day) - 1
    return (days[i], values[i]) if i >= 0 else None


def performance(holdings: list[Holding], prices: dict[str, Series], benchmark: str, since: date) -> Performance:
    """The buy-and-hold, equal-weight return of `holdings` from the first trading day on or after `since`."""
    left_out, firsts = [], []
    day = since.toordinal()
    for holding in holdings:
        series = prices.get(holding.ticker) if holding.ticker else None
        first = first_on_or_after(series, day) if series and series[0] else None
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
    start = min(first for _, (first, _) in firsts)
    end = max(prices[h.ticker][0][-1] for h, _ in firsts)
    legs = [Leg(holding, bought, bought_at, *last_on_or_before(prices[holding.ticker], end))
            for holding, (bought, bought_at) in firsts]
    bench_series = prices.get(benchmark)
    bench_leg, missing = None, ""
    bought = first_on_or_after(bench_series, start) if bench_series and bench_series[0] else None
    if not bench_series or not bench_series[0]:
        missing = f"no prices for {benchmark}"
    elif bought is None or bought[0] > end:
        missing = (f"no prices for {benchmark} between {date.fromordinal(start).isoformat()} and "
                   f"{date.fromordinal(end).isoformat()}")
    else:
        bench_leg = Leg(Holding(benchmark, benchmark, LONG), *bought, *last_on_or_before(bench_series, end))
    return Performance(since=since, start=start, end=end, legs=legs, left_out=left_out, benchmark=benchmark,
                       benchmark_leg=bench_leg, benchmark_missing=missing)


def _growths(leg: Leg, series: Series, days: list[int]) -> list[float]:
    """Value on each day / value when bought: 1 until it is bought, the last value carried forward after."""
    held, values, bought, at = series[0], series[1], leg.bought, leg.bought_at
    return [values[bisect_right(held, day) - 1] / at if day >= bought else 1.0 for day in days]


def index_series(result: Performance, prices: dict[str, Series], days: list[int]) -> list[tuple[float, float | None]]:
    """The portfolio and the benchmark on each of `days` (ordinals), both rebased to 100 at the start: what the
    chart draws.

    The portfolio's value is the mean of its legs' values, each 1 when bought (and until then), then g = value /
    bought-at when held long and 2 - g when held short (what a short position is worth: its stake plus what the
    stock lost), so it ends at 100 x (1 + the return)."""
    if not result.legs:
        return []
    legs = []
    for leg in result.legs:
        growths = _growths(leg, prices[leg.holding.ticker], days)
        legs.append(growths if leg.holding.direction == LONG else [2 - g for g in growths])
    scale = 100 / len(legs)
    portfolio = [scale * sum(parts) for parts in zip(*legs, strict=True)]
    bench = result.benchmark_leg
    if bench is None:
        return [(value, None) for value in portfolio]
    benchmark = _growths(bench, prices[bench.holding.ticker], days)
    return [(value, 100 * b) for value, b in zip(portfolio, benchmark, strict=True)]


def trading_days(result: Performance, prices: dict[str, Series]) -> list[int]:
    """Every day (ordinal) from the start to the end on which any priced company or the benchmark has a price."""
    if result.start is None:
        return []
    tickers = {leg.holding.ticker for leg in result.legs}
    if result.benchmark_leg is not None:
        tickers.add(result.benchmark)
    found: set[int] = set()
    for ticker in tickers:
        days = prices[ticker][0]
        found.update(days[bisect_left(days, result.start):bisect_right(days, result.end)])
    return sorted(found)
