import time

from django.core.management.base import BaseCommand

from tracker.cache import invalidate_scoreboard
from tracker.models import CommunityScore, GroupScore, Score
from tracker.scores import rescore_everything


class Command(BaseCommand):
    help = (
        "Rebuild every stored score (Score, CommunityScore, GroupScore) from the forecasts, the predictions' "
        "outcomes and the groups they are in, in one transaction. The app keeps them current itself; run this "
        "after changing forecasts or predictions outside it (a shell, SQL). Running it twice changes nothing."
    )

    def handle(self, **options):
        started = time.perf_counter()
        rescore_everything()
        invalidate_scoreboard()
        elapsed = time.perf_counter() - started
        # Forecasters' and predictions' rows are stored twice: counting every forecast, and only live ones.
        self.stdout.write(f"Stored {Score.objects.count()} forecaster scores, {CommunityScore.objects.count()} "
                          f"prediction scores and {GroupScore.objects.count()} group rows in {elapsed:.1f} s.")
