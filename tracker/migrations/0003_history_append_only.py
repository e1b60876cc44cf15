"""The database itself refuses UPDATE and DELETE on the resolution history."""

from django.db import migrations

SQLITE = [
    # tracker_history_locked() is registered on every connection the app opens (tracker/apps.py); any other
    # client lacks it, so its UPDATE or DELETE fails too.
    """CREATE TRIGGER tracker_history_no_update BEFORE UPDATE ON tracker_resolutionevent
       WHEN tracker_history_locked() BEGIN SELECT RAISE(ABORT, 'resolution history is append-only'); END""",
    """CREATE TRIGGER tracker_history_no_delete BEFORE DELETE ON tracker_resolutionevent
       WHEN tracker_history_locked() BEGIN SELECT RAISE(ABORT, 'resolution history is append-only'); END""",
]
POSTGRESQL = [
    # The test suite sets tracker.history_unlocked in its own transaction to empty the table.
    """CREATE FUNCTION tracker_history_append_only() RETURNS trigger AS $$
       BEGIN
         IF current_setting('tracker.history_unlocked', true) = 'on' THEN RETURN OLD; END IF;
         RAISE EXCEPTION 'resolution history is append-only';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER tracker_history_append_only BEFORE UPDATE OR DELETE ON tracker_resolutionevent
       FOR EACH ROW EXECUTE FUNCTION tracker_history_append_only()""",
]
DROP = {
    "sqlite": ["DROP TRIGGER tracker_history_no_update", "DROP TRIGGER tracker_history_no_delete"],
    "postgresql": ["DROP TRIGGER tracker_history_append_only ON tracker_resolutionevent",
                   "DROP FUNCTION tracker_history_append_only()"],
}


def create(apps, schema_editor):
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_roles")]
    operations = [migrations.RunPython(create, drop)]
