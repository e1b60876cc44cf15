"""What the HTTP benchmarks share: a benchmark database, accounts with a known password, a gunicorn server
with the production-like environment, log-ins and single requests over loopback.

Not a benchmark itself: `bench/throughput.py` and `bench/load.py` import it. Run directly, it creates a
demo database: `.venv/bin/python bench/harness.py sqlite:////work/main/var/bench/x.sqlite3 --predictions 1000
--forecasts 10000 [--fresh]`. Everything here talks to 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
VAR = ROOT / "var" / "bench"
LOGS = VAR / "logs"
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = f"sqlite:///{VAR / 'bench10k.sqlite3'}"
# The demo data every HTTP benchmark runs on unless told otherwise (10k predictions, 100k forecasts).
DEMO_SIZE = {"predictions": 10_000, "users": 50, "forecasts": 100_000, "seed": 1}
# One key for the whole run: sessions are signed with it, so a restarted server must keep it.
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)


def production_env(database_url: str) -> dict[str, str]:
    """The environment of every server and management command: DEBUG off, plain http on loopback."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_ROOT_URLCONF": "bench.bench_urls",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(database_url: str, *args: str, extra_env: dict[str, str] | None = None) -> str:
    """Run a management command on the database; its stdout, or SystemExit with its output on failure."""
    env = {**production_env(database_url), **(extra_env or {})}
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def django_json(database_url: str, code: str, extra_env: dict[str, str] | None = None):
    """Run `code` in `manage.py shell`; it must print one JSON document as its last line."""
    out = manage(database_url, "shell", "--no-imports", "-c", code, extra_env=extra_env)
    return json.loads(out.strip().splitlines()[-1])


def sqlite_path(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite:///"):
        return None
    return Path(urllib.parse.urlparse(database_url).path)


def ensure_database(database_url: str, fresh: bool = False, size: dict | None = None) -> dict:
    """Migrate, create the cache table and fill an empty database with demo data; the row counts.

    `fresh` deletes a SQLite file first (a PostgreSQL database is recreated with dropdb/createdb by hand).
    """
    size = size or DEMO_SIZE
    path = sqlite_path(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif fresh:
        raise SystemExit("--fresh only recreates SQLite files; recreate a PostgreSQL database with "
                         "dropdb/createdb (see BENCHMARKS.md).")
    manage(database_url, "migrate", "--noinput", "-v0")
    manage(database_url, "createcachetable")
    counts = django_json(database_url, COUNTS)
    if counts["predictions"] == 0:
        print(f"filling the database with demo data {size} ...", flush=True)
        manage(database_url, "generate_demo", *(f"--{k}={v}" for k, v in size.items()))
        counts = django_json(database_url, COUNTS)
    return counts


COUNTS = """
import json
from django.db import connection
from tracker.models import Forecast, Prediction
print(json.dumps({"predictions": Prediction.objects.count(), "forecasts": Forecast.objects.count(),
                  "vendor": connection.vendor}))
"""

ACCOUNTS = """
import json, os
from axes.utils import reset
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from tracker.roles import create_roles
create_roles()
reset()  # no lock-out left over from an earlier run
hashed = make_password(os.environ["BENCH_PASSWORD"])  # hashed once: the same password for every account
User = get_user_model()
for role in ("editors", "members"):
    group = Group.objects.get(name=role)
    for name in filter(None, os.environ["BENCH_" + role.upper()].split(",")):
        user, _ = User.objects.get_or_create(username=name)
        user.password = hashed
        user.save(update_fields=["password"])
        user.groups.set([group])
print(json.dumps({"ok": True}))
"""


def ensure_accounts(database_url: str, editors: list[str], members: list[str]) -> str:
    """Create or update the accounts with one new random password, which is returned."""
    password = secrets.token_urlsafe(16)
    django_json(database_url, ACCOUNTS, {"BENCH_PASSWORD": password, "BENCH_EDITORS": ",".join(editors),
                                         "BENCH_MEMBERS": ",".join(members)})
    return password


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) != 0


@dataclass
class Server:
    """gunicorn serving the app (with the bare view) on 127.0.0.1:port."""

    database_url: str
    port: int
    workers: int = 2
    log: Path = field(default_factory=lambda: LOGS / "gunicorn.log")
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        if not port_is_free(self.port):
            raise SystemExit(f"Port {self.port} on {HOST} is in use: pick another with --port.")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [str(BIN / "gunicorn"), "tracker.wsgi", "-w", str(self.workers), "-b", f"{HOST}:{self.port}",
                   "--pythonpath", str(ROOT), "--capture-output", "--error-logfile", str(self.log)]
        with open(self.log, "a") as log:
            log.write(f"\n=== {time.strftime('%H:%M:%S')} start {' '.join(command)}\n")
            self.process = subprocess.Popen(command, cwd=ROOT, env=production_env(self.database_url),
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                if get(self.port, "/bench/bare/", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; see {self.log}")

    def stop(self, timeout: float = 40) -> float:
        """SIGTERM to the master (a graceful stop: workers finish their requests), then wait; seconds taken."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        return time.monotonic() - started

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc."""
        if self.process is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def log_problems(self) -> list[str]:
        """Lines of the server log that report a failed request."""
        if not self.log.exists():
            return []
        pattern = re.compile(r"Traceback|Internal Server Error|database is locked|OperationalError")
        return [line for line in self.log.read_text(errors="replace").splitlines() if pattern.search(line)]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}

    def redirected_to_login(self) -> bool:
        target = self.headers.get("Location", "") if self.status in (301, 302) else self.headers.get("HX-Redirect", "")
        return "/accounts/login/" in target


def request(port: int, method: str, path: str, cookies: dict[str, str] | None = None,
            form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
            timeout: float = 30) -> Response:
    """One request on a new connection (gunicorn's sync workers close it after each response anyway)."""
    all_headers = {"Host": f"{HOST}:{port}", **(headers or {})}
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.setdefault("Referer", f"http://{HOST}:{port}{path}")
        if cookies and "csrftoken" in cookies:
            all_headers["X-CSRFToken"] = cookies["csrftoken"]
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return Response(response.status, response.headers, data, time.perf_counter() - started)


def get(port: int, path: str, cookies: dict[str, str] | None = None, **kwargs) -> Response:
    return request(port, "GET", path, cookies, **kwargs)


def login(port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the login form; the cookies (csrftoken and sessionid) of the new session."""
    page = get(port, "/accounts/login/")
    cookies = page.cookies()
    if page.status != 200 or "csrftoken" not in cookies:
        raise RuntimeError(f"GET /accounts/login/ gave {page.status} without a csrftoken cookie")
    answer = request(port, "POST", "/accounts/login/", cookies, headers={"Referer": f"http://{HOST}:{port}/accounts/login/"},
                     form={"username": username, "password": password, "csrfmiddlewaretoken": cookies["csrftoken"]})
    cookies |= answer.cookies()
    if answer.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"log-in as {username} gave {answer.status}: {answer.body[:300]!r}")
    return cookies


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 if empty)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))]


def code_version() -> str:
    """The commit being measured, and whether the app's files differ from it (others edit while we run)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=30, check=False)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "tracker", "templates")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if dirty else "")


def describe_change(before: str, after: str) -> str:
    """The code version, flagged if the app changed while the benchmark ran (the server runs the old one)."""
    return before if before == after else f"{before} (CHANGED during the run to {after})"


def machine_load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Create a benchmark database (migrate + generate_demo if empty).")
    parser.add_argument("database_url")
    parser.add_argument("--predictions", type=int, default=DEMO_SIZE["predictions"])
    parser.add_argument("--forecasts", type=int, default=DEMO_SIZE["forecasts"])
    parser.add_argument("--fresh", action="store_true", help="recreate a SQLite file first")
    options = parser.parse_args()
    print(ensure_database(options.database_url, options.fresh, {
        **DEMO_SIZE, "predictions": options.predictions, "forecasts": options.forecasts}))
