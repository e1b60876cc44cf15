"""HTTP throughput of the main pages under gunicorn, as a ratio to a bare view measured in the same run.

    .venv/bin/python bench/throughput.py [--database-url sqlite:////work/main/var/bench/bench10k.sqlite3]

Starts `gunicorn tracker.wsgi -w 2 -b 127.0.0.1:PORT` with DEBUG off (URLconf bench.bench_urls, which adds
the bare view /bench/bare/), creates the database with 10k demo predictions if it is empty, logs in once as
bench-editor, then runs `wrk -t2 -c16 -d10s --latency` with that session against the bare view, the bare view
with the session and user loaded, the dashboard, the predictions list, a prediction's page, and the scoreboard
page and its JSON download (both served from the shared cache: nothing writes during the run). The bare
view is measured first and last; ratios are to the mean of the two.

wrk counts only statuses >= 400 as "Non-2xx or 3xx responses", so each page is also fetched once before and
after its run and must answer 200 (not a redirect to the login page). Exits 1 if any request failed or the
cached scoreboard is below half the bare view's throughput. The server log goes to var/bench/logs/.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time

import harness

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
SCOREBOARD_BUDGET = 0.5  # cached scoreboard req/s over bare view req/s


def wrk(url: str, cookies: dict[str, str], threads: int, connections: int, duration: int) -> dict:
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-H", f"Cookie: {cookie}", url]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M).groups()
        return float(value) * UNITS[unit]

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": latency("50%"),
        "p99": latency("99%"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def check_page(port: int, path: str, cookies: dict[str, str]) -> str | None:
    """None if the page answers 200 with this session, else what went wrong."""
    response = harness.get(port, path, cookies)
    if response.status != 200:
        return f"{path} answered {response.status} {response.headers.get('Location', '')}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=harness.DEFAULT_DATABASE_URL)
    parser.add_argument("--fresh", action="store_true", help="recreate the SQLite database first")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (at most 60)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    duration = max(1, min(args.duration, 60))
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")

    counts = harness.ensure_database(args.database_url, fresh=args.fresh)
    password = harness.ensure_accounts(args.database_url, editors=["bench-editor"], members=[])
    detail_pk = harness.django_json(args.database_url, "import json; from tracker.models import Prediction; "
                                    "print(json.dumps(Prediction.objects.order_by('-pk').first().pk))")
    server = harness.Server(args.database_url, args.port, args.workers, harness.LOGS / "throughput-gunicorn.log")
    load_before, code = harness.machine_load(), harness.code_version()
    server.start()
    pages = [
        ("bare view", "/bench/bare/"),
        ("bare view, logged in", "/bench/bare-user/"),
        ("dashboard", "/"),
        ("predictions list", "/predictions/"),
        ("prediction detail", f"/predictions/{detail_pk}/"),
        ("scoreboard (cached)", "/scoreboard/"),
        ("scoreboard JSON (cached)", "/scoreboard/download/?format=json"),
        ("bare view (again)", "/bench/bare/"),
    ]
    results, problems = {}, []
    try:
        cookies = harness.login(args.port, "bench-editor", password)
        for name, path in pages:
            problems += filter(None, [check_page(args.port, path, cookies)])  # also warms the scoreboard cache
            results[name] = wrk(f"http://{harness.HOST}:{args.port}{path}", cookies, args.threads,
                                args.connections, duration)
            problems += filter(None, [check_page(args.port, path, cookies)])
            time.sleep(1)
    finally:
        server.stop()
    bare = statistics.mean([results["bare view"]["rps"], results["bare view (again)"]["rps"]])
    print(f"code {harness.describe_change(code, harness.code_version())}; load average before: {load_before}")
    print(f"{counts['vendor']}, {counts['predictions']} predictions, {counts['forecasts']} forecasts; gunicorn -w "
          f"{args.workers}; wrk -t{args.threads} -c{args.connections} -d{duration}s; load average after: "
          f"{harness.machine_load()}")
    print("| page                     |   req/s | p50 (ms) | p99 (ms) | non-2xx | socket errors | ratio to bare |")
    print("|--------------------------|--------:|---------:|---------:|--------:|--------------:|--------------:|")
    for name, r in results.items():
        print(f"| {name:<24} | {r['rps']:7.0f} | {r['p50']:8.1f} | {r['p99']:8.1f} | {r['non_2xx']:7d} | "
              f"{r['socket_errors']:13d} | {r['rps'] / bare:13.2f} |")
    ratio = results["scoreboard (cached)"]["rps"] / bare
    failed = sum(r["non_2xx"] + r["socket_errors"] for r in results.values())
    problems += server.log_problems()
    verdict = "met" if ratio >= SCOREBOARD_BUDGET else "MISSED"
    print(f"cached scoreboard: {ratio:.2f}x the bare view (budget >= {SCOREBOARD_BUDGET}x): {verdict}")
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if failed or problems or ratio < SCOREBOARD_BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
