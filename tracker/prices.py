"""Daily prices from the CSV files people download (Stooq, Yahoo), checked whole before anything is written.

Stooq writes `Date,Open,High,Low,Close,Volume`, Yahoo `Date,Open,High,Low,Close,Adj Close,Volume`; a file holds one
ticker (named by whoever uploads it) or has a `Ticker` column. Every problem is reported with its line and
column, and a file with any problem writes nothing. Prices are stored by (ticker, day): importing the same rows
again changes nothing, and a file that overlaps stored days updates them in place.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from .cache import invalidate_scoreboard
from .limits import EARLIEST_DATE
from .models import Price, PriceSeries
from .validators import normal_ticker, validate_ticker

# Header names as written (case, spacing and underscores aside) -> the column they are.
HEADERS = {"date": "Date", "open": "Open", "high": "High", "low": "Low", "close": "Close", "adj close": "Adj Close",
           "adjclose": "Adj Close", "volume": "Volume", "ticker": "Ticker"}
REQUIRED = ("Date", "Close")
PRICE_COLUMNS = ("Open", "High", "Low", "Close", "Adj Close")  # each a price: a number above 0
EXPECTED = "Date, Open, High, Low, Close, Volume (Stooq) or Date, Open, High, Low, Close, Adj Close, Volume " \
           "(Yahoo), with an optional Ticker column"
SHOWN_VALUE = 30
TICKER_LENGTH = Price._meta.get_field("ticker").max_length


@dataclass(frozen=True)
class Row:
    ticker: str
    day: date
    close: float
    adj_close: float | None


class PriceFileError(Exception):
    """The file cannot be imported; `problems` says every reason, located ("line 812, column 5: ...")."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class TickerReport:
    ticker: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    first: date | None = None
    last: date | None = None


@dataclass
class PriceReport:
    tickers: list[TickerReport] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(t.new + t.updated for t in self.tickers)

    def summary(self) -> str:
        return "; ".join(f"{t.ticker}: {t.new} new, {t.updated} updated, {t.unchanged} unchanged "
                         f"({t.first.isoformat()} to {t.last.isoformat()})" for t in self.tickers)


def _shown(text: str) -> str:
    return repr(text if len(text) <= SHOWN_VALUE else text[:SHOWN_VALUE - 1] + "…")


def ticker_problem(ticker: str) -> str | None:
    """Why `ticker` (already normalised) cannot name prices, or None."""
    if not ticker:
        return "the ticker is blank"
    if len(ticker) > TICKER_LENGTH:
        return f"the ticker {_shown(ticker)} is longer than {TICKER_LENGTH} characters"
    try:
        validate_ticker(ticker)
    except ValidationError:
        return f"the ticker {_shown(ticker)} is not a ticker: use capital letters, digits and . - ^ = only"
    return None


def decoded(raw: bytes) -> str:
    """The file as text, or PriceFileError when it is too big, not UTF-8, empty or a web page."""
    limit = settings.PRICES_MAX_BYTES
    if len(raw) > limit:
        raise PriceFileError([f"the file is larger than the limit of {limit:,} bytes (PRICES_MAX_BYTES)"])
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not part of the header
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise PriceFileError([f"line {line}: the file is not UTF-8 text (byte {exc.start}); save it as UTF-8 "
                              f"CSV"]) from None
    start = text.lstrip()[:512].lower()
    if start.startswith("<") and ("html" in start or "<head" in start or "<body" in start):
        raise PriceFileError(["this is a web page (HTML), not a CSV file: the site sent an error or sign-in page "
                              "instead of the prices. Download the CSV again and check that it opens as a table."])
    if not text.strip():
        raise PriceFileError([f"the file is empty: expected a header line ({EXPECTED})"])
    if "\x00" in text:
        raise PriceFileError(["the file contains NUL characters: it is not a text CSV file"])
    return text


def _header(cells: list[str], problems: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for number, cell in enumerate(cells, start=1):
        name = HEADERS.get(" ".join(cell.replace("_", " ").split()).lower())
        if name is None:
            problems.append(f"line 1, column {number}: unknown column {_shown(cell)} (expected {EXPECTED})")
        elif name in columns:
            problems.append(f"line 1, column {number}: a second {name} column (column {columns[name] + 1} is one)")
        else:
            columns[name] = number - 1
    problems += [f"line 1: no {name} column (expected {EXPECTED})" for name in REQUIRED if name not in columns]
    return columns


def _number(text: str, name: str, where: str, problems: list[str]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(f"{where}: {name} {_shown(text)} is not a number")
        return None
    if name in PRICE_COLUMNS and value <= 0:
        problems.append(f"{where}: {name} {_shown(text)} must be greater than 0")
        return None
    if name == "Volume" and value < 0:
        problems.append(f"{where}: Volume {_shown(text)} must not be negative")
        return None
    return value


def parse(raw: bytes, ticker: str = "") -> list[Row]:
    """Every row of a price file, or PriceFileError listing every problem. `ticker`: what a file without a
    Ticker column holds."""
    text = decoded(raw)
    problems: list[str] = []
    given = normal_ticker(ticker)
    if given and (problem := ticker_problem(given)):
        problems.append(problem)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise PriceFileError([f"line 1: not CSV ({exc})"]) from None
    columns = _header(header, problems)
    if "Ticker" in columns and given:
        problems.append("the file has a Ticker column, so it names its own tickers: give no ticker with it")
    elif "Ticker" not in columns and not given:
        problems.append("the file has no Ticker column: say which ticker its prices are for")
    if problems:
        raise PriceFileError(problems)

    today = timezone.localdate()
    rows: list[Row] = []
    first_line: dict[tuple[str, date], int] = {}
    numbers = [(name, i) for name, i in columns.items() if name not in ("Date", "Ticker")]
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, often the last one
            if len(cells) != len(header):
                problems.append(f"line {line}: {len(cells)} fields, but the header has {len(header)}")
                continue
            row_ticker = given
            if "Ticker" in columns:
                row_ticker = normal_ticker(cells[columns["Ticker"]])
                if problem := ticker_problem(row_ticker):
                    problems.append(f"line {line}, column {columns['Ticker'] + 1}: {problem}")
                    continue
            day_text = cells[columns["Date"]].strip()
            where = f"line {line}, column {columns['Date'] + 1}"
            try:
                day = date.fromisoformat(day_text) if len(day_text) == 10 else None
            except ValueError:
                day = None
            if day is None:
                problems.append(f"{where}: Date {_shown(day_text)} is not a date (use YYYY-MM-DD)")
                continue
            if day > today or day < EARLIEST_DATE:
                problems.append(f"{where}: Date {day_text} is " + ("in the future" if day > today else
                                                                    f"before {EARLIEST_DATE.isoformat()}"))
                continue
            values = {name: _number(cells[i].strip(), name, f"line {line}, column {i + 1}", problems)
                      for name, i in numbers}
            if None in values.values():
                continue
            ident = (row_ticker, day)
            if ident in first_line:
                problems.append(f"line {line}: a second price for {row_ticker} on {day_text} "
                                f"(line {first_line[ident]} has one)")
                continue
            first_line[ident] = line
            rows.append(Row(row_ticker, day, values["Close"], values.get("Adj Close")))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not CSV ({exc})")
    if not rows and not problems:
        problems.append("the file has a header but no prices")
    if problems:
        raise PriceFileError(problems)
    return rows


def store(rows: list[Row]) -> PriceReport:
    """Add or update `rows` (valid, one per ticker and day) in one transaction; rows as stored are left alone."""
    report = PriceReport()
    by_ticker: dict[str, list[Row]] = {}
    for row in rows:
        by_ticker.setdefault(row.ticker, []).append(row)
    with transaction.atomic():
        writes: list[Price] = []
        for ticker in sorted(by_ticker):
            group = by_ticker[ticker]
            first, last = min(r.day for r in group), max(r.day for r in group)
            stored = {day: (close, adj) for day, close, adj in Price.objects.filter(
                ticker=ticker, day__range=(first, last)).values_list("day", "close", "adj_close")}
            counts: Counter = Counter()
            for row in group:
                before = stored.get(row.day)
                if before == (row.close, row.adj_close):
                    counts["unchanged"] += 1
                    continue
                counts["new" if before is None else "updated"] += 1
                writes.append(Price(ticker=ticker, day=row.day, close=row.close, adj_close=row.adj_close))
            report.tickers.append(TickerReport(ticker, counts["new"], counts["updated"], counts["unchanged"],
                                               first, last))
        # One statement kind for both: a day already stored (overlapping files) is updated in place.
        Price.objects.bulk_create(writes, batch_size=2_000, update_conflicts=True, unique_fields=["ticker", "day"],
                                  update_fields=["close", "adj_close"])
        if writes:
            _describe({w.ticker for w in writes})
            invalidate_scoreboard()  # the theses table shows returns
    return report


def _describe(tickers: set[str]) -> None:
    """Bring the PriceSeries rows of `tickers` up to date, marked as changed now (two queries)."""
    now = timezone.now()
    spans = Price.objects.filter(ticker__in=tickers).order_by().values("ticker").annotate(
        n=Count("pk"), first=Min("day"), last=Max("day"))
    PriceSeries.objects.bulk_create(
        [PriceSeries(ticker=s["ticker"], changed_at=now, days=s["n"], first_day=s["first"], last_day=s["last"])
         for s in spans],
        update_conflicts=True, unique_fields=["ticker"], update_fields=["changed_at", "days", "first_day", "last_day"])


def import_prices(raw: bytes, ticker: str = "") -> PriceReport:
    """Check a whole price file, then store it; PriceFileError (and nothing written) on any problem."""
    return store(parse(raw, ticker))

