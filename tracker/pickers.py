"""Pickers: form fields that choose among thousands of rows but render only what is picked and the first
matches of a search (`?pick-<field>=words`, typed into the picker's search box).

Validation still uses the field's whole queryset (one query for the posted ids); rendering never iterates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, reduce
from operator import or_

from django import forms
from django.db.models import Model, Q, QuerySet
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.utils.http import urlencode

from .models import Company, Person, Prediction, Quote, Source, Thesis

SHOWN = 30  # matches listed under a picker; more words narrow them
MAX_WORDS = 10
PREFIX = "pick-"  # of the search box's name: `pick-quotes` searches the `quotes` field

# Where a picker looks for the typed words, and how its search box says so.
SEARCHED: dict[type[Model], tuple[tuple[str, ...], str]] = {
    Quote: (("text", "speaker__name", "source__title"), "Words from the quote, its speaker or its source"),
    Person: (("name", "affiliation"), "Words from the name or affiliation"),
    Source: (("title", "publisher"), "Words from the title or publisher"),
    Company: (("name", "ticker"), "Words from the name or ticker"),
    Thesis: (("title",), "Words from the title"),
    Prediction: (("statement",), "Words from the statement"),
}


def contains(model: type[Model], column: str, word: str) -> Q:
    """`column` (`text`, or across a relation `speaker__name`) contains `word`, ignoring case."""
    relation, _, field = column.partition("__")
    if not field:
        return Q(**{f"{column}__icontains": word})
    # The few related rows that match, rather than a join that tests every row's speaker and source.
    related = model._meta.get_field(relation).related_model
    return Q(**{f"{relation}__in": related.objects.filter(**{f"{field}__icontains": word}).values("pk")})


def matching(queryset: QuerySet, words: str) -> QuerySet:
    """The rows with every word, in any order, in one of the model's searched columns."""
    columns, _ = SEARCHED[queryset.model]
    for word in words.split()[:MAX_WORDS]:
        queryset = queryset.filter(reduce(or_, (contains(queryset.model, column, word) for column in columns)))
    return queryset if queryset.ordered else queryset.order_by("-pk")


def picked_ids(value) -> list[str]:
    """The ids a picker holds: from the saved object, the initial values or the posted form."""
    values = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values if v is not None and str(v).isdigit()]


@dataclass(frozen=True)
class Shown:
    picked: list[Model]
    matches: list[Model]
    more: bool  # further matches that are not shown


class PickerBoundField(BoundField):
    is_picker = True

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        # The widget lists only what is shown, lazily, so that validating never runs this query.
        field.widget.choices = self.shown_choices

    @cached_property
    def words(self) -> str:
        return getattr(self.form, "picker_words", {}).get(self.name, "")

    @property
    def search_name(self) -> str:
        return f"{PREFIX}{self.html_name}"

    @property
    def hint(self) -> str:
        return SEARCHED[self.field.queryset.model][1]

    @cached_property
    def shown(self) -> Shown:
        ids = picked_ids(self.value())
        queryset = self.field.queryset
        picked = list(queryset.filter(pk__in=ids)) if ids else []
        found = matching(queryset, self.words)
        found = list((found.exclude(pk__in=ids) if ids else found)[:SHOWN + 1])
        return Shown(picked, found[:SHOWN], more=len(found) > SHOWN)

    def shown_choices(self) -> list:
        iterator = self.field.choices  # a ModelChoiceIterator: knows each object's value and label
        blank = [("", self.field.empty_label)] if self.field.empty_label is not None else []
        return blank + [iterator.choice(obj) for obj in self.shown.picked + self.shown.matches]


class OnePicker(forms.ModelChoiceField):
    """A select among many rows (a speaker, a source): the selected one and the first matches."""

    bound_field_class = PickerBoundField


class ManyPicker(forms.ModelMultipleChoiceField):
    """Checkboxes among many rows (quotes, theses): those picked, checked, and the first matches."""

    widget = forms.CheckboxSelectMultiple
    bound_field_class = PickerBoundField


class PickerForm:
    """A form with pickers, whose search boxes arrive in the query string, `?pick-quotes=rate+cuts`."""

    picker_words: dict[str, str] = {}
    kept_query: list[tuple[str, str]] = []
    # Forms shown inside this one, each under its own prefix: (legend, form, the field it follows).
    inline_forms: tuple[tuple[str, PickerForm, str], ...] = ()

    def find(self, query: QueryDict) -> PickerForm:
        self.picker_words = {name: query.get(f"{PREFIX}{self.add_prefix(name)}", "")[:200] for name in self.fields}
        # What a picker's search (without JavaScript, a GET of this page) keeps: ?source=3 and the like.
        self.kept_query = [(key, value) for key, values in query.lists() if not key.startswith(PREFIX)
                           for value in values]
        for _, inline, _ in self.inline_forms:
            inline.find(query)
        return self

    @property
    def kept_query_string(self) -> str:
        """The page's own query, which a picker's search (with htmx) sends along: it may narrow the choices."""
        return urlencode(self.kept_query)

    @property
    def pickers(self) -> list[PickerBoundField]:
        return [field for field in self if isinstance(field, PickerBoundField)]

    def searched_picker(self, trigger_name: str | None) -> PickerBoundField | None:
        """The picker whose search box sent this request (htmx names it in HX-Trigger-Name), here or in an
        inline form."""
        forms = [self, *(inline for _, inline, _ in self.inline_forms)]
        return next((field for form in forms for field in form.pickers if field.search_name == trigger_name), None)
