from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.api.tokens import issue
from tracker.models import ApiToken


class Command(BaseCommand):
    help = ("Create a personal API token for a user and print it once (only its digest is stored). It can do what "
            "the user can: an editor's resolves, a member's forecasts; --read-only tokens only read.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, shown on the settings page.")
        parser.add_argument("--read-only", action="store_true", help="The token may read but never write.")
        parser.add_argument("--expires-in-days", type=int, help="The token stops working after this many days.")

    def handle(self, username: str, name: str, read_only: bool, expires_in_days: int | None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        name = " ".join(name.split())
        limit = ApiToken._meta.get_field("name").max_length
        if not name or len(name) > limit:
            raise CommandError(f"--name must have 1 to {limit} characters.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be 1 or more.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        _, raw = issue(user, name, read_only=read_only, expires_at=expires_at)
        self.stdout.write(raw)
