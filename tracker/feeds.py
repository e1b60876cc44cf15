"""What calendar apps and feed readers fetch with a user's secret token: an iCalendar of open predictions on
their resolve-by dates, and an Atom feed of predictions coming due and recently resolved."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from icalendar import Calendar, Event

from .models import Prediction
from .reminders import calendar_owner, site_link

FEED_COMING_DAYS = 30
FEED_RESOLVED_DAYS = 30
FEED_ITEMS = 100


def uid_of(prediction: Prediction) -> str:
    """Stable for the life of the prediction, so calendar apps update an event instead of adding another."""
    return f"prediction-{prediction.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"


def prediction_calendar(predictions, now: datetime | None = None) -> bytes:
    """One all-day event per open prediction, on its resolve-by date."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Thesis Tracker//predictions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Thesis Tracker: predictions due")
    for prediction in predictions:
        link = site_link(prediction.get_absolute_url())
        event = Event()
        event.add("uid", uid_of(prediction))
        event.add("dtstamp", now)
        event.add("dtstart", prediction.resolve_by)
        event.add("dtend", prediction.resolve_by + timedelta(days=1))
        event.add("summary", f"Due: {prediction}")
        criteria = f"\n\nCriteria: {prediction.criteria}" if prediction.criteria else ""
        event.add("description", f"{prediction.statement}{criteria}\n\n{link}")
        event.add("url", link)
        # An edit moves the version on: calendar apps take the higher sequence as the newer event.
        event.add("sequence", prediction.version)
        event.add("transp", "TRANSPARENT")  # a deadline, not a meeting: it does not make anyone busy
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_predictions():
    return Prediction.objects.open().select_related("speaker").order_by("resolve_by", "id")


class PredictionFeed(Feed):
    """Atom: predictions coming due in the next month (overdue ones included) and those resolved in the last."""

    feed_type = Atom1Feed
    title = "Thesis Tracker: predictions coming due and resolved"
    subtitle = (f"Open predictions due within {FEED_COMING_DAYS} days or overdue, and predictions resolved in the "
                f"last {FEED_RESOLVED_DAYS} days.")

    def get_object(self, request, token: str):
        user = calendar_owner(token)
        if user is None:
            raise Http404("No calendar link like this.")
        return user

    def link(self) -> str:
        return site_link("/")

    def items(self, user):
        today = timezone.localdate()
        coming = Prediction.objects.open().filter(resolve_by__lte=today + timedelta(days=FEED_COMING_DAYS))
        resolved = Prediction.objects.resolved().filter(resolved_on__gte=today - timedelta(days=FEED_RESOLVED_DAYS))
        # Newest news first: a resolution by its date, a coming deadline by its own.
        return ((coming | resolved).annotate(when=Coalesce("resolved_on", "resolve_by"))
                .order_by("-when", "-id")[:FEED_ITEMS])

    @staticmethod
    def _when(prediction: Prediction):
        return prediction.resolve_by if prediction.is_open else prediction.resolved_on

    def item_title(self, prediction: Prediction) -> str:
        if prediction.is_open:
            return f"Due {prediction.resolve_by:%-d %b %Y}: {prediction}"
        return f"Resolved {prediction.get_status_display().lower()}: {prediction}"

    def item_description(self, prediction: Prediction) -> str:
        parts = [prediction.statement]
        if prediction.criteria:
            parts.append(f"Criteria: {prediction.criteria}")
        if not prediction.is_open and prediction.resolution_note:
            parts.append(f"Resolution: {prediction.resolution_note}")
        return "\n\n".join(parts)

    def item_link(self, prediction: Prediction) -> str:
        return site_link(prediction.get_absolute_url())

    def item_guid(self, prediction: Prediction) -> str:
        # Resolving is news of its own: a reader shows it as a new entry, not an edit of the due one.
        return f"{site_link(prediction.get_absolute_url())}#{'due' if prediction.is_open else prediction.status}"

    def item_guid_is_permalink(self, prediction: Prediction) -> bool:
        return False

    def item_updateddate(self, prediction: Prediction) -> datetime:
        return timezone.make_aware(datetime.combine(self._when(prediction), time()))

    def item_pubdate(self, prediction: Prediction) -> datetime:
        return self.item_updateddate(prediction)
