"""The bundle: one validated JSON format for import, export and the shipped fixtures.

A bundle is a JSON object with `"format": "thesis-tracker/1"` and lists of people, companies, sources,
quotes, theses, predictions, signals, forecasts, history and edits. Objects refer to each other by `key`.
Validation happens in two passes, both of which report every problem with its location
(`predictions[3].resolve_by: invalid date '2026-13-45'`): pydantic checks the shape of each value, then
`check_references` checks what a schema cannot (unknown or duplicate keys, dates out of order).

Import and export are driven by the schema classes and REFERENCES alone: a schema field named in REFERENCES
is a foreign key (one key) or a many-to-many (a list of keys); any other field is a column of the same name.
Forecasts, history and edits are append-only, and the Importer checks that new history follows from the stored
state.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.core import validators as django_validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from .cache import invalidate_scoreboard
from .limits import bounds, collapse_spaces, same_name
from .models import (
    Company,
    Forecast,
    Person,
    Prediction,
    PredictionEdit,
    Price,
    Quote,
    ResolutionEvent,
    Signal,
    Source,
    Tag,
    Thesis,
    ThesisCompany,
)
from .prices import Row, store
from .scores import groups_of, rescore, rescore_groups
from .services import replay, state_of
from .transcripts.exchange import TranscriptIn, transcript_problems, transcripts_for_export, write_transcripts

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
    # NUL characters are refused by the JSON pass in `parse` (json_problems) and flagged by export: PostgreSQL
    # cannot store NUL in text, and no real quote or note contains one.
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


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
    benchmark: from_model(Thesis, "benchmark") = Thesis._meta.get_field("benchmark").default
    # Companies held otherwise than the stance says (company key -> long or short); the rest follow the stance.
    directions: dict[Key, Literal["long", "short"]] = {}


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
    # Written by export for forecasts that came in by an import; an import never takes them on trust.
    imported_at: AwareDatetime | None = None
    imported_by: Username | None = None


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


class EditIn(Item):
    """A change of a prediction's question made after it had forecasts (see PredictionEdit)."""

    prediction: Key
    field: Literal["statement", "criteria", "resolve_by"]
    at: AwareDatetime
    editor: Username | None = None
    before: from_model(PredictionEdit, "before") = ""
    after: from_model(PredictionEdit, "after") = ""


class PriceIn(Item):
    ticker: from_model(Price, "ticker")
    date: from_model(Price, "day")
    close: from_model(Price, "close")
    adj_close: from_model(Price, "adj_close") = None


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
    edits: list[EditIn] = []
    transcripts: list[TranscriptIn] = []
    prices: list[PriceIn] = []


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


class _Members(dict):
    """A JSON object that was given some member names more than once (json keeps the last)."""

    repeated: dict[str, int]


NUL_MESSAGE = "contains a NUL character (\\u0000)"


def json_problems(raw: str) -> list[Problem]:
    """What a schema cannot see, located: names given twice in one JSON object (it sees only the last), and NUL
    characters (checked here once, not per field: on a big bundle a per-field validator costs seconds)."""
    found: list[_Members] = []

    def json_object(pairs: list[tuple[str, Any]]) -> dict:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        obj = _Members(obj)
        obj.repeated = {name: n for name, n in Counter(name for name, _ in pairs).items() if n > 1}
        found.append(obj)
        return obj

    try:
        data = json.loads(raw, object_pairs_hook=json_object)
    except (ValueError, RecursionError):
        return []  # malformed: the schema's pass says how
    if not found and "\\u0000" not in raw:  # JSON can hold a NUL only escaped
        return []
    problems = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:  # depth-first in file order, without recursion
        loc, value = stack.pop()
        if isinstance(value, dict):
            for name, n in getattr(value, "repeated", {}).items():
                times = "twice" if n == 2 else f"{n} times"
                problems.append(Problem(location(loc), f'the field "{name}" appears {times}') if loc
                                else Problem("", f'"{name}" appears {times}'))
            children = list(value.items())
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            continue
        problems += [Problem(location((*loc, k)), NUL_MESSAGE) for k, v in children
                     if isinstance(v, str) and "\x00" in v]
        stack.extend(((*loc, k), v) for k, v in reversed(children) if isinstance(v, dict | list))
    return problems


def parse(raw: bytes | str) -> Bundle:
    """Parse and validate a bundle's shape. Raises BundleError listing every problem."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BundleError([Problem("", f"the file is not UTF-8 text (byte {exc.start})")]) from None
    if not raw.strip():
        raise BundleError([Problem("", "the file is empty: expected a JSON object")])
    problems = json_problems(raw)
    try:
        bundle = Bundle.model_validate_json(raw)
    except ValidationError as exc:
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
    if problems:
        raise BundleError(problems) from None
    return bundle


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
    ("edits", "prediction", "predictions"),
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
    seen_edits: set[tuple] = set()
    for i, e in enumerate(bundle.edits):
        if e is None:
            continue
        ident = (e.prediction, e.at, e.field)
        if ident in seen_edits:
            problems.append(Problem(f"edits[{i}].at", f"a second edit of {e.prediction!r}'s {e.field} at {e.at}"))
        seen_edits.add(ident)
        if e.field == "resolve_by":
            for side in ("before", "after"):
                try:
                    date.fromisoformat(getattr(e, side) or "2000-01-01")
                except ValueError:
                    problems.append(Problem(f"edits[{i}].{side}", f"a resolve-by date is YYYY-MM-DD, not "
                                                                  f"{getattr(e, side)!r}"))
    for i, t in enumerate(bundle.theses):
        if t is None:
            continue
        for key in t.directions:
            if key not in t.companies:
                problems.append(Problem(f"theses[{i}].directions.{key}",
                                        f"{key!r} is not one of this thesis's companies"))
    first_price: dict[tuple, int] = {}
    for i, price in enumerate(bundle.prices):
        if price is None:
            continue
        ident = (price.ticker, price.date)
        if ident in first_price:
            problems.append(Problem(f"prices[{i}]", f"a second price for {price.ticker} on {price.date} "
                                                    f"(prices[{first_price[ident]}] has one)"))
        first_price.setdefault(ident, i)
    problems += _transcript_problems(bundle, known)
    return problems


def _transcript_problems(bundle: Bundle, known: dict[str, set[str]]) -> list[Problem]:
    transcripts = [t for t in bundle.transcripts if t is not None]
    if not transcripts:
        return []
    durations = dict(Source.objects.filter(key__in={t.source for t in transcripts})
                     .values_list("key", "duration_seconds"))
    durations.update({s.key: s.duration_seconds for s in bundle.sources if s is not None})
    speakers = {s.speaker for t in transcripts for s in t.segments if s.speaker}
    people = known["people"] | set(Person.objects.filter(key__in=speakers).values_list("key", flat=True))
    found = transcript_problems(transcripts, durations, people, known)
    return [Problem(*line.split(": ", 1)) for line in found]


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


# The item schema of each list, and what each list's references name: with the models, all that import and
# export need to know. A schema field that is neither a reference nor a special case below is a model column.
SCHEMAS: dict[str, type[Item]] = {
    name: spec.annotation.__args__[0] for name, spec in Bundle.model_fields.items() if name != "format"
}
REFERENCED: dict[str, dict[str, str]] = defaultdict(dict)
for _list, _attr, _target in REFERENCES:
    REFERENCED[_list][_attr] = _target
# Fields kept by other means than a column or a keyed reference: a prediction's tags are Tag rows by name, a
# thesis's directions are a column of its links to its companies.
SPECIAL = {"predictions": {"tags"}, "theses": {"directions"}}
MODEL_OF = {name: model for name, model, _ in KEYED}

# Past this many values, one read of a whole table (filtered in memory) replaces a list of values in SQL:
# the query count stays fixed, and no statement runs into the database's limit on parameters.
MANY = 2_000
BATCH = 2_000


def columns_of(name: str) -> list[str]:
    """The schema fields of a keyed list that copy as they are to its model's columns."""
    return [f for f in SCHEMAS[name].model_fields
            if f != "key" and f not in REFERENCED[name] and f not in SPECIAL.get(name, ())]


def _relation(name: str, attr: str) -> models.Field:
    return MODEL_OF[name]._meta.get_field(attr)


def _matching(queryset, field: str, values, value_of) -> list:
    """The rows of `queryset` whose `field` is one of `values`, in one query however many there are."""
    values = set(values)
    if not values:
        return []
    if len(values) > MANY:
        return [row for row in queryset if value_of(row) in values]
    return list(queryset.filter(**{f"{field}__in": values}))


def _through(model: type[models.Model], attr: str) -> tuple[type[models.Model], str, str]:
    """A many-to-many field's link table, with its column for the owner and its column for the target."""
    relation = model._meta.get_field(attr)
    through = relation.remote_field.through
    return (through, through._meta.get_field(relation.m2m_field_name()).attname,
            through._meta.get_field(relation.m2m_reverse_field_name()).attname)


# Columns whose Python value the database driver cannot take as it is (on SQLite: dates and times).
PREPARED = {"DateField", "DateTimeField", "TimeField", "DecimalField", "UUIDField", "JSONField"}


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Add rows (column attname -> value; missing columns take their default): multi-row INSERTs, or COPY.

    bulk_create would do, but it spends about 35 µs per row building model instances and preparing each value,
    most of a big import's time; values that passed the schema need preparing only for dates and times."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    prepared = [f for f in fields if f.get_internal_type() in PREPARED]
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)

    def values_of(row: dict[str, Any]) -> list:
        values = {**defaults, **row}
        for f in prepared:
            values[f.attname] = f.get_db_prep_save(values[f.attname], connection)
        return [values[f.attname] for f in fields]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY is about four times as fast as INSERT there
            started, sql = time.monotonic(), f"COPY {table} ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(values_of(row))
            if connection.queries_logged:  # past Django's cursor wrapper: count it as the query it is
                connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
            return
        per_statement = max(1, min(BATCH, (connection.features.max_query_params or 999) // len(fields)))
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), per_statement):
            batch = rows[start:start + per_statement]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * len(batch)),
                           [value for row in batch for value in values_of(row)])


class Importer:
    """Upserts a validated bundle by key. Importing the same bundle twice changes nothing.

    Forecasts and history are append-only: new ones are added, stored ones are never changed. Every forecast
    an import adds is recorded as imported, by `user` (None: unknown, e.g. a command run without --as), at the
    moment of the import, whatever the bundle says. The number of queries per list does not grow with its
    length (bulk writes in batches aside).
    """

    def __init__(self, bundle: Bundle, user=None, *, restore: bool = False):
        self.bundle = bundle
        self.user = user
        # A restore (the command line only: whoever runs it could write the database directly anyway) keeps the
        # provenance the bundle states; any other import records itself on every forecast it adds.
        self.restore = restore
        self.now = timezone.now()
        self.report = ImportReport()
        self.problems: list[Problem] = []
        self.pks: dict[str, dict[str, int]] = {}  # list name -> key -> pk, for every key the bundle names
        self.prior: dict[str, tuple[str, date | None]] = {}  # stored predictions' (status, resolved_on)
        self.created: dict[str, set[str]] = defaultdict(set)
        self.users: dict[str, int] = {}
        # Stored predictions with forecasts whose question (statement, criteria, resolve-by) this import changes:
        # (pk, field, before, after), recorded as edits unless the bundle's own edits say so.
        self.question_changes: list[tuple[int, str, Any, Any]] = []

    def run(self) -> ImportReport:
        with transaction.atomic():
            groups_before = groups_of(pk for _, pk in _matching(
                Prediction.objects.order_by().values_list("key", "pk"), "key",
                {p.key for p in self.bundle.predictions}, itemgetter(0)))
            self._load_references()
            for name, model, _ in KEYED:
                self._import_keyed(name, model)
            if self.bundle.transcripts:
                for outcome, n in write_transcripts(self.bundle.transcripts).items():
                    getattr(self.report, outcome)["transcripts"] += n
            self._import_forecasts()
            self._import_history()
            self._import_edits()
            self._import_prices()
            if self.problems:
                raise BundleError(self.problems)
            if self.report.changed:
                # What counts may have changed on any prediction the bundle names (new forecasts, a new status), and
                # the groups its predictions were in or are in now
                named = list(self.pks["predictions"].values())
                rescore(named)
                after = groups_of(named)
                rescore_groups({kind: ids | after[kind] for kind, ids in groups_before.items()})
                invalidate_scoreboard()
        return self.report

    def _load_references(self) -> None:
        """key -> pk for the stored objects the bundle refers to but does not carry (one query per list)."""
        named: dict[str, set[str]] = defaultdict(set)
        for name, attr, target in REFERENCES:
            for item in getattr(self.bundle, name):
                value = getattr(item, attr)
                named[target].update(v for v in (value if isinstance(value, list) else [value]) if v is not None)
        for name, model, _ in KEYED:
            wanted = named[name] - {item.key for item in getattr(self.bundle, name)}
            rows = _matching(model.objects.order_by().values_list("key", "pk"), "key", wanted, itemgetter(0))
            self.pks[name] = dict(rows)

    def _import_keyed(self, name: str, model: type[models.Model]) -> None:
        items = getattr(self.bundle, name)
        if not items:
            return
        refs = REFERENCED[name]
        singles = {a: _relation(name, a).attname for a in refs if not _relation(name, a).many_to_many}
        multiples = [a for a in refs if _relation(name, a).many_to_many]
        plain = columns_of(name)
        columns = plain + list(singles.values())
        stored = model.objects.order_by()  # no default ordering: it can join another table
        stored = stored.select_for_update() if model is Prediction else stored
        existing = {row[1]: (row[0], dict(zip(columns, row[2:], strict=True))) for row in _matching(
            stored.values_list("pk", "key", *columns), "key", [i.key for i in items], itemgetter(1))}
        if model is Prediction:
            self.prior = {key: (row["status"], row["resolved_on"]) for key, (_, row) in existing.items()}

        new, changed_rows, updates = [], set(), defaultdict(list)
        for item in items:
            values = {f: getattr(item, f) for f in plain}
            values.update({attname: self._pk(refs[a], getattr(item, a)) for a, attname in singles.items()})
            if item.key not in existing:
                new.append({"key": item.key, **values})
                continue
            pk, row = existing[item.key]
            diff = tuple(f for f in columns if row[f] != values[f])
            if model is Prediction:
                self.question_changes += [(pk, f, row[f], values[f]) for f in diff if f in PredictionEdit.Field.values]
            if diff:
                obj = model(pk=pk, **{f: values[f] for f in diff})
                obj.version = models.F("version") + 1  # an edit form opened before the import is now stale
                updates[(*diff, "version")].append(obj)
                changed_rows.add(pk)
        _insert(model, new)
        if model is Prediction and self.question_changes:  # only a question forecast by then counts as edited
            forecast = set(Forecast.objects.filter(prediction_id__in={c[0] for c in self.question_changes})
                           .values_list("prediction_id", flat=True).distinct())
            self.question_changes = [c for c in self.question_changes if c[0] in forecast]
        for fields_changed, objs in updates.items():  # only the columns that changed, grouped by which
            model.objects.bulk_update(objs, fields_changed, batch_size=BATCH)
        pks = self.pks[name]
        pks.update({key: pk for key, (pk, _) in existing.items()})
        self.created[name] = {row["key"] for row in new}
        pks.update(_matching(model.objects.order_by().values_list("key", "pk"), "key", self.created[name],
                             itemgetter(0)))

        for attr in multiples:
            wanted = {pks[i.key]: {self.pks[refs[attr]][k] for k in getattr(i, attr)} for i in items}
            changed_rows |= self._set_links(model, attr, wanted)
        if name == "predictions":
            changed_rows |= self._set_tags(items)
        if name == "theses":
            changed_rows |= self._set_directions(items)
        relinked = sorted(changed_rows - {obj.pk for objs in updates.values() for obj in objs})
        for start in range(0, len(relinked), BATCH):
            model.objects.filter(pk__in=relinked[start:start + BATCH]).update(version=models.F("version") + 1)

        self.report.created[name] += len(new)
        for pk, _ in existing.values():
            (self.report.updated if pk in changed_rows else self.report.unchanged)[name] += 1

    def _pk(self, target: str, key: str | None) -> int | None:
        return None if key is None else self.pks[target][key]

    def _set_links(self, model, attr: str, wanted: dict[int, set[int]]) -> set[int]:
        """Make each object's links exactly `wanted` (owner pk -> target pks); the owners whose links changed."""
        through, owner, target = _through(model, attr)
        stored: dict[int, set[int]] = defaultdict(set)
        link_ids: dict[tuple[int, int], int] = {}
        rows = through.objects.values_list("pk", owner, target)
        for pk, a, b in _matching(rows, owner, wanted, itemgetter(1)):
            stored[a].add(b)
            link_ids[(a, b)] = pk
        changed = {a for a, targets in wanted.items() if stored.get(a, set()) != targets}
        stale = [link_ids[(a, b)] for a in changed for b in stored.get(a, set()) - wanted[a]]
        for start in range(0, len(stale), BATCH):
            through.objects.filter(pk__in=stale[start:start + BATCH]).delete()
        _insert(through, [{owner: a, target: b} for a in changed for b in sorted(wanted[a] - stored.get(a, set()))])
        return changed

    def _set_tags(self, items: list[PredictionIn]) -> set[int]:
        names = {t for p in items for t in p.tags}
        tags = dict(_matching(Tag.objects.order_by().values_list("name", "pk"), "name", names, itemgetter(0)))
        missing = [Tag(name=n) for n in sorted(names - set(tags))]
        Tag.objects.bulk_create(missing, batch_size=BATCH)
        tags.update({t.name: t.pk for t in missing})
        pks = self.pks["predictions"]
        return self._set_links(Prediction, "tags", {pks[p.key]: {tags[t] for t in p.tags} for p in items})

    def _set_directions(self, items: list[ThesisIn]) -> set[int]:
        """Each link's direction as its thesis's `directions` give it (blank: as the stance says); the theses whose
        directions changed."""
        pks, companies = self.pks["theses"], self.pks["companies"]
        wanted = {(pks[t.key], companies[key]): direction for t in items for key, direction in t.directions.items()}
        links = ThesisCompany.objects.order_by().values_list("pk", "thesis_id", "company_id", "direction")
        changed: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for pk, thesis, company, direction in _matching(links, "thesis_id", {pks[t.key] for t in items},
                                                        itemgetter(1)):
            if wanted.get((thesis, company), "") != direction:
                changed[wanted.get((thesis, company), "")].append((pk, thesis))
        for direction, rows in changed.items():
            link_pks = [pk for pk, _ in rows]
            for start in range(0, len(link_pks), BATCH):
                ThesisCompany.objects.filter(pk__in=link_pks[start:start + BATCH]).update(direction=direction)
        return {thesis for rows in changed.values() for _, thesis in rows}

    def _import_prices(self) -> None:
        if not self.bundle.prices:
            return
        report = store([Row(p.ticker, p.date, p.close, p.adj_close) for p in self.bundle.prices])
        for ticker in report.tickers:
            self.report.created["prices"] += ticker.new
            self.report.updated["prices"] += ticker.updated
            self.report.unchanged["prices"] += ticker.unchanged

    def _user_pks(self, usernames: set[str]) -> dict[str, int]:
        """The accounts a bundle names; one it names for the first time cannot log in until an admin sets a
        password."""
        user_model = get_user_model()
        wanted = usernames - set(self.users)
        found = dict(_matching(user_model.objects.values_list("username", "pk"), "username", wanted,
                               itemgetter(0)))
        missing = [user_model(username=n) for n in sorted(wanted - set(found))]
        for user in missing:
            user.set_unusable_password()
        user_model.objects.bulk_create(missing, batch_size=BATCH)
        self.report.created["users"] += len(missing)
        self.users.update(found)
        self.users.update({u.username: u.pk for u in missing})
        return self.users

    def _import_forecasts(self) -> None:
        forecasts = self.bundle.forecasts
        if not forecasts:
            return
        users = self._user_pks({f.user for f in forecasts} | (
            {f.imported_by for f in forecasts if f.imported_by} if self.restore else set()))
        predictions = self.pks["predictions"]
        rows = Forecast.objects.order_by().values_list("prediction_id", "user_id", "made_at", "probability", "note")
        stored = {(p, u, at): (probability, note) for p, u, at, probability, note in
                  _matching(rows, "prediction_id", {predictions[f.prediction] for f in forecasts}, itemgetter(0))}
        new = []
        for i, f in enumerate(forecasts):
            moment = (predictions[f.prediction], users[f.user], f.made_at)
            if moment not in stored:
                if self.restore:
                    provenance = {"imported_at": f.imported_at, "imported_by_id": users.get(f.imported_by)}
                else:
                    provenance = {"imported_at": self.now,
                                  "imported_by_id": self.user.pk if self.user is not None else None}
                new.append({"prediction_id": moment[0], "user_id": moment[1], "made_at": f.made_at,
                            "probability": f.probability, "note": f.note, **provenance})
            elif stored[moment] != (f.probability, f.note):
                self.problems.append(Problem(
                    f"forecasts[{i}]", f"differs from the forecast already stored for {f.user!r} on "
                    f"{f.prediction!r} at {f.made_at.isoformat()}; forecasts are append-only and cannot be changed"))
            else:
                self.report.unchanged["forecasts"] += 1
        _insert(Forecast, new)
        self.report.created["forecasts"] += len(new)

    def _import_history(self) -> None:
        """Add the bundle's new history rows where they follow from the stored state, and a row of the import's
        own for a change of status that no new row explains (so an undo always restores a real state)."""
        bundle_predictions = {p.key: (i, p) for i, p in enumerate(self.bundle.predictions)}
        status_changes = {key for key, (_, p) in bundle_predictions.items()
                          if p.status != self.prior.get(key, ("open", None))[0]}
        keys = {h.prediction for h in self.bundle.history} | status_changes
        if not keys:
            return
        pks = {key: self.pks["predictions"][key] for key in keys}
        stored: dict[int, list[ResolutionEvent]] = defaultdict(list)
        for event in _matching(ResolutionEvent.objects.order_by("at", "id"), "prediction_id", pks.values(),
                               attrgetter("prediction_id")):
            stored[event.prediction_id].append(event)
        others = keys - set(bundle_predictions)  # named by history rows only: their state stays as stored
        states = dict(self.prior)
        for key, status, resolved_on in _matching(Prediction.objects.values_list("key", "status", "resolved_on"),
                                                  "key", others, itemgetter(0)):
            states[key] = (status, resolved_on)

        new_rows: dict[str, list[tuple[int, HistoryIn]]] = defaultdict(list)
        by_moment = {(e.prediction_id, e.at): e for events in stored.values() for e in events}
        for i, h in enumerate(self.bundle.history):
            event = by_moment.get((pks[h.prediction], h.at))
            if event is None:
                new_rows[h.prediction].append((i, h))
            elif any(getattr(event, k) != getattr(h, k) for k in HISTORY_COLUMNS):
                self.problems.append(Problem(f"history[{i}]", "differs from the entry already stored for that "
                                                              "moment; history is append-only and cannot be changed"))
            else:
                self.report.unchanged["history"] += 1

        actors = self._user_pks({h.actor for rows in new_rows.values() for _, h in rows if h.actor})
        events = []
        for key in sorted(keys):
            start = states.get(key, ("open", None))[0] if key not in self.created["predictions"] else "open"
            index, p = bundle_predictions.get(key, (None, None))
            goal = p.status if p is not None else start
            history = stored[pks[key]]
            rows = sorted(new_rows[key], key=lambda row: row[1].at)
            if rows:
                if self._follows(key, start, goal, history, rows):
                    events += [{"prediction_id": pks[key], "at": h.at,
                                "actor_id": actors[h.actor] if h.actor else None,
                                **{k: getattr(h, k) for k in HISTORY_COLUMNS}} for _, h in rows]
            elif start != goal:
                event = self._status_change(key, index, p, start, history)
                if event is not None:
                    events.append(event)
        _insert(ResolutionEvent, events)
        self.report.created["history"] += len(events)

    def _import_edits(self) -> None:
        """Add the bundle's new edits (stored ones must match), and an edit of the import's own for each change of
        a forecast question that no new edit of the bundle explains."""
        edits, predictions = self.bundle.edits, self.pks["predictions"]
        users = self._user_pks({e.editor for e in edits if e.editor}) if edits else self.users
        rows = PredictionEdit.objects.order_by().values_list("prediction_id", "at", "field", "editor_id", "before",
                                                              "after")
        stored = {(p, at, f): rest for p, at, f, *rest in
                  _matching(rows, "prediction_id", {predictions[e.prediction] for e in edits}, itemgetter(0))}
        new, explained = [], set()
        for i, e in enumerate(edits):
            moment = (predictions[e.prediction], e.at, e.field)
            values = [users.get(e.editor), e.before, e.after]
            if moment not in stored:
                new.append({"prediction_id": moment[0], "at": e.at, "field": e.field, "editor_id": values[0],
                            "before": e.before, "after": e.after})
                explained.add((moment[0], e.field, e.after))
            elif list(stored[moment]) != values:
                self.problems.append(Problem(f"edits[{i}]", f"differs from the edit already stored for "
                                                            f"{e.prediction!r}'s {e.field} at {e.at.isoformat()}; "
                                                            f"edits are append-only and cannot be changed"))
            else:
                self.report.unchanged["edits"] += 1
        for pk, name, before, after in self.question_changes:
            before, after = PredictionEdit.as_text(before), PredictionEdit.as_text(after)
            if (pk, name, after) not in explained:
                new.append({"prediction_id": pk, "at": self.now, "field": name, "before": before, "after": after,
                            "editor_id": self.user.pk if self.user is not None else None})
        _insert(PredictionEdit, new)
        self.report.created["edits"] += len(new)

    def _follows(self, key: str, status: str, goal: str, history: list[ResolutionEvent], rows) -> bool:
        """Whether the new rows, in time order, replay from the stored state to the bundle's; else a problem."""
        in_force = replay(history)
        latest = history[-1].at if history else None
        for i, h in rows:
            problem = None
            if latest is not None and h.at <= latest:
                problem = (f"history[{i}].at", f"{h.at.isoformat()} is not after the latest stored entry for {key!r} "
                                               f"({latest.isoformat()}); history can only be added to")
            elif h.from_status != status:
                problem = (f"history[{i}].from_status", f"{h.from_status!r} does not follow: {key!r} is "
                                                        f"{status!r} at that point")
            elif h.action == ResolutionEvent.Action.RESOLVE and h.to_status == Prediction.Status.OPEN:
                problem = (f"history[{i}].to_status", "a resolution makes a prediction true, false or ambiguous; "
                                                      "reopening is an undo")
            elif h.action == ResolutionEvent.Action.UNDO:
                if status == Prediction.Status.OPEN:
                    problem = (f"history[{i}].action", f"nothing to undo: {key!r} is open at that point")
                else:
                    in_force = in_force[:-1]
                    restored = state_of(in_force[-1] if in_force else None).status
                    if h.to_status != restored:
                        problem = (f"history[{i}].to_status", f"an undo at that point restores {restored!r}, "
                                                              f"not {h.to_status!r}")
            else:
                in_force = [*in_force, h]
            if problem:
                self.problems.append(Problem(*problem))
                return False
            status = h.to_status
        if status != goal:
            self.problems.append(Problem(f"history[{rows[-1][0]}]", f"leaves {key!r} {status!r}, but the bundle "
                                                                    f"gives its status as {goal!r}"))
            return False
        return True

    def _status_change(self, key, index, p: PredictionIn, start: str, history) -> dict[str, Any] | None:
        """The import's own history row for a status the bundle changes without saying how."""
        latest = history[-1].at if history else None
        at = max(self.now, latest + timedelta(microseconds=1)) if latest else self.now
        actor = self.user.pk if self.user is not None else None
        if p.status != Prediction.Status.OPEN:
            note = "Imported as resolved" if key in self.created["predictions"] else (
                p.resolution_note or "Changed by a bundle import.")
            return {"prediction_id": self.pks["predictions"][key], "action": ResolutionEvent.Action.RESOLVE,
                    "actor_id": actor, "at": at, "from_status": start, "to_status": p.status,
                    "resolved_on": p.resolved_on, "note": note, "evidence_url": p.resolution_url}
        in_force = replay(history)
        if len(in_force) > 1:  # an undo would restore the resolution before, not reopen
            self.problems.append(Problem(
                f"predictions[{index}].status", f"reopening {key!r} needs the history rows that lead there: an undo "
                f"now would restore {in_force[-2].to_status!r}"))
            return None
        return {"prediction_id": self.pks["predictions"][key], "action": ResolutionEvent.Action.UNDO,
                "actor_id": actor, "at": at, "from_status": start, "to_status": Prediction.Status.OPEN,
                "note": "Reopened by a bundle import."}


HISTORY_COLUMNS = ("action", "from_status", "to_status", "resolved_on", "note", "evidence_url")


def import_bundle(raw: bytes | str, *, dry_run: bool = False, user=None, restore: bool = False) -> ImportReport:
    """Validate and import a bundle in one transaction. Raises BundleError and writes nothing on a problem.
    `user` is who imports it (recorded on every forecast added)."""
    bundle = validate(raw)
    if dry_run:
        with transaction.atomic():
            report = Importer(bundle, user, restore=restore).run()
            transaction.set_rollback(True)
        return report
    return Importer(bundle, user, restore=restore).run()


# --- export ------------------------------------------------------------------------------------------

@dataclass
class Export:
    text: str
    # Stored objects a bundle cannot hold as they are (written around the forms: the admin, a shell). They are
    # in the file all the same; an import of it will name them until they are corrected.
    problems: list[Problem]


def _dumped(schema: type[Item], values: dict[str, Any], what: str, problems: list[Problem]) -> dict[str, Any]:
    nul = [name for name, value in values.items()
           if any(isinstance(text, str) and "\x00" in text for text in (value if isinstance(value, list) else [value]))]
    try:
        if nul:
            problems.append(Problem(what, "; ".join(f"{name}: {NUL_MESSAGE}" for name in nul)))
            return schema.model_construct(**values).model_dump(mode="json", warnings=False)
        return schema.model_validate(values).model_dump(mode="json")
    except ValidationError as exc:
        reasons = "; ".join(f"{location(e['loc'])}: {describe(e)}" for e in exc.errors(include_url=False))
        problems.append(Problem(what, reasons))
        return schema.model_construct(**values).model_dump(mode="json", warnings=False)


def _links(model, attr: str) -> dict[int, list[int]]:
    through, owner, target = _through(model, attr)
    links: dict[int, list[int]] = defaultdict(list)
    for a, b in through.objects.values_list(owner, target):
        links[a].append(b)
    return links


def export() -> Export:
    """The whole database as a bundle, ordered so that the same data always gives the same bytes. Never
    refuses: what a bundle cannot hold is written as stored and named in `problems`."""
    problems: list[Problem] = []
    data: dict[str, Any] = {"format": FORMAT}
    keys: dict[str, dict[int, str]] = {}  # list name -> pk -> key
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    directions: dict[int, dict[str, str]] = defaultdict(dict)
    for thesis, company_key, direction in ThesisCompany.objects.exclude(direction="").values_list(
            "thesis_id", "company__key", "direction"):
        directions[thesis][company_key] = direction
    for name, model, noun in KEYED:
        schema, refs = SCHEMAS[name], REFERENCED[name]
        singles = [a for a in refs if not _relation(name, a).many_to_many]
        links = {a: _links(model, a) for a in refs if _relation(name, a).many_to_many}
        if name == "predictions":
            links["tags"] = _links(model, "tags")
        rows = list(model.objects.order_by("key").values(
            "pk", "key", *columns_of(name), *(_relation(name, a).attname for a in singles)))
        keys[name] = {row["pk"]: row["key"] for row in rows}
        items = []
        for row in rows:
            values = {"key": row["key"], **{f: row[f] for f in columns_of(name)}}
            values.update({a: keys[refs[a]].get(row[_relation(name, a).attname]) for a in singles})
            values.update({a: sorted(keys[refs[a]][pk] for pk in links[a].get(row["pk"], [])) for a in refs
                           if a not in singles})
            if name == "predictions":
                values["tags"] = sorted(tag_names[pk] for pk in links["tags"].get(row["pk"], []))
            if name == "theses":
                values["directions"] = dict(sorted(directions.get(row["pk"], {}).items()))
            ordered = {f: values[f] for f in schema.model_fields}
            items.append(_dumped(schema, ordered, f"{noun} {row['key']!r}", problems))
        data[name] = items

    usernames = dict(get_user_model().objects.values_list("pk", "username"))
    predictions = keys["predictions"]
    forecasts = []
    for f in Forecast.objects.order_by("prediction__key", "user__username", "made_at").values(
            "prediction_id", "user_id", "probability", "made_at", "note", "imported_at", "imported_by_id"):
        values = {"user": usernames[f["user_id"]], "prediction": predictions[f["prediction_id"]],
                  "probability": f["probability"], "made_at": f["made_at"], "note": f["note"],
                  "imported_at": f["imported_at"], "imported_by": usernames.get(f["imported_by_id"])}
        what = f"forecast by {values['user']!r} on {values['prediction']!r} at {f['made_at'].isoformat()}"
        item = _dumped(ForecastIn, values, what, problems)
        # A forecast entered in the app says nothing of where it came from.
        forecasts.append({k: v for k, v in item.items() if v is not None or k not in ("imported_at", "imported_by")})
    data["forecasts"] = forecasts
    history = []
    for e in ResolutionEvent.objects.order_by("prediction__key", "at", "id").values(
            "prediction_id", "actor_id", "at", *HISTORY_COLUMNS):
        values = {"prediction": predictions[e["prediction_id"]], "action": e["action"],
                  "actor": usernames.get(e["actor_id"]), "at": e["at"],
                  **{k: e[k] for k in HISTORY_COLUMNS if k != "action"}}
        what = f"history of {values['prediction']!r} at {e['at'].isoformat()}"
        history.append(_dumped(HistoryIn, {f: values[f] for f in HistoryIn.model_fields}, what, problems))
    data["history"] = history
    edits = []
    for e in PredictionEdit.objects.order_by("prediction__key", "at", "field").values(
            "prediction_id", "editor_id", "at", "field", "before", "after"):
        values = {"prediction": predictions[e["prediction_id"]], "field": e["field"], "at": e["at"],
                  "editor": usernames.get(e["editor_id"]), "before": e["before"], "after": e["after"]}
        what = f"edit of {values['prediction']!r}'s {e['field']} at {e['at'].isoformat()}"
        edits.append(_dumped(EditIn, values, what, problems))
    data["edits"] = edits
    data["transcripts"] = transcripts_for_export()
    data["prices"] = [_dumped(PriceIn, {"ticker": ticker, "date": day, "close": close, "adj_close": adj_close},
                              f"price of {ticker} on {day}", problems)
                      for ticker, day, close, adj_close in Price.objects.order_by("ticker", "day").values_list(
                          "ticker", "day", "close", "adj_close")]
    return Export(json.dumps(data, indent=2, ensure_ascii=False) + "\n", problems)


def export_bundle() -> str:
    return export().text
