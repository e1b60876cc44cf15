"""The domain: who said what, where (and its transcript), the theses and signals, what it predicts, the forecasts,
and how it turned out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
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
from .validators import KEY_RULE, validate_key

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
    companies = models.ManyToManyField(Company, blank=True, related_name="theses")
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
    """Set `my_forecast`, `community_median` and `forecaster_count` on each prediction, in one query.

    The community median is taken over every user's latest forecast.
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


class TranscriptSegment(models.Model):
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

    @property
    def seconds(self) -> int | None:
        return None if self.start_ms is None else self.start_ms // 1000

    @property
    def timestamp_label(self) -> str:
        return format_timestamp(self.seconds)


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
