import time

from django.core.management.base import BaseCommand

from tracker.cache import invalidate_scoreboard
from tracker.models import CommunityScore, Score
from tracker.scores import rescore


class Command(BaseCommand):
    help = (
        "Rebuild every stored score (tracker.models.Score and CommunityScore) from the forecasts and the "
        "predictions' outcomes, in one transaction. The app keeps them current itself; run this after changing "
        "forecasts or resolutions outside it (a shell, SQL, a restored table). Running it twice changes nothing."
    )

    def handle(self, **options):
        started = time.perf_counter()
        rescore()
        invalidate_scoreboard()
        # Each figure is stored twice: counting every forecast, and counting only those entered in the app.
        self.stdout.write(f"Stored {Score.objects.count()} forecaster scores and {CommunityScore.objects.count()} "
                          f"prediction scores in {time.perf_counter() - started:.1f} s.")
