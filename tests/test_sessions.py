"""Sessions are read from the shared cache and kept in the database too: a flushed cache logs nobody out, and a
log-out ends the session in both (checked on the database cache and, with REDIS_URL, on Redis)."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from tests.factories import make_user
from tracker.sessions import AccountSession

pytestmark = pytest.mark.django_db

KEY_PREFIX = "django.contrib.sessions.cached_db"


def log_in(client) -> str:
    make_user("sam", password="a-long-password-1")
    response = client.post("/accounts/login/", {"username": "sam", "password": "a-long-password-1"})
    assert response.status_code == 302
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_logged_in_request_reads_the_session_from_the_cache_not_the_session_table(client):
    key = log_in(client)
    assert cache.get(KEY_PREFIX + key) is not None
    assert AccountSession.objects.filter(session_key=key).exists()  # written through
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/settings/").status_code == 200
    assert not any(AccountSession._meta.db_table in q["sql"] for q in queries.captured_queries)


def test_a_flushed_cache_keeps_everyone_logged_in(client):
    log_in(client)
    cache.clear()
    page = client.get("/settings/")
    assert page.status_code == 200 and b"Log out" in page.content


def test_logging_out_ends_the_session_in_the_cache_and_the_database(client):
    key = log_in(client)
    client.post("/accounts/logout/")
    assert cache.get(KEY_PREFIX + key) is None
    assert not AccountSession.objects.filter(session_key=key).exists()
    response = client.get("/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_session_engine_is_the_cached_database_one():
    assert issubclass(import_string(settings.SESSION_ENGINE + ".SessionStore"), CachedDatabaseStore)
    # Every worker shares the cache: a per-process cache would keep a logged-out session alive elsewhere.
    assert settings.CACHES["default"]["BACKEND"] in ("django.core.cache.backends.db.DatabaseCache",
                                                     "django.core.cache.backends.redis.RedisCache")
