"""A write that cannot get the database (another connection holds the write lock, e.g. a long import) gets
503 "busy, try again" with Retry-After, and writes nothing."""

import sqlite3

import psycopg
import pytest
from django.db import connection

from tests.factories import make_prediction
from tracker.models import Forecast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def prediction():
    return make_prediction()


@pytest.fixture
def write_lock_held_elsewhere(member_client, prediction, monkeypatch):
    """Another connection holds the write lock; ours gives up waiting after a fraction of a second."""
    options = connection.settings_dict["OPTIONS"]
    if connection.vendor == "sqlite":
        monkeypatch.setitem(options, "timeout", 0.2)
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        lock = "BEGIN IMMEDIATE"
    else:
        monkeypatch.setitem(options, "options", "-c lock_timeout=200ms")
        db = connection.settings_dict
        other = psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
                                port=db["PORT"])
        lock = "LOCK TABLE tracker_forecast IN EXCLUSIVE MODE"  # a stand-in for a long import holding locks
    connection.close()  # reconnect with the short wait
    other.execute(lock)
    yield
    other.close()  # which gives the lock up
    monkeypatch.undo()
    connection.close()


def test_a_forecast_posted_while_the_database_is_locked_is_refused_with_503_and_retry_after(
        member_client, prediction, write_lock_held_elsewhere):
    p = prediction
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "40"})
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "try again" in response.content.decode()
    assert "<nav" in response.content.decode()  # a whole page for a plain form post


def test_an_htmx_forecast_gets_the_busy_message_in_the_flash_area(member_client, prediction,
                                                                   write_lock_held_elsewhere):
    p = prediction
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "40"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#flash" and response["HX-Reswap"] == "innerHTML"
    assert "try again" in response.content.decode() and "<nav" not in response.content.decode()


def test_nothing_is_written_by_a_refused_forecast(member_client, prediction, write_lock_held_elsewhere):
    member_client.post(f"/predictions/{prediction.pk}/forecast/", {"percent": "40"})
    assert not Forecast.objects.exists()
