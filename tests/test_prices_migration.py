"""Migration 0019 turns a thesis's plain list of companies into links with a direction: every link stays, and
reads as the stance says."""

import pytest
from django.core.management import call_command
from django.db import connection

from tracker.models import Thesis, ThesisCompany

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_links_between_theses_and_companies_survive_the_migration():
    call_command("migrate", "tracker", "0011", verbosity=0)
    try:
        with connection.cursor() as cursor:  # at 0011 the models of today do not fit the tables: plain SQL
            for key, name in (("a", "Alpha"), ("b", "Beta")):
                cursor.execute("INSERT INTO tracker_company (key, name, ticker, url, version) "
                               "VALUES (%s, %s, '', '', 1)",
                               [key, name])
            cursor.execute("INSERT INTO tracker_thesis (key, title, stance, status, rationale, opened_on, version) "
                           "VALUES ('t', 'T', 'bearish', 'active', '', '2026-01-05', 1)")
            cursor.execute("INSERT INTO tracker_thesis_companies (thesis_id, company_id) SELECT t.id, c.id "
                           "FROM tracker_thesis t, tracker_company c")
        call_command("migrate", "tracker", verbosity=0)
        thesis = Thesis.objects.get(key="t")
        assert sorted(thesis.companies.values_list("key", flat=True)) == ["a", "b"]
        assert thesis.benchmark == "SPY"
        assert [link.held(thesis) for link in ThesisCompany.objects.filter(thesis=thesis)] == ["short", "short"]
    finally:
        call_command("migrate", "tracker", verbosity=0)
