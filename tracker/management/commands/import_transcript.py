import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker.models import Person, Source
from tracker.transcripts.parse import TranscriptError
from tracker.transcripts.store import NewPerson, label_key, match_people, prepare, save_transcript


def speaker_option(value: str) -> tuple[str, str]:
    label, sep, key = value.partition("=")
    if not sep or not label.strip():
        raise ValueError(value)
    return label.strip(), key.strip()


class Command(BaseCommand):
    help = ("Import a transcript (WebVTT, SRT, Whisper or Podcast Namespace JSON, HTML or plain text, detected from "
            "the content) into a source. Writes nothing if any problem is found.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="The source's key.")
        parser.add_argument("path", help="The transcript file, or - to read standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Parse and check only; write nothing.")
        parser.add_argument("--replace", action="store_true", help="Replace the source's transcript if it has one.")
        parser.add_argument("--speaker", action="append", default=[], type=speaker_option, metavar="LABEL=PERSON_KEY",
                            help="Map a speaker label to a person (LABEL= for nobody). Unknown labels otherwise "
                                 "become new people named as the label.")

    def handle(self, source: str, path: str, dry_run: bool, replace: bool, speaker: list, **options):
        try:
            found = Source.objects.get(key=source)
        except Source.DoesNotExist:
            raise CommandError(f"No source has the key {source!r}.") from None
        data = self._read(path)
        try:
            parsed = prepare(data, found)
        except TranscriptError as exc:
            raise CommandError(f"{path}: {exc}; nothing was imported.") from None
        mapping = self._mapping(parsed.labels, speaker)
        described = ", ".join(f"{label} → {self._describe(target)}" for label, target in mapping.items())
        summary = (f"{len(parsed.sentences)} sentences ({parsed.format}) for “{found.title}”"
                   + (f"; speakers: {described}" if described else "; no speakers named"))
        try:
            with transaction.atomic():
                saved = save_transcript(found, parsed, mapping, replace=replace)
                if dry_run:
                    transaction.set_rollback(True)
        except TranscriptError as exc:
            hint = " (use --replace)" if not replace else ""
            raise CommandError(f"{exc}{hint}; nothing was imported.") from None
        flagged = saved.candidates
        summary += (f"; {flagged.pending} candidate predictions to review ({flagged.new} new"
                    + (f", {flagged.decided} decided before and not asked again" if flagged.decided else "") + ")")
        self.stdout.write(("Valid transcript (dry run, nothing written): " if dry_run else "Imported ") + summary)

    def _read(self, path: str) -> bytes:
        # One byte past the limit is enough to know a file is too large, without reading all of it.
        limit = settings.TRANSCRIPT_MAX_BYTES + 1
        try:
            if path == "-":
                return sys.stdin.buffer.read(limit)
            with Path(path).open("rb") as file:
                return file.read(limit)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None

    def _mapping(self, labels: list[str], options: list[tuple[str, str]]) -> dict:
        by_key = {label_key(label): label for label in labels}
        mapping: dict = {label: person or NewPerson(label) for label, person in match_people(labels).items()}
        for given, key in options:
            label = by_key.get(label_key(given))
            if label is None:
                raise CommandError(f"--speaker {given}=...: no speaker {given!r} in the transcript "
                                   f"(it names: {', '.join(labels) or 'nobody'}).")
            if not key:
                mapping[label] = None
                continue
            try:
                mapping[label] = Person.objects.get(key=key)
            except Person.DoesNotExist:
                raise CommandError(f"--speaker {given}={key}: no person has the key {key!r}.") from None
        return mapping

    @staticmethod
    def _describe(target) -> str:
        if target is None:
            return "nobody"
        if isinstance(target, NewPerson):
            return f"new person “{target.name}”"
        return f"{target.name} ({target.key})"
