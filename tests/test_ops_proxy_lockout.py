"""Behind a trusted proxy, failed log-ins lock out the client's own address (with the username), not the proxy's."""

import importlib

import pytest
from django.conf import settings as django_settings

import tracker.settings
from tests.factories import make_user

PROXY = "10.0.0.1"
ATTACKER, ANA = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def behind_one_proxy(settings, monkeypatch):
    """The settings the app computes from DJANGO_TRUSTED_PROXY_COUNT=1, read from the settings module itself."""
    monkeypatch.setenv("DJANGO_TRUSTED_PROXY_COUNT", "1")
    computed = importlib.reload(tracker.settings)
    for name in dir(computed):
        if name.startswith(("AXES_IPWARE_", "IPWARE_")):
            setattr(settings, name, getattr(computed, name))
    yield
    monkeypatch.undo()
    importlib.reload(tracker.settings)


def log_in(client, password, forwarded_for):
    # What the proxy passes on: the client's own X-Forwarded-For (if any) with the address it saw appended.
    return client.post("/accounts/login/", {"username": "ana", "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


@pytest.mark.django_db
def test_an_attacker_behind_the_proxy_locks_out_only_their_own_address(behind_one_proxy, client):
    make_user("ana", password="the-right-passphrase")
    for i in range(django_settings.AXES_FAILURE_LIMIT):
        # Entries the attacker writes into the header themselves do not give them fresh addresses.
        log_in(client, "wrong", f"192.0.2.{i}, {ATTACKER}")
    assert log_in(client, "the-right-passphrase", ATTACKER).status_code == 429
    response = log_in(client, "the-right-passphrase", ANA)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
