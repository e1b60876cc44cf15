"""Prices: import a 10-year daily file, and render a thesis page with 10 priced companies (10 years each).

    .venv/bin/python bench/prices.py [runs]

Uses its own SQLite file under var/bench/ (DATABASE_URL to use another database), emptied first, with DEBUG off and
the cache the settings give (the database cache unless REDIS_URL is set). Prints, each as the median of `runs`
(default 15): importing a generated Yahoo file of ten years of daily prices (about 2,520 rows) into an empty
ticker, re-importing it unchanged, and importing an overlapping file (the last five years changed, a year more);
then the thesis page through Django's test client: the first request in a fresh process (no series read yet),
and the p50 and p95 of the next `runs` requests (wall clock, and CPU time of this process), with the number
of queries of each kind.
"""

import os
import random
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'prices.sqlite3'}")
os.environ.update({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
                   "DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_SECURE_SSL_REDIRECT": "0",
                   "DJANGO_SECURE_COOKIES": "0", "DJANGO_SETTINGS_MODULE": "tracker.settings"})

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from tracker import market  # noqa: E402
from tracker.models import Company, Prediction, Price, PriceSeries, Signal, Thesis, ThesisCompany  # noqa: E402
from tracker.prices import import_prices  # noqa: E402

YEARS = 10
TICKERS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ"]
BENCHMARK = "SPY"


def yahoo_file(seed: int, first: date, last: date, drift: float = 0.0004) -> bytes:
    """Weekdays from `first` to `last` as Yahoo writes them, a random walk from 100."""
    rng = random.Random(seed)
    lines, day, price = ["Date,Open,High,Low,Close,Adj Close,Volume"], first, 100.0
    while day <= last:
        if day.weekday() < 5:
            price *= 1 + rng.gauss(drift, 0.015)
            lines.append(f"{day},{price:.2f},{price * 1.01:.2f},{price * 0.99:.2f},{price:.2f},{price * 0.98:.4f},"
                         f"{rng.randint(10_000, 9_999_999)}")
        day += timedelta(days=1)
    return ("\n".join(lines) + "\n").encode()


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    for model in (Signal, Prediction, ThesisCompany, Thesis, Company, Price, PriceSeries):
        model.objects.all().delete()
    cache.clear()
    last = date.today() - timedelta(days=1)
    first = last.replace(year=last.year - YEARS)
    ten_years = yahoo_file(1, first, last)
    overlapping = yahoo_file(2, first.replace(year=first.year + 5), last)
    rows = ten_years.count(b"\n") - 1
    print(f"Machine load (uptime): {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"database: {connection.vendor}")

    fresh, again, overlap = [], [], []
    for i in range(runs):
        Price.objects.filter(ticker="BENCH").delete()
        PriceSeries.objects.filter(ticker="BENCH").delete()
        fresh.append(timed(lambda: import_prices(ten_years, "BENCH")))
        again.append(timed(lambda: import_prices(ten_years, "BENCH")))
        overlap.append(timed(lambda: import_prices(overlapping, "BENCH")))
        if i == 0:
            report = import_prices(overlapping, "BENCH").tickers[0]
            assert (report.new, report.updated) == (0, 0), report
    print(f"import a {YEARS}-year daily file ({rows:,} rows, {len(ten_years):,} bytes), median of {runs}:")
    print(f"  into an empty ticker        {statistics.median(fresh) * 1000:7.1f} ms")
    print(f"  the same file again         {statistics.median(again) * 1000:7.1f} ms (nothing changes)")
    print(f"  an overlapping file         {statistics.median(overlap) * 1000:7.1f} ms (5 years updated in place)")

    Price.objects.filter(ticker="BENCH").delete()
    PriceSeries.objects.filter(ticker="BENCH").delete()
    for seed, ticker in enumerate([*TICKERS, BENCHMARK], start=10):
        import_prices(yahoo_file(seed, first, last), ticker)
    thesis = Thesis.objects.create(key="bench", title="Ten priced companies", stance=Thesis.Stance.BULLISH,
                                   opened_on=first)
    for i, ticker in enumerate(TICKERS):
        company = Company.objects.create(key=f"company-{i}", name=f"Company {i}", ticker=ticker)
        ThesisCompany.objects.create(thesis=thesis, company=company,
                                     direction=ThesisCompany.Direction.SHORT if i % 3 == 0 else "")
    for i in range(5):
        made = first + timedelta(days=300 * i + 10)
        prediction = Prediction.objects.create(key=f"p-{i}", statement=f"Prediction {i}", made_on=made,
                                               resolve_by=made + timedelta(days=365),
                                               status="true" if i % 2 else "open",
                                               resolved_on=made + timedelta(days=200) if i % 2 else None)
        prediction.theses.add(thesis)
    for i in range(10):
        signal = Signal.objects.create(key=f"s-{i}", title=f"Signal {i}", occurred_on=first + timedelta(days=350 * i),
                                       direction=["supports", "contradicts", "neutral"][i % 3])
        signal.theses.add(thesis)
    print(f"thesis page: {len(TICKERS)} companies + {BENCHMARK}, {Price.objects.count():,} prices, 5 predictions, "
          f"10 signals")

    setup_test_environment()
    editor, _ = get_user_model().objects.get_or_create(username="bench-editor", is_superuser=True)
    client = Client()
    client.force_login(editor)
    url = thesis.get_absolute_url()
    market._local.clear()  # a fresh process, or one whose series an import of every ticker retired
    market._charts.clear()
    with CaptureQueriesContext(connection) as cold_queries:
        cold = timed(lambda: client.get(url))
    times, cpu = [], []
    for _ in range(runs):
        started = time.process_time()
        with CaptureQueriesContext(connection) as queries:
            times.append(timed(lambda: (response := client.get(url)) and response.status_code == 200 or
                               sys.exit(f"GET {url} failed")))
        cpu.append(time.process_time() - started)
    times.sort()
    print(f"  first request in a fresh process {cold * 1000:7.1f} ms, {len(cold_queries)} queries")
    print(f"  p50 {statistics.median(times) * 1000:7.1f} ms, p95 {times[int(len(times) * 0.95) - 1] * 1000:7.1f} ms "
          f"over {runs} requests (CPU p50 {statistics.median(cpu) * 1000:.1f} ms), {len(queries)} queries each")
    body = client.get(url).content.decode()
    assert 'data-chart="returns"' in body and "Prices through" in body


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
