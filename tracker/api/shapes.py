"""What the API reads and writes, built from the bundle's schemas: an object is the same JSON in the API as in a
bundle (plus its `version`), and a body is checked by the same field rules, with the same located messages.

Writes then go through the browser's forms, so the rules between fields (namesakes, dates in order, a quote within
its source's length) and the version check are the forms' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.db import models
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from tracker.bundle import MODEL_OF, REFERENCED, SCHEMAS, Item, Problem, describe, json_problems, location
from tracker.forms import CompanyForm, PersonForm, PredictionForm, QuoteForm, SignalForm, SourceForm, ThesisForm
from tracker.models import ThesisCompany

NOUNS = {"people": "person", "companies": "company", "sources": "source", "quotes": "quote", "theses": "thesis",
         "predictions": "prediction", "signals": "signal"}
# API (and bundle) fields that a form holds under another name or in other units.
FORM_NAMES = {"stated_probability": "stated_percent"}


class Invalid(Exception):
    """A request the API refuses, with every problem located (`body.resolve_by`, `query.status`)."""

    def __init__(self, status: int, message: str, problems: list[Problem] = (), **extra):
        super().__init__(message)
        self.status, self.message, self.problems, self.extra = status, message, list(problems), extra


class ErrorItem(BaseModel):
    location: str
    message: str


class Error(BaseModel):
    """Every refusal: a message, the located problems, and for a conflict the object as it is now."""

    model_config = ConfigDict(extra="allow")
    message: str
    errors: list[ErrorItem]


def read_body(raw: bytes, schema: type[BaseModel]) -> BaseModel:
    """A JSON body checked against `schema` as a bundle is: names given twice and NUL characters are problems too."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(400, f"The body is not UTF-8 text (byte {exc.start}).") from None
    if not text.strip():
        raise Invalid(400, "The body is empty: expected a JSON object.", [Problem("body", "expected a JSON object")])
    problems = [Problem(f"body.{p.location}" if p.location else "body", p.message) for p in json_problems(text)]
    try:
        data = schema.model_validate_json(text)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if error["type"] == "json_invalid":
                message = f"malformed JSON: {error.get('ctx', {}).get('error', error['msg'])}"
                raise Invalid(400, "The body is not valid JSON.", [Problem("body", message)]) from None
            if error["type"] == "model_type" and not error["loc"]:
                raise Invalid(400, "Expected a JSON object.", [Problem("body", "expected a JSON object")]) from None
            problems.append(Problem(location(("body", *error["loc"])), describe(error)))
    if problems:
        raise Invalid(422, "The request has problems; nothing was saved.", problems)
    return data


def _field(schema: type[BaseModel], name: str, **overrides):
    info = schema.model_fields[name]
    return info.annotation, (info.merge_field_infos(info, **overrides) if overrides else info)


def subset(schema: type[BaseModel], name: str, fields: list[str], *, optional: bool = False, **more) -> type[Item]:
    """A body schema of some of `schema`'s fields, each with its own type and limits. `optional`: every field may
    be left out (an edit: what is left out stays as it is)."""
    chosen = {f: _field(schema, f, default=None) if optional else _field(schema, f) for f in fields}
    return create_model(name, __base__=Item, **chosen, **more)


Version = (int, Field(ge=1, description="The object's `version` as read: a write made since then refuses this."))


@dataclass(frozen=True)
class Kind:
    """One kind of keyed object: its bundle list, model, bundle schema and browser form."""

    name: str
    form: type[forms.ModelForm]

    @property
    def model(self) -> type[models.Model]:
        return MODEL_OF[self.name]

    @property
    def schema(self) -> type[Item]:
        return SCHEMAS[self.name]

    @property
    def noun(self) -> str:
        return NOUNS[self.name]

    @property
    def refs(self) -> dict[str, str]:
        return REFERENCED[self.name]

    @cached_property
    def writable(self) -> list[str]:
        """The bundle fields the browser's form edits (a prediction's resolution is resolve's and undo's)."""
        fields = self.form.base_fields
        return [f for f in self.schema.model_fields if FORM_NAMES.get(f, f) in fields]

    @cached_property
    def out(self) -> type[Item]:
        return create_model(f"{self.noun.title()}", __base__=self.schema, version=(int, ...))

    @cached_property
    def create(self) -> type[Item]:
        fields = [f for f in self.writable if f != "key"]
        key = _field(self.schema, "key", default="", description="Made from the name or title if left out.")
        return subset(self.schema, f"New{self.noun.title()}", fields, key=key)

    @cached_property
    def edit(self) -> type[Item]:
        return subset(self.schema, f"{self.noun.title()}Edit", self.writable, optional=True, version=Version)

    def form_for(self, values: dict[str, Any], instance: models.Model | None = None,
                 version: int | None = None) -> forms.ModelForm:
        """The browser's form, bound to `values` over the instance's stored values; references by key become
        the ids the form's pickers take. Raises Invalid for an unknown key."""
        data: dict[str, Any] = {}
        if instance is not None:
            unbound = self.form(instance=instance)
            data = {name: unbound[name].value() for name in unbound.fields}
            data["version"] = version
        problems: list[Problem] = []
        for field, value in values.items():
            name = FORM_NAMES.get(field, field)
            if field in self.refs:
                target = self.refs[field]
                keys = value if isinstance(value, list) else [value] if value is not None else []
                found = dict(MODEL_OF[target].objects.filter(key__in=keys).values_list("key", "pk"))
                for i, key in enumerate(keys):
                    where = f"body.{field}[{i}]" if isinstance(value, list) else f"body.{field}"
                    if key not in found:
                        problems.append(Problem(where, f"unknown {NOUNS[target]} {key!r}"))
                    elif keys.index(key) != i:
                        problems.append(Problem(where, f"{key!r} is listed twice"))
                value = [found[k] for k in keys if k in found] if isinstance(value, list) else found.get(value)
            elif field == "tags":
                value = ", ".join(value or [])
            elif field == "stated_probability":
                value = None if value is None else round(value * 100, 10)
            elif isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # a form's number fields read text; 0 must not read as "empty"
            data[name] = value
        if problems:
            raise Invalid(422, "The request has problems; nothing was saved.", problems)
        return self.form(data, instance=instance)


def form_problems(form: forms.Form) -> list[Problem]:
    """A form's errors, located at the API's names for its fields."""
    api_names = {form_name: api for api, form_name in FORM_NAMES.items()}
    problems = []
    for name, errors in form.errors.items():
        where = "body" if name == "__all__" else f"body.{api_names.get(name, name)}"
        problems += [Problem(where, message) for message in errors]
    return problems


KINDS = {kind.name: kind for kind in [
    Kind("predictions", PredictionForm), Kind("quotes", QuoteForm), Kind("sources", SourceForm),
    Kind("people", PersonForm), Kind("companies", CompanyForm), Kind("theses", ThesisForm),
    Kind("signals", SignalForm),
]}


def items(kind: Kind, pks: list[int]) -> list[dict[str, Any]]:
    """The objects `pks` in bundle form plus `version`, in that order, in a fixed number of queries."""
    model, refs = kind.model, kind.refs
    fields = list(kind.schema.model_fields)
    links = [f for f in fields if f in refs and model._meta.get_field(f).many_to_many]
    if kind.name == "predictions":
        links.append("tags")
    singles = [f for f in fields if f in refs and f not in links]
    # A thesis's directions are a column of its links to its companies, as in the bundle (tracker/bundle.py).
    derived = {"directions": _directions(pks)} if kind.name == "theses" else {}
    columns = [f for f in fields if f not in refs and f not in links and f not in derived]
    rows = {row["pk"]: row for row in model.objects.filter(pk__in=pks).values(
        "pk", "version", *columns, **{f"_{f}": models.F(f"{f}__key") for f in singles})}
    linked: dict[str, dict[int, list[str]]] = {attr: {} for attr in links}
    for attr, pk, key in _links(model, links, pks):
        linked[attr].setdefault(pk, []).append(key)
    out = []
    for pk in pks:
        row = rows.get(pk)
        if row is None:
            continue
        item = {}
        for f in fields:
            if f in derived:
                item[f] = derived[f].get(pk, {})
                continue
            item[f] = (sorted(linked[f].get(pk, [])) if f in links else row[f"_{f}"] if f in singles else row[f])
        item["version"] = row["version"]
        out.append(item)
    return out


def _directions(pks: list[int]) -> dict[int, dict[str, str]]:
    """Each thesis's companies held against its stance's default (long or short), by company key."""
    directions: dict[int, dict[str, str]] = {}
    for thesis, company_key, direction in ThesisCompany.objects.filter(thesis_id__in=pks).exclude(
            direction="").order_by("company__key").values_list("thesis_id", "company__key", "direction"):
        directions.setdefault(thesis, {})[company_key] = direction
    return directions


def _links(model: type[models.Model], attrs: list[str], pks: list[int]):
    """(attr, pk, key of the linked object) for each many-to-many link of the objects `pks`, all in one query."""
    parts = []
    for n, attr in enumerate(attrs):
        relation = model._meta.get_field(attr)
        owner, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
        label = "name" if attr == "tags" else "key"
        parts.append(relation.remote_field.through.objects.filter(**{f"{owner}_id__in": pks}).values_list(
            models.Value(n), f"{owner}_id", f"{target}__{label}"))
    if not parts:
        return []
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return [(attrs[n], pk, key) for n, pk, key in rows]
