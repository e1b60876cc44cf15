"""Edits that check the version they were loaded at and write only the columns they change."""

from __future__ import annotations

from django.db import models
from django.db.models import F


class StaleEdit(Exception):
    """The object changed (or went) since the form was loaded; nothing was written.

    `current` is the row as stored now, or None if it was deleted.
    """

    def __init__(self, current: models.Model | None):
        super().__init__("It changed since the form was loaded." if current else "It was deleted.")
        self.current = current


def update_if_unchanged(instance: models.Model, seen_version: int, columns: dict, *, touched: bool = True) -> None:
    """One UPDATE of `columns`, made only if the row is still at `seen_version`; it moves the version on.

    `touched` False (nothing changed, not even a link): only check the version, and leave it as it is. Run this
    inside the transaction that also writes the edit's links, so a refused edit leaves nothing behind.
    """
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    unchanged = rows.filter(version=seen_version)
    if not (unchanged.update(**columns, version=F("version") + 1) if touched else unchanged.exists()):
        raise StaleEdit(rows.first())
    if touched:
        instance.version = seen_version + 1


def touch(model: type[models.Model], pks) -> None:
    """Move these rows' versions on, so their open edit forms are stale: a link they show has changed."""
    if pks:
        model._default_manager.filter(pk__in=pks).update(version=F("version") + 1)


def set_links(instance: models.Model, name: str, chosen, *, created: bool = False) -> None:
    """Set the many-to-many `name` (either end of the relation) to `chosen`.

    The objects linked or unlinked are edited too: their own forms show these links, and must not write back
    the old set unseen, so their versions move on. `created`: `instance` is new, so it had no links before.
    """
    manager = getattr(instance, name)
    before = set() if created else set(manager.values_list("pk", flat=True))
    manager.set(chosen)
    touch(manager.model, before ^ {obj.pk for obj in chosen})
