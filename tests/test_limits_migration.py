"""Migration 0008 adds the limits to the database: rows already past them stop it with their names, not an
IntegrityError from deep inside a table rebuild, and nothing is changed."""

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import make_source
from tracker.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_row_past_a_new_limit_stops_the_migration_naming_it():
    call_command("migrate", "tracker", "0007", verbosity=0)
    try:
        source = make_source(duration_seconds=20_000_000)
        with pytest.raises(RuntimeError) as stopped:
            call_command("migrate", "tracker", verbosity=0)
        assert f"source_duration_in_range: tracker_source id {source.pk}" in str(stopped.value)
        assert Source.objects.get().duration_seconds == 20_000_000
        with connection.cursor() as cursor:  # in SQL: at 0007 the later models' tables do not exist yet
            cursor.execute("DELETE FROM tracker_source WHERE id = %s", [source.pk])
    finally:
        call_command("migrate", "tracker", verbosity=0)
