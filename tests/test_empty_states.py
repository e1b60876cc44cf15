"""Before anything is scored, the pages say what to do first and which forecasts will count; a prediction
says so next to its forecast form and, once resolved, which forecasts counted."""

from datetime import UTC, date, datetime

import pytest

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.models import Forecast

pytestmark = pytest.mark.django_db


def test_an_empty_scoreboard_says_what_to_do_first(member_client):
    make_prediction()
    page = member_client.get("/scoreboard/").content.decode()
    assert "data-getting-started" in page
    assert 'href="/predictions/?status=open"' in page
    assert "made before the day of the resolution (00:00 UTC)" in page


def test_an_empty_over_time_chart_says_why_it_is_empty(member_client):
    page = member_client.get("/scoreboard/").content.decode()
    chart = page[page.index('id="over-time-desc"'):page.index("</svg>", page.index('id="over-time-desc"'))]
    assert "Nothing resolved true or false yet" in chart


def test_an_editor_is_pointed_at_the_overdue_predictions_to_resolve(editor_client):
    page = editor_client.get("/scoreboard/").content.decode()
    assert 'href="/predictions/?due=overdue">overdue</a>' in page


def test_a_scoreboard_with_a_counted_forecast_drops_the_guide(member_client, member, editor):
    p = make_prediction(made_on=date(2026, 1, 1))
    Forecast.objects.create(prediction=p, user=member, probability=0.6, made_at=datetime(2026, 1, 2, tzinfo=UTC))
    services.resolve(p, status="true", expected_version=p.version, actor=editor, resolved_on=date(2026, 2, 1))
    assert "data-getting-started" not in member_client.get("/scoreboard/").content.decode()


def test_the_first_dashboard_says_what_to_do_first(member_client):
    make_prediction()
    page = member_client.get("/").content.decode()
    assert "data-getting-started" in page and 'href="/predictions/?status=open"' in page


def test_the_forecast_form_on_a_prediction_says_which_forecast_counts(member_client):
    p = make_prediction()
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    assert "Counts if made before the resolution day" in page


def test_a_resolved_prediction_marks_the_forecasts_that_counted(member_client, member, editor):
    p = make_prediction(made_on=date(2026, 1, 1))
    ana = make_user("ana", role="members")
    for user, when, probability in [(member, datetime(2026, 1, 5, tzinfo=UTC), 0.3),  # superseded
                                    (member, datetime(2026, 1, 31, 23, 59, tzinfo=UTC), 0.4),  # counted
                                    (ana, datetime(2026, 1, 10, tzinfo=UTC), 0.7),  # counted
                                    (ana, datetime(2026, 2, 1, 0, 0, tzinfo=UTC), 0.9)]:  # on the day: not
        Forecast.objects.create(prediction=p, user=user, probability=probability, made_at=when)
    services.resolve(p, status="false", expected_version=p.version, actor=editor, resolved_on=date(2026, 2, 1))
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    rows = [row for row in page.split("<tr") if "%" in row and "<td>" in row]
    counted = sorted(row.split("</td><td>")[1].split("<")[0].strip() for row in rows if "data-counted" in row)
    assert counted == ["40%", "70%"]
    assert "2 forecasts, marked “counted” below" in page
    assert "Counts if made before the resolution day" not in page  # forecasts are closed


def test_an_ambiguous_prediction_says_no_forecast_is_scored(member_client, member, editor):
    p = make_prediction(made_on=date(2026, 1, 1))
    Forecast.objects.create(prediction=p, user=member, probability=0.6, made_at=datetime(2026, 1, 2, tzinfo=UTC))
    services.resolve(p, status="ambiguous", expected_version=p.version, actor=editor, resolved_on=date(2026, 2, 1))
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    assert "no forecast on it is scored" in page and "data-counted>" not in page
