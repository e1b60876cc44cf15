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
    help = ("Load the shipped episode into an empty database and create the 'demo' editor, printing its password; "
            "an existing editor keeps its password unless --reset-password is given.")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--reset-password", action="store_true",
                            help="Give an existing editor a new password (this logs out its sessions).")
        parser.add_argument("--port", type=int, default=8000, help="The port the app is served on, for the URL.")

    def handle(self, username: str, reset_password: bool, port: int, **options):
        # Only into an empty database: importing again would put back predictions the user has resolved.
        if not Prediction.objects.exists():
            report = import_bundle(FIXTURE.read_bytes())
            self.stdout.write(f"Loaded {FIXTURE.name}: {report.summary()}")
        user, created = get_user_model().objects.get_or_create(username=username)
        create_roles()
        user.groups.add(Group.objects.get(name="editors"))
        url = f"http://127.0.0.1:{port}/"
        if created or reset_password:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            verb = "Created the editor account" if created else "Gave the editor account a new password"
            self.stdout.write(self.style.SUCCESS(
                f"{verb}. Log in at {url} as\n    username: {username}\n    password: {password}"
            ))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Log in at {url} as {username}; its password is unchanged. To give it a new one: "
                "make run RESET_PASSWORD=1 (or manage.py setup_demo --reset-password)."
            ))
