"""From uploaded bytes to a source's stored transcript: decode, parse, check, map speakers, save."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from tracker.forms import unique_key
from tracker.limits import too_large
from tracker.models import Person, Source, TranscriptSegment, format_timestamp

from .parse import TranscriptError, read
from .queue import FlagReport, flag_source
from .sentences import Sentence, sentences


class TranscriptExists(TranscriptError):
    def __init__(self, source: Source, count: int):
        super().__init__("", f"“{source.title}” already has a transcript of {count} sentences; "
                             f"confirm to replace it (its quotes are kept)")


@dataclass(frozen=True)
class NewPerson:
    """A speaker label that is to become a new person of this name."""

    name: str


# What a speaker label is mapped to: a person, a new person, or nobody.
Mapped = Person | NewPerson | None


@dataclass
class Parsed:
    format: str
    sentences: list[Sentence]

    @property
    def labels(self) -> list[str]:
        """The speaker labels, in the order they first speak."""
        return list(dict.fromkeys(s.speaker for s in self.sentences if s.speaker is not None))

    def first_words(self, label: str) -> str:
        return next(s.text for s in self.sentences if s.speaker == label)


def decode(data: bytes) -> str:
    if refusal := too_large(len(data), settings.TRANSCRIPT_MAX_BYTES):
        raise TranscriptError("", refusal)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TranscriptError(f"line {line}", f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8 "
                                              f"and upload it again") from None


def prepare(data: bytes, source: Source) -> Parsed:
    """The transcript in `data`, parsed and checked against `source`. Writes nothing."""
    kind, cues = read(decode(data))
    if source.duration_seconds:
        limit_ms = (source.duration_seconds + 1) * 1000  # the duration is in whole seconds
        for cue in cues:
            at = max((t for t in (cue.start_ms, cue.end_ms) if t is not None), default=None)
            if at is not None and at >= limit_ms:
                raise TranscriptError(cue.where, f"time {format_timestamp(at // 1000)} is beyond the end of "
                                                 f"“{source.title}” ({format_timestamp(source.duration_seconds)})")
    return Parsed(kind, sentences(cues))


def label_key(label: str) -> str:
    """Labels and names compare without case or spaces: "Dwarkesh  patel" is "Dwarkesh Patel"."""
    return "".join(label.split()).casefold()


def match_people(labels: list[str]) -> dict[str, Person | None]:
    """Each label's person by name, or None where no person has that name."""
    wanted = {label_key(label) for label in labels}
    people: dict[str, Person] = {}
    for person in Person.objects.only("pk", "key", "name").order_by("pk"):
        if label_key(person.name) in wanted:
            people.setdefault(label_key(person.name), person)
    return {label: people.get(label_key(label)) for label in labels}


@dataclass(frozen=True)
class Saved:
    sentences: int
    candidates: FlagReport


def save_transcript(source: Source, parsed: Parsed, mapping: Mapping[str, Mapped], *, replace: bool = False,
                    ) -> Saved:
    """Store `parsed` as the transcript of `source`, replacing the old one only when `replace`, and flag its
    candidate predictions (decisions already taken on its sentences are kept). Quotes are never touched."""
    with transaction.atomic():
        existing = TranscriptSegment.objects.filter(source=source)
        count = existing.count()
        if count and not replace:
            raise TranscriptExists(source, count)
        people: dict[str, Person | None] = {}
        for label in parsed.labels:
            target = mapping.get(label)
            if isinstance(target, NewPerson):
                target = Person.objects.create(key=unique_key(Person, target.name), name=target.name[:200])
            people[label] = target
        if count:
            existing.delete()
        TranscriptSegment.objects.bulk_create(
            (TranscriptSegment(source=source, position=n, start_ms=s.start_ms, end_ms=s.end_ms,
                               speaker=people.get(s.speaker) if s.speaker else None, text=s.text)
             for n, s in enumerate(parsed.sentences)),
            batch_size=1000,
        )
        flagged = flag_source(source)
    return Saved(len(parsed.sentences), flagged)
