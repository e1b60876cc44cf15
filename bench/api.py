"""Latency and SQL query count of the API's predictions list, at 10k predictions, for several page sizes.

    DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=testserver DJANGO_SECRET_KEY=x \
        DATABASE_URL=sqlite:///var/bench/api10k.sqlite3 .venv/bin/python bench/api.py [runs]

The database must hold the demo data (`manage.py generate_demo --predictions 10000 --users 50 --forecasts 100000
--seed 1`). Requests go through Django's test client with the whole middleware stack and a member's token (made
here, deleted at the end), so the figures are the server's time without the network. Prints p50 and p95 in ms
and the queries of one request, per page size and filter.
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
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")  # plain http from the test client
os.environ.setdefault("API_RATE_LIMIT", str(10**9))  # the benchmark measures the list, not the limit
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tracker.api.tokens import issue  # noqa: E402
from tracker.models import Prediction  # noqa: E402
from tracker.roles import create_roles  # noqa: E402

URLS = [
    "/api/v1/predictions?per_page=1",
    "/api/v1/predictions?per_page=20",
    "/api/v1/predictions?per_page=100",
    "/api/v1/predictions?per_page=100&page=50",
    "/api/v1/predictions?status=open&per_page=20",
    "/api/v1/predictions?due=overdue&sort=-made_on&per_page=100",
    "/api/v1/predictions?q=rates&per_page=20",
]


class Counted(list):
    """An execute wrapper that keeps the SQL of each query."""

    def __call__(self, execute, sql, params, many, context):
        self.append(sql)
        return execute(sql, params, many, context)


def main(runs: int) -> None:
    count = Prediction.objects.count()
    if count < 10_000:
        raise SystemExit(f"The database has {count:,} predictions; fill it with manage.py generate_demo first.")
    create_roles()
    user, _ = get_user_model().objects.get_or_create(username="bench-api")
    user.groups.add(Group.objects.get(name="members"))
    token, raw = issue(user, "bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    print(f"{connection.vendor}, {count:,} predictions, {runs} runs each")
    print(f"{'request':<62} {'p50 ms':>7} {'p95 ms':>7} {'queries':>8} {'items':>6}")
    try:
        for url in URLS:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            queries = Counted()
            with connection.execute_wrapper(queries):
                items = len(client.get(url).json()["results"])
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"{url.removeprefix('/api/v1'):<62} {statistics.median(times):7.1f} {p95:7.1f} "
                  f"{len(queries):8d} {items:6d}")
    finally:
        token.delete()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
