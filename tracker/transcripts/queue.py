"""The review queue of candidate predictions: flag a source's transcript, decide a candidate.

`flag_source` runs after every transcript import (browser and command line). A sentence already decided is
never asked about again, whatever its position in the new transcript; a pending one is flagged afresh.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tracker.forms import unique_key
from tracker.models import Candidate, Company, Person, Quote, Source, TranscriptSegment

from .candidates import Lexicon, Name, company_spellings, flag, normalised, person_spellings


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()


def lexicon() -> Lexicon:
    """Every company and person in the database, by the spellings they go by (two queries)."""
    names = [Name("company", pk, name, company_spellings(name, ticker))
             for pk, name, ticker in Company.objects.values_list("pk", "name", "ticker")]
    names += [Name("person", pk, name, person_spellings(name)) for pk, name in Person.objects.values_list("pk", "name")]
    return Lexicon(names)


@dataclass
class FlagReport:
    new: int = 0
    pending: int = 0  # in the queue after this run, new ones included
    decided: int = 0  # flagged again but decided before, so not asked again


def flag_source(source: Source) -> FlagReport:
    """Flag the sentences of `source`'s stored transcript and bring its candidates up to date, in a fixed number
    of queries however long the transcript is."""
    names = lexicon()
    said_on = source.published_on
    flagged: dict[str, tuple] = {}
    rows = TranscriptSegment.objects.filter(source=source).order_by("position").values_list(
        "position", "start_ms", "speaker_id", "text")
    for position, start_ms, speaker_id, text in rows.iterator(chunk_size=2000):
        result = flag(text, said_on, names)
        if result.is_candidate:
            flagged.setdefault(fingerprint(text), (position, start_ms, speaker_id, text, result))
    report = FlagReport()
    with transaction.atomic():
        stored = {c.fingerprint: c for c in Candidate.objects.filter(source=source)}
        fresh, moved = [], []
        for key, (position, start_ms, speaker_id, text, result) in flagged.items():
            candidate = stored.get(key)
            if candidate is None:
                fresh.append((Candidate(source=source, fingerprint=key, text=text, position=position,
                                        start_ms=start_ms, speaker_id=speaker_id, score=result.score,
                                        reasons=result.why, resolve_by=result.resolve_by), result.companies))
                continue
            values = {"position": position, "start_ms": start_ms, "speaker_id": speaker_id}
            if candidate.decision == Candidate.Decision.PENDING:
                values |= {"text": text, "score": result.score, "reasons": result.why,
                           "resolve_by": result.resolve_by}
            else:
                report.decided += 1
            if any(getattr(candidate, k) != v for k, v in values.items()):  # a re-import mostly changes nothing
                for k, v in values.items():
                    setattr(candidate, k, v)
                moved.append(candidate)
        gone = [c for key, c in stored.items() if key not in flagged]
        # A pending sentence no longer flagged (gone from the transcript, or the rules changed) leaves the queue;
        # a decided one stays, with no place in the transcript.
        Candidate.objects.filter(pk__in=[c.pk for c in gone if c.decision == Candidate.Decision.PENDING]).delete()
        for candidate in gone:
            if candidate.decision != Candidate.Decision.PENDING:
                candidate.position = candidate.start_ms = None
                moved.append(candidate)
        # Small batches: an UPDATE of many rows is one CASE per column, and its cost grows with the square of the batch.
        Candidate.objects.bulk_update(moved, ["position", "start_ms", "speaker", "text", "score", "reasons",
                                              "resolve_by"], batch_size=100)
        created = Candidate.objects.bulk_create([c for c, _ in fresh], batch_size=1000)
        links = [Candidate.companies.through(candidate_id=c.pk, company_id=company)
                 for c, (_, companies) in zip(created, fresh, strict=True) for company in companies]
        Candidate.companies.through.objects.bulk_create(links, batch_size=1000)
    report.new = len(fresh)
    report.pending = Candidate.objects.filter(source=source).pending().count()
    return report


class AlreadyDecided(Exception):
    def __init__(self, candidate: Candidate | None):
        super().__init__("already decided")
        self.candidate = candidate


def _decide(candidate: Candidate, seen_version: int, decision: str, user, **links) -> None:
    """Record a decision, only if nobody has decided since `seen_version` was read."""
    done = Candidate.objects.filter(pk=candidate.pk, version=seen_version, decision=Candidate.Decision.PENDING).update(
        decision=decision, decided_by=user if user and user.is_authenticated else None, decided_at=timezone.now(),
        version=F("version") + 1, **links)
    if not done:
        raise AlreadyDecided(Candidate.objects.filter(pk=candidate.pk).first())


def dismiss(candidate: Candidate, seen_version: int, user) -> None:
    with transaction.atomic():
        _decide(candidate, seen_version, Candidate.Decision.DISMISSED, user)


def accept(candidate: Candidate, seen_version: int, user, form) -> tuple:
    """In one transaction: the sentence as a quote (or the same quote already taken from it), the prediction the
    editor reviewed in `form` (a valid PredictionForm), the quote linked to it, and the decision. Returns
    (prediction, quote)."""
    with transaction.atomic():
        _decide(candidate, seen_version, Candidate.Decision.ACCEPTED, user)
        seconds = candidate.seconds
        quote = Quote.objects.filter(source=candidate.source, text=candidate.text, timestamp_seconds=seconds).first()
        if quote is None:
            quote = Quote.objects.create(key=unique_key(Quote, candidate.text), source=candidate.source,
                                         speaker_id=candidate.speaker_id, text=candidate.text,
                                         timestamp_seconds=seconds)
        prediction = form.save()
        prediction.quotes.add(quote)
        Candidate.objects.filter(pk=candidate.pk).update(prediction=prediction, quote=quote)
    return prediction, quote
