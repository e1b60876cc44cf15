"""Time a big import: N quotes (default 100,000) with their sources and people, into a fresh database, then the
same bundle again, unchanged. Prints wall time, this process's CPU time and the SQL query count for both.

    DJANGO_DEBUG=1 .venv/bin/python bench/import_bundle.py [N]                     # SQLite, a new file
    DATABASE_URL=postgres://tracker:tracker@127.0.0.1:5432/NAME DJANGO_DEBUG=1 \\
        .venv/bin/python bench/import_bundle.py [N]                                 # PostgreSQL: NAME is emptied

The work is the import page's (tracker.bundle.import_bundle, as an editor), in process, without the upload.
"""

import json
import os
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_FILE = ROOT / "var" / "bench" / "import.sqlite3"
if "DATABASE_URL" not in os.environ:
    SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
    for leftover in SQLITE_FILE.parent.glob(SQLITE_FILE.name + "*"):
        leftover.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker.bundle import import_bundle  # noqa: E402


def bundle_of(quotes: int) -> str:
    people, sources = max(1, quotes // 100), max(1, quotes // 10)
    return json.dumps({
        "format": "thesis-tracker/1",
        "people": [{"key": f"p-{i}", "name": f"Person {i}"} for i in range(people)],
        "sources": [{"key": f"s-{i}", "kind": "podcast", "title": f"Episode {i}", "author": f"p-{i % people}",
                     "published_on": "2026-01-31", "url": f"https://example.com/{i}"} for i in range(sources)],
        "quotes": [{"key": f"q-{i}", "source": f"s-{i % sources}", "speaker": f"p-{i % people}",
                    "text": f"Quote number {i}.", "timestamp_seconds": i % 3600} for i in range(quotes)],
    })


def timed(raw: str, user) -> tuple[float, float, int, str]:
    with CaptureQueriesContext(connection) as queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        report = import_bundle(raw, user=user)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return elapsed, cpu, len(queries), report.summary()


def main(quotes: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    editor = get_user_model().objects.create(username="bench-editor")
    raw = bundle_of(quotes)
    print(f"{connection.vendor}: {quotes:,} quotes, a bundle of {len(raw.encode()) / 2**20:.1f} MiB; "
          f"load average {os.getloadavg()[0]:.2f}")
    for label in ("import into an empty database", "re-import unchanged"):
        elapsed, cpu, count, summary = timed(raw, editor)
        # On SQLite the CPU time of this process includes the database's work and is not inflated by others.
        print(f"  {label}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, {count} queries ({summary})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
