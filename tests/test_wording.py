"""Messages read right: one pair of quotation marks, one way of writing a day, counts in proper plurals and
times with their zone."""

from datetime import date

import pytest
from django.contrib.messages import get_messages

from tests.factories import make_prediction, make_source, make_user
from tracker import services

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_saved_quote_is_named_in_one_pair_of_quotation_marks(editor_client):
    source = make_source()
    response = editor_client.post("/quotes/new/", {"source": source.pk, "text": "Verbatim words."})
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Quote “Verbatim words.” saved."


def test_a_conflict_writes_the_day_as_every_other_place_does(editor_client, editor):
    p = make_prediction(made_on=date(2026, 1, 1))
    seen = p.version
    services.resolve(p, status="false", expected_version=seen, actor=editor, resolved_on=date(2026, 3, 2))
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", {
        "status": "true", "resolved_on": "2026-03-05", "version": seen}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 409
    assert "(on 2 Mar 2026)" in page and "02 Mar" not in page
    assert '<time datetime="2026-03-02">2 Mar 2026</time>' in page  # the card's own date, written alike


def test_a_resolution_before_the_day_made_is_refused_in_the_same_day_format(editor_client):
    p = make_prediction(made_on=date(2026, 1, 5))
    response = editor_client.post(f"/predictions/{p.pk}/resolve/", {
        "status": "true", "resolved_on": "2026-01-02", "version": p.version}, **HTMX)
    assert "It was made on 5 Jan 2026;" in response.content.decode()


def test_a_refused_deletion_counts_history_entries_in_the_plural(editor_client, editor):
    p = make_prediction(made_on=date(2026, 1, 1))
    p = services.resolve(p, status="true", expected_version=p.version, actor=editor, resolved_on=date(2026, 2, 1))
    services.undo(p, expected_version=p.version, actor=editor)
    page = editor_client.post(f"/predictions/{p.pk}/delete/").content.decode()
    assert "2 resolution history entries" in page


def test_a_refused_deletion_counts_one_history_entry_in_the_singular(editor_client, editor):
    p = make_prediction(made_on=date(2026, 1, 1))
    services.resolve(p, status="true", expected_version=p.version, actor=editor, resolved_on=date(2026, 2, 1))
    page = editor_client.get(f"/predictions/{p.pk}/delete/").content.decode()
    assert "1 resolution history entry" in page and "entries" not in page


def test_forecast_and_history_times_name_their_time_zone(editor_client, editor):
    p = make_prediction(made_on=date(2026, 1, 1))
    services.record_forecast(p, make_user("ana", role="members"), 0.3)
    services.resolve(p, status="true", expected_version=p.version, actor=editor, resolved_on=date(2026, 2, 1))
    page = editor_client.get(f"/predictions/{p.pk}/").content.decode()
    # The forecasts table (the chart's data table above it says the same moments the same way).
    forecasts = page[page.index("Every forecast on this prediction"):page.index('id="resolution-history"')]
    chart = page[page.index("Data table: forecasts over time"):page.index("Every forecast on this prediction")]
    assert chart.count(" UTC</time>") == 1
    history = page[page.index('id="resolution-history"'):]
    assert forecasts.count(" UTC</time>") == 1 and history.count(" UTC</time>") == 1
