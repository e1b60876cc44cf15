"""Probabilities are shown as stored, to a tenth of a percent, and forecasts may use that precision."""

import re

import pytest

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.models import Forecast

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_forecast_of_one_and_a_half_percent_is_saved_and_confirmed_as_typed(member_client):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "1.5"}, **HTMX)
    assert "Forecast saved: 1.5%." in response.content.decode()
    assert Forecast.objects.get().probability == pytest.approx(0.015)
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    assert 'data-figure="mine">1.5%<' in page


def test_a_community_median_between_two_forecasts_keeps_its_tenth(client, member, editor):
    p = make_prediction()
    services.record_forecast(p, member, 0.37)
    services.record_forecast(p, editor, 0.40)
    client.force_login(editor)
    page = client.get(f"/predictions/{p.pk}/").content.decode()
    assert 'data-figure="median">38.5%<' in page
    assert ">40%<" in page and "40.0%" not in page  # a whole percentage has no decimal


@pytest.mark.parametrize(("typed", "stored"), [("0.1", 0.001), ("99.9", 0.999), ("12.5", 0.125)])
def test_forecasts_from_a_tenth_to_99_9_percent_are_accepted(member_client, typed, stored):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": typed}, **HTMX)
    assert response.status_code == 200
    assert Forecast.objects.get().probability == pytest.approx(stored)


@pytest.mark.parametrize("typed", ["0.05", "99.95", "0", "100"])
def test_forecasts_outside_a_tenth_to_99_9_percent_are_refused_with_the_range(member_client, typed):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": typed}, **HTMX)
    assert response.status_code == 422 and not Forecast.objects.exists()
    assert "Enter a probability from 0.1 to 99.9%." in response.content.decode()


def test_the_forecast_input_lets_the_browser_take_tenths_of_a_percent(member_client):
    p = make_prediction()
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    [field] = re.findall(r'<input type="number" id="forecast-\d+"[^>]*>', page)
    assert 'min="0.1"' in field and 'max="99.9"' in field and 'step="0.1"' in field


def test_a_speakers_stated_odds_show_their_tenth_too(member_client):
    p = make_prediction(stated_probability=0.725)
    make_user("someone")
    page = member_client.get(f"/predictions/{p.pk}/").content.decode()
    assert "72.5%" in page


@pytest.mark.parametrize(("typed", "stored"), [("99.9", 0.999), ("0.1", 0.001), ("33.3", 0.333), ("57.7", 0.577)])
def test_a_forecast_is_stored_as_typed_not_a_floating_point_hair_off(member_client, typed, stored):
    p = make_prediction()
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": typed}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Forecast.objects.get().probability == stored
