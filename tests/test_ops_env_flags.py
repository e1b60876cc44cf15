"""A yes/no environment variable the settings cannot read stops the start-up instead of meaning "off"."""

import os
import subprocess
import sys

from django.conf import settings


def check(**env):
    # Its own process: settings are read once, at start-up.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_an_unreadable_debug_flag_stops_the_start_up_naming_the_variable_and_the_accepted_values():
    result = check(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message and "DJANGO_DEBUG='maybe'" in message
    for accepted in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        assert accepted in message


def test_an_unreadable_production_flag_is_refused_too():
    result = check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 60, DJANGO_SECURE_COOKIES="enabled")
    assert result.returncode != 0
    assert "DJANGO_SECURE_COOKIES='enabled'" in result.stderr
