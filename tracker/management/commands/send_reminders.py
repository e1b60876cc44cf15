"""Send the reminder digests that are due: from cron every few minutes, or as one long-running `--loop`."""

import time
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from tracker.models import ReminderOutbox
from tracker.reminders import build_digest, digest_message, due_now, prefs_of, send_due


def moment_arg(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--now {text!r}: write a moment like 2026-12-02T08:00 (site time zone unless it "
                           f"says otherwise).") from None
    return value if timezone.is_aware(value) else timezone.make_aware(value, timezone.get_default_timezone())


class Command(BaseCommand):
    help = ("Send every reminder digest that is due. Safe to run from cron every few minutes and in several places "
            "at once: the outbox sends each user's digest for a day (or week) once.")

    def add_arguments(self, parser):
        parser.add_argument("--now", type=moment_arg, help="Act as if it were this moment (tests, catching up).")
        parser.add_argument("--loop", action="store_true", help="Keep running, one pass every --interval seconds.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between passes with --loop (60).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Send and record nothing: print who is due (or, with --user, their digest).")
        parser.add_argument("--user", help="With --dry-run: print this user's digest as it would be now.")

    def handle(self, now, loop, interval, dry_run, user, **options):
        if user and not dry_run:
            raise CommandError("--user only goes with --dry-run: a real run sends to everyone who is due.")
        if dry_run:
            return self.dry_run(now or timezone.now(), user)
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        while True:
            report = send_due(now)
            self.stdout.write(f"{timezone.localtime(now or timezone.now()):%Y-%m-%d %H:%M %Z}: {report.summary()}")
            if report.errors:
                self.stderr.write("\n".join(report.errors))
            if not loop:
                if report.failed or report.retrying:
                    raise CommandError(f"{report.failed + report.retrying} digests not delivered (see above).")
                return
            close_old_connections()  # a long-lived process must not hold a connection the server closed
            time.sleep(interval)

    def dry_run(self, now: datetime, username: str | None) -> None:
        if username:
            person = get_user_model().objects.filter(username=username).select_related("reminder_settings").first()
            if person is None:
                raise CommandError(f"No user named {username!r}.")
            prefs = prefs_of(person)
            content = build_digest(person, prefs, now)
            if content.is_empty:
                self.stdout.write(f"{username}'s digest would be empty now, so none would be sent.")
                return
            if not person.email:
                person.email = "(no address on this account)"
            message = digest_message(content)
            self.stdout.write(f"To: {person.email}\nSubject: {message.subject}\n\n{message.body}")
            return
        due = due_now(now)
        held = ReminderOutbox.objects.filter(period__in={period for _, period, _ in due})
        states = {(user_id, period): state for user_id, period, state in held.values_list("user_id", "period", "state")}
        for person, period, at in due:
            state = states.get((person.pk, period), "not yet in the outbox")
            self.stdout.write(f"{person.get_username()} <{person.email}>: {period} (due {at:%Y-%m-%d %H:%M}): {state}")
        if not due:
            self.stdout.write("No digest is due now.")
