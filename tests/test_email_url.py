"""EMAIL_URL, read strictly into Django 6.1's MAILERS: the forms the README documents, and clear refusals."""

import os
import subprocess
import sys

import pytest

from tracker.mailers import BadEmailURL, mailer_from_url

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://user:p%40ss%2Fword@mail.example.com:587?tls=1",
     {"BACKEND": SMTP, "OPTIONS": {"host": "mail.example.com", "port": 587, "username": "user",
                                   "password": "p@ss/word", "use_tls": True, "use_ssl": False, "timeout": 10}}),
    ("smtp://127.0.0.1:1025",
     {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1", "port": 1025, "use_tls": False, "use_ssl": False,
                                   "timeout": 10}}),
    ("smtps://relay.example.com?timeout=30",
     {"BACKEND": SMTP, "OPTIONS": {"host": "relay.example.com", "use_tls": False, "use_ssl": True, "timeout": 30}}),
    ("SMTP://[::1]:25/", {"BACKEND": SMTP, "OPTIONS": {"host": "::1", "port": 25, "use_tls": False, "use_ssl": False,
                                                      "timeout": 10}}),
    ("console:", {"BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ("console://", {"BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ("locmem:", {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}),
    ("dummy:", {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}),
])
def test_the_documented_forms_give_a_mailer(url, expected):
    assert mailer_from_url(url) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("", "must start with one of smtp:, smtps:, console:"),
    ("mail.example.com:587", "must start with one of"),
    ("smtpx://host", "must start with one of"),
    ("smtp:host:25", "with the two slashes"),
    ("smtp://:25", "the host is missing"),
    ("smtp://host:seven", "the port must be a number"),
    ("smtp://host:70000", "the port must be a number"),
    ("smtp://host:0", "the port must be a number"),
    ("smtp://host/inbox", "has no path"),
    ("smtp://host?tls=maybe", "?tls='maybe' must be 1 or 0"),
    ("smtp://host?starttls=1", "?starttls is not understood"),
    ("smtp://host?tls=1&tls=0", "?tls is given twice"),
    ("smtp://host?timeout=0", "?timeout='0' must be a whole number"),
    ("smtps://host?tls=1", "exclude each other"),
    ("smtp://host?tls=1&ssl=1", "exclude each other"),
    ("console:stdout", "takes nothing after the colon"),
])
def test_a_bad_url_is_refused_saying_what_is_wrong(url, message):
    with pytest.raises(BadEmailURL) as caught:
        mailer_from_url(url)
    assert message in str(caught.value)


def test_a_refusal_never_shows_the_password():
    with pytest.raises(BadEmailURL) as caught:
        mailer_from_url("smtp://user:hunter2@host:25?tls=perhaps")
    assert "hunter2" not in str(caught.value) and "user:***@host" in str(caught.value)


def test_a_bad_email_url_stops_the_start_up_with_the_reason():
    env = {**os.environ, "DJANGO_DEBUG": "1", "EMAIL_URL": "smtp://host:25?tls=maybe"}
    result = subprocess.run([sys.executable, "manage.py", "check"], capture_output=True, text=True, env=env,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), timeout=60)
    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL='smtp://host:25?tls=maybe': ?tls='maybe' must be 1 or 0." in result.stderr


def test_development_prints_mail_on_the_console(settings):
    # The test runner swaps every mailer for its in-memory one; the settings module chose the console.
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    env.pop("EMAIL_URL", None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.MAILERS)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={**env, "DJANGO_SETTINGS_MODULE": "tracker.settings"},
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert "'django.core.mail.backends.console.EmailBackend'" in result.stdout, result.stderr
