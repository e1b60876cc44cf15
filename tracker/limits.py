"""Every limit a stored value keeps, stated once.

The models declare these on their fields (max_length, validators) and in CheckConstraints; the forms get them
from the model fields (ModelForm, or `form_field` for a form of its own), and the bundle schema reads them from
the same fields (`tracker.bundle.from_model`). So whatever a form accepts the bundle can hold, and the other way.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from .formats import day

NAME_LENGTH = 200
TITLE_LENGTH = 300
URL_LENGTH = 500
STATEMENT_LENGTH = 5_000
NOTE_LENGTH = 2_000  # a forecaster's one-line remark
TEXT_LENGTH = 20_000

# Dates that record the past lie between EARLIEST_DATE and today; a date something is due by, up to LATEST_DATE.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)

# The longest recording, and so the latest moment in one: about 16 weeks, far past any podcast or video.
LONGEST_RECORDING = 10_000_000


@deconstructible
class NotInFuture:
    """Dates that record something that has happened: no later than today, where the app runs."""

    def __init__(self, message: str = "Enter a date no later than today."):
        self.message = message

    def __call__(self, value: date) -> None:
        if value > timezone.localdate():
            raise ValidationError(self.message, code="future")

    def __eq__(self, other) -> bool:
        return isinstance(other, NotInFuture) and self.message == other.message


not_before_earliest = MinValueValidator(EARLIEST_DATE, f"Enter a date from {day(EARLIEST_DATE)} on.")
not_after_latest = MaxValueValidator(LATEST_DATE, f"Enter a date no later than {day(LATEST_DATE)}.")


def past_date(message: str) -> list:
    """Validators for a date that records the past (published, made, opened, occurred, resolved)."""
    return [not_before_earliest, NotInFuture(message)]


def due_date() -> list:
    """Validators for a date something is due by: in the future, but not beyond reason."""
    return [not_before_earliest, not_after_latest]


def recording_seconds(minimum: int, message: str) -> list:
    """Validators for a length of, or a moment in, a recording."""
    return [MinValueValidator(minimum, message),
            MaxValueValidator(LONGEST_RECORDING, f"Enter at most {LONGEST_RECORDING // 3600}:"
                                                 f"{LONGEST_RECORDING % 3600 // 60:02d}:{LONGEST_RECORDING % 60:02d} "
                                                 f"({LONGEST_RECORDING:,} seconds).")]


# --- the same limits in the database ----------------------------------------------------------------

def dated_within(field: str, name: str) -> models.CheckConstraint:
    """The database's copy of a date's bounds (today moves, so 'not in the future' stays with the validators)."""
    return within(field, EARLIEST_DATE, LATEST_DATE, name)


def within(field: str, low, high, name: str) -> models.CheckConstraint:
    between = models.Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return models.CheckConstraint(condition=models.Q(**{f"{field}__isnull": True}) | between, name=name)


def at_most(field: str, length: int, name: str) -> models.CheckConstraint:
    """A TextField's max_length, which Django leaves to the forms, kept by the database too."""
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), length), name=name)


# --- names ------------------------------------------------------------------------------------------

def collapse_spaces(text: str) -> str:
    """A name as stored: runs of whitespace made one space, none at either end."""
    return " ".join(text.split())


def same_name(text: str) -> str:
    """What two names that mean one person or company have in common: "  Dario   AMODEI. " -> "dario amodei"."""
    folded = collapse_spaces(unicodedata.normalize("NFKC", text)).casefold()
    return re.sub(r"[\W_]+$", "", folded) or folded


def bounds(model, name: str) -> tuple:
    """The lowest and highest value a model field's validators allow (None where there is no such limit)."""
    field = model._meta.get_field(name)
    low = [v.limit_value for v in field._validators if isinstance(v, MinValueValidator)]
    high = [v.limit_value for v in field._validators if isinstance(v, MaxValueValidator)]
    return (max(low) if low else None), (min(high) if high else None)


def namesakes(model, values: dict[str, str], exclude_pk=None) -> list:
    """Rows of `model` other than `exclude_pk` whose `same_name_fields` match `values` by `same_name`."""
    wanted = tuple(same_name(values.get(name) or "") for name in model.same_name_fields)
    rows = model.objects.exclude(pk=exclude_pk).values_list("pk", *model.same_name_fields)
    # Folding happens in Python, so one query reads every name: a few thousand rows at most.
    pks = [pk for pk, *names in rows if tuple(same_name(n or "") for n in names) == wanted]
    return list(model.objects.filter(pk__in=pks))


def too_large(size: int, limit: int) -> str | None:
    """Why an upload of `size` bytes is refused (None if it is within `limit`): one wording for every file."""
    return f"the file is {size:,} bytes; the limit is {limit:,} bytes" if size > limit else None
