import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.bundle import export


class Command(BaseCommand):
    help = ("Write the whole database as a thesis-tracker bundle (JSON), in a stable order. Stored objects a "
            "bundle cannot hold as they are are written all the same, and named on standard error.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the bundle, or - for standard output.")

    def handle(self, path: str, **options):
        result = export()
        if path == "-":
            sys.stdout.write(result.text)
        else:
            try:
                Path(path).write_text(result.text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"{path}: cannot write the file ({exc.strerror})") from None
            self.stderr.write(f"Wrote {path}.")
        if result.problems:
            self.stderr.write(f"Warning: {len(result.problems)} stored object(s) cannot be imported again as they "
                              "are; correct them in the app or the admin:")
            for problem in result.problems:
                self.stderr.write(f"  {problem}")
