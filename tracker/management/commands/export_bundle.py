import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.bundle import export_bundle


class Command(BaseCommand):
    help = "Write the whole database as a thesis-tracker bundle (JSON), in a stable order."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the bundle, or - for standard output.")

    def handle(self, path: str, **options):
        text = export_bundle()
        if path == "-":
            sys.stdout.write(text)
            return
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: cannot write the file ({exc.strerror})") from None
        self.stderr.write(f"Wrote {path}.")
