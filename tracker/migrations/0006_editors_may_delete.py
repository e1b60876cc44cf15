from django.db import migrations

from tracker.roles import create_roles


def update(apps, schema_editor):
    create_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0005_web_urls_and_strict_keys")]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
