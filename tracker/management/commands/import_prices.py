import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.prices import PriceFileError, import_prices


class Command(BaseCommand):
    help = ("Import daily prices from a CSV file as Stooq (Date,Open,High,Low,Close,Volume) or Yahoo "
            "(Date,Open,High,Low,Close,Adj Close,Volume) write them: one ticker (--ticker) or a Ticker column. "
            "Writes nothing if any problem is found; stored days are updated in place.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file, or - to read standard input.")
        parser.add_argument("--ticker", default="", help="The ticker the prices are for (files without a Ticker "
                                                         "column).")

    def handle(self, path: str, ticker: str, **options):
        limit = settings.PRICES_MAX_BYTES + 1  # one byte more than allowed is enough to refuse a file
        try:
            if path == "-":
                raw = sys.stdin.buffer.read(limit)
            else:
                with Path(path).open("rb") as stream:
                    raw = stream.read(limit)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        try:
            report = import_prices(raw, ticker)
        except PriceFileError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            noun = "problem" if len(exc.problems) == 1 else "problems"
            raise CommandError(f"{len(exc.problems)} {noun} found; nothing was imported.") from None
        self.stdout.write(f"Imported. {report.summary()}")
