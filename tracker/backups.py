"""Consistent copies of a live SQLite database, through SQLite's online backup API."""

import sqlite3
from pathlib import Path

from django.db import connection


class BackupError(Exception):
    pass


def live_database_path() -> Path:
    if connection.vendor != "sqlite":
        raise BackupError("backup and restore work on SQLite; for PostgreSQL use pg_dump and pg_restore "
                          "(see the README).")
    return Path(connection.settings_dict["NAME"])


def backup(target: Path) -> int:
    """Copy the live database to `target` while the app keeps running; returns the pages copied."""
    source = sqlite3.connect(live_database_path())
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        pages = destination.execute("PRAGMA page_count").fetchone()[0]
        # A backup is a single self-contained file, not a WAL database that needs its -wal sidecar.
        destination.execute("PRAGMA journal_mode=DELETE")
        destination.close()
        return pages
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
    """Replace the live database's content with the backup's, page by page, in one step."""
    check_backup(path)
    connection.close()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(live_database_path())
        with destination:
            source.backup(destination)
        destination.close()
    finally:
        source.close()
