"""Small factories for test data. Tests build what they need; none rely on the shipped fixture's wording."""

from datetime import date
from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction

from tracker.models import (
    Company,
    Forecast,
    Person,
    Prediction,
    PredictionEdit,
    Price,
    PriceSeries,
    Quote,
    ResolutionEvent,
    Signal,
    Source,
    Tag,
    Thesis,
)
from tracker.roles import create_roles

_n = count(1)


def make_user(username: str | None = None, role: str | None = None, password: str = "pw-for-tests-1"):
    user = get_user_model().objects.create_user(username or f"user{next(_n)}", password=password)
    if role:
        if not Group.objects.filter(name=role).exists():
            create_roles()  # a transactional test's flush empties the groups the migration made
        user.groups.add(Group.objects.get(name=role))
    return user


def make_person(**kw) -> Person:
    n = next(_n)
    return Person.objects.create(**{"key": f"person-{n}", "name": f"Person {n}", **kw})


def make_company(**kw) -> Company:
    n = next(_n)
    return Company.objects.create(**{"key": f"company-{n}", "name": f"Company {n}", **kw})


def make_source(**kw) -> Source:
    n = next(_n)
    defaults = {"key": f"source-{n}", "kind": Source.Kind.PODCAST, "title": f"Episode {n}",
                "url": "https://www.youtube.com/watch?v=abc123", "published_on": date(2026, 1, 31)}
    return Source.objects.create(**{**defaults, **kw})


def make_quote(**kw) -> Quote:
    n = next(_n)
    if "source" not in kw:
        kw["source"] = make_source()
    return Quote.objects.create(**{"key": f"quote-{n}", "text": f"Something quotable number {n}.", **kw})


def make_thesis(**kw) -> Thesis:
    n = next(_n)
    defaults = {"key": f"thesis-{n}", "title": f"Thesis {n}", "stance": Thesis.Stance.BULLISH,
                "opened_on": date(2026, 2, 1)}
    return Thesis.objects.create(**{**defaults, **kw})


def make_prediction(tags=(), **kw) -> Prediction:
    n = next(_n)
    defaults = {"key": f"prediction-{n}", "statement": f"Something will happen, number {n}.",
                "made_on": date(2026, 1, 31), "resolve_by": date(2026, 12, 31)}
    prediction = Prediction.objects.create(**{**defaults, **kw})
    for name in tags:
        prediction.tags.add(Tag.objects.get_or_create(name=name)[0])
    return prediction


def make_signal(**kw) -> Signal:
    n = next(_n)
    defaults = {"key": f"signal-{n}", "title": f"Signal {n}", "occurred_on": date(2026, 2, 10)}
    return Signal.objects.create(**{**defaults, **kw})


def empty_the_database() -> None:
    """Delete every tracked object, history included (the append-only rule is lifted for this transaction only
    on PostgreSQL; the test suite lifts it on SQLite), so that a bundle can be imported into an empty database."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            connection.cursor().execute("SET LOCAL tracker.history_unlocked = 'on'")
        for model in (Forecast, ResolutionEvent, PredictionEdit, Signal, Prediction, Thesis, Quote, Source, Person,
                      Company, Tag, Price, PriceSeries):
            model.objects.all().delete()
