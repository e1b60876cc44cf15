"""Transcripts in the bundle: the `transcripts` list, one entry per source.

`tracker/bundle.py` calls these: `transcripts_for_export()` for an export, `transcript_problems()` while it
validates (with the keys the bundle and the database know), and `import_transcripts()` after it has written the
sources and people. An entry is
`{"source": key, "segments": [{"start", "end", "speaker", "text"}], "candidates": [...]}`, times in seconds
(numbers, or null), speaker a person key or null; segments in order. `candidates` are the sentences flagged as
candidate predictions and what was decided about each (`decision`: pending, accepted or dismissed; `prediction` and
`quote` keys for an accepted one, `decided_by` a username, `decided_at`), in transcript order. A candidate is known
by its source and its normalised text, as on a re-import of the transcript.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from django.db import transaction
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from tracker.models import Candidate, Company, Person, Prediction, Quote, Source, TranscriptSegment
from tracker.validators import KEY_PATTERN

from .parse import seconds_to_ms
from .queue import fingerprint

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=100)]
Seconds = Annotated[float, Field(ge=0, le=10**7)]
Username = Annotated[str, StringConstraints(pattern=r"^[\w.@+-]+$", max_length=150)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=100_000, pattern=r"\S")]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000)")
    return value


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    start: Seconds | None
    end: Seconds | None
    speaker: Key | None
    text: Text

    @field_validator("text")
    @classmethod
    def no_nul_characters(cls, value: str) -> str:
        return _no_nul(value)


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    text: Text
    position: Annotated[int, Field(ge=0, le=10**7)] | None
    start: Seconds | None
    speaker: Key | None
    score: Annotated[float, Field(ge=-1000, le=1000)]
    reasons: Annotated[list[Annotated[str, StringConstraints(max_length=500)]], Field(max_length=100)]
    resolve_by: Annotated[date, Strict(False)] | None  # a date is a string in JSON
    companies: list[Key] = []
    decision: Literal["pending", "accepted", "dismissed"]
    prediction: Key | None = None
    quote: Key | None = None
    decided_by: Username | None = None
    decided_at: Annotated[AwareDatetime, Strict(False)] | None = None

    @field_validator("text")
    @classmethod
    def no_nul_characters(cls, value: str) -> str:
        return _no_nul(value)


class TranscriptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    source: Key
    segments: Annotated[list[SegmentIn], Field(min_length=1)]
    candidates: list[CandidateIn] = []


class TranscriptImportError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


def transcripts_for_export() -> list[dict]:
    """Every stored transcript, by source key, each in its order, with its candidates: the same data always gives
    the same list."""
    rows = (TranscriptSegment.objects.order_by("source__key", "position")
            .values_list("source__key", "start_ms", "end_ms", "speaker__key", "text"))
    out: list[dict] = []
    for source, start, end, speaker, text in rows.iterator(chunk_size=2000):
        if not out or out[-1]["source"] != source:
            out.append({"source": source, "segments": [], "candidates": []})
        out[-1]["segments"].append({"start": _seconds(start), "end": _seconds(end), "speaker": speaker, "text": text})
    by_source = {entry["source"]: entry["candidates"] for entry in out}
    for candidate in _candidates_for_export():
        by_source.get(candidate.pop("_source"), []).append(candidate)
    return out


def _candidates_for_export() -> list[dict]:
    companies: dict[int, list[str]] = {}
    for candidate_id, key in Candidate.companies.through.objects.order_by("company__key").values_list(
            "candidate_id", "company__key"):
        companies.setdefault(candidate_id, []).append(key)
    rows = Candidate.objects.values_list(
        "pk", "source__key", "text", "position", "start_ms", "speaker__key", "score", "reasons", "resolve_by",
        "decision", "prediction__key", "quote__key", "decided_by__username", "decided_at")
    out = []
    for (pk, source, text, position, start, speaker, score, reasons, resolve_by, decision, prediction, quote,
         decided_by, decided_at) in rows:
        item = CandidateIn.model_construct(
            text=text, position=position, start=_seconds(start), speaker=speaker, score=score, reasons=reasons,
            resolve_by=resolve_by, companies=companies.get(pk, []), decision=decision, prediction=prediction,
            quote=quote, decided_by=decided_by, decided_at=decided_at).model_dump(mode="json", warnings=False)
        out.append({"_source": source, **item})
    # Transcript order; sentences a re-import dropped (decided, so kept) last, by text.
    out.sort(key=lambda c: (c["_source"], c["position"] is None, c["position"] or 0, c["text"]))
    return out


def parse_transcripts(raw: Iterable) -> list[TranscriptIn]:
    """The `transcripts` list's shape, or TranscriptImportError with every problem's place."""
    try:
        return TypeAdapter(list[TranscriptIn]).validate_python(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            place = "transcripts" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
            problems.append(f"{place}: {error['msg'][0].lower()}{error['msg'][1:]}")
        raise TranscriptImportError(problems) from None


def transcript_problems(items: list[TranscriptIn], durations: Mapping[str, int | None],
                        people: set[str], known: Mapping[str, set[str]] | None = None) -> list[str]:
    """What the schema cannot see. `durations`: every known source key and its duration in seconds (or None);
    `people`: every known person key; `known`: the company, prediction and quote keys a bundle brings (those in
    the database are looked up)."""
    problems, seen = [], set()
    problems += _candidate_problems(items, people, known or {})
    for i, item in enumerate(items):
        at = f"transcripts[{i}]"
        if item.source in seen:
            problems.append(f"{at}.source: a second transcript for source {item.source!r}")
        seen.add(item.source)
        if item.source not in durations:
            problems.append(f"{at}.source: no source has the key {item.source!r}")
        duration = durations.get(item.source)
        for j, segment in enumerate(item.segments):
            where = f"{at}.segments[{j}]"
            if segment.speaker is not None and segment.speaker not in people:
                problems.append(f"{where}.speaker: no person has the key {segment.speaker!r}")
            if segment.start is not None and segment.end is not None and segment.end < segment.start:
                problems.append(f"{where}.end: ends ({segment.end:g} s) before it starts ({segment.start:g} s)")
            times = [t for t in (segment.start, segment.end) if t is not None]
            if duration and times and max(times) >= duration + 1:
                problems.append(f"{where}: time {max(times):g} s is beyond the source's end ({duration} s)")
    return problems


def _candidate_problems(items: list[TranscriptIn], people: set[str], known: Mapping[str, set[str]]) -> list[str]:
    wanted = {"companies": set(), "predictions": set(), "quotes": set()}
    for item in items:
        for c in item.candidates:
            wanted["companies"] |= set(c.companies)
            wanted["predictions"] |= {c.prediction} - {None}
            wanted["quotes"] |= {c.quote} - {None}
    stored = {name: set(model.objects.filter(key__in=wanted[name]).values_list("key", flat=True))
              for name, model in (("companies", Company), ("predictions", Prediction), ("quotes", Quote))}
    found = {name: stored[name] | set(known.get(name, ())) for name in stored}
    problems = []
    for i, item in enumerate(items):
        texts: set[str] = set()
        for j, c in enumerate(item.candidates):
            where = f"transcripts[{i}].candidates[{j}]"
            key = fingerprint(c.text)
            if key in texts:
                problems.append(f"{where}.text: the same sentence as an earlier candidate of this transcript")
            texts.add(key)
            if c.speaker is not None and c.speaker not in people:
                problems.append(f"{where}.speaker: no person has the key {c.speaker!r}")
            for k, company in enumerate(c.companies):
                if company not in found["companies"]:
                    problems.append(f"{where}.companies[{k}]: no company has the key {company!r}")
            for name, value in (("prediction", c.prediction), ("quote", c.quote)):
                if value is not None and value not in found[f"{name}s"]:
                    problems.append(f"{where}.{name}: no {name} has the key {value!r}")
            if c.decision == "pending" and (c.decided_at or c.decided_by or c.prediction or c.quote):
                problems.append(f"{where}.decision: a pending candidate has no decided_at, decided_by, prediction "
                                f"or quote")
            if c.decision != "pending" and c.decided_at is None:
                problems.append(f"{where}.decided_at: required when the decision is {c.decision!r}")
            if c.decision == "dismissed" and (c.prediction or c.quote):
                problems.append(f"{where}.decision: a dismissed candidate has no prediction or quote")
    return problems


def import_transcripts(raw: Iterable) -> Counter:
    """Validate the `transcripts` list against the database and write it: each listed source's transcript is
    replaced by the one given, unless it is the same already. Quotes are never touched. Writes nothing and raises
    TranscriptImportError on any problem. Returns how many transcripts were created, updated and unchanged."""
    return write_transcripts(parse_transcripts(raw))


def write_transcripts(items: list[TranscriptIn]) -> Counter:
    """`import_transcripts` for a list already parsed (the bundle's own `transcripts`)."""
    keys = {item.source for item in items}
    speakers = {s.speaker for item in items for s in [*item.segments, *item.candidates] if s.speaker}
    sources = {s.key: s for s in Source.objects.filter(key__in=keys)}
    people = {p.key: p for p in Person.objects.filter(key__in=speakers)}
    problems = transcript_problems(items, {k: s.duration_seconds for k, s in sources.items()}, set(people))
    if problems:
        raise TranscriptImportError(problems)
    report: Counter = Counter(created=0, updated=0, unchanged=0)
    with transaction.atomic():
        for item in items:
            source = sources[item.source]
            wanted = [(n, seconds_to_ms(s.start), seconds_to_ms(s.end), people[s.speaker].pk if s.speaker else None,
                       s.text) for n, s in enumerate(item.segments)]
            stored = TranscriptSegment.objects.filter(source=source)
            current = list(stored.order_by("position").values_list("position", "start_ms", "end_ms", "speaker_id",
                                                                   "text"))
            changed = _write_candidates(source, item.candidates, people)
            if current == wanted:
                report["updated" if changed else "unchanged"] += 1
                continue
            report["updated" if current else "created"] += 1
            stored.delete()
            TranscriptSegment.objects.bulk_create(
                (TranscriptSegment(source=source, position=n, start_ms=start, end_ms=end, speaker_id=speaker, text=text)
                 for n, start, end, speaker, text in wanted), batch_size=1000)
    return report


CANDIDATE_COLUMNS = ("text", "position", "start_ms", "speaker_id", "score", "reasons", "resolve_by", "decision",
                     "prediction_id", "quote_id", "decided_by_id", "decided_at")


def _write_candidates(source: Source, items: list[CandidateIn], people: Mapping[str, Person]) -> bool:
    """The bundle's candidates of `source`, as given: each matched by its normalised text, created or brought up to
    date; stored candidates the bundle does not list are left as they are. Returns whether anything changed."""
    if not items:
        return False
    companies = dict(Company.objects.filter(key__in={k for c in items for k in c.companies}).values_list("key", "pk"))
    predictions = dict(Prediction.objects.filter(key__in={c.prediction for c in items}).values_list("key", "pk"))
    quotes = dict(Quote.objects.filter(key__in={c.quote for c in items}).values_list("key", "pk"))
    users = _users({c.decided_by for c in items if c.decided_by})
    stored = {c.fingerprint: c for c in Candidate.objects.filter(source=source).prefetch_related("companies")}
    changed = False
    for c in items:
        values = {"text": c.text, "position": c.position, "start_ms": seconds_to_ms(c.start),
                  "speaker_id": people[c.speaker].pk if c.speaker else None, "score": c.score,
                  "reasons": c.reasons, "resolve_by": c.resolve_by, "decision": c.decision,
                  "prediction_id": predictions.get(c.prediction), "quote_id": quotes.get(c.quote),
                  "decided_by_id": users.get(c.decided_by), "decided_at": c.decided_at}
        wanted_companies = {companies[k] for k in c.companies}
        candidate = stored.get(fingerprint(c.text))
        if candidate is None:
            candidate = Candidate.objects.create(source=source, fingerprint=fingerprint(c.text), **values)
        elif {k: getattr(candidate, k) for k in CANDIDATE_COLUMNS} != values:
            for k, v in values.items():
                setattr(candidate, k, v)
            candidate.version += 1
            candidate.save()
        elif {x.pk for x in candidate.companies.all()} == wanted_companies:
            continue
        candidate.companies.set(wanted_companies)
        changed = True
    return changed


def _users(usernames: set[str]) -> dict[str, int]:
    """The accounts named as deciders; one named for the first time cannot log in until an admin sets a password."""
    model = get_user_model()
    found = dict(model.objects.filter(username__in=usernames).values_list("username", "pk"))
    for name in sorted(usernames - set(found)):
        user = model(username=name)
        user.set_unusable_password()
        user.save()
        found[name] = user.pk
    return found
