from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.backups import BackupError, restore


class Command(BaseCommand):
    help = ("Replace the content of the live SQLite database with a backup made by `backup`, in place (safe while "
            "the app runs: writes made after the restore are kept).")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation.")

    def handle(self, path: str, interactive: bool, **options):
        if interactive:
            answer = input(f"Replace ALL current data with the content of {path}? Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            restore(Path(path))
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored the database from {path}.")
