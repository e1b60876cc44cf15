import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from tracker.bundle import import_bundle
from tracker.models import Prediction
from tracker.roles import create_roles

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "lex-fridman-490.json"


class Command(BaseCommand):
    help = "Load the shipped episode into an empty database and (re)set the password of the 'demo' editor."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")

    def handle(self, username: str, **options):
        # Only into an empty database: importing again would put back predictions the user has resolved.
        if not Prediction.objects.exists():
            report = import_bundle(FIXTURE.read_bytes())
            self.stdout.write(f"Loaded {FIXTURE.name}: {report.summary()}")
        user, created = get_user_model().objects.get_or_create(username=username)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save()
        create_roles()
        user.groups.add(Group.objects.get(name="editors"))
        verb = "Created" if created else "Kept"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} the editor account. Log in at http://127.0.0.1:8000/ as\n"
            f"    username: {username}\n    password: {password}\n"
            "(a new password is printed each time this runs)"
        ))
