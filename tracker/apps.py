from django.apps import AppConfig
from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.core.management import call_command
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate

from . import search

# The SQLite triggers that keep the resolution history append-only ask this flag. Only the test suite
# lowers it, so that it can empty the tables between tests (PostgreSQL empties them with TRUNCATE,
# which row triggers do not see).
HISTORY_LOCK = {"locked": True}


def register_history_lock(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "tracker_history_locked", 0, lambda: int(HISTORY_LOCK["locked"]), deterministic=False
        )


def say_logged_out(sender, request, user, **kwargs):
    # The messages cookie outlives the session that logout flushes, so the login page can say it.
    if request is not None and user is not None:
        messages.info(request, f"You are logged out, {user.get_username()}. Log in again to continue.",
                      fail_silently=True)  # e.g. the test client's logout(), which has no message store


def create_cache_table(sender, using, verbosity=1, **kwargs):
    # Every command needs the database cache's table (an import drops the cached scoreboard), so `migrate`
    # alone leaves a database that works. Does nothing when the table exists or the cache is Redis.
    call_command("createcachetable", database=using, verbosity=verbosity)


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Thesis Tracker"

    def ready(self):
        connection_created.connect(register_history_lock, dispatch_uid="tracker_history_lock")
        user_logged_out.connect(say_logged_out, dispatch_uid="tracker_say_logged_out")
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="tracker_create_cache_table")
        pre_migrate.connect(search.before_migrate, sender=self, dispatch_uid="tracker_search_before_migrate")
        post_migrate.connect(search.after_migrate, sender=self, dispatch_uid="tracker_search_after_migrate")
