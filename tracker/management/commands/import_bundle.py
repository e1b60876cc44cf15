import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.bundle import BundleError, import_bundle


class Command(BaseCommand):
    help = "Import a thesis-tracker bundle (JSON), upserting by key. Writes nothing if any problem is found."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The bundle file, or - to read standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")

    def handle(self, path: str, dry_run: bool, **options):
        try:
            raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        try:
            report = import_bundle(raw, dry_run=dry_run)
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            noun = "problem" if len(exc.problems) == 1 else "problems"
            raise CommandError(f"{len(exc.problems)} {noun} found; nothing was imported.") from None
        prefix = "Valid bundle (dry run, nothing written). " if dry_run else "Imported. "
        self.stdout.write(prefix + report.summary())
