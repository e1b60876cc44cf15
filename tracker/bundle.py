"""The bundle: one validated JSON format for import, export and the shipped fixtures.

A bundle is a JSON object with `"format": "thesis-tracker/1"` and lists of people, companies, sources,
quotes, theses, predictions, signals, forecasts and history. Objects refer to each other by `key`.
Validation happens in two passes, both of which report every problem with its location
(`predictions[3].resolve_by: invalid date '2026-13-45'`): pydantic checks the shape of each value, then
`check_references` checks what a schema cannot (unknown or duplicate keys, dates out of order).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.core import validators as django_validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import Max
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .cache import invalidate_scoreboard
from .limits import bounds, collapse_spaces, same_name
from .models import (
    Company,
    Forecast,
    Person,
    Prediction,
    Quote,
    ResolutionEvent,
    Signal,
    Source,
    Tag,
    Thesis,
)

FORMAT = "thesis-tracker/1"

BASE_TYPES = [(models.DateField, date), (models.IntegerField, int), (models.FloatField, float)]


def _model_rules(rules: list, empty_values) -> AfterValidator:
    """The very validators the model field (and so every form) runs, with their own messages."""

    def check(value):
        if value in empty_values:
            return value
        for rule in rules:
            try:
                rule(value)
            except DjangoValidationError as exc:
                if isinstance(rule, django_validators.URLValidator):
                    raise PydanticCustomError("url_invalid", "invalid URL") from None
                raise PydanticCustomError("model_rule", "{message}", {"message": " ".join(exc.messages)}) from None
        return value

    return AfterValidator(check)


def _not_blank(value: str) -> str:
    # Blank as the forms see it (str.strip), which counts more characters as space than a regex's \s does.
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


def from_model(model: type[models.Model], name: str) -> Any:
    """The bundle's type for a model field, with every limit the field declares: its length, whether it may be
    blank or null, its range, its pattern and its other validators; a name has its whitespace collapsed first."""
    field = model._meta.get_field(name)
    base = next((python for kind, python in BASE_TYPES if isinstance(field, kind)), str)
    declared = [*field.default_validators, *field._validators]
    regexes = [v for v in declared if type(v) is django_validators.RegexValidator]
    ranges = (django_validators.MinValueValidator, django_validators.MaxValueValidator)
    rules = [v for v in declared if v not in regexes and not isinstance(v, ranges)]
    metadata: list = []
    if base is str:
        if getattr(field, "collapses_spaces", False):
            metadata.append(BeforeValidator(lambda v: collapse_spaces(v) if isinstance(v, str) else v))
        # The declared pattern (a key's, say) wins over the field class's own (a slug's), which it implies.
        metadata.append(StringConstraints(max_length=field.max_length, min_length=None if field.blank else 1,
                                          pattern=regexes[-1].regex.pattern if regexes else None))
        if not field.blank:
            metadata.append(AfterValidator(_not_blank))
    low, high = bounds(model, name)
    if low is not None or high is not None:
        metadata.append(Field(ge=low, le=high))
    if rules:
        metadata.append(_model_rules(rules, field.empty_values))
    annotated = Annotated[base, *metadata]
    return annotated | None if field.null else annotated


Key = from_model(Person, "key")
TagName = from_model(Tag, "name")
Username = Annotated[str, StringConstraints(pattern=r"^[\w.@+-]+$", max_length=150)]
OpenProbability = Annotated[float, Field(gt=0, lt=1)]
PredictionStatus = Literal["open", "true", "false", "ambiguous"]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_characters(cls, value):
        # PostgreSQL cannot store NUL in text, and no real quote or note contains one.
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("contains a NUL character (\\u0000)")
        return value


class PersonIn(Item):
    key: Key
    name: from_model(Person, "name")
    affiliation: from_model(Person, "affiliation") = ""
    url: from_model(Person, "url") = ""


class CompanyIn(Item):
    key: Key
    name: from_model(Company, "name")
    ticker: from_model(Company, "ticker") = ""
    url: from_model(Company, "url") = ""


class SourceIn(Item):
    key: Key
    kind: Literal["podcast", "article", "video", "report", "note"]
    title: from_model(Source, "title")
    publisher: from_model(Source, "publisher") = ""
    author: Key | None = None
    published_on: from_model(Source, "published_on") = None
    url: from_model(Source, "url") = ""
    duration_seconds: from_model(Source, "duration_seconds") = None


class QuoteIn(Item):
    key: Key
    source: Key
    speaker: Key | None = None
    text: from_model(Quote, "text")
    timestamp_seconds: from_model(Quote, "timestamp_seconds") = None


class ThesisIn(Item):
    key: Key
    title: from_model(Thesis, "title")
    stance: Literal["bullish", "bearish", "watch", "risk"]
    status: Literal["active", "confirmed", "invalidated", "retired"] = "active"
    rationale: from_model(Thesis, "rationale") = ""
    opened_on: from_model(Thesis, "opened_on")
    companies: list[Key] = []
    quotes: list[Key] = []


class PredictionIn(Item):
    key: Key
    statement: from_model(Prediction, "statement")
    speaker: Key | None = None
    source: Key | None = None
    made_on: from_model(Prediction, "made_on")
    resolve_by: from_model(Prediction, "resolve_by")
    criteria: from_model(Prediction, "criteria") = ""
    stated_probability: from_model(Prediction, "stated_probability") = None
    status: PredictionStatus = "open"
    resolved_on: from_model(Prediction, "resolved_on") = None
    resolution_note: from_model(Prediction, "resolution_note") = ""
    resolution_url: from_model(Prediction, "resolution_url") = ""
    quotes: list[Key] = []
    theses: list[Key] = []
    companies: list[Key] = []
    tags: list[TagName] = []


class SignalIn(Item):
    key: Key
    title: from_model(Signal, "title")
    occurred_on: from_model(Signal, "occurred_on")
    url: from_model(Signal, "url") = ""
    summary: from_model(Signal, "summary") = ""
    direction: Literal["supports", "contradicts", "neutral"] = "neutral"
    theses: list[Key] = []
    predictions: list[Key] = []


class ForecastIn(Item):
    user: Username
    prediction: Key
    probability: OpenProbability
    made_at: AwareDatetime
    note: from_model(Forecast, "note") = ""


class HistoryIn(Item):
    prediction: Key
    action: Literal["resolve", "undo"] = "resolve"
    actor: Username | None = None
    at: AwareDatetime
    from_status: PredictionStatus
    to_status: PredictionStatus
    resolved_on: from_model(ResolutionEvent, "resolved_on") = None
    note: from_model(ResolutionEvent, "note") = ""
    evidence_url: from_model(ResolutionEvent, "evidence_url") = ""


class Bundle(Item):
    format: Literal["thesis-tracker/1"]
    people: list[PersonIn] = []
    companies: list[CompanyIn] = []
    sources: list[SourceIn] = []
    quotes: list[QuoteIn] = []
    theses: list[ThesisIn] = []
    predictions: list[PredictionIn] = []
    signals: list[SignalIn] = []
    forecasts: list[ForecastIn] = []
    history: list[HistoryIn] = []


@dataclass(frozen=True)
class Problem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class BundleError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def location(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(error: dict[str, Any]) -> str:
    """A short, plain message for one pydantic error."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind.startswith("date_") or (kind == "date_type"):
        return f"invalid date {_shown(value)} (use YYYY-MM-DD)"
    if kind.startswith("datetime_") or kind == "timezone_aware":
        return f"invalid date-time {_shown(value)} (use ISO 8601 with a time zone, e.g. 2026-02-01T09:30:00Z)"
    if kind == "literal_error":
        return f"{_shown(value)} is not one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        if "a-z0-9" in str(ctx.get("pattern", "")):
            return f"invalid key {_shown(value)}: use lowercase letters, digits and hyphens"
        return f"invalid value {_shown(value)}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "blank":
        return "must not be blank"
    if kind == "url_invalid":
        return f"invalid URL {_shown(value)}: use an http:// or https:// address"
    if kind == "model_rule":
        message = ctx["message"].rstrip(".")
        return f"{message[0].lower()}{message[1:]} (got {_shown(value)})"
    if kind in {"finite_number"}:
        return f"{_shown(value)} is not a finite number"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return f"{_shown(value)} is out of range: {error['msg'][0].lower()}{error['msg'][1:]}"
    return f"{error['msg'][0].lower()}{error['msg'][1:]} (got {_shown(value)})"


def parse(raw: bytes | str) -> Bundle:
    """Parse and validate a bundle's shape. Raises BundleError listing every problem."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BundleError([Problem("", f"the file is not UTF-8 text (byte {exc.start})")]) from None
    if not raw.strip():
        raise BundleError([Problem("", "the file is empty: expected a JSON object")])
    try:
        return Bundle.model_validate_json(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            if error["type"] == "json_invalid" and "recursion limit" in error["msg"]:
                # The parser stops at a fixed depth, so a hostile file cannot exhaust the stack.
                problems.append(Problem("", "the JSON is nested too deeply"))
            elif error["type"] == "json_invalid":
                problems.append(Problem("", f"malformed JSON: {error['ctx'].get('error', error['msg'])}"))
            elif error["type"] == "model_type" and not error["loc"]:
                problems.append(Problem("", "expected a JSON object at the top level"))
            else:
                problems.append(Problem(location(error["loc"]), describe(error)))
        raise BundleError(problems) from None


# --- second pass: references and rules between fields -----------------------------------------------

KEYED = [
    ("people", Person, "person"),
    ("companies", Company, "company"),
    ("sources", Source, "source"),
    ("quotes", Quote, "quote"),
    ("theses", Thesis, "thesis"),
    ("predictions", Prediction, "prediction"),
    ("signals", Signal, "signal"),
]
# (list, field, the list whose keys it names)
REFERENCES = [
    ("sources", "author", "people"),
    ("quotes", "source", "sources"),
    ("quotes", "speaker", "people"),
    ("theses", "companies", "companies"),
    ("theses", "quotes", "quotes"),
    ("predictions", "speaker", "people"),
    ("predictions", "source", "sources"),
    ("predictions", "quotes", "quotes"),
    ("predictions", "theses", "theses"),
    ("predictions", "companies", "companies"),
    ("signals", "theses", "theses"),
    ("signals", "predictions", "predictions"),
    ("forecasts", "prediction", "predictions"),
    ("history", "prediction", "predictions"),
]


def check_references(bundle: Bundle, broken_keys: dict[str, set[str]] | None = None) -> list[Problem]:
    """Problems a per-field schema cannot see. References may name objects already in the database.

    For a bundle salvaged from a file with schema problems (see `salvage`), items that failed are None and
    are skipped, and `broken_keys` are the keys those items gave, so references to them are not reported too.
    """
    problems: list[Problem] = []
    known: dict[str, set[str]] = {}
    model_of = {name: model for name, model, _ in KEYED}
    noun_of = {name: noun for name, _, noun in KEYED}

    for name, _model, noun in KEYED:
        items = getattr(bundle, name)
        counts = Counter(item.key for item in items if item is not None)
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item is None:
                continue
            if counts[item.key] > 1 and item.key in seen:
                problems.append(Problem(f"{name}[{i}].key", f"duplicate {noun} key {item.key!r}"))
            seen.add(item.key)
        known[name] = set(counts) | (broken_keys or {}).get(name, set())

    wanted: dict[str, set[str]] = defaultdict(set)
    for name, attr, target in REFERENCES:
        for item in filter(None, getattr(bundle, name)):
            value = getattr(item, attr)
            for key in value if isinstance(value, list) else [value]:
                if key is not None and key not in known[target]:
                    wanted[target].add(key)
    for target, keys in wanted.items():
        known[target] |= set(model_of[target].objects.filter(key__in=keys).values_list("key", flat=True))

    for name, attr, target in REFERENCES:
        for i, item in enumerate(getattr(bundle, name)):
            if item is None:
                continue
            value = getattr(item, attr)
            if isinstance(value, list):
                for j, key in enumerate(value):
                    if key not in known[target]:
                        problems.append(Problem(f"{name}[{i}].{attr}[{j}]", f"unknown {noun_of[target]} {key!r}"))
                    elif value.index(key) != j:
                        problems.append(Problem(f"{name}[{i}].{attr}[{j}]", f"{key!r} is listed twice"))
            elif value is not None and value not in known[target]:
                problems.append(Problem(f"{name}[{i}].{attr}", f"unknown {noun_of[target]} {value!r}"))

    problems += _namesakes(bundle)
    problems += _moments_past_the_end(bundle)

    for i, p in enumerate(bundle.predictions):
        if p is None:
            continue
        if p.resolve_by < p.made_on:
            problems.append(Problem(f"predictions[{i}].resolve_by",
                                    f"{p.resolve_by} is before made_on {p.made_on}"))
        if p.resolved_on is not None and p.resolved_on < p.made_on:
            problems.append(Problem(f"predictions[{i}].resolved_on",
                                    f"{p.resolved_on} is before made_on {p.made_on}"))
        if p.status == "open" and p.resolved_on is not None:
            problems.append(Problem(f"predictions[{i}].resolved_on", "an open prediction has no resolved_on"))
        if p.status != "open" and p.resolved_on is None:
            problems.append(Problem(f"predictions[{i}].resolved_on",
                                    f"required when status is {p.status!r}"))
        for j, tag in enumerate(p.tags):
            if p.tags.index(tag) != j:
                problems.append(Problem(f"predictions[{i}].tags[{j}]", f"{tag!r} is listed twice"))

    seen_forecasts: set[tuple] = set()
    for i, f in enumerate(bundle.forecasts):
        if f is None:
            continue
        ident = (f.user, f.prediction, f.made_at)
        if ident in seen_forecasts:
            problems.append(Problem(f"forecasts[{i}]",
                                    f"duplicate forecast by {f.user!r} on {f.prediction!r} at {f.made_at}"))
        seen_forecasts.add(ident)

    seen_history: set[tuple] = set()
    for i, h in enumerate(bundle.history):
        if h is None:
            continue
        ident = (h.prediction, h.at)
        if ident in seen_history:
            problems.append(Problem(f"history[{i}].at", f"a second entry for {h.prediction!r} at {h.at}"))
        seen_history.add(ident)
        if h.to_status != "open" and h.resolved_on is None:
            problems.append(Problem(f"history[{i}].resolved_on", f"required when to_status is {h.to_status!r}"))
    return problems


def _namesakes(bundle: Bundle) -> list[Problem]:
    """A second person, company or source by the same name (as `same_name` compares them), under another key: in
    the bundle, or in the database and not renamed by the bundle. The forms refuse the same."""
    problems = []
    for name, model, noun in KEYED:
        fields = getattr(model, "same_name_fields", None)
        if not fields:
            continue
        items = [(i, item) for i, item in enumerate(getattr(bundle, name)) if item is not None]
        in_bundle = {item.key for _, item in items}
        taken: dict[tuple, str] = {}
        for key, *values in model.objects.exclude(key__in=in_bundle).values_list("key", *fields):
            taken.setdefault(tuple(same_name(v or "") for v in values), key)
        for i, item in items:
            ident = tuple(same_name(getattr(item, f) or "") for f in fields)
            other = taken.setdefault(ident, item.key)
            if other != item.key:
                what = " and ".join(fields)
                problems.append(Problem(f"{name}[{i}].{fields[0]}",
                                        f"{noun} {other!r} already has this {what}: use that key, or a "
                                        f"{what} that tells them apart"))
    return problems


def _moments_past_the_end(bundle: Bundle) -> list[Problem]:
    """A quote timed after the end of its recording, as the bundle or the database gives that recording's length;
    and a source made shorter than a quote the database keeps of it."""
    problems = []
    quotes = [(i, q) for i, q in enumerate(bundle.quotes) if q is not None]
    length = {s.key: s.duration_seconds for s in bundle.sources if s is not None}
    unseen = {q.source for _, q in quotes} - set(length)
    length |= dict(Source.objects.filter(key__in=unseen).values_list("key", "duration_seconds"))
    for i, q in quotes:
        end = length.get(q.source)
        if end is not None and q.timestamp_seconds is not None and q.timestamp_seconds > end:
            problems.append(Problem(f"quotes[{i}].timestamp_seconds",
                                    f"{q.timestamp_seconds} is after the end of source {q.source!r} ({end} s)"))
    latest = dict(Quote.objects.filter(source__key__in=[k for k, end in length.items() if end is not None])
                  .exclude(key__in={q.key for _, q in quotes}).values_list("source__key")
                  .annotate(latest=Max("timestamp_seconds")).values_list("source__key", "latest"))
    for i, s in enumerate(bundle.sources):
        if s is not None and s.duration_seconds is not None and (latest.get(s.key) or 0) > s.duration_seconds:
            problems.append(Problem(f"sources[{i}].duration_seconds",
                                    f"a quote of this source is at {latest[s.key]} s, after its end"))
    return problems


def salvage(raw: bytes | str) -> tuple[Bundle, dict[str, set[str]]] | None:
    """The items of a bundle that pass the schema, each at its own index (None where an item fails), and the
    keys the failing items give; None when the file is not a JSON object at all."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    lists: dict[str, list] = {}
    broken_keys: dict[str, set[str]] = defaultdict(set)
    for name, spec in Bundle.model_fields.items():
        if name == "format":
            continue
        item_model = spec.annotation.__args__[0]
        raw_items = data.get(name)
        lists[name] = []
        for item in raw_items if isinstance(raw_items, list) else []:
            try:
                lists[name].append(item_model.model_validate_json(json.dumps(item)))
            except ValidationError:
                lists[name].append(None)
                if isinstance(item, dict) and isinstance(item.get("key"), str):
                    broken_keys[name].add(item["key"])
    return Bundle.model_construct(format=FORMAT, **lists), broken_keys


def validate(raw: bytes | str) -> Bundle:
    """The bundle, or BundleError with every problem: the schema's and, in the same round, the rules between
    the items that passed it."""
    try:
        bundle = parse(raw)
    except BundleError as exc:
        salvaged = salvage(raw)
        if salvaged is None:
            raise
        more = [p for p in check_references(*salvaged) if p not in exc.problems]
        raise BundleError(exc.problems + more) from None
    problems = check_references(bundle)
    if problems:
        raise BundleError(problems)
    return bundle


# --- import ------------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        names = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        if not names:
            return "The bundle was empty: nothing to import."
        parts = [
            f"{name}: {self.created[name]} new, {self.updated[name]} updated, {self.unchanged[name]} unchanged"
            for name in names
        ]
        return "; ".join(parts)

    def rows(self) -> list[list]:
        """[name, new, updated, unchanged] per kind of object, in the bundle's order."""
        order = [name for name in Bundle.model_fields if name != "format"]
        names = set(self.created) | set(self.updated) | set(self.unchanged)
        ordered = [n for n in order if n in names] + sorted(names - set(order))
        return [[n, self.created[n], self.updated[n], self.unchanged[n]] for n in ordered]

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


class Importer:
    """Upserts a validated bundle by key. Importing the same bundle twice changes nothing."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.report = ImportReport()
        self.objects: dict[type[models.Model], dict[str, models.Model]] = {}
        self.users: dict[str, Any] = {}

    def run(self) -> ImportReport:
        with transaction.atomic():
            b = self.bundle
            self._upsert_all("people", Person, b.people, lambda p: {
                "name": p.name, "affiliation": p.affiliation, "url": p.url})
            self._upsert_all("companies", Company, b.companies, lambda c: {
                "name": c.name, "ticker": c.ticker, "url": c.url})
            self._load_refs(Person, [s.author for s in b.sources])
            self._upsert_all("sources", Source, b.sources, lambda s: {
                "kind": s.kind, "title": s.title, "publisher": s.publisher, "author": self._ref(Person, s.author),
                "published_on": s.published_on, "url": s.url, "duration_seconds": s.duration_seconds})
            self._load_refs(Source, [q.source for q in b.quotes])
            self._load_refs(Person, [q.speaker for q in b.quotes])
            self._upsert_all("quotes", Quote, b.quotes, lambda q: {
                "source": self._ref(Source, q.source), "speaker": self._ref(Person, q.speaker),
                "text": q.text, "timestamp_seconds": q.timestamp_seconds})
            self._load_refs(Company, [k for t in b.theses for k in t.companies] +
                            [k for p in b.predictions for k in p.companies])
            self._load_refs(Quote, [k for t in b.theses for k in t.quotes] +
                            [k for p in b.predictions for k in p.quotes])
            self._upsert_all("theses", Thesis, b.theses, lambda t: {
                "title": t.title, "stance": t.stance, "status": t.status, "rationale": t.rationale,
                "opened_on": t.opened_on}, m2m=lambda t: {
                "companies": (Company, t.companies), "quotes": (Quote, t.quotes)})
            self._import_predictions()
            self._load_refs(Thesis, [k for s in b.signals for k in s.theses])
            self._load_refs(Prediction, [k for s in b.signals for k in s.predictions])
            self._upsert_all("signals", Signal, b.signals, lambda s: {
                "title": s.title, "occurred_on": s.occurred_on, "url": s.url, "summary": s.summary,
                "direction": s.direction}, m2m=lambda s: {
                "theses": (Thesis, s.theses), "predictions": (Prediction, s.predictions)})
            self._import_forecasts()
            self._import_history()
            if self.report.changed:
                invalidate_scoreboard()
        return self.report

    # helpers

    def _load_refs(self, model, keys) -> None:
        cache = self.objects.setdefault(model, {})
        missing = {k for k in keys if k and k not in cache}
        if missing:
            cache.update({o.key: o for o in model.objects.filter(key__in=missing)})

    def _ref(self, model, key):
        return self.objects[model][key] if key else None

    def _upsert_all(self, name, model, items, fields_of, m2m=None) -> None:
        existing = {o.key: o for o in model.objects.filter(key__in=[i.key for i in items])}
        cache = self.objects.setdefault(model, {})
        for item in items:
            values = fields_of(item)
            obj = existing.get(item.key)
            if obj is None:
                obj = model.objects.create(key=item.key, **values)
                self.report.created[name] += 1
                changed = True
            else:
                diff = [f for f, v in values.items() if getattr(obj, f) != v]
                for f in diff:
                    setattr(obj, f, values[f])
                if diff:
                    obj.save(update_fields=diff)
                changed = bool(diff)
            if m2m:
                for attr, (target, keys) in m2m(item).items():
                    self._load_refs(target, keys)
                    manager = getattr(obj, attr)
                    wanted = {self.objects[target][k].pk for k in keys}
                    if set(manager.values_list("pk", flat=True)) != wanted:
                        manager.set(wanted)
                        changed = True
            if item.key in existing:
                (self.report.updated if changed else self.report.unchanged)[name] += 1
            cache[item.key] = obj

    def _import_predictions(self) -> None:
        b = self.bundle
        self._load_refs(Person, [p.speaker for p in b.predictions])
        self._load_refs(Source, [p.source for p in b.predictions])
        self._load_refs(Thesis, [k for p in b.predictions for k in p.theses])
        tag_names = {t for p in b.predictions for t in p.tags}
        tags = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
        for name in sorted(tag_names - set(tags)):
            tags[name] = Tag.objects.create(name=name)
        existing_status = dict(
            Prediction.objects.filter(key__in=[p.key for p in b.predictions]).values_list("key", "status")
        )
        with_history = {h.prediction for h in b.history}
        self._upsert_all("predictions", Prediction, b.predictions, lambda p: {
            "statement": p.statement, "speaker": self._ref(Person, p.speaker),
            "source": self._ref(Source, p.source), "made_on": p.made_on, "resolve_by": p.resolve_by,
            "criteria": p.criteria, "stated_probability": p.stated_probability, "status": p.status,
            "resolved_on": p.resolved_on, "resolution_note": p.resolution_note,
            "resolution_url": p.resolution_url}, m2m=lambda p: {
            "quotes": (Quote, p.quotes), "theses": (Thesis, p.theses), "companies": (Company, p.companies)})
        for p in b.predictions:
            obj = self.objects[Prediction][p.key]
            wanted_tags = {tags[t].pk for t in p.tags}
            if set(obj.tags.values_list("pk", flat=True)) != wanted_tags:
                obj.tags.set(wanted_tags)
            old = existing_status.get(p.key)
            if old is not None and old != p.status:
                Prediction.objects.filter(pk=obj.pk).update(version=models.F("version") + 1)
                if p.key not in with_history:
                    # A status changed by an import is still a change of status: keep it in the history.
                    ResolutionEvent.objects.create(
                        prediction=obj, from_status=old, to_status=p.status, resolved_on=p.resolved_on,
                        note=p.resolution_note or "Changed by a bundle import.", evidence_url=p.resolution_url,
                    )

    def _user(self, username: str):
        if username not in self.users:
            user_model = get_user_model()
            user = user_model.objects.filter(username=username).first()
            if user is None:
                # Named by a bundle only: an account that cannot log in until an admin sets a password.
                user = user_model(username=username)
                user.set_unusable_password()
                user.save()
                self.report.created["users"] += 1
            self.users[username] = user
        return self.users[username]

    def _import_forecasts(self) -> None:
        forecasts = self.bundle.forecasts
        self._load_refs(Prediction, [f.prediction for f in forecasts])
        existing = {
            (f.user.username, f.prediction.key, f.made_at): f
            for f in Forecast.objects.filter(prediction__key__in={f.prediction for f in forecasts})
            .select_related("user", "prediction")
        }
        for f in forecasts:
            obj = existing.get((f.user, f.prediction, f.made_at))
            if obj is None:
                Forecast.objects.create(user=self._user(f.user), prediction=self._ref(Prediction, f.prediction),
                                        probability=f.probability, made_at=f.made_at, note=f.note)
                self.report.created["forecasts"] += 1
            elif (obj.probability, obj.note) != (f.probability, f.note):
                obj.probability, obj.note = f.probability, f.note
                obj.save(update_fields=["probability", "note"])
                self.report.updated["forecasts"] += 1
            else:
                self.report.unchanged["forecasts"] += 1

    def _import_history(self) -> None:
        history = self.bundle.history
        self._load_refs(Prediction, [h.prediction for h in history])
        existing = {
            (e.prediction.key, e.at): e
            for e in ResolutionEvent.objects.filter(prediction__key__in={h.prediction for h in history})
            .select_related("prediction", "actor")
        }
        problems = []
        for i, h in enumerate(history):
            values = {"action": h.action, "from_status": h.from_status, "to_status": h.to_status,
                      "resolved_on": h.resolved_on, "note": h.note, "evidence_url": h.evidence_url}
            event = existing.get((h.prediction, h.at))
            if event is None:
                ResolutionEvent.objects.create(prediction=self._ref(Prediction, h.prediction), at=h.at,
                                               actor=self._user(h.actor) if h.actor else None, **values)
                self.report.created["history"] += 1
            elif any(getattr(event, k) != v for k, v in values.items()):
                problems.append(Problem(f"history[{i}]", "differs from the entry already stored for that moment; "
                                        "history is append-only and cannot be changed"))
            else:
                self.report.unchanged["history"] += 1
        if problems:
            raise BundleError(problems)


def import_bundle(raw: bytes | str, *, dry_run: bool = False) -> ImportReport:
    """Validate and import a bundle in one transaction. Raises BundleError and writes nothing on a problem."""
    bundle = validate(raw)
    if dry_run:
        with transaction.atomic():
            report = Importer(bundle).run()
            transaction.set_rollback(True)
        return report
    return Importer(bundle).run()


# --- export ------------------------------------------------------------------------------------------

def _keys(manager) -> list[str]:
    return sorted(o.key for o in manager.all())


def export_bundle() -> str:
    """The whole database as a bundle, ordered so that the same data always gives the same bytes."""
    key = lambda o: o.key if o else None  # noqa: E731
    bundle = Bundle(
        format=FORMAT,
        people=[PersonIn(key=p.key, name=p.name, affiliation=p.affiliation, url=p.url)
                for p in Person.objects.order_by("key")],
        companies=[CompanyIn(key=c.key, name=c.name, ticker=c.ticker, url=c.url)
                   for c in Company.objects.order_by("key")],
        sources=[SourceIn(key=s.key, kind=s.kind, title=s.title, publisher=s.publisher, author=key(s.author),
                          published_on=s.published_on, url=s.url, duration_seconds=s.duration_seconds)
                 for s in Source.objects.select_related("author").order_by("key")],
        quotes=[QuoteIn(key=q.key, source=q.source.key, speaker=key(q.speaker), text=q.text,
                        timestamp_seconds=q.timestamp_seconds)
                for q in Quote.objects.select_related("source", "speaker").order_by("key")],
        theses=[ThesisIn(key=t.key, title=t.title, stance=t.stance, status=t.status, rationale=t.rationale,
                         opened_on=t.opened_on, companies=_keys(t.companies), quotes=_keys(t.quotes))
                for t in Thesis.objects.prefetch_related("companies", "quotes").order_by("key")],
        predictions=[
            PredictionIn(
                key=p.key, statement=p.statement, speaker=key(p.speaker), source=key(p.source),
                made_on=p.made_on, resolve_by=p.resolve_by, criteria=p.criteria,
                stated_probability=p.stated_probability, status=p.status, resolved_on=p.resolved_on,
                resolution_note=p.resolution_note, resolution_url=p.resolution_url, quotes=_keys(p.quotes),
                theses=_keys(p.theses), companies=_keys(p.companies), tags=sorted(t.name for t in p.tags.all()),
            )
            for p in Prediction.objects.select_related("speaker", "source")
            .prefetch_related("quotes", "theses", "companies", "tags").order_by("key")
        ],
        signals=[SignalIn(key=s.key, title=s.title, occurred_on=s.occurred_on, url=s.url, summary=s.summary,
                          direction=s.direction, theses=_keys(s.theses), predictions=_keys(s.predictions))
                 for s in Signal.objects.prefetch_related("theses", "predictions").order_by("key")],
        forecasts=[ForecastIn(user=f.user.username, prediction=f.prediction.key, probability=f.probability,
                              made_at=f.made_at, note=f.note)
                   for f in Forecast.objects.select_related("user", "prediction")
                   .order_by("prediction__key", "user__username", "made_at")],
        history=[HistoryIn(prediction=e.prediction.key, action=e.action,
                           actor=e.actor.username if e.actor else None, at=e.at, from_status=e.from_status,
                           to_status=e.to_status, resolved_on=e.resolved_on, note=e.note,
                           evidence_url=e.evidence_url)
                 for e in ResolutionEvent.objects.select_related("prediction", "actor")
                 .order_by("prediction__key", "at", "id")],
    )
    data = bundle.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
