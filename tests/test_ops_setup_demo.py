"""`setup_demo` (behind `make run`) keeps the editor's password unless asked, and prints the URL it serves."""

import io
import re
import subprocess

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def setup_demo(*args) -> str:
    out = io.StringIO()
    call_command("setup_demo", *args, stdout=out)
    return out.getvalue()


def test_the_editor_keeps_the_password_it_chose_when_setup_runs_again():
    assert re.search(r"password: \S+", setup_demo())
    demo = get_user_model().objects.get(username="demo")
    demo.set_password("my own choice, kept")
    demo.save()
    output = setup_demo()
    demo.refresh_from_db()
    assert demo.check_password("my own choice, kept")
    assert "password: " not in output
    assert "unchanged" in output and "RESET_PASSWORD=1" in output and "--reset-password" in output


def test_reset_password_gives_the_existing_editor_a_new_printed_password():
    setup_demo()
    demo = get_user_model().objects.get(username="demo")
    demo.set_password("forgotten")
    demo.save()
    password = re.search(r"password: (\S+)", setup_demo("--reset-password")).group(1)
    demo.refresh_from_db()
    assert demo.check_password(password) and not demo.check_password("forgotten")


def test_the_printed_url_is_on_the_port_served():
    assert "http://127.0.0.1:8001/" in setup_demo("--port", "8001")
    assert "http://127.0.0.1:8000/" in setup_demo()


def test_make_run_serves_and_prints_the_port_it_is_given():
    commands = subprocess.run(["make", "-n", "run", "PORT=8001"], cwd=settings.BASE_DIR, capture_output=True,
                              text=True, timeout=60, check=True).stdout
    assert "setup_demo --port 8001" in commands
    assert "runserver 127.0.0.1:8001" in commands
