"""Every edited object gets the version column predictions already had, so a stale edit form is refused."""

from django.db import migrations, models

# Existing rows start at 1, as new ones do; predictions keep their versions.
EDITED = ["company", "person", "quote", "signal", "source", "thesis"]


class Migration(migrations.Migration):
    dependencies = [("tracker", "0006_editors_may_delete")]
    operations = [
        migrations.AddField(model_name=name, name="version", field=models.PositiveIntegerField(default=1))
        for name in EDITED
    ]
