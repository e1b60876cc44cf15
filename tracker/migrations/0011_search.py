from django.db import migrations

from tracker import search


def create(apps, schema_editor):
    search.create_table(schema_editor)


def drop(apps, schema_editor):
    search.drop_table(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0010_transcripts")]

    # The triggers that fill the table are (re)made after every migrate run: see tracker.search.install.
    operations = [migrations.RunPython(create, drop)]
