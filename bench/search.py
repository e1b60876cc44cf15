"""Latency and SQL query count of the search page (and the predictions list's `q`) over a large index.

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/search.sqlite3 .venv/bin/python bench/search.py [runs]
    DJANGO_DEBUG=1 DATABASE_URL=postgres://tracker:tracker@127.0.0.1:5432/tracker_search \
        .venv/bin/python bench/search.py [runs]

Migrates the database, and fills it once (when it has no predictions yet) with 10,000 predictions and
100,000 quotes written by `bulk_create` (so the index is filled by the triggers, as for a bundle import),
plus 300 people, 1,000 sources, theses, signals, companies and tags. The words come from a made-up
vocabulary with a Zipf-like spread, so some words are in thousands of rows and some in a handful. Uses
Django's test client (no network): the figures are the server's own time for the whole request.
"""

import itertools
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
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

from tracker.models import Company, Person, Prediction, Quote, Signal, Source, Tag, Thesis  # noqa: E402
from tracker.roles import create_roles  # noqa: E402

PREDICTIONS, QUOTES, PEOPLE, SOURCES = 10_000, 100_000, 300, 1_000
rng = random.Random(7)
SYLLABLES = ["ka", "lo", "mi", "ren", "tor", "va", "qui", "sel", "dra", "po", "nex", "ul", "bri", "zan", "fe", "gor"]
VOCABULARY = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)})
rng.shuffle(VOCABULARY)
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))


def sentence(n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=n)).capitalize() + "."


def fill() -> None:
    started = time.perf_counter()
    with transaction.atomic():
        people = Person.objects.bulk_create(
            Person(key=f"p-{i}", name=f"{sentence(1)[:-1]} {sentence(1)[:-1]}") for i in range(PEOPLE))
        sources = Source.objects.bulk_create(
            Source(key=f"s-{i}", kind="podcast", title=sentence(5), publisher=f"{rng.choice(VOCABULARY)} show",
                   author=rng.choice(people), published_on=date(2025, 1, 1) + timedelta(days=i % 365))
            for i in range(SOURCES))
        quotes = Quote.objects.bulk_create(
            Quote(key=f"q-{i}", source=rng.choice(sources), speaker=rng.choice(people), text=sentence(18),
                  timestamp_seconds=i % 10_000) for i in range(QUOTES))
        tags = Tag.objects.bulk_create(Tag(name=f"tag-{i}") for i in range(40))
        companies = Company.objects.bulk_create(Company(key=f"c-{i}", name=sentence(1)[:-1]) for i in range(200))
        theses = Thesis.objects.bulk_create(
            Thesis(key=f"t-{i}", title=sentence(6), stance="bullish", rationale=sentence(40)) for i in range(300))
        Signal.objects.bulk_create(Signal(key=f"g-{i}", title=sentence(7), summary=sentence(30),
                                          occurred_on=date(2026, 1, 1)) for i in range(1000))
        predictions = Prediction.objects.bulk_create(
            Prediction(key=f"x-{i}", statement=sentence(14), criteria=sentence(10), speaker=rng.choice(people),
                       source=rng.choice(sources), made_on=date(2026, 1, 1), resolve_by=date(2027, 1, 1))
            for i in range(PREDICTIONS))
        links = [(Prediction.quotes.through, "quote", quotes, 2), (Prediction.tags.through, "tag", tags, 1),
                 (Prediction.theses.through, "thesis", theses, 1),
                 (Prediction.companies.through, "company", companies, 1)]
        for through, name, targets, k in links:
            through.objects.bulk_create(through(prediction=p, **{name: t}) for p in predictions
                                        for t in rng.sample(targets, k))
    print(f"filled in {time.perf_counter() - started:.0f} s")


def measure(client, name, url, runs):
    timings, counts, size = [], [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (name, response.status_code)
        counts.append(len(queries))
        size = response.content.count(b'<li class="hit ') or response.content.count(b'<article')
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    queries = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
    print(f"| {name:<44} | {statistics.median(timings):8.1f} | {p95:8.1f} | {queries:>7} | {size:>5} |")


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    if not Prediction.objects.exists():
        fill()
    create_roles()
    user, _ = get_user_model().objects.get_or_create(username="bench-member")
    user.groups.add(*Group.objects.filter(name="members"))
    client = Client()
    client.force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracker_search")
        rows = cursor.fetchone()[0]
    common, middling, rare = VOCABULARY[0], VOCABULARY[40], VOCABULARY[3000]
    person = Person.objects.order_by("pk").first().name
    print(f"{connection.vendor}, {Prediction.objects.count()} predictions, {Quote.objects.count()} quotes, "
          f"{rows} index rows, {runs} runs each")
    print("| request | p50 ms | p95 ms | queries | shown |")
    print("|---|---:|---:|---:|---:|")
    cases = [
        (f"search: a rare word ({rare})", f"/search/?q={rare}"),
        (f"search: a middling word ({middling})", f"/search/?q={middling}"),
        (f"search: the most common word ({common})", f"/search/?q={common}"),
        ("search: two words", f"/search/?q={middling}+{VOCABULARY[41]}"),
        ("search: a person's full name", f"/search/?q={person.replace(' ', '+')}"),
        ("search: quotes only, common word", f"/search/?q={common}&kind=quote"),
        ("search: people only, common word", f"/search/?q={common}&kind=person"),
        ("search: no match", "/search/?q=zzzzzz"),
        ("search: hostile (quotes, NEAR, *, parens)", '/search/?q=%22NEAR(%20*%20-x%20((%20' + middling),
        ("predictions list: q=middling word", f"/predictions/?q={middling}"),
        ("predictions list: q=person's name", f"/predictions/?q={person.replace(' ', '+')}"),
    ]
    for name, url in cases:
        client.get(url)  # warm
        measure(client, name, url, runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
