import os

import pytest
from django.core.cache import cache

from tests.factories import make_user
from tracker.apps import HISTORY_LOCK

# Playwright's sync API keeps an event loop running in the main thread; without this the ORM raises
# SynchronousOnlyOperation in fixtures, teardown flushes and later ordinary tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests make many users; the production hasher spends a noticeable fraction of a second on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def mail_outbox(settings):
    """Mail goes to Django's test outbox (`mail.outbox`) through a declared mailer: without MAILERS, Django 6.1
    warns on every message (an error here). Tests of real delivery override MAILERS themselves."""
    if not getattr(settings, "MAILERS", None):
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture(autouse=True, scope="session")
def history_purgeable():
    """Let the test database be emptied between tests; tests of the append-only rule lock it again."""
    HISTORY_LOCK["locked"] = False
    yield
    HISTORY_LOCK["locked"] = True


@pytest.fixture(autouse=True)
def fresh_cache(request):
    """The cache table outlives each test's transaction; start every test without a cached scoreboard."""
    if request.node.get_closest_marker("django_db") or "django_db_setup" in request.fixturenames:
        cache.clear()


@pytest.fixture
def history_locked():
    HISTORY_LOCK["locked"] = True
    yield
    HISTORY_LOCK["locked"] = False


@pytest.fixture
def editor(db):
    return make_user("edith", role="editors")


@pytest.fixture
def member(db):
    return make_user("mo", role="members")


@pytest.fixture
def outsider(db):
    """Logged in, but in no group."""
    return make_user("olga")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
