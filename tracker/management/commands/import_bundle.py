import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.bundle import BundleError, import_bundle


class Command(BaseCommand):
    help = "Import a thesis-tracker bundle (JSON), upserting by key. Writes nothing if any problem is found."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The bundle file, or - to read standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument("--as", dest="username", metavar="USERNAME",
                            help="Who is importing: recorded on every forecast the import adds.")
        parser.add_argument("--restore", action="store_true",
                            help="Restore a backup: keep the provenance the bundle states for each forecast "
                                 "(entered in the app, or imported when and by whom) instead of recording this "
                                 "import on them.")

    def handle(self, path: str, dry_run: bool, username: str | None, restore: bool, **options):
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named {username!r}.")
        try:
            raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        try:
            report = import_bundle(raw, dry_run=dry_run, user=user, restore=restore)
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            noun = "problem" if len(exc.problems) == 1 else "problems"
            raise CommandError(f"{len(exc.problems)} {noun} found; nothing was imported.") from None
        prefix = "Valid bundle (dry run, nothing written). " if dry_run else "Imported. "
        self.stdout.write(prefix + report.summary())
