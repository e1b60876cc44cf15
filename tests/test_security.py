"""Production settings, CSP, brute-force lockout, and malformed requests that must never be a 500."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.factories import make_prediction, make_thesis, make_user

ROOT = settings.BASE_DIR
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "prod-secret-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a",
    "DJANGO_ALLOWED_HOSTS": "tracker.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://tracker.example.com",
}


def manage(*args, env):
    # Its own process: the test run's DJANGO_ALLOW_ASYNC_UNSAFE and DEBUG would colour the checks.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_the_deploy_check_is_clean_with_the_documented_production_variables():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(member_client):
    response = member_client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "https://" not in response.content.decode().split("<body")[0]  # no CDN in the head


@pytest.mark.django_db
def test_htmx_is_served_from_our_own_static_files(member_client):
    html = member_client.get("/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js' in html
    assert '"allowEval":false' in html and '"selfRequestsOnly":true' in html


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_for_a_while(client):
    make_user("ana", password="the-right-passphrase")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
        assert response.status_code == 200 and b"did not match" in response.content
    assert client.post("/accounts/login/", {"username": "ana", "password": "wrong"}).status_code == 429
    response = client.post("/accounts/login/", {"username": "ana", "password": "the-right-passphrase"})
    assert response.status_code == 429
    assert b"locked for 15 minutes" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_other_accounts_are_not_locked_by_someone_elses_failures(client):
    make_user("ana", password="the-right-passphrase")
    make_user("bob", password="bobs-right-passphrase")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "bob", "password": "bobs-right-passphrase"})
    assert response.status_code == 302


MALFORMED = [
    ("get", "/predictions/abc/", None, 404),
    ("get", "/predictions/99999999999999999999/", None, 404),
    ("get", "/predictions/?page=999", None, 200),
    ("get", "/predictions/?page=-1&sort=;DROP", None, 400),
    ("get", "/predictions/?speaker=abc", None, 400),
    ("get", "/predictions/?status=%00", None, 400),
    ("post", "/predictions/{pk}/undo/", {}, 400),
    ("post", "/predictions/{pk}/undo/", {"version": "x"}, 400),
    ("post", "/predictions/{pk}/resolve/", {}, 422),
    ("post", "/predictions/{pk}/resolve/", {"status": "true", "resolved_on": "2026-01-01", "version": "-3"}, 422),
    ("post", "/predictions/{pk}/forecast/", {"percent": "5" * 5000}, 422),
    ("post", "/predictions/{pk}/forecast/", {"percent": "50", "note": "x" * 10_000}, 422),
    ("get", "/predictions/{pk}/undo/", None, 405),
    ("get", "/predictions/{pk}/forecast/", None, 405),
    ("get", "/theses/{thesis}/signals/", None, 405),
    ("put", "/predictions/{pk}/resolve/", None, 405),
    ("delete", "/predictions/{pk}/", None, 405),
    ("post", "/predictions/", {}, 405),
    ("post", "/export/", {}, 405),
    ("post", "/import/", {}, 422),
    ("get", "/quotes/new/?source=abc", None, 200),
    ("post", "/theses/{thesis}/status/", {"status": "<script>"}, 422),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "data", "expected"), MALFORMED)
def test_malformed_requests_get_a_4xx_never_a_500(editor_client, method, url, data, expected):
    p, thesis = make_prediction(), make_thesis()
    url = url.format(pk=p.pk, thesis=thesis.pk)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = getattr(editor_client, method)(url, data, **headers) if data is not None else \
            getattr(editor_client, method)(url, **headers)
        assert response.status_code == expected, (url, headers, response.status_code)
