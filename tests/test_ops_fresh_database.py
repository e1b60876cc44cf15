"""`manage.py migrate` alone leaves a database on which every command works."""

import os
import subprocess
import sys

from django.conf import settings

FIXTURE = settings.BASE_DIR / "fixtures" / "lex-fridman-490.json"


def manage(*args, database_url):
    # A new database of its own, made the way an operator makes one (the test database is built differently).
    env = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
           "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=300)


def test_import_works_on_a_database_made_by_migrate_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrated = manage("migrate", "--noinput", "-v0", database_url=url)
    assert migrated.returncode == 0, migrated.stderr
    imported = manage("import_bundle", str(FIXTURE), database_url=url)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("Imported.")
    # The documented `createcachetable` step still runs, and does nothing now.
    again = manage("createcachetable", database_url=url)
    assert again.returncode == 0 and again.stderr == ""
