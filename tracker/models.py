"""The domain: who said what, where (and its transcript), the theses and signals, what it predicts, the forecasts,
and how it turned out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from statistics import median
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from .fields import NameField, WebURLField
from .limits import (
    LONGEST_RECORDING,
    NAME_LENGTH,
    NOTE_LENGTH,
    STATEMENT_LENGTH,
    TEXT_LENGTH,
    TITLE_LENGTH,
    URL_LENGTH,
    at_most,
    dated_within,
    due_date,
    past_date,
    recording_seconds,
    within,
)
from .sessions import AccountSession  # noqa: F401 (a model: it lives with the engine that fills it in)
from .validators import KEY_RULE, normal_ticker, validate_key, validate_positive, validate_ticker

KEY_HELP = f"A short unique slug used in bundles and URLs: {KEY_RULE}."
RESOLVED_ON = past_date("A prediction cannot be resolved on a date in the future.")


class Keyed(models.Model):
    """Objects that bundles refer to by a stable slug."""

    key = models.SlugField(max_length=100, unique=True, help_text=KEY_HELP, validators=[validate_key])
    # Bumped on every change, so a stale form (an edit, a resolution) cannot overwrite a newer write.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class Person(Keyed):
    name = NameField(max_length=NAME_LENGTH)
    affiliation = models.CharField(max_length=NAME_LENGTH, blank=True)
    url = WebURLField(max_length=URL_LENGTH, blank=True)

    # Fields that, compared by `same_name`, name one object only (a second "Ben Gilbert" would show as two
    # identical choices everywhere): the forms and the bundle import both refuse a second.
    same_name_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("person_detail", args=[self.pk])


class Company(Keyed):
    name = NameField(max_length=NAME_LENGTH)
    ticker = models.CharField(max_length=20, blank=True)
    url = WebURLField(max_length=URL_LENGTH, blank=True)

    same_name_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return f"{self.name} ({self.ticker})" if self.ticker else self.name

    def get_absolute_url(self) -> str:
        return reverse("company_detail", args=[self.pk])

    @property
    def price_ticker(self) -> str:
        """The ticker its prices are stored under ('' when it has none)."""
        return normal_ticker(self.ticker)


class Source(Keyed):
    class Kind(models.TextChoices):
        PODCAST = "podcast"
        ARTICLE = "article"
        VIDEO = "video"
        REPORT = "report"
        NOTE = "note"

    kind = models.CharField(max_length=20, choices=Kind)
    title = NameField(max_length=TITLE_LENGTH)
    publisher = NameField(max_length=NAME_LENGTH, blank=True, help_text="Show, site or publication.")
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="authored_sources"
    )
    published_on = models.DateField(null=True, blank=True,
                                    validators=past_date("A source cannot be published on a future date."))
    url = WebURLField(max_length=URL_LENGTH, blank=True)
    # A podcast or video of no length is a typo.
    duration_seconds = models.PositiveIntegerField(
        null=True, blank=True,
        validators=recording_seconds(1, "Enter a duration of at least one second, or leave it blank."))

    same_name_fields = ("title", "publisher")

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            within("duration_seconds", 1, LONGEST_RECORDING, name="source_duration_in_range"),
            dated_within("published_on", name="source_published_on_in_range"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("source_detail", args=[self.pk])


def link_at(url: str, seconds: int | None) -> str:
    """The URL of a moment in a recording, where the host supports it (YouTube `t=`, else `#t=`)."""
    if not url or seconds is None:
        return url
    parts = urlsplit(url)
    host = parts.netloc.lower()
    if host.endswith("youtube.com") or host.endswith("youtu.be"):
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "t"] + [("t", f"{seconds}s")]
        return urlunsplit(parts._replace(query=urlencode(query)))
    if parts.fragment:
        return url
    # Media fragments (#t=seconds) are understood by HTML5 players and harmless elsewhere.
    return urlunsplit(parts._replace(fragment=f"t={seconds}"))


def format_timestamp(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Quote(Keyed):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="quotes")
    speaker = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    text = models.TextField(max_length=TEXT_LENGTH, help_text="Verbatim, as said or written.")
    timestamp_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where in the recording it is said, in seconds.",
        validators=recording_seconds(0, "Enter a moment of 0:00 or later."),
    )

    class Meta:
        ordering = ["source", "timestamp_seconds", "key"]
        constraints = [
            # An empty quote cannot support anything.
            models.CheckConstraint(condition=~Q(text=""), name="quote_text_not_empty"),
            at_most("text", TEXT_LENGTH, name="quote_text_length"),
            within("timestamp_seconds", 0, LONGEST_RECORDING, name="quote_timestamp_in_range"),
        ]
        indexes = [
            # Source pages list quotes in timestamp order.
            models.Index(fields=["source", "timestamp_seconds"], name="quote_source_time_idx"),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:77] + "..."
        return f"“{text}”"

    @property
    def timestamp_label(self) -> str:
        return format_timestamp(self.timestamp_seconds)

    def deep_link(self) -> str:
        return link_at(self.source.url, self.timestamp_seconds)

    def get_absolute_url(self) -> str:
        return reverse("quote_detail", args=[self.pk])  # which page of its source shows it changes


class Tag(models.Model):
    name = models.SlugField(max_length=60, unique=True, validators=[validate_key])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('prediction_list')}?tag={self.name}"


TICKER_LENGTH = 20
DEFAULT_BENCHMARK = "SPY"  # the S&P 500 fund trade journals compare with


class Thesis(Keyed):
    class Stance(models.TextChoices):
        BULLISH = "bullish"
        BEARISH = "bearish"
        WATCH = "watch"
        RISK = "risk"

    class Status(models.TextChoices):
        ACTIVE = "active"
        CONFIRMED = "confirmed"
        INVALIDATED = "invalidated"
        RETIRED = "retired"

    title = models.CharField(max_length=TITLE_LENGTH)
    stance = models.CharField(max_length=20, choices=Stance)
    status = models.CharField(max_length=20, choices=Status, default=Status.ACTIVE)
    rationale = models.TextField(max_length=TEXT_LENGTH, blank=True)
    opened_on = models.DateField(default=date.today,
                                 validators=past_date("A thesis cannot be opened on a future date."))
    companies = models.ManyToManyField(Company, blank=True, related_name="theses", through="ThesisCompany")
    benchmark = models.CharField(max_length=TICKER_LENGTH, default=DEFAULT_BENCHMARK, validators=[validate_ticker],
                                 help_text="The ticker the thesis's return is compared with (its prices must be "
                                           "imported like any other).")
    quotes = models.ManyToManyField(Quote, blank=True, related_name="theses")

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "theses"
        constraints = [
            at_most("rationale", TEXT_LENGTH, name="thesis_rationale_length"),
            dated_within("opened_on", name="thesis_opened_on_in_range"),
        ]
        indexes = [
            # The theses list filters by stance and status.
            models.Index(fields=["stance", "status"], name="thesis_stance_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("thesis_detail", args=[self.pk])

    @property
    def default_direction(self) -> str:
        """How a company is held when the thesis does not say: short for a bearish thesis, else long."""
        return ThesisCompany.Direction.SHORT if self.stance == self.Stance.BEARISH else ThesisCompany.Direction.LONG


class ThesisCompany(models.Model):
    """A company a thesis is about, and whether acting on the thesis means holding it long or short."""

    class Direction(models.TextChoices):
        LONG = "long"
        SHORT = "short"

    thesis = models.ForeignKey(Thesis, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    # Blank: as the thesis's stance says (Thesis.default_direction), so a change of stance carries it along.
    direction = models.CharField(max_length=5, choices=Direction, blank=True, default="")

    class Meta:
        db_table = "tracker_thesis_companies"  # the table the plain many-to-many had: its links stay as they were
        unique_together = [("thesis", "company")]
        verbose_name = "company of a thesis"
        verbose_name_plural = "companies of theses"
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=["", "long", "short"]),
                                   name="thesis_company_direction_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.thesis_id} → {self.company_id} ({self.direction or 'as the stance'})"

    def held(self, thesis: Thesis) -> str:
        return self.direction or thesis.default_direction


class Price(models.Model):
    """One day's closing price of a ticker, as imported from a file (Stooq or Yahoo CSV) or a bundle."""

    ticker = models.CharField(max_length=TICKER_LENGTH, validators=[validate_ticker])
    day = models.DateField(validators=past_date("A price records a day that has happened: not a future date."))
    close = models.FloatField(validators=[validate_positive])
    # Adjusted for splits and dividends (Yahoo's "Adj Close"); None where the file gave none.
    adj_close = models.FloatField(null=True, blank=True, validators=[validate_positive])

    class Meta:
        ordering = ["ticker", "day"]
        constraints = [
            # One price a day per ticker; the index also serves reading a ticker's prices from a date on.
            models.UniqueConstraint(fields=["ticker", "day"], name="price_unique_per_day"),
            # A return divides by a price: a price of 0 or less is a broken file.
            models.CheckConstraint(condition=Q(close__gt=0), name="price_close_positive"),
            models.CheckConstraint(condition=Q(adj_close__isnull=True) | Q(adj_close__gt=0),
                                   name="price_adj_close_positive"),
            dated_within("day", name="price_day_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.ticker} {self.day}: {self.close}"

    @property
    def value(self) -> float:
        """What returns are computed from: the adjusted close where there is one."""
        return self.adj_close if self.adj_close is not None else self.close


class PriceSeries(models.Model):
    """What is stored of one ticker's prices, kept by every import in the transaction that writes them: how many
    days, from when to when, and when they last changed, which tells a series read before that it is stale (a
    moment, not a counter: a counter would start again at 1 after a restore into an emptied database)."""

    ticker = models.CharField(max_length=TICKER_LENGTH, unique=True, validators=[validate_ticker])
    changed_at = models.DateTimeField()
    days = models.PositiveIntegerField()
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        ordering = ["ticker"]
        verbose_name_plural = "price series"

    def __str__(self) -> str:
        return f"{self.ticker}: {self.days} days, {self.first_day} to {self.last_day}"


class PredictionQuerySet(models.QuerySet):
    def open(self) -> PredictionQuerySet:
        return self.filter(status=Prediction.Status.OPEN)

    def resolved(self) -> PredictionQuerySet:
        return self.exclude(status=Prediction.Status.OPEN)

    def scored(self) -> PredictionQuerySet:
        """Resolved true or false: the only outcomes a score can be computed from."""
        return self.filter(status__in=Prediction.SCORED)

    def outcome_counts(self) -> dict[str, int]:
        """How many of these predictions are in each status, every status present (one query)."""
        counts = dict(self.order_by().values_list("status").annotate(n=Count("pk")))
        return {status: counts.get(status, 0) for status in Prediction.Status.values}

    def due(self, today: date | None = None) -> PredictionQuerySet:
        """Open predictions whose resolve-by date has passed."""
        return self.open().filter(resolve_by__lt=today or timezone.localdate())

    def with_relations(self) -> PredictionQuerySet:
        """What a prediction card shows, fetched up front."""
        return self.select_related("speaker", "source").prefetch_related("tags")

    def totals(self, today: date | None = None) -> dict[str, int]:
        """How many predictions there are in each state, and how many are overdue, in one query.

        Grouped by status, so the database walks the (status, resolve_by) index once and evaluates one filter per
        row: about half the time of a filtered count per status at 100,000 predictions.
        """
        today = today or timezone.localdate()
        rows = self.order_by().values_list("status").annotate(n=Count("pk"),
                                                              past_due=Count("pk", filter=Q(resolve_by__lt=today)))
        counts = {status: (n, past_due) for status, n, past_due in rows}
        Status = Prediction.Status
        return {"predictions": sum(n for n, _ in counts.values()),
                **{status: counts.get(status, (0, 0))[0] for status in (Status.OPEN, Status.TRUE, Status.FALSE,
                                                                        Status.AMBIGUOUS)},
                "overdue": counts.get(Status.OPEN, (0, 0))[1]}


class Prediction(Keyed):
    class Status(models.TextChoices):
        OPEN = "open"
        TRUE = "true"
        FALSE = "false"
        AMBIGUOUS = "ambiguous"

    SCORED = (Status.TRUE, Status.FALSE)  # the outcomes a score can be computed from: o = 1, then o = 0
    CAME_TRUE = SCORED[0]

    statement = models.TextField(max_length=STATEMENT_LENGTH)
    speaker = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="predictions"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="predictions",
        help_text="Where the prediction was made.",
    )
    made_on = models.DateField(validators=past_date("A prediction cannot be made on a future date."))
    resolve_by = models.DateField(help_text="When the prediction should be judged.", validators=due_date())
    criteria = models.TextField(max_length=TEXT_LENGTH, blank=True, help_text="How to tell whether it came true.")
    stated_probability = models.FloatField(
        null=True, blank=True, help_text="The speaker's own confidence, between 0 and 1, if they gave one.",
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    resolved_on = models.DateField(null=True, blank=True, validators=RESOLVED_ON)
    resolution_note = models.TextField(max_length=TEXT_LENGTH, blank=True)
    resolution_url = WebURLField(max_length=URL_LENGTH, blank=True)
    quotes = models.ManyToManyField(Quote, blank=True, related_name="predictions")
    theses = models.ManyToManyField(Thesis, blank=True, related_name="predictions")
    companies = models.ManyToManyField(Company, blank=True, related_name="predictions")
    tags = models.ManyToManyField(Tag, blank=True, related_name="predictions")

    objects = PredictionQuerySet.as_manager()

    class Meta:
        permissions = [("resolve_prediction", "Can resolve predictions and undo resolutions")]
        constraints = [
            # A prediction is judged after it is made.
            models.CheckConstraint(condition=Q(resolve_by__gte=models.F("made_on")),
                                   name="prediction_resolve_after_made"),
            # A prediction is resolved after it is made.
            models.CheckConstraint(condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("made_on")),
                                   name="prediction_resolved_after_made"),
            # A probability, when stated, is between 0 and 1.
            models.CheckConstraint(
                condition=Q(stated_probability__isnull=True)
                | Q(stated_probability__gte=0, stated_probability__lte=1),
                name="prediction_stated_probability_range",
            ),
            # Open predictions have no resolution date; resolved ones always have one.
            models.CheckConstraint(
                condition=Q(status="open", resolved_on__isnull=True)
                | (~Q(status="open") & Q(resolved_on__isnull=False)),
                name="prediction_resolved_on_matches_status",
            ),
            models.CheckConstraint(condition=Q(status__in=["open", "true", "false", "ambiguous"]),
                                   name="prediction_status_valid"),
            models.CheckConstraint(condition=~Q(statement=""), name="prediction_statement_not_empty"),
            at_most("statement", STATEMENT_LENGTH, name="prediction_statement_length"),
            at_most("criteria", TEXT_LENGTH, name="prediction_criteria_length"),
            at_most("resolution_note", TEXT_LENGTH, name="prediction_resolution_note_length"),
            dated_within("made_on", name="prediction_made_on_in_range"),
            dated_within("resolve_by", name="prediction_resolve_by_in_range"),
            dated_within("resolved_on", name="prediction_resolved_on_in_range"),
        ]
        indexes = [
            # The due list: open predictions by resolve-by date.
            models.Index(fields=["status", "resolve_by"], name="prediction_status_due_idx"),
            # Recently resolved, and scoring by month of resolution.
            models.Index(fields=["resolved_on"], name="prediction_resolved_on_idx"),
            models.Index(fields=["made_on"], name="prediction_made_on_idx"),
        ]

    def __str__(self) -> str:
        return self.statement if len(self.statement) <= 100 else self.statement[:97] + "..."

    def get_absolute_url(self) -> str:
        return reverse("prediction_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.resolve_by < (today or timezone.localdate())


class ForecastQuerySet(models.QuerySet):
    def live(self) -> ForecastQuerySet:
        """Entered in the app, not brought in by an import."""
        return self.filter(imported_at__isnull=True)

    def imported(self) -> ForecastQuerySet:
        return self.filter(imported_at__isnull=False)


class Forecast(models.Model):
    """One user's probability that a prediction comes true. Every forecast is kept; the latest counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forecasts")
    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="forecasts")
    probability = models.FloatField()
    made_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(max_length=NOTE_LENGTH, blank=True)
    # Provenance: null for a forecast entered in the app; an import records when, and by whom (null: a
    # command run without --as). A bundle's own claim is never trusted, so made_at alone proves nothing.
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = ForecastQuerySet.as_manager()

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            # Certainty is not a forecast: 0 and 1 would make the log score infinite.
            models.CheckConstraint(condition=Q(probability__gt=0, probability__lt=1),
                                   name="forecast_probability_open_interval"),
            # A bundle names forecasts by this triple (and may only add to them).
            models.UniqueConstraint(fields=["user", "prediction", "made_at"],
                                    name="forecast_unique_per_moment"),
            at_most("note", NOTE_LENGTH, name="forecast_note_length"),
        ]
        indexes = [
            # Latest forecast per user and prediction, and scoring before resolution; it carries the
            # probability so the scoreboard reads the index alone.
            models.Index(fields=["prediction", "user", "made_at", "probability"], name="forecast_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.probability:.0%} on prediction {self.prediction_id}"

    @property
    def is_imported(self) -> bool:
        return self.imported_at is not None


def attach_forecast_views(predictions: Iterable[Prediction], user) -> None:
    """Set `my_forecast`, `community_median`, `forecaster_count` and `crowd_hidden` on each prediction, in one
    query.

    The community median is taken over every user's latest forecast. Under blind forecasting (the
    BLIND_FORECASTING setting) it is None, and `crowd_hidden` True, on an open prediction `user` has not forecast.
    """
    predictions = list(predictions)
    latest: dict[tuple[int, int], float] = {}
    # In the order of forecast_latest_idx, so the database reads the index and need not sort.
    rows = Forecast.objects.filter(prediction__in=[p.pk for p in predictions]).order_by(
        "prediction_id", "user_id", "made_at", "id")
    for prediction_id, user_id, probability in rows.values_list("prediction_id", "user_id", "probability"):
        latest[(prediction_id, user_id)] = probability
    by_prediction: dict[int, list[float]] = {}
    for (prediction_id, _), probability in latest.items():
        by_prediction.setdefault(prediction_id, []).append(probability)
    user_id = user.pk if user and user.is_authenticated else None
    for p in predictions:
        current = by_prediction.get(p.pk, [])
        p.forecaster_count = len(current)
        p.community_median = median(current) if current else None
        p.my_forecast = latest.get((p.pk, user_id))
        p.crowd_hidden = crowd_hidden(p, p.my_forecast is not None)
        if p.crowd_hidden:
            p.community_median = None


def crowd_hidden(prediction: Prediction, has_forecast: bool) -> bool:
    """Whether blind forecasting hides the crowd's forecasts on `prediction` from someone (who has, or has not,
    forecast it): only while it is open, and only until they make their own."""
    return settings.BLIND_FORECASTING and prediction.is_open and not has_forecast


class Signal(Keyed):
    """A dated event or piece of evidence that bears on theses and predictions."""

    class Direction(models.TextChoices):
        SUPPORTS = "supports"
        CONTRADICTS = "contradicts"
        NEUTRAL = "neutral"

    title = models.CharField(max_length=TITLE_LENGTH)
    occurred_on = models.DateField(validators=past_date(
        "A signal records something that has happened: it cannot have a future date."))
    url = WebURLField(max_length=URL_LENGTH, blank=True)
    summary = models.TextField(max_length=TEXT_LENGTH, blank=True)
    direction = models.CharField(max_length=20, choices=Direction, default=Direction.NEUTRAL)
    theses = models.ManyToManyField(Thesis, blank=True, related_name="signals")
    predictions = models.ManyToManyField(Prediction, blank=True, related_name="signals")

    class Meta:
        ordering = ["-occurred_on", "title"]
        constraints = [
            at_most("summary", TEXT_LENGTH, name="signal_summary_length"),
            dated_within("occurred_on", name="signal_occurred_on_in_range"),
        ]
        indexes = [
            # Thesis pages and the dashboard show the latest signals first.
            models.Index(fields=["-occurred_on"], name="signal_occurred_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{reverse('signal_list')}#signal-{self.key}"


class ResolutionEvent(models.Model):
    """One change of a prediction's status. Append-only: an undo is a new row, never an edit."""

    class Action(models.TextChoices):
        RESOLVE = "resolve"
        UNDO = "undo"

    # PROTECT: a prediction or user with history cannot be deleted, so the history is never lost.
    prediction = models.ForeignKey(Prediction, on_delete=models.PROTECT, related_name="history")
    action = models.CharField(max_length=10, choices=Action, default=Action.RESOLVE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, choices=Prediction.Status)
    to_status = models.CharField(max_length=20, choices=Prediction.Status)
    # The state the prediction was left in, so that an undo can restore the one before it.
    resolved_on = models.DateField(null=True, blank=True, validators=RESOLVED_ON)
    note = models.TextField(max_length=TEXT_LENGTH, blank=True)
    evidence_url = WebURLField(max_length=URL_LENGTH, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # Bundles upsert history by prediction and moment.
            models.UniqueConstraint(fields=["prediction", "at"], name="history_unique_per_moment"),
            at_most("note", TEXT_LENGTH, name="history_note_length"),
            dated_within("resolved_on", name="history_resolved_on_in_range"),
        ]
        verbose_name = "resolution history entry"
        verbose_name_plural = "resolution history"

    counted_plural = "resolution history entries"  # "2 resolution history" reads wrong; the admin keeps its title

    def __str__(self) -> str:
        return f"{self.prediction_id}: {self.from_status} → {self.to_status} ({self.action})"


class PredictionEdit(models.Model):
    """A change to what a prediction asks (its statement, criteria or resolve-by date) made after someone had
    forecast it, so that its forecasters can see the question moved under them. Append-only, like the history:
    the database refuses UPDATE and DELETE (migration 0017)."""

    class Field(models.TextChoices):
        STATEMENT = "statement", "Statement"
        CRITERIA = "criteria", "Resolution criteria"
        RESOLVE_BY = "resolve_by", "Resolve-by date"

    # PROTECT, as for the history: a prediction or user with recorded edits is kept, so no record is lost.
    prediction = models.ForeignKey(Prediction, on_delete=models.PROTECT, related_name="edits")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=20, choices=Field)
    # As text: a resolve-by date as YYYY-MM-DD. Statements and criteria are held to their own limits.
    before = models.TextField(max_length=TEXT_LENGTH, blank=True)
    after = models.TextField(max_length=TEXT_LENGTH, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # Bundles add edits by prediction, moment and field.
            models.UniqueConstraint(fields=["prediction", "at", "field"], name="prediction_edit_unique"),
            models.CheckConstraint(condition=Q(field__in=["statement", "criteria", "resolve_by"]),
                                   name="prediction_edit_field_valid"),
            at_most("before", TEXT_LENGTH, name="prediction_edit_before_length"),
            at_most("after", TEXT_LENGTH, name="prediction_edit_after_length"),
        ]

    def __str__(self) -> str:
        return f"{self.prediction_id}: {self.field} edited at {self.at:%Y-%m-%d %H:%M}"

    def shown(self, text: str):
        """A side of the edit as a page shows it: a resolve-by date as a date."""
        return date.fromisoformat(text) if self.field == self.Field.RESOLVE_BY and text else text

    @property
    def shown_before(self):
        return self.shown(self.before)

    @property
    def shown_after(self):
        return self.shown(self.after)

    @staticmethod
    def as_text(value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value or "")

    @classmethod
    def record(cls, prediction: Prediction, before: dict, editor=None) -> list[PredictionEdit]:
        """Record each tracked field of `before` (field -> the value it had) that `prediction` now holds
        otherwise, if anyone had forecast it by then. Call it in the edit's transaction, after the write."""
        changed = {name: (cls.as_text(value), cls.as_text(getattr(prediction, name)))
                   for name, value in before.items() if name in cls.Field.values}
        changed = {name: pair for name, pair in changed.items() if pair[0] != pair[1]}
        if not changed or not prediction.forecasts.exists():
            return []
        now = timezone.now()
        return cls.objects.bulk_create([
            cls(prediction=prediction, editor=editor if editor and editor.is_authenticated else None, at=now,
                field=name, before=old, after=new) for name, (old, new) in changed.items()])


class SaidAt:
    """A sentence of a transcript, said `start_ms` into the recording (None in a transcript without times)."""

    @property
    def seconds(self) -> int | None:
        return None if self.start_ms is None else self.start_ms // 1000

    @property
    def timestamp_label(self) -> str:
        return format_timestamp(self.seconds)


class TranscriptSegment(SaidAt, models.Model):
    """One sentence of a source's transcript, in the order it was said."""

    # A transcript is part of its source: deleting a source entered by mistake takes it along.
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    start_ms = models.PositiveIntegerField(null=True, blank=True)
    end_ms = models.PositiveIntegerField(null=True, blank=True)
    speaker = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="transcript_segments"
    )
    text = models.TextField()

    class Meta:
        ordering = ["source", "position"]
        verbose_name = "transcript sentence"
        constraints = [
            # One sentence per place; the index also serves reading a transcript in order.
            models.UniqueConstraint(fields=["source", "position"], name="transcript_segment_unique_position"),
            models.CheckConstraint(condition=~Q(text=""), name="transcript_segment_text_not_empty"),
            # A sentence ends after it starts.
            models.CheckConstraint(
                condition=Q(start_ms__isnull=True) | Q(end_ms__isnull=True) | Q(end_ms__gte=models.F("start_ms")),
                name="transcript_segment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}#{self.position}: {self.text[:60]}"

    # A source page shows its transcript this many sentences a page: a 4-hour episode has about 3,000.
    PER_PAGE = 200

    def get_absolute_url(self) -> str:
        page = self.position // self.PER_PAGE + 1
        return f"{reverse('source_detail', args=[self.source_id])}?transcript_page={page}#t-{self.position}"


class Invitation(models.Model):
    """An e-mail invitation to an account: the link it sent works until it is used, expires
    (INVITATION_VALID_DAYS after it was sent) or a newer invitation to the same account replaces it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The account was made for this invitation, so its user name is only a suggestion the invitee may change.
    # An account an import made keeps its name: bundles refer to users by it.
    new_account = models.BooleanField(default=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        permissions = [("manage_users", "Can invite people and change their roles")]
        indexes = [
            # The latest invitation per account, for the Users page and for telling a replaced link.
            models.Index(fields=["user", "-sent_at"], name="invitation_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.sent_at:%Y-%m-%d})"

    @property
    def expires_at(self):
        return invitation_expiry(self.sent_at)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


def invitation_expiry(sent_at):
    return sent_at + timedelta(days=settings.INVITATION_VALID_DAYS)


class CandidateQuerySet(models.QuerySet):
    def pending(self) -> CandidateQuerySet:
        return self.filter(decision=Candidate.Decision.PENDING)


class Candidate(SaidAt, models.Model):
    """A transcript sentence the rules flagged as a possible prediction, and what an editor decided about it.

    Transcript sentences are replaced on every re-import, so a candidate is not tied to one: it is the sentence of
    its source with this normalised text (`fingerprint`), and `position` says where it is in the transcript now
    (None once a re-import no longer has it). A decision is kept, so the same sentence is never asked about twice.
    """

    class Decision(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        DISMISSED = "dismissed"

    # Part of the source's transcript, like its sentences: deleting a source entered by mistake takes them along.
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)  # sha256 of the normalised text
    text = models.TextField()
    position = models.PositiveIntegerField(null=True, blank=True)
    start_ms = models.PositiveIntegerField(null=True, blank=True)
    speaker = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)  # readable, in the order the rules found them
    resolve_by = models.DateField(null=True, blank=True)
    companies = models.ManyToManyField(Company, blank=True, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision, default=Decision.PENDING)
    # A prediction made from a candidate may still be deleted as entered by mistake; the decision stays taken.
    prediction = models.ForeignKey(Prediction, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    quote = models.ForeignKey(Quote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every decision, so two editors deciding the same candidate cannot both win.
    version = models.PositiveIntegerField(default=1)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["source", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "fingerprint"], name="candidate_unique_sentence"),
            models.CheckConstraint(condition=Q(decision__in=["pending", "accepted", "dismissed"]),
                                   name="candidate_decision_valid"),
            # Decided means decided at some moment; pending has none.
            models.CheckConstraint(condition=Q(decision="pending", decided_at__isnull=True)
                                   | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                                   name="candidate_decided_at_matches_decision"),
            models.CheckConstraint(condition=~Q(text=""), name="candidate_text_not_empty"),
        ]
        indexes = [
            # The review queue: a source's pending candidates in transcript order; the counts.
            models.Index(fields=["source", "decision", "position"], name="candidate_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}: {self.text[:60]} ({self.decision})"

    def moment_link(self) -> str:
        return link_at(self.source.url, self.seconds)

    def transcript_url(self) -> str:
        if self.position is None:
            return f"{self.source.get_absolute_url()}#transcript"
        page = self.position // TranscriptSegment.PER_PAGE + 1
        return f"{self.source.get_absolute_url()}?transcript_page={page}#t-{self.position}"
# --- Reminders: digests by e-mail, the calendar and the feed --------------------------------------------------

class ReminderSettings(models.Model):
    """One user's digest choice and calendar link. A user without a row has the defaults (`for_user`)."""

    class Digest(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        OFF = "off", "Off"

    WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
                (6, "Sunday")]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings")
    digest = models.CharField(max_length=10, choices=Digest, default=Digest.DAILY)
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS, default=0, help_text="For a weekly digest.")
    hour = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text="The hour it goes out, in the site's time zone.")
    stale_after_days = models.PositiveSmallIntegerField(
        "stale after (days)", default=14, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A forecast of yours older than this, on a prediction still open, is listed as stale.")
    # The secret in the calendar and feed URLs; empty when the user has none (or revoked it). A change checks the
    # token the page showed, not `version`, which guards the digest choice only: the two are edited apart.
    calendar_token = models.CharField(max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(condition=Q(digest__in=["daily", "weekly", "off"]), name="reminder_digest_valid"),
            within("weekday", 0, 6, name="reminder_weekday_in_range"),
            within("hour", 0, 23, name="reminder_hour_in_range"),
            within("stale_after_days", 1, 365, name="reminder_stale_days_in_range"),
            models.UniqueConstraint(fields=["calendar_token"], condition=~Q(calendar_token=""),
                                    name="reminder_calendar_token_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_digest_display().lower()} digest"

    @classmethod
    def for_user(cls, user) -> ReminderSettings:
        """The stored settings, or the defaults (unsaved): daily, which mails only an account with an address."""
        try:
            return cls.objects.get(user=user)
        except cls.DoesNotExist:
            return cls(user=user)


class ReminderOutbox(models.Model):
    """One digest due to one user for one period (a day, or an ISO week). The unique pair is what makes two runs
    at once, or a run after a crash, send each digest at most once and skip none: a run claims a row before
    sending, and a claim that was never finished expires and is taken again."""

    class State(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        EMPTY = "empty", "nothing to send"
        FAILED = "failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20, help_text="daily:2026-12-02 or weekly:2026-W49.")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "reminder outbox entry"
        verbose_name_plural = "reminder outbox"
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="reminder_outbox_once_per_period"),
            models.CheckConstraint(condition=Q(state__in=["pending", "sent", "empty", "failed"]),
                                   name="reminder_outbox_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="reminder_outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.period}: {self.state}"


class ApiToken(models.Model):
    """A personal token for the JSON API. Only a digest is stored: the token itself is shown once, at creation.

    The token reads `tt_<prefix>_<secret>`; the public prefix finds the row, and the digest of the whole token is
    compared in constant time (tracker.api.tokens).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=NAME_LENGTH, help_text="What the token is for, e.g. “forecast script”.")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    read_only = models.BooleanField(default=False, help_text="Read-only tokens may read but never write.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_empty")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class Score(models.Model):
    """One forecaster's stored score on one scored prediction, written in the transaction that resolved it.

    `live_only` says which forecasts were counted: every one (False), or only those entered in the app (True),
    for the scoreboard's live-only view. Rebuilt from the forecasts by `tracker.scores.rescore`; never edited.
    """

    # Hidden relations ("+"): stored scores follow what they score and never keep it from being deleted.
    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    live_only = models.BooleanField()
    # The counted forecast: the user's latest made strictly before the resolution moment.
    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    imported = models.BooleanField()
    outcome = models.PositiveSmallIntegerField()  # 1 came true, 0 did not
    resolved_on = models.DateField()
    bin = models.PositiveSmallIntegerField()  # the calibration bin of the probability, 0..9
    brier = models.FloatField()
    log_score = models.FloatField()
    median_brier = models.FloatField()  # the community median's Brier on the same prediction
    time_brier = models.FloatField()  # averaged over the time each forecast stood, first forecast to resolution

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prediction", "user", "live_only"], name="score_unique")]
        indexes = [
            # The scoreboard adds up per forecaster and bin; the index carries every summed column.
            models.Index(fields=["live_only", "user", "bin", "probability", "outcome", "brier", "log_score",
                                 "median_brier", "time_brier", "imported"], name="score_board_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on prediction {self.prediction_id}: Brier {self.brier:.3f}"


class CommunityScore(models.Model):
    """Per scored prediction (every one, forecast or not): its outcome, the community median of the counted
    forecasts and that median's Brier, and the sum of the counted forecasts' Brier (the scoreboard's months)."""

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="+")
    live_only = models.BooleanField()
    outcome = models.PositiveSmallIntegerField()
    resolved_on = models.DateField()
    forecasters = models.PositiveIntegerField()  # how many counted forecasts, one per user
    median = models.FloatField(null=True)  # null when nobody forecast it in time
    median_brier = models.FloatField(null=True)
    sum_brier = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prediction", "live_only"], name="community_score_unique")]
        indexes = [
            models.Index(fields=["live_only", "resolved_on", "outcome", "forecasters", "sum_brier"],
                         name="community_score_day_idx"),
        ]

    def __str__(self) -> str:
        return f"prediction {self.prediction_id}: median {self.median}"


class GroupScore(models.Model):
    """A speaker's, source's, thesis's, company's or tag's scored predictions: how many resolved true or false
    and how many came true (and, for a speaker, the Brier of the probabilities they stated). Stored with every
    write that resolves a prediction or changes which groups it belongs to; names are read live."""

    class Kind(models.TextChoices):
        SPEAKERS = "speakers"
        SOURCES = "sources"
        THESES = "theses"
        COMPANIES = "companies"
        TAGS = "tags"

    kind = models.CharField(max_length=20, choices=Kind)
    group_id = models.PositiveBigIntegerField()  # the person, source, thesis, company or tag
    resolved = models.PositiveIntegerField()
    correct = models.PositiveIntegerField()
    stated_count = models.PositiveIntegerField(null=True)  # speakers only
    stated_brier = models.FloatField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "group_id"], name="group_score_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.group_id}: {self.correct} of {self.resolved}"
