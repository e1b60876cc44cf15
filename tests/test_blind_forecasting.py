"""Blind forecasting (TRACKER_BLIND_FORECASTING): on an open prediction, the community median and others'
forecasts stay hidden from you until you have made your own."""

from datetime import UTC, date, datetime

import pytest

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.models import Forecast

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def blind(settings):
    settings.BLIND_FORECASTING = True


@pytest.fixture
def crowded():
    """An open prediction two others forecast, at 81% and 83%: a median of 82%."""
    p = make_prediction(statement="Acme lists in 2026.", made_on=date(2026, 1, 1))
    for name, probability in (("ana", 0.81), ("ben", 0.83)):
        Forecast.objects.create(prediction=p, user=make_user(name, role="members"), probability=probability,
                                made_at=datetime(2026, 2, 1, tzinfo=UTC))
    return p


def shows_the_crowd(html: str) -> bool:
    return "82%" in html or "81%" in html or ">ana<" in html or "ana (" in html or "chart-forecasts" in html


def test_the_page_hides_the_median_and_the_forecasts_until_you_forecast(blind, member_client, crowded):
    html = member_client.get(crowded.get_absolute_url()).content.decode()
    assert not shows_the_crowd(html) and "/forecasters/ana/" not in html
    assert "data-blind" in html and "the 2 forecasts of 2 forecasters stay hidden" in html
    response = member_client.post(f"/predictions/{crowded.pk}/forecast/", {"percent": "40", "panel": "detail"},
                                  **HTMX)
    assert response.status_code == 200 and "data-blind" not in response.content.decode()
    # The histories refresh themselves after the forecast, and now show the crowd.
    shown = member_client.get(f"/predictions/{crowded.pk}/histories/", **HTMX).content.decode()
    assert "data-blind" not in shown
    assert 'href="/forecasters/ana/">ana</a>' in shown and 'data-figure="median">81%' in shown  # 0.4, 0.81, 0.83
    assert "chart-forecasts" in shown


def test_the_list_and_cards_hide_the_median(blind, member_client, crowded):
    html = member_client.get("/predictions/").content.decode()
    assert "hidden until you forecast (2 forecasters)" in html and "82%" not in html
    searched = member_client.get("/predictions/?q=Acme").content.decode()
    assert "Acme lists in 2026." in searched and "82%" not in searched


def test_a_resolved_prediction_shows_everything(blind, member_client, editor, crowded):
    services.resolve(crowded, status="true", expected_version=crowded.version, actor=editor,
                     resolved_on=date(2026, 6, 1))
    html = member_client.get(crowded.get_absolute_url()).content.decode()
    assert "data-blind" not in html and 'data-figure="median">82%' in html and ">ana</a>" in html


def test_without_the_setting_everyone_sees_the_crowd(member_client, crowded):
    html = member_client.get(crowded.get_absolute_url()).content.decode()
    assert "data-blind" not in html and 'data-figure="median">82%' in html
    assert "82%" in member_client.get("/predictions/").content.decode()


def test_the_export_which_holds_every_forecast_is_for_editors_only(blind, member_client, crowded, editor):
    response = member_client.get("/export/")
    assert response.status_code == 403 and "only editors can export" in response.content.decode()
    member_client.force_login(editor)
    assert member_client.get("/export/").status_code == 200
