"""How long a `send_reminders` run takes for many users, against a real SMTP server on loopback (aiosmtpd,
in its own process).

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/reminders.sqlite3 .venv/bin/python bench/reminders.py [users]
    DJANGO_DEBUG=1 DATABASE_URL=postgres://tracker:tracker@127.0.0.1:5432/tracker_mail \
        .venv/bin/python bench/reminders.py [users]

Migrates the database, empties the reminder tables and fills it (once) with 5,000 open predictions (150 due
within the week, 200 overdue) and `users` members with an address (500 by default), each with 40 forecasts of
which about a third are stale. Then one run at a fixed clock sends every digest to aiosmtpd on 127.0.0.1:8325,
and a second run (nothing due) shows what a cron tick costs when there is nothing to do. Prints seconds,
messages per second and SQL queries per digest.
"""

import os
import random
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tracker.mailers import mailer_from_url  # noqa: E402
from tracker.models import Forecast, Prediction, ReminderOutbox, ReminderSettings  # noqa: E402
from tracker.reminders import build_digest, digest_message, prefs_of, recipients, send_due  # noqa: E402
from tracker.roles import create_roles  # noqa: E402

PORT = 8325  # this work's port range: 8300-8399
NOW = timezone.make_aware(datetime(2026, 12, 2, 8, 0))
TODAY = NOW.date()
PREDICTIONS = 5_000


def fill(users: int) -> None:
    User = get_user_model()
    if User.objects.filter(username__startswith="bench-").count() >= users:
        return
    rng = random.Random(1)
    with transaction.atomic():
        Forecast.objects.all().delete()
        Prediction.objects.filter(key__startswith="bench-").delete()
        User.objects.filter(username__startswith="bench-").delete()
        create_roles()
        predictions = []
        for n in range(PREDICTIONS):
            if n < 200:
                due = TODAY - timedelta(days=rng.randint(1, 60))
            elif n < 350:
                due = TODAY + timedelta(days=rng.randint(0, 7))
            else:
                due = TODAY + timedelta(days=rng.randint(8, 900))
            predictions.append(Prediction(key=f"bench-{n}", statement=f"Benchmark prediction {n} comes true.",
                                          made_on=date(2026, 1, 1), resolve_by=due))
        predictions = Prediction.objects.bulk_create(predictions)
        joined = NOW - timedelta(days=300)
        people = User.objects.bulk_create([
            User(username=f"bench-{n}", email=f"bench-{n}@example.com", date_joined=joined) for n in range(users)])
        members = Group.objects.get(name="members")
        members.user_set.add(*people)
        forecasts = []
        for user in people:
            for prediction in rng.sample(predictions, 40):
                age = rng.choice((1, 3, 5, 20, 40, 90))
                forecasts.append(Forecast(user=user, prediction=prediction, probability=rng.uniform(0.05, 0.95),
                                          made_at=NOW - timedelta(days=age, minutes=rng.randint(0, 1000))))
        Forecast.objects.bulk_create(forecasts, batch_size=5000)


def start_smtp_server() -> subprocess.Popen:
    """aiosmtpd in its own process (in a thread of this one it would compete for the GIL), accepting and
    discarding every message."""
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{PORT}",
                               "-c", "aiosmtpd.handlers.Sink"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the SMTP server did not start on port {PORT}")


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    call_command("migrate", verbosity=0)
    fill(users)
    ReminderOutbox.objects.all().delete()
    ReminderSettings.objects.all().delete()
    server = start_smtp_server()
    settings.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{PORT}")}
    try:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            report = send_due(NOW)
            elapsed = time.perf_counter() - started
        received = ReminderOutbox.objects.filter(state="sent").count()
        with CaptureQueriesContext(connection) as idle_queries:
            started = time.perf_counter()
            idle = send_due(NOW + timedelta(minutes=5))
            idle_elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"database: {connection.vendor}; users with an address: {users}; open predictions: {PREDICTIONS}; "
          f"forecasts: {Forecast.objects.count()}")
    print(f"first run: {report.summary()}")
    print(f"  {received} messages accepted by the SMTP server in {elapsed:.2f} s: {received / elapsed:.0f} "
          f"messages/s, {elapsed / max(received, 1) * 1000:.1f} ms each; {len(queries)} queries "
          f"({len(queries) / max(received, 1):.1f} per digest)")
    sample = list(recipients()[:100])
    started = time.perf_counter()
    for user in sample:
        digest_message(build_digest(user, prefs_of(user), NOW)).message()
    building = (time.perf_counter() - started) / len(sample) * 1000
    print(f"  of which building and rendering one digest (queries, templates, MIME), without sending: "
          f"{building:.1f} ms")
    print(f"second run (nothing due): {idle.sent} sent in {idle_elapsed * 1000:.0f} ms, {len(idle_queries)} queries")


if __name__ == "__main__":
    main()
