"""The README's API examples, taken from README.md itself (so they cannot drift) and run against a live server:
the three curl commands with bash and curl, the Python one with httpx."""

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.factories import make_prediction, make_user
from tracker.api.tokens import issue
from tracker.models import Forecast

README = Path(__file__).resolve().parent.parent / "README.md"


def api_section() -> str:
    text = README.read_text()
    return text.split("## The JSON API", 1)[1].split("\n## ", 1)[0]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", api_section(), flags=re.S)


def curl_commands() -> list[str]:
    """Each curl command of the README's shell block, continuation lines joined, comments dropped."""
    (shell,) = blocks("sh")
    joined = shell.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")]


def test_the_readme_has_three_curl_examples_and_a_python_one():
    commands = curl_commands()
    assert len(commands) == 3
    assert "due=overdue" in commands[0] and "/forecasts" in commands[1] and commands[2].endswith('/scoreboard"')
    assert "import httpx" in blocks("python")[0]


@pytest.fixture
def served(live_server):
    overdue = make_prediction(key="overdue-one", made_on=date(2025, 1, 1), resolve_by=date(2025, 6, 30))
    make_prediction(key="cursor-acquired")
    _, raw = issue(make_user("reader", role="members"), "readme")
    env = {**os.environ, "TRACKER": live_server.url, "TOKEN": raw}
    return env, overdue


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_the_readme_curl_examples_work_against_a_live_server(served):
    env, overdue = served
    outputs = [subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=30)
               for command in curl_commands()]
    assert [o.returncode for o in outputs] == [0, 0, 0], [o.stderr for o in outputs]
    due, forecast, board = (json.loads(o.stdout) for o in outputs)
    assert [p["key"] for p in due["results"]] == [overdue.key]
    assert forecast["probability"] == 0.35 and forecast["prediction"] == "cursor-acquired"
    assert Forecast.objects.get().note == "after the earnings call"
    assert board["totals"]["predictions"] == 2


def test_the_readme_python_example_works_against_a_live_server(served):
    env, overdue = served
    (program,) = blocks("python")
    result = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{overdue.key} 2025-06-30 {overdue.statement}"
    assert "'predictions': 2" in lines[1]
