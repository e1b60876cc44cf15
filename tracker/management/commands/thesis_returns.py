import json

from django.core.management.base import BaseCommand

from tracker.market import thesis_performances
from tracker.models import Thesis
from tracker.spreadsheet import csv_text

COLUMNS = ["key", "return", "benchmark", "benchmark_return", "excess", "start_date", "end_date"]


class Command(BaseCommand):
    help = ("Print each thesis's return since it was opened (buy and hold, equal weights, long or short per company) "
            "against its benchmark, as JSON or CSV: key, return, benchmark, benchmark_return, excess, start_date, "
            "end_date. Returns are fractions (0.12 for 12%); null (blank in CSV) where there are no prices.")

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, format: str, **options):
        theses = list(Thesis.objects.order_by("key"))
        returns = thesis_performances(theses)
        rows = []
        for thesis in theses:
            figures = returns[thesis.pk].as_row()
            for name in ("start_date", "end_date"):
                figures[name] = figures[name].isoformat() if figures[name] else None
            rows.append({"key": thesis.key, **figures})
        if format == "json":
            self.stdout.write(json.dumps(rows, indent=2))
        else:
            table = [COLUMNS] + [["" if row[c] is None else row[c] for c in COLUMNS] for row in rows]
            self.stdout.write(csv_text(table), ending="")
