"""Time compute_scoreboard on the database DATABASE_URL names (after `manage.py generate_demo`).

    DATABASE_URL=sqlite:////tmp/bench10k.sqlite3 DJANGO_DEBUG=1 .venv/bin/python bench/scoreboard_scaling.py [runs]

Prints the p50, min and max wall time over the runs, the p50 CPU time of this process (which, on SQLite,
includes the database's work and is not inflated by other processes), and the time of each query.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker.models import Forecast, Prediction  # noqa: E402
from tracker.scoring import compute_scoreboard  # noqa: E402


def main(runs: int) -> None:
    compute_scoreboard()  # open the connection and warm the page cache
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        compute_scoreboard()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        compute_scoreboard()
    print(f"{connection.vendor}: {Prediction.objects.count()} predictions, {Forecast.objects.count()} forecasts: "
          f"p50 {statistics.median(wall):.1f} ms (min {min(wall):.1f}, max {max(wall):.1f}; "
          f"CPU p50 {statistics.median(cpu):.1f} ms) over {runs} runs; {len(queries)} queries; "
          f"load average {os.getloadavg()[0]:.2f}")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:6.0f} ms  {' '.join(query['sql'].split())[:80]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
