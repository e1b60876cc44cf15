"""`restore` writes into the live database in place: connections the app already holds (WAL mode) see the
restored content, and what they write after the restore is kept."""

import io
import sqlite3
import threading

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection, connections

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.models import Forecast

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL backups use pg_dump"),
    pytest.mark.django_db(transaction=True),
]


def test_writes_made_after_a_restore_by_connections_opened_before_it_are_kept(tmp_path):
    user, p = make_user(), make_prediction()
    services.record_forecast(p, user, 0.2)
    call_command("backup", str(tmp_path / "backup.sqlite3"), stdout=io.StringIO())
    restored, written = threading.Event(), {}

    def app_worker():
        # Like a gunicorn worker: one persistent connection, open before the restore and still open after.
        try:
            services.record_forecast(p, user, 0.3)
            written["ready"] = True
            restored.wait(timeout=30)
            written["after"] = services.record_forecast(p, user, 0.4).pk
        finally:
            connections.close_all()

    # Another process's connection, also held across the restore: raw, in WAL mode, with a read open.
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    worker = threading.Thread(target=app_worker)
    worker.start()
    while not written.get("ready"):
        worker.join(timeout=0.01)
    other.execute("BEGIN")
    assert other.execute("SELECT count(*) FROM tracker_forecast").fetchone()[0] == 2
    call_command("restore", str(tmp_path / "backup.sqlite3"), "--noinput", stdout=io.StringIO())
    other.execute("COMMIT")
    restored.set()
    worker.join(timeout=30)
    other.execute("INSERT INTO auth_group (name) VALUES ('written after the restore')")
    other.close()

    connections.close_all()  # look with a fresh connection, as a new worker would
    probabilities = sorted(Forecast.objects.values_list("probability", flat=True))
    assert probabilities == [0.2, 0.4]  # 0.3 was written after the backup: the restore took it away
    assert Group.objects.filter(name="written after the restore").exists()
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_every_write_acknowledged_after_a_restore_is_in_the_restored_database(tmp_path):
    user, p = make_user(), make_prediction()
    services.record_forecast(p, user, 0.2, "in the backup")
    call_command("backup", str(tmp_path / "backup.sqlite3"), stdout=io.StringIO())
    stop, restore_done, acknowledged_after = threading.Event(), threading.Event(), []

    def app_worker():
        try:
            i = 0
            while not stop.is_set():
                done_before = restore_done.is_set()  # only a write begun after the restore must survive it
                forecast = services.record_forecast(p, user, 0.5, f"write {i}")
                if done_before:
                    acknowledged_after.append(forecast.note)
                i += 1
        finally:
            connections.close_all()

    worker = threading.Thread(target=app_worker)
    worker.start()
    try:
        call_command("restore", str(tmp_path / "backup.sqlite3"), "--noinput", stdout=io.StringIO())
        restore_done.set()
        while len(acknowledged_after) < 20 and worker.is_alive():
            worker.join(timeout=0.01)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert len(acknowledged_after) >= 20
    connections.close_all()
    notes = set(Forecast.objects.values_list("note", flat=True))
    assert "in the backup" in notes
    assert set(acknowledged_after) <= notes


def test_a_restore_refuses_a_file_with_another_page_size_and_changes_nothing(tmp_path):
    make_prediction()
    foreign = tmp_path / "foreign.sqlite3"
    db = sqlite3.connect(foreign)
    db.execute("PRAGMA page_size=8192")
    db.execute("CREATE TABLE tracker_prediction (id integer primary key)")
    db.commit()
    db.close()
    with pytest.raises(CommandError, match="page size"):
        call_command("restore", str(foreign), "--noinput")
    assert connection.cursor().execute("SELECT count(*) FROM tracker_prediction").fetchone()[0] == 1


@pytest.mark.parametrize("where", ["missing/dir/backup.sqlite3", "a-file/backup.sqlite3"])
def test_a_backup_to_a_path_that_cannot_be_written_is_a_one_line_error(tmp_path, where):
    (tmp_path / "a-file").write_text("not a directory")
    target = tmp_path / where
    with pytest.raises(CommandError, match=f"cannot write {target}"):
        call_command("backup", str(target))
    assert not target.exists()
