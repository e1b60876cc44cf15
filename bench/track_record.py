"""In-process latency and SQL query count of the track-record pages, on the database DATABASE_URL names.

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/bench10k.sqlite3 .venv/bin/python bench/track_record.py [runs]

Fill the database first with `manage.py generate_demo`. Measures, with Django's test client (no network, the
server's own time with the middleware): the forecaster page of the user with the most scored forecasts (first
and last page), the prediction page with the most forecasts (its chart draws them all), and the same prediction
page of the open prediction with the most forecasts, under blind forecasting for a user who has not forecast
it (nothing of the crowd is drawn) and without.
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
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker import track_record  # noqa: E402
from tracker.models import Forecast, Prediction  # noqa: E402


def measure(name, request, runs):
    timings, counts = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = request()
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (name, response.status_code)
        counts.append(len(queries))
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    queries = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
    print(f"| {name:<46} | {statistics.median(timings):8.1f} | {p95:8.1f} | {queries:>7} |")


def main(runs: int) -> None:
    users = get_user_model().objects
    top = (Forecast.objects.filter(prediction__status__in=Prediction.SCORED).values("user")
           .annotate(n=Count("prediction", distinct=True)).order_by("-n").first())
    forecaster = users.get(pk=top["user"])
    scored = len(track_record.scored_forecasts(forecaster))
    busiest = (Forecast.objects.values("prediction").annotate(n=Count("id")).order_by("-n").first())
    prediction = Prediction.objects.get(pk=busiest["prediction"])
    open_one = Prediction.objects.open().annotate(n=Count("forecasts")).order_by("-n").first()
    viewer, _ = users.get_or_create(username="bench-track-viewer")
    client = Client()
    client.force_login(forecaster)
    blind = Client()
    blind.force_login(viewer)
    last_page = -(-scored // 50)
    print(f"{connection.vendor}, {Prediction.objects.count()} predictions, {Forecast.objects.count()} forecasts; "
          f"{forecaster.username}: {scored} scored forecasts; prediction {prediction.pk}: {busiest['n']} forecasts"
          f" ({prediction.status}); {runs} runs each")
    print("| request                                        | p50 (ms) | p95 (ms) | queries |")
    print("|------------------------------------------------|---------:|---------:|--------:|")
    client.get("/")  # warm up connections and template caches
    url = f"/forecasters/{forecaster.username}/"
    measure("forecaster page, first page", lambda: client.get(url), runs)
    measure(f"forecaster page, last page ({last_page})", lambda: client.get(f"{url}?page={last_page}"), runs)
    measure("prediction page with its forecasts chart", lambda: client.get(f"/predictions/{prediction.pk}/"), runs)
    with override_settings(BLIND_FORECASTING=True):
        measure(f"busiest open prediction ({open_one.n}), blind, unforecast",
                lambda: blind.get(f"/predictions/{open_one.pk}/"), runs)
    measure("the same, not blind", lambda: blind.get(f"/predictions/{open_one.pk}/"), runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
