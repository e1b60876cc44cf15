"""The two roles: editors curate and resolve; members browse and forecast."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = ["person", "company", "source", "quote", "thesis", "prediction", "signal", "tag"]
EDITOR_PERMISSIONS = [f"{verb}_{model}" for model in EDITABLE for verb in ("add", "change", "view")] + [
    "resolve_prediction", "add_forecast", "view_forecast",
]
MEMBER_PERMISSIONS = [f"view_{model}" for model in EDITABLE] + ["add_forecast", "view_forecast"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [("editors", EDITOR_PERMISSIONS), ("members", MEMBER_PERMISSIONS)]:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
