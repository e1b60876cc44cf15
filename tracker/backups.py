"""Consistent copies of a live SQLite database, through SQLite's online backup API, both ways.

A restore writes the backup's pages into the live file through the same API, as one write transaction, so
it is safe while the app runs: the app's open connections (WAL mode) see the restored content at their next
transaction, and every write acknowledged after the restore lands in it. Replacing the file instead would
leave them writing to the old, unlinked inode.
"""

import sqlite3
from pathlib import Path

from django.db import connection

from tracker.cache import invalidate_scoreboard


class BackupError(Exception):
    pass


def live_database_path() -> Path:
    if connection.vendor != "sqlite":
        raise BackupError("backup and restore work on SQLite; for PostgreSQL use pg_dump and pg_restore "
                          "(see the README).")
    return Path(connection.settings_dict["NAME"])


def backup(target: Path) -> int:
    """Copy the live database to `target` while the app keeps running; returns the pages copied."""
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: {target.parent} is not a directory")
    source = sqlite3.connect(live_database_path())
    try:
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
            pages = destination.execute("PRAGMA page_count").fetchone()[0]
            # A backup is a single self-contained file, not a WAL database that needs its -wal sidecar.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
        return pages
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)  # never leave half a backup that looks like one
        raise BackupError(f"cannot write {target}: {exc}") from None
    finally:
        source.close()


def check_backup(path: Path) -> None:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path}: the file fails SQLite's integrity check")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a SQLite database ({exc})") from None
    if "tracker_prediction" not in tables:
        raise BackupError(f"{path}: not a Thesis Tracker backup (no tracker_prediction table)")


def restore(path: Path) -> None:
    """Replace the live database's content with the backup's, in place and in one write transaction."""
    check_backup(path)
    connection.close()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(live_database_path())
        try:
            page_sizes = {db.execute("PRAGMA page_size").fetchone()[0] for db in (source, destination)}
            if len(page_sizes) > 1:  # SQLite cannot copy into a WAL database with another page size
                raise BackupError(f"{path}: its page size differs from the live database's, so `manage.py backup` "
                                  "did not make it from this database")
            with destination:
                source.backup(destination)
        finally:
            destination.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore {path}: {exc}") from None
    finally:
        source.close()
    # The scoreboard cache may live outside the database (Redis): what it holds describes the old content.
    invalidate_scoreboard()
