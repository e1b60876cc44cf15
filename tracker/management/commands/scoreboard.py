import json
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.scoring import compute_scoreboard, csv_rows
from tracker.spreadsheet import csv_text


class Command(BaseCommand):
    help = (
        "Print the scoreboard (forecasters, speakers, sources, theses, companies, tags, calibration, by month) "
        "as JSON (the dict of tracker.scoring.compute_scoreboard, indented) or as one CSV table: its first "
        "column, `table`, names the section (totals, forecasters, speakers, ...); the other columns are the union "
        "of all sections' columns, blank where a section has no such column or a figure is undefined."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--user", help="Also give this user's own calibration (my_calibration).")
        parser.add_argument("--today", type=date.fromisoformat,
                            help="The date overdue is counted against (YYYY-MM-DD); default today.")
        parser.add_argument("--live-only", action="store_true",
                            help="Count only forecasts entered in the app, none brought in by an import.")

    def handle(self, format: str, user: str | None, today: date | None, live_only: bool, **options):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user named {user!r}.")
        board = compute_scoreboard(today=today, user=account, live_only=live_only)
        if format == "json":
            self.stdout.write(json.dumps(board, indent=2))
        else:
            self.stdout.write(csv_text(csv_rows(board)), ending="")
