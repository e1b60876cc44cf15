"""Reminder digests: when each user's is due, what it says, and the outbox that sends each one once.

A run (`manage.py send_reminders`) first records every digest now due in the outbox (one row per user and
period, kept unique by the database), then claims pending rows one at a time and sends them. A claim is a
conditional UPDATE with a lease: two runs at once never both send a row, and a run that dies mid-send leaves a
claim that expires, so the next run takes the row again instead of skipping it. The run's clock (`now`, which
`--now` sets) decides what is due and what the digest lists; leases, back-off and "sent at" use the real time.
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
import secrets
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .editing import StaleEdit
from .formats import moment
from .models import Forecast, Prediction, ReminderOutbox, ReminderSettings

log = logging.getLogger(__name__)

Digest = ReminderSettings.Digest
State = ReminderOutbox.State

COMING_DAYS = 7  # "due within the next 7 days"
LISTED = 20  # items a digest lists per section; the rest is a count and a link
# A claim a run has not finished within this time is taken to be a run that died; another may take the row.
LEASE = timedelta(minutes=10)
# Between runs, a row that still failed waits this long, doubled for each failed run, up to MAX_BACKOFF.
BACKOFF = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
STALE_TITLE = "Stale forecasts"
KEEP = timedelta(days=90)  # how long the outbox keeps a digest it has finished with
UNSUBSCRIBE_SALT = "tracker.reminders.unsubscribe"


# --- the schedule ------------------------------------------------------------------------------------------

def due_moment(prefs: ReminderSettings, now: datetime) -> datetime | None:
    """The latest moment at or before `now` at which this user's digest was due (site time zone), or None."""
    if prefs.digest == Digest.OFF:
        return None
    local = timezone.localtime(now, timezone.get_default_timezone())
    at = local.replace(hour=prefs.hour, minute=0, second=0, microsecond=0)
    if prefs.digest == Digest.WEEKLY:
        at -= timedelta(days=(local.weekday() - prefs.weekday) % 7)
    if at > local:
        at -= timedelta(days=7 if prefs.digest == Digest.WEEKLY else 1)
    return at


def period_of(prefs: ReminderSettings, at: datetime) -> str:
    """The outbox's name for the day or week a digest covers: one digest per user and period, ever."""
    if prefs.digest == Digest.WEEKLY:
        year, week, _ = at.date().isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{at.date().isoformat()}"


def period_length(period: str) -> timedelta:
    return timedelta(days=7) if period.startswith("weekly:") else timedelta(days=1)


def prefs_of(user) -> ReminderSettings:
    """A user's settings, from `select_related("reminder_settings")`, or the defaults."""
    try:
        return user.reminder_settings
    except ObjectDoesNotExist:
        return ReminderSettings(user=user)


def recipients():
    """Accounts that can receive a digest: active, with an e-mail address."""
    return (get_user_model().objects.filter(is_active=True).exclude(email="")
            .select_related("reminder_settings").order_by("pk"))


# --- what a digest says ------------------------------------------------------------------------------------

@dataclass
class Section:
    title: str
    intro: str
    predictions: list[Prediction]
    total: int
    more_url: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.predictions)


@dataclass
class DigestContent:
    user: object
    today: date
    sections: list[Section] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(section.total for section in self.sections)

    @property
    def is_empty(self) -> bool:
        return self.items == 0


def site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _section(title: str, intro: str, queryset, more_url: str = "") -> Section | None:
    total = queryset.count()
    if not total:
        return None
    return Section(title, intro, list(queryset[:LISTED]), total, site_link(more_url) if more_url else "")


def build_digest(user, prefs: ReminderSettings, now: datetime) -> DigestContent:
    """The three lists of the issue: due for resolution (only for someone who may resolve), coming due within
    a week, and the user's own stale forecasts. Sections with nothing in them are left out."""
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    content = DigestContent(user=user, today=today)
    open_ = Prediction.objects.open().select_related("speaker")
    sections = []
    if user.has_perm("tracker.resolve_prediction"):
        sections.append(_section(
            "Due for resolution", "Their resolve-by date has passed and they are still open.",
            Prediction.objects.due(today).select_related("speaker").order_by("resolve_by", "id"),
            f"{reverse('prediction_list')}?due=overdue"))
    sections.append(_section(
        f"Due within {COMING_DAYS} days", "Open predictions that come due this week.",
        open_.filter(resolve_by__gte=today, resolve_by__lte=today + timedelta(days=COMING_DAYS))
        .order_by("resolve_by", "id")))
    # From the user's own forecasts (a few dozen rows by the user index), not from every open prediction.
    stale_ids = (Forecast.objects.filter(user=user, prediction__status=Prediction.Status.OPEN)
                 .values("prediction_id").annotate(last=Max("made_at"))
                 .filter(last__lt=now - timedelta(days=prefs.stale_after_days)).values("prediction_id"))
    latest = Forecast.objects.filter(user=user, prediction=OuterRef("pk")).order_by("-made_at", "-id")
    stale = (open_.filter(pk__in=stale_ids)
             .annotate(my_forecast_at=Subquery(latest.values("made_at")[:1]),
                       my_probability=Subquery(latest.values("probability")[:1])).order_by("my_forecast_at", "id"))
    sections.append(_section(
        STALE_TITLE, f"Your latest forecast on these open predictions is more than "
                           f"{prefs.stale_after_days} days old. Still right?", stale))
    content.sections = [s for s in sections if s]
    for section in content.sections:
        for prediction in section.predictions:
            prediction.link = site_link(prediction.get_absolute_url())
    return content


def unsubscribe_token(user) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_for_unsubscribe(token: str):
    """The active user a signed unsubscribe token names, or None for a forged or stale one."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first() if isinstance(pk, int) else None


def unsubscribe(user) -> None:
    """Turn the user's digest off (idempotent: the one-click link may be followed more than once)."""
    if not ReminderSettings.objects.filter(user=user).update(digest=Digest.OFF, version=F("version") + 1):
        ReminderSettings.objects.get_or_create(user=user, defaults={"digest": Digest.OFF})


def subject_of(content: DigestContent) -> str:
    parts = [f"{s.total} {s.title.lower()}" for s in content.sections]
    if parts and content.sections[-1].title == STALE_TITLE and content.sections[-1].total == 1:
        parts[-1] = "1 stale forecast"
    return f"Thesis Tracker: {', '.join(parts)}"


class DigestMessage(EmailMultiAlternatives):
    """A message whose header lines are not folded at 78 characters. Python folds a header by encoding a word
    too long for a line (a List-Unsubscribe URL) as RFC 2047 encoded-words, which no mail client reads as a URL;
    998 characters is RFC 5322's real limit for a line."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def digest_message(content: DigestContent, message_key: str = "") -> EmailMultiAlternatives:
    """The digest as a message: plain text and HTML, with RFC 8058 one-click unsubscribe headers."""
    unsubscribe_url = site_link(reverse("reminders_unsubscribe", args=[unsubscribe_token(content.user)]))
    context = {"digest": content, "unsubscribe_url": unsubscribe_url, "settings_url": site_link(reverse("settings")),
               "site_url": settings.SITE_URL}
    headers = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    if message_key:
        # The same Message-ID on every try, so a receiver can drop a copy sent again after a crash.
        headers["Message-ID"] = f"<{message_key}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"
    message = DigestMessage(subject_of(content), render_to_string("reminders/digest.txt", context),
                                     settings.DEFAULT_FROM_EMAIL, [content.user.email], headers=headers)
    message.attach_alternative(render_to_string("reminders/digest.html", context), "text/html")
    return message


# --- the outbox --------------------------------------------------------------------------------------------

@dataclass
class RunReport:
    queued: int = 0
    sent: int = 0
    empty: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.queued} digests newly due; sent {self.sent}, {self.empty} with nothing to send, "
                f"{self.retrying} to retry, {self.failed} failed")
        return text + "".join(f"\n  {error}" for error in self.errors)


def due_now(now: datetime) -> list[tuple[object, str, datetime]]:
    """(user, period, due moment) for every digest due at `now`, sent or not."""
    due = []
    for user in recipients():
        prefs = prefs_of(user)
        at = due_moment(prefs, now)
        # Not a digest for a day (or week) that began before the account existed: a new account's first comes
        # at its next digest hour, not at once.
        if at is not None and at >= user.date_joined:
            due.append((user, period_of(prefs, at), at))
    return due


def enqueue_due(now: datetime) -> int:
    """Record every digest due at `now` that the outbox does not hold yet; how many it added. Safe to run twice
    at once: the database's unique (user, period) keeps one row, whoever inserts it."""
    due = due_now(now)
    held = set(ReminderOutbox.objects.filter(period__in={period for _, period, _ in due})
               .values_list("user_id", "period"))
    real_now = timezone.now()
    rows = [ReminderOutbox(user=user, period=period, due_at=at, next_attempt_at=real_now)
            for user, period, at in due if (user.pk, period) not in held]
    ReminderOutbox.objects.bulk_create(rows, ignore_conflicts=True)
    # Finished rows of long-past periods say nothing any more; their periods can never come due again.
    ReminderOutbox.objects.filter(due_at__lt=now - KEEP).exclude(state=State.PENDING).delete()
    return len(rows)


def is_transient(error: Exception) -> bool:
    """Worth trying again: the server was unreachable, dropped us, or answered 4xx ("try again later")."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, OSError | smtplib.SMTPServerDisconnected)


def describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"the mail server answered {error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address} refused: {code} {text.decode(errors='replace')}"
                         for address, (code, text) in error.recipients.items())
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def send_due(now: datetime | None = None) -> RunReport:
    """One run: enqueue what is due at `now`, then send every pending digest this run can claim. A transient
    failure is tried again after each of the REMINDER_RETRY_PAUSES, then left for a later run (with back-off)."""
    now, pauses = now or timezone.now(), tuple(settings.REMINDER_RETRY_PAUSES)
    report = RunReport(queued=enqueue_due(now))
    mailer = mailers.default
    try:
        for entry_id in pending_ids():
            outcome = _deliver(entry_id, now, mailer, pauses, report)
            if outcome:
                setattr(report, outcome, getattr(report, outcome) + 1)
    finally:
        _close_quietly(mailer)
    return report


def pending_ids() -> list[int]:
    real_now = timezone.now()
    return list(ReminderOutbox.objects.filter(state=State.PENDING, next_attempt_at__lte=real_now)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=real_now)).values_list("pk", flat=True))


def _claim(entry_id: int) -> str | None:
    """Take the row for this run, or None if another run holds it (or finished it) meanwhile."""
    real_now, claim = timezone.now(), uuid.uuid4().hex
    won = (ReminderOutbox.objects.filter(pk=entry_id, state=State.PENDING)
           .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=real_now))
           .update(claimed_by=claim, claimed_until=real_now + LEASE))
    return claim if won else None


def _finish(entry_id: int, claim: str, **columns) -> None:
    if not ReminderOutbox.objects.filter(pk=entry_id, claimed_by=claim).update(
            claimed_by="", claimed_until=None, last_attempt_at=timezone.now(), **columns):
        log.warning("reminder outbox entry %s was taken over by another run before this one finished", entry_id)


def _deliver(entry_id: int, now: datetime, mailer, pauses, report: RunReport) -> str | None:
    claim = _claim(entry_id)
    if claim is None:
        return None
    entry = ReminderOutbox.objects.select_related("user__reminder_settings").get(pk=entry_id)
    user, prefs = entry.user, prefs_of(entry.user)
    if now - entry.due_at > period_length(entry.period) and entry.attempts:
        reason = f"not delivered within its period; last error: {entry.last_error}"
        _finish(entry_id, claim, state=State.FAILED, last_error=reason)
        report.errors.append(f"{user}: {entry.period}: {reason}")
        return "failed"
    if not user.is_active or not user.email or prefs.digest == Digest.OFF:
        _finish(entry_id, claim, state=State.EMPTY)
        return "empty"
    content = build_digest(user, prefs, max(now, entry.due_at))
    if content.is_empty:
        _finish(entry_id, claim, state=State.EMPTY)
        return "empty"
    message = digest_message(content, message_key=f"digest-{entry.pk}-{entry.period.replace(':', '-')}")
    tries = 0
    for pause in (*pauses, None):
        tries += 1
        try:
            mailer.open()
            mailer.send_messages([message])
        except Exception as error:  # noqa: BLE001 - every failure is recorded, none may stop the run
            _close_quietly(mailer)
            reason = describe(error)
            if is_transient(error) and pause is not None:
                time.sleep(pause)
                continue
            attempts = entry.attempts + tries
            report.errors.append(f"{user} ({user.email}): {entry.period}: {reason}")
            if not is_transient(error):
                _finish(entry_id, claim, state=State.FAILED, attempts=attempts, last_error=reason)
                return "failed"
            wait = min(BACKOFF * 2 ** (entry.attempts // max(len(pauses) + 1, 1)), MAX_BACKOFF)
            _finish(entry_id, claim, attempts=attempts, last_error=reason, next_attempt_at=timezone.now() + wait)
            return "retrying"
        _finish(entry_id, claim, state=State.SENT, attempts=entry.attempts + tries, items=content.items,
                sent_at=timezone.now())
        return "sent"
    return None


def _close_quietly(mailer) -> None:
    try:
        mailer.close()
    except Exception:  # noqa: BLE001 - a connection that is already broken has nothing left to close
        log.debug("closing the mail connection failed", exc_info=True)


# --- what editors see --------------------------------------------------------------------------------------

@dataclass
class DeliveryStatus:
    last_sent: datetime | None
    failures: list[ReminderOutbox]
    failed_count: int
    pending: int

    @property
    def summary(self) -> str:
        sent = f"Reminders last sent {moment(self.last_sent)}" if self.last_sent else "No reminder sent yet"
        if not self.failed_count:
            return f"{sent}; none failed."
        return f"{sent}; {self.failed_count} failed:"


def troubled(days: int = 7):
    """Digests tried in the last `days` days that failed, or failed and wait to be tried again."""
    recent = ReminderOutbox.objects.filter(last_attempt_at__gte=timezone.now() - timedelta(days=days))
    return recent.filter(Q(state=State.FAILED) | Q(state=State.PENDING, attempts__gt=0))


def delivery_status(days: int = 7) -> DeliveryStatus:
    """The last send, and the digests tried in the last `days` days that failed or wait to be tried again."""
    recent = ReminderOutbox.objects.filter(next_attempt_at__gte=timezone.now() - timedelta(days=days))
    troubled_ = troubled(days)
    last = ReminderOutbox.objects.filter(state=State.SENT).order_by("-sent_at").values_list("sent_at", flat=True)
    failures = list(troubled_.select_related("user").order_by("-last_attempt_at", "-id")[:5])
    return DeliveryStatus(last_sent=last.first(), failures=failures, failed_count=troubled_.count(),
                          pending=recent.filter(state=State.PENDING).count())


# --- the calendar link -------------------------------------------------------------------------------------

def token_fingerprint(token: str) -> str:
    """What a page carries to say which calendar link it showed, without the secret itself ("" for none)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else ""


def set_calendar_token(user, seen: str, *, revoke: bool = False) -> str:
    """Give the user a new secret calendar token (the old one stops working at once), or none (revoke), if the
    link is still the one the page showed (`seen`, its fingerprint): else StaleEdit. The token has its own check,
    so it never conflicts with a digest choice saved in another section (which `version` guards)."""
    token = "" if revoke else secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            prefs, _ = ReminderSettings.objects.get_or_create(user=user)
    except IntegrityError:  # made by a request at the same moment
        prefs = ReminderSettings.objects.get(user=user)
    current = prefs.calendar_token
    if token_fingerprint(current) != seen or not ReminderSettings.objects.filter(
            pk=prefs.pk, calendar_token=current).update(calendar_token=token):
        raise StaleEdit(ReminderSettings.objects.filter(pk=prefs.pk).first())
    return token


def calendar_owner(token: str):
    """The active user whose calendar token this is, or None."""
    if not token:
        return None
    prefs = ReminderSettings.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    return prefs.user if prefs else None
