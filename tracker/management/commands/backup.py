from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.backups import BackupError, backup


class Command(BaseCommand):
    help = "Write a consistent copy of the live SQLite database to PATH (safe while the app is running)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path: str, **options):
        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} already exists; choose a new file name.")
        try:
            pages = backup(target)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up {pages} pages to {target}.")
