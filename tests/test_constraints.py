"""The database itself refuses rows that break the domain's rules."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from tests.factories import make_person, make_prediction, make_source, make_user
from tracker.models import Forecast, Prediction, Quote


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.django_db
@pytest.mark.parametrize("probability", [0.0, 1.0, -0.2, 1.5])
def test_forecast_probability_must_be_strictly_between_0_and_1(probability):
    prediction, user = make_prediction(), make_user()
    refused(lambda: Forecast.objects.create(prediction=prediction, user=user, probability=probability))
    assert not Forecast.objects.exists()


@pytest.mark.django_db
def test_forecast_probability_inside_the_interval_is_accepted():
    Forecast.objects.create(prediction=make_prediction(), user=make_user(), probability=0.01)
    assert Forecast.objects.count() == 1


@pytest.mark.django_db
def test_prediction_cannot_be_judged_before_it_is_made():
    refused(lambda: make_prediction(made_on=date(2026, 2, 1), resolve_by=date(2026, 1, 1)))


@pytest.mark.django_db
@pytest.mark.parametrize("probability", [-0.01, 1.01])
def test_stated_probability_outside_0_1_is_refused(probability):
    refused(lambda: make_prediction(stated_probability=probability))


@pytest.mark.django_db
def test_resolved_prediction_needs_a_resolution_date():
    refused(lambda: make_prediction(status=Prediction.Status.TRUE))


@pytest.mark.django_db
def test_open_prediction_cannot_carry_a_resolution_date():
    refused(lambda: make_prediction(resolved_on=date(2026, 3, 1)))


@pytest.mark.django_db
def test_unknown_status_is_refused():
    refused(lambda: make_prediction(status="maybe", resolved_on=date(2026, 3, 1)))


@pytest.mark.django_db
def test_keys_are_unique():
    make_person(key="nathan")
    refused(lambda: make_person(key="nathan"))


@pytest.mark.django_db
def test_empty_quote_is_refused():
    source = make_source()
    refused(lambda: Quote.objects.create(key="q", source=source, text=""))


@pytest.mark.django_db
def test_podcast_duration_must_be_positive():
    refused(lambda: make_source(duration_seconds=0))


@pytest.mark.django_db
def test_a_user_keeps_every_forecast_but_not_two_at_the_same_moment():
    prediction, user = make_prediction(), make_user()
    first = Forecast.objects.create(prediction=prediction, user=user, probability=0.3)
    Forecast.objects.create(prediction=prediction, user=user, probability=0.4)
    assert Forecast.objects.filter(user=user).count() == 2
    refused(lambda: Forecast.objects.create(prediction=prediction, user=user, probability=0.5,
                                            made_at=first.made_at))
