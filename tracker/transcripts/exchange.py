"""Transcripts in the bundle: the `transcripts` list, one entry per source.

`tracker/bundle.py` calls these: `transcripts_for_export()` for an export, `transcript_problems()` while it
validates (with the keys the bundle and the database know), and `import_transcripts()` after it has written the
sources and people. An entry is `{"source": key, "segments": [{"start", "end", "speaker", "text"}]}`, times in
seconds (numbers, or null), speaker a person key or null; segments in order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Annotated

from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, field_validator

from tracker.models import Person, Source, TranscriptSegment
from tracker.validators import KEY_PATTERN

from .parse import seconds_to_ms

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=100)]
Seconds = Annotated[float, Field(ge=0, le=10**7)]


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    start: Seconds | None
    end: Seconds | None
    speaker: Key | None
    text: Annotated[str, StringConstraints(min_length=1, max_length=100_000, pattern=r"\S")]

    @field_validator("text")
    @classmethod
    def no_nul_characters(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("contains a NUL character (\\u0000)")
        return value


class TranscriptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    source: Key
    segments: Annotated[list[SegmentIn], Field(min_length=1)]


class TranscriptImportError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


def transcripts_for_export() -> list[dict]:
    """Every stored transcript, by source key, each in its order: the same data always gives the same list."""
    rows = (TranscriptSegment.objects.order_by("source__key", "position")
            .values_list("source__key", "start_ms", "end_ms", "speaker__key", "text"))
    out: list[dict] = []
    for source, start, end, speaker, text in rows.iterator(chunk_size=2000):
        if not out or out[-1]["source"] != source:
            out.append({"source": source, "segments": []})
        out[-1]["segments"].append({"start": _seconds(start), "end": _seconds(end), "speaker": speaker, "text": text})
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
                        people: set[str]) -> list[str]:
    """What the schema cannot see. `durations`: every known source key and its duration in seconds (or None);
    `people`: every known person key."""
    problems, seen = [], set()
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


def import_transcripts(raw: Iterable) -> Counter:
    """Validate the `transcripts` list against the database and write it: each listed source's transcript is
    replaced by the one given, unless it is the same already. Quotes are never touched. Writes nothing and raises
    TranscriptImportError on any problem. Returns how many transcripts were created, updated and unchanged."""
    return write_transcripts(parse_transcripts(raw))


def write_transcripts(items: list[TranscriptIn]) -> Counter:
    """`import_transcripts` for a list already parsed (the bundle's own `transcripts`)."""
    keys = {item.source for item in items}
    speakers = {s.speaker for item in items for s in item.segments if s.speaker}
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
            if current == wanted:
                report["unchanged"] += 1
                continue
            report["updated" if current else "created"] += 1
            stored.delete()
            TranscriptSegment.objects.bulk_create(
                (TranscriptSegment(source=source, position=n, start_ms=start, end_ms=end, speaker_id=speaker, text=text)
                 for n, start, end, speaker, text in wanted), batch_size=1000)
    return report
