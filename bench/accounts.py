"""The Users page and deactivation at 10,000 accounts with 20,000 live sessions.

    DJANGO_DEBUG=0 DJANGO_SECRET_KEY=x DATABASE_URL=sqlite:///var/bench/accounts10k.sqlite3 \
        .venv/bin/python bench/accounts.py [runs]

Migrates the database and, when it has few accounts, fills it (bulk_create): 10,000 accounts (a third members,
a few editors, some invited and not joined), two sessions each. Prints the median time and the queries of the
Users page (first and a middle page), of a role change, and of a deactivation (which ends the account's sessions
through the indexed `user_pk` column), next to what finding those sessions costs by decoding every session, the
way Django's plain database sessions would need.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")  # the test client speaks plain http
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tracker.models import Invitation  # noqa: E402
from tracker.roles import EDITORS, MEMBERS, create_roles  # noqa: E402
from tracker.sessions import AccountSession, SessionStore  # noqa: E402

ACCOUNTS = 10_000
User = get_user_model()


def fill() -> None:
    create_roles()
    password = make_password("bench-password-1")
    users = User.objects.bulk_create(
        (User(username=f"user{n:05d}", email=f"user{n:05d}@example.com",
              password=password if n % 10 else "!unusable") for n in range(ACCOUNTS)), batch_size=2000)
    members, editors = Group.objects.get(name=MEMBERS), Group.objects.get(name=EDITORS)
    through = User.groups.through
    through.objects.bulk_create((through(user_id=u.pk, group_id=(editors if i < 5 else members).pk)
                                 for i, u in enumerate(users) if i % 3 == 0), batch_size=5000)
    Invitation.objects.bulk_create((Invitation(user=u, email=u.email, new_account=True)
                                    for i, u in enumerate(users) if i % 10 == 0), batch_size=5000)
    expiry = timezone.now() + timedelta(days=14)
    sessions = []
    for u in users:
        for _ in range(2):
            store = SessionStore()
            key = store._get_new_session_key()
            data = store.encode({"_auth_user_id": str(u.pk), "_auth_user_backend": "x", "_auth_user_hash": "h"})
            sessions.append(AccountSession(session_key=key, session_data=data, expire_date=expiry, user_pk=u.pk))
    AccountSession.objects.bulk_create(sessions, batch_size=5000)


def timed(runs: int, action) -> tuple[float, int]:
    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return statistics.median(timings), queries


def row(name: str, ms: float, queries: int | str) -> None:
    print(f"| {name:<52} | {ms:9.1f} | {queries!s:>7} |")


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    if User.objects.count() < ACCOUNTS:
        started = time.perf_counter()
        fill()
        print(f"filled {ACCOUNTS:,} accounts and {2 * ACCOUNTS:,} sessions in {time.perf_counter() - started:.1f} s")
    editor = User.objects.get(username="user00003")  # an editor with a password
    client = Client()
    client.force_login(editor)
    print(f"| {'step':<52} | {'median ms':>9} | {'queries':>7} |\n|{'-' * 54}|{'-' * 11}|{'-' * 9}|")
    for name, url in (("Users page, page 1", "/users/"), ("Users page, page 100 (of 200)", "/users/?page=100")):
        def get(url=url):
            assert client.get(url).status_code == 200
        row(name, *timed(runs, get))
    target = User.objects.get(username="user00030")

    def flip_role():
        seen = "member" if target.groups.filter(name=MEMBERS).exists() else "read-only"
        other = "read-only" if seen == "member" else "member"
        response = client.post(f"/users/{target.pk}/role/", {"role": other, "seen": seen}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code
    row("Change a role (htmx)", *timed(runs, flip_role))

    def deactivate_and_back():
        assert client.post(f"/users/{target.pk}/deactivate/", HTTP_HX_REQUEST="true").status_code == 200
        assert client.post(f"/users/{target.pk}/reactivate/", HTTP_HX_REQUEST="true").status_code == 200
    row("Deactivate (ending its sessions) and reactivate", *timed(runs, deactivate_and_back))

    def scan():
        store = SessionStore()
        mine = [s.session_key for s in AccountSession.objects.filter(expire_date__gt=timezone.now()).iterator()
                if store.decode(s.session_data).get("_auth_user_id") == str(target.pk)]
        assert isinstance(mine, list)
    row("For comparison: find one user's sessions by decoding all", *timed(max(1, runs // 3), scan))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
