"""Deleting what was entered by mistake, and only that: an object nothing else refers to.

A person who is a speaker, a quote a thesis cites, a prediction someone forecast or resolved: deleting any of
them would take other people's work or the history with it, so it is refused with the list of what still
refers to it. Links an object holds itself (a signal's theses, a prediction's tags) go with it.
"""

from __future__ import annotations

from django.db import models, transaction

from .cache import invalidate_scoreboard
from .models import Prediction
from .scores import keeping_groups


def references_to(obj: models.Model) -> list[str]:
    """What still refers to `obj`, as counts in words ("2 predictions"); empty when it can be deleted."""
    found = []
    for relation in obj._meta.related_objects:
        if relation.hidden:  # related_name="+", and the rows of many-to-many tables the object owns
            continue
        count = getattr(obj, relation.get_accessor_name()).count()
        if count:
            found.append(counted(count, relation.related_model))
    return found


def counted(count: int, model: type[models.Model]) -> str:
    """"1 quote", "2 quotes": a model whose plural names a collection says how its rows are counted."""
    meta = model._meta
    if count == 1:
        return f"1 {meta.verbose_name}"
    return f"{count} {getattr(model, 'counted_plural', meta.verbose_name_plural)}"


class StillReferenced(Exception):
    def __init__(self, references: list[str]):
        super().__init__(", ".join(references))
        self.references = references


def delete_unreferenced(obj: models.Model) -> None:
    """Delete `obj`, or raise StillReferenced and delete nothing."""
    with transaction.atomic():
        references = references_to(obj)
        if references:
            raise StillReferenced(references)
        with keeping_groups([obj.pk] if isinstance(obj, Prediction) else []):  # its groups lose it
            obj.delete()
        invalidate_scoreboard()  # the totals count every prediction
