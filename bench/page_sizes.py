"""Byte size, time and SQL query count of the pages that once listed every quote, at 95,000 quotes.

    DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=testserver DJANGO_SECRET_KEY=x \
        DATABASE_URL=sqlite:///var/bench/quotes95k.sqlite3 .venv/bin/python bench/page_sizes.py [runs]

Migrates the database and, when it has no quotes yet, fills it (bulk_create): one source with 95,000 quotes by
a few people, a few theses, predictions and companies, some of them tied to quotes. Then requests each page
with Django's test client as an editor and prints its size, the median time over the runs and its queries.
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker.models import Company, Person, Prediction, Quote, Signal, Source, Thesis  # noqa: E402
from tracker.roles import create_roles  # noqa: E402

QUOTES = 95_000
WORDS = ("rates", "chips", "capex", "margins", "exports", "guidance", "demand", "pricing", "supply", "credit")


def fill() -> None:
    people = Person.objects.bulk_create(Person(key=f"person-{n}", name=f"Speaker {n}") for n in range(5))
    source = Source.objects.create(key="long-show", kind=Source.Kind.PODCAST, title="The very long show",
                                   published_on=date(2026, 1, 1), url="https://example.com/show")
    Quote.objects.bulk_create(
        (Quote(key=f"quote-{n}", source=source, speaker=people[n % len(people)], timestamp_seconds=n,
               text=f"Quote number {n}: {WORDS[n % len(WORDS)]} and {WORDS[n // 10 % len(WORDS)]} this year.")
         for n in range(QUOTES)), batch_size=5000)
    companies = Company.objects.bulk_create(Company(key=f"company-{n}", name=f"Company {n}") for n in range(20))
    theses = Thesis.objects.bulk_create(
        Thesis(key=f"thesis-{n}", title=f"Thesis {n}", stance=Thesis.Stance.BULLISH, opened_on=date(2026, 1, 2))
        for n in range(30))
    predictions = Prediction.objects.bulk_create(
        Prediction(key=f"prediction-{n}", statement=f"Prediction {n} comes true.", speaker=people[n % 5],
                   source=source, made_on=date(2026, 1, 2), resolve_by=date(2026, 12, 31)) for n in range(300))
    first = list(Quote.objects.order_by("pk")[:3])
    for thesis in theses[:5]:
        thesis.quotes.add(*first)
        thesis.companies.add(*companies[:2])
    for prediction in predictions[:50]:
        prediction.quotes.add(*first)
        prediction.theses.add(*theses[:2])
    signal = Signal.objects.create(key="signal-1", title="A signal", occurred_on=date(2026, 2, 1))
    signal.theses.add(*theses[:2])
    signal.predictions.add(*predictions[:2])


def measure(client: Client, name: str, url: str, runs: int, **headers) -> None:
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 302), (name, response.status_code)
    print(f"| {name:<28} | {len(response.content) / 1024:10.1f} | {statistics.median(timings):8.1f} "
          f"| {len(queries):7} |")


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    if not Quote.objects.exists():
        started = time.perf_counter()
        with transaction.atomic():
            fill()
        print(f"filled in {time.perf_counter() - started:.0f} s")
    create_roles()
    user, _ = get_user_model().objects.get_or_create(username="bench-editor")
    user.groups.add(*Group.objects.filter(name="editors"))
    client = Client()
    client.force_login(user)
    source = Source.objects.get(key="long-show")
    thesis = Thesis.objects.get(key="thesis-0")
    signal = Signal.objects.get(key="signal-1")
    print(f"{connection.vendor}, {Quote.objects.count()} quotes, {Prediction.objects.count()} predictions, "
          f"{runs} runs each, load average {os.getloadavg()[0]:.2f}")
    print("| page                         | size (KB)  | p50 (ms) | queries |")
    print("|------------------------------|-----------:|---------:|--------:|")
    client.get("/")  # warm up the connection and the template caches
    measure(client, "prediction create form", "/predictions/new/", runs)
    measure(client, "thesis edit form", f"/theses/{thesis.pk}/edit/", runs)
    measure(client, "signal edit form", f"/signals/{signal.pk}/edit/", runs)
    measure(client, "source page", source.get_absolute_url(), runs)
    measure(client, "source page, last page", f"{source.get_absolute_url()}?quotes_page=950", runs)
    measure(client, "person page", Person.objects.get(key="person-0").get_absolute_url(), runs)
    quote = Quote.objects.get(key=f"quote-{QUOTES - 1}")
    measure(client, "a quote's link (redirect)", quote.get_absolute_url(), runs)
    search = "/predictions/new/?pick-quotes=capex+margins"
    measure(client, "quote search, no JavaScript", search, runs)
    measure(client, "quote search (htmx)", search, runs, hx_request="true", hx_trigger_name="pick-quotes")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
