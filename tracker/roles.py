"""The two roles, as Django groups: editors curate and resolve; members browse and forecast."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import models

EDITORS, MEMBERS = "editors", "members"
MAY_FORECAST = "tracker.add_forecast"  # the permission to record one's own forecasts
EDITABLE = ["person", "company", "source", "quote", "thesis", "prediction", "signal", "tag", "price"]
ROLES = {
    EDITORS: [f"{verb}_{model}" for model in EDITABLE for verb in ("add", "change", "delete", "view")]
    + ["resolve_prediction", "add_forecast", "view_forecast", "manage_users"],
    MEMBERS: [f"view_{model}" for model in EDITABLE] + ["add_forecast", "view_forecast"],
}


def create_roles(apps=global_apps) -> None:
    """Create or update the groups. Idempotent; used by a data migration and by setup commands."""
    # Permissions are normally created after all migrations; the roles need them now.
    tracker = apps.get_app_config("tracker")
    if getattr(tracker, "models_module", None) is None:
        tracker.models_module = True  # create_permissions() skips configs without one, as in migrations
    create_permissions(tracker, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))



class Role(models.TextChoices):
    """What the Users page offers; each but read-only is one of the groups above."""

    EDITOR = "editor", "Editor"
    MEMBER = "member", "Member"
    READ_ONLY = "read-only", "Read-only"

    @property
    def group(self) -> str | None:
        return {Role.EDITOR: EDITORS, Role.MEMBER: MEMBERS}.get(self)
