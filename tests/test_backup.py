"""`backup` copies a live SQLite database consistently, even while another thread writes; `restore` puts it back."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.bundle import export_bundle
from tracker.models import Forecast, Prediction

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL backups use pg_dump")


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_backup_while_writing_then_restore_gives_back_the_backed_up_data(tmp_path):
    user = make_user()
    p = make_prediction()
    for i in range(50):
        services.record_forecast(p, user, 0.01 + i / 100)
    stop = threading.Event()
    written = []

    def writer():
        try:
            while not stop.is_set():
                written.append(services.record_forecast(p, user, 0.5).pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        call_command("backup", str(tmp_path / "backup.sqlite3"), stdout=io.StringIO())
    finally:
        stop.set()
        thread.join()
    assert written, "the writer thread wrote nothing while the backup ran"

    # The backup is a consistent snapshot: restoring it gives a database whose forecasts are a prefix
    # of what was written, with every row intact.
    after_writes = Forecast.objects.count()
    call_command("restore", str(tmp_path / "backup.sqlite3"), "--noinput", stdout=io.StringIO())
    restored = Forecast.objects.count()
    assert 50 <= restored <= after_writes
    ids = list(Forecast.objects.order_by("pk").values_list("pk", flat=True))
    assert ids == sorted(ids) and len(set(ids)) == restored
    assert Prediction.objects.get(pk=p.pk).statement == p.statement

    # Restoring the same backup twice gives the same data.
    snapshot = export_bundle()
    services.record_forecast(p, user, 0.9)
    call_command("restore", str(tmp_path / "backup.sqlite3"), "--noinput", stdout=io.StringIO())
    assert export_bundle() == snapshot


@sqlite_only
@pytest.mark.django_db
def test_backup_refuses_to_overwrite_a_file(tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(target))
    assert target.read_text() == "keep me"


@sqlite_only
@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"not a database", b""])
def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(tmp_path, content):
    make_prediction()
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("restore", str(bogus), "--noinput")
    assert Prediction.objects.count() == 1
