"""In-process latency and SQL query count of each main page and action, on the database DATABASE_URL names.

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/bench10k.sqlite3 .venv/bin/python bench/latency.py [runs]

Fill the database first with `manage.py generate_demo`. Uses Django's test client (no network): the figures
are the server's own time for the whole request, middleware included. The scoreboard is measured twice:
computed from scratch (its cache cleared before each request) and served from the shared cache.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker.models import Forecast, Prediction  # noqa: E402
from tracker.roles import create_roles  # noqa: E402


def measure(name, request, runs, before=None):
    timings, counts = [], []
    for _ in range(runs):
        if before:
            before()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = request()
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 302), (name, response.status_code)
        counts.append(len(queries))
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    queries = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
    print(f"| {name:<34} | {statistics.median(timings):8.1f} | {p95:8.1f} | {queries:>7} |")


def main(runs: int) -> None:
    create_roles()
    user, _ = get_user_model().objects.get_or_create(username="bench-editor")
    user.groups.add(*Group.objects.filter(name="editors"))
    client = Client()
    client.force_login(user)
    open_one = Prediction.objects.open().order_by("pk").first()
    detail = Prediction.objects.order_by("-pk").first()
    print(f"{connection.vendor}, {Prediction.objects.count()} predictions, {Forecast.objects.count()} forecasts, "
          f"{runs} runs each")
    print("| request                            | p50 (ms) | p95 (ms) | queries |")
    print("|------------------------------------|---------:|---------:|--------:|")
    client.get("/")  # warm up connections and template caches
    measure("dashboard", lambda: client.get("/"), runs)
    measure("predictions list", lambda: client.get("/predictions/"), runs)
    measure("predictions list, filtered", lambda: client.get("/predictions/?status=open&q=will&sort=-made_on"), runs)
    measure("prediction detail", lambda: client.get(f"/predictions/{detail.pk}/"), runs)
    def no_cached_scoreboard():
        cache.clear()
        client.session.load()  # sessions live in the cache too (cached_db): put this one back, unmeasured

    measure("scoreboard, computed from scratch", lambda: client.get("/scoreboard/"), runs,
            before=no_cached_scoreboard)
    client.get("/scoreboard/")
    measure("scoreboard, from the shared cache", lambda: client.get("/scoreboard/"), runs)

    state = {"p": open_one}

    def resolve_then_undo():
        p = Prediction.objects.get(pk=state["p"].pk)
        if p.is_open:
            return client.post(f"/predictions/{p.pk}/resolve/", {"status": "true", "resolved_on": "2026-11-01",
                                                                 "version": p.version}, HTTP_HX_REQUEST="true")
        return client.post(f"/predictions/{p.pk}/undo/", {"version": p.version}, HTTP_HX_REQUEST="true")

    measure("resolve / undo (htmx, alternating)", resolve_then_undo, runs)
    if not Prediction.objects.get(pk=open_one.pk).is_open:
        resolve_then_undo()
    measure("forecast (htmx)", lambda: client.post(f"/predictions/{open_one.pk}/forecast/", {"percent": "40"},
                                                   HTTP_HX_REQUEST="true"), runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
