"""A mixed read/write load from concurrent logged-in clients against gunicorn, optionally with a fault.

    .venv/bin/python bench/load.py --fresh                        # SQLite (WAL), 16 clients, 60 s
    .venv/bin/python bench/load.py --fresh --kill-worker-at 20    # SIGKILL one gunicorn worker at 20 s
    .venv/bin/python bench/load.py --fresh --restart-at 20        # stop and restart the server at 20 s
    .venv/bin/python bench/load.py --database-url postgres://tracker:tracker@127.0.0.1:5432/tracker_load
                                  # (a fresh copy: createdb -O tracker -T tracker_bench tracker_load)
    .venv/bin/python bench/load.py --fresh --duration 30 --reads dashboard=25,list=30,detail=30  # another mix

Starts `gunicorn tracker.wsgi -w 2` on 127.0.0.1 with DEBUG off, fills an empty database with 10k demo
predictions (`--fresh` recreates a SQLite file first), gives the accounts bench-editor-NN (editors) and
bench-member-NN (members) one new password, and logs each client in through the login form. Each client is a
thread with its own session; every step it picks a page read (85%: dashboard, a page of the predictions list,
a prediction's page, the scoreboard) or a write (15%): a forecast with a unique note, or, for editors half the
time, a resolution: it reads the prediction's page for its current version and status, then resolves it (with
a unique note) or undoes its resolution. A 409 (someone changed the prediction meanwhile) is a correct answer.

Errors: a 5xx, an unexpected status, a redirect to the login page, a body saying "database is locked", a
connection error or time-out. Connection errors while a worker is being killed or the server restarted are
counted apart. After the run every acknowledged write is looked up in the database (a resolution by its
note in the history table tracker_resolutionevent, so a later undo does not hide it), and each touched
prediction's version must have grown by exactly its number of new history rows.
Exits 1 on any error or missing acknowledged write. Logs and the list of acknowledged writes go to
var/bench/logs/.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import harness

READS = {"dashboard": 20, "list": 25, "detail": 25, "scoreboard": 15}  # percent of steps; the rest are writes
RESOLVE_POOL = 40  # open predictions the editors resolve and undo, so they sometimes collide (409)
CONNECTION_ERRORS = (OSError, http.client.HTTPException)
CARD = re.compile(r'<article class="card prediction status-(\w+)" id="prediction-(\d+)"[^>]*data-version="(\d+)"')


@dataclass
class Tally:
    """Everything one client saw; merged after the run."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    fault_window_errors: int = 0
    fault_window_samples: list[str] = field(default_factory=list)
    after_restart: int = 0
    acknowledged: list[dict] = field(default_factory=list)


@dataclass
class Fault:
    """A kill or restart, and the window in which connection errors are expected."""

    kind: str
    at: float
    started: float | None = None  # seconds since the load started
    ended: float | None = None
    detail: str = ""
    failed: bool = False

    def covers(self, moment: float, margin: float = 1.0) -> bool:
        if self.started is None:
            return False
        return self.started - 0.05 <= moment <= (self.ended if self.ended is not None else 1e9) + margin


class Client(threading.Thread):
    def __init__(self, run: Run, number: int, username: str, editor: bool):
        super().__init__(name=username, daemon=True)
        self.run_, self.number, self.username, self.editor = run, number, username, editor
        self.rng = random.Random(run.seed * 1000 + number)
        self.tally = Tally()
        self.cookies: dict[str, str] = {}
        self.sequence = 0

    def run(self) -> None:
        run = self.run_
        try:
            self.cookies = harness.login(run.port, self.username, run.password)
        except Exception as exc:  # a client that cannot log in is an error, not a crash of the benchmark
            self.record_error("login", repr(exc))
            run.barrier.wait(timeout=120)
            return
        run.barrier.wait(timeout=120)
        steps = 0
        while time.monotonic() < run.deadline and steps < run.max_steps:
            steps += 1
            try:
                self.step()
            except Exception as exc:  # a bug in the benchmark must show up in the report, not end the thread
                self.record_error("step", repr(exc), "client exception")

    def step(self) -> None:
        roll = self.rng.uniform(0, 100)
        for kind, weight in self.run_.reads.items():
            if roll < weight:
                return self.read(kind)
            roll -= weight
        if self.editor and self.rng.random() < 0.5:
            return self.resolve_or_undo()
        return self.forecast()

    def read(self, kind: str) -> harness.Response | None:
        run = self.run_
        path = {"dashboard": "/", "scoreboard": "/scoreboard/",
                "list": f"/predictions/?page={self.rng.randint(1, run.list_pages)}",
                "detail": f"/predictions/{self.rng.choice(run.all_pks)}/"}[kind]
        return self.send(kind, "GET", path)

    def token(self) -> str:
        self.sequence += 1
        return f"bench-{self.run_.run_id}-c{self.number:02d}-{self.sequence:05d}"

    def forecast(self) -> None:
        pk, percent, note = self.rng.choice(self.run_.open_pks), self.rng.randint(1, 99), self.token()
        # The editors resolve predictions of the pool meanwhile, and a resolved prediction refuses forecasts (409).
        ok = (200, 409) if pk in self.run_.resolve_pool else (200,)
        response = self.send("forecast", "POST", f"/predictions/{pk}/forecast/",
                             {"percent": str(percent), "note": note}, ok=ok)
        if response is not None and response.status == 200:
            self.tally.acknowledged.append({"kind": "forecast", "user": self.username, "pk": pk,
                                            "percent": percent, "note": note})

    def resolve_or_undo(self) -> None:
        pk = self.rng.choice(self.run_.resolve_pool)
        page = self.send("detail (version read)", "GET", f"/predictions/{pk}/")
        if page is None or page.status != 200:
            return
        card = CARD.search(page.body.decode("utf-8", "replace"))
        if card is None or int(card.group(2)) != pk:
            self.record_error("detail (version read)", f"no card for {pk} in the page")
            return
        status, version = card.group(1), card.group(3)
        if status == "open":
            outcome, note = self.rng.choice(["true", "false", "ambiguous"]), self.token()
            response = self.send("resolve", "POST", f"/predictions/{pk}/resolve/", {
                "status": outcome, "resolved_on": datetime.now(UTC).date().isoformat(), "note": note,
                "evidence_url": f"https://example.com/evidence/{note}", "version": version}, ok=(200, 409))
            if response is not None and response.status == 200:
                self.tally.acknowledged.append({"kind": "resolve", "user": self.username, "pk": pk,
                                                "status": outcome, "note": note})
        else:
            response = self.send("undo", "POST", f"/predictions/{pk}/undo/", {"version": version}, ok=(200, 409))
            if response is not None and response.status == 200:
                self.tally.acknowledged.append({"kind": "undo", "user": self.username, "pk": pk})

    def send(self, kind: str, method: str, path: str, form: dict | None = None,
             ok: tuple[int, ...] = (200,)) -> harness.Response | None:
        run = self.run_
        headers = {"HX-Request": "true"} if method == "POST" else None
        try:
            response = harness.request(run.port, method, path, self.cookies, form=form, headers=headers,
                                       timeout=run.timeout)
        except CONNECTION_ERRORS as exc:
            moment = time.monotonic() - run.started
            if any(fault.covers(moment) for fault in run.faults):
                self.tally.fault_window_errors += 1
                if len(self.tally.fault_window_samples) < 3:
                    self.tally.fault_window_samples.append(f"{method} {path}: {exc!r} at {moment:.2f} s")
                self.tally.statuses["connection error (fault window)"] += 1
            else:
                self.record_error(kind, f"{method} {path}: {exc!r} at {moment:.1f} s")
            time.sleep(0.05)  # the server is down or restarting: do not spin
            return None
        self.tally.latencies[kind].append(response.seconds * 1000)
        self.tally.statuses[response.status] += 1
        if run.restarted_at is not None and time.monotonic() - run.started > run.restarted_at:
            self.tally.after_restart += 1
        if response.redirected_to_login():
            self.record_error(kind, f"{method} {path}: redirected to the login page ({response.status})", "logged out")
        elif response.status >= 500:
            self.record_error(kind, f"{method} {path}: {response.status}", "5xx")
        elif response.status not in ok:
            self.record_error(kind, f"{method} {path}: unexpected {response.status}", "unexpected status")
        if b"database is locked" in response.body:
            self.record_error(kind, f"{method} {path}: database is locked", "database is locked")
        return response

    def record_error(self, kind: str, message: str, category: str = "connection error") -> None:
        self.tally.errors[category] += 1
        if len(self.tally.error_samples) < 5:
            self.tally.error_samples.append(f"{self.username} {kind}: {message}")


class Run:
    def __init__(self, args, password: str, setup: dict):
        self.port, self.password, self.seed = args.port, password, args.seed
        self.timeout = 30.0
        self.run_id = f"{time.strftime('%H%M%S')}-{random.randrange(10_000):04d}"
        self.all_pks, self.open_pks = setup["all_pks"], setup["open_pks"]
        self.resolve_pool = setup["resolve_pool"]
        self.list_pages = max(1, len(self.all_pks) // 20)
        self.duration = args.duration
        self.reads = args.reads
        self.max_steps = 1_000_000
        self.started = self.deadline = 0.0
        # The clock starts when the last client has logged in, before any of them sends a request.
        self.barrier = threading.Barrier(args.clients + 1, action=self.begin)
        self.faults: list[Fault] = []
        if args.kill_worker_at is not None:
            self.faults.append(Fault("kill worker", args.kill_worker_at))
        if args.restart_at is not None:
            self.faults.append(Fault("restart", args.restart_at))
        self.faults.sort(key=lambda f: f.at)
        self.restarted_at: float | None = None
        self.load_before = self.code = ""

    def begin(self) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + self.duration


SETUP = """
import json
from tracker.models import Prediction, ResolutionEvent
all_pks = list(Prediction.objects.values_list("pk", flat=True))
open_pks = list(Prediction.objects.open().order_by("pk").values_list("pk", flat=True))
pool = open_pks[:POOL]
print(json.dumps({"all_pks": all_pks, "open_pks": open_pks, "resolve_pool": pool,
                  "versions": dict(Prediction.objects.filter(pk__in=pool).values_list("pk", "version")),
                  "last_event": ResolutionEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0}))
"""

VERIFY = """
import json, os
from collections import Counter
from django.db.models import Count
from tracker.models import Forecast, Prediction, ResolutionEvent
acks = json.load(open(os.environ["BENCH_ACKS"]))
before = json.load(open(os.environ["BENCH_BEFORE"]))
found, missing = Counter(), []
notes = [a["note"] for a in acks if a["kind"] == "forecast"]
forecasts = {f["note"]: f for f in Forecast.objects.filter(note__in=notes)
             .values("note", "user__username", "prediction_id", "probability")}
resolutions = {e["note"]: e for e in ResolutionEvent.objects.filter(action="resolve", note__in=[
    a["note"] for a in acks if a["kind"] == "resolve"]).values("note", "prediction_id", "to_status")}
undos = Counter((e["prediction_id"], e["actor__username"]) for e in ResolutionEvent.objects.filter(
    action="undo", id__gt=before["last_event"]).values("prediction_id", "actor__username"))
for a in acks:
    if a["kind"] == "forecast":
        f = forecasts.get(a["note"])
        ok = f is not None and (f["user__username"], f["prediction_id"]) == (a["user"], a["pk"]) \\
            and abs(f["probability"] - a["percent"] / 100) < 1e-9
    elif a["kind"] == "resolve":
        e = resolutions.get(a["note"])
        ok = e is not None and (e["prediction_id"], e["to_status"]) == (a["pk"], a["status"])
    else:
        ok = undos[(a["pk"], a["user"])] > 0
        undos[(a["pk"], a["user"])] -= 1
    if ok:
        found[a["kind"]] += 1
    elif len(missing) < 20:
        missing.append(a)
new_events = dict(ResolutionEvent.objects.filter(id__gt=before["last_event"]).values("prediction").annotate(
    n=Count("id")).values_list("prediction", "n"))
versions = dict(Prediction.objects.filter(pk__in=before["resolve_pool"]).values_list("pk", "version"))
version_mismatches = [pk for pk in before["resolve_pool"]
                      if versions[pk] - before["versions"][str(pk)] != new_events.get(pk, 0)]
print(json.dumps({"found": found, "missing": missing, "version_mismatches": version_mismatches[:20],
                  "history_rows_added": sum(new_events.values())}))
"""


def run_faults(run: Run, server: harness.Server, stop: threading.Event) -> None:
    """At the given moments: SIGKILL one worker, or stop and restart the whole server on the same port."""
    for fault in run.faults:
        if stop.wait(max(0.0, run.started + fault.at - time.monotonic())):
            return
        fault.started = time.monotonic() - run.started
        if fault.kind == "kill worker":
            before = server.worker_pids()
            if not before:
                fault.failed, fault.detail = True, "no worker to kill"
                return
            victim = before[0]
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # the master notices and forks a replacement
                now = server.worker_pids()
                if len(now) >= len(before) and victim not in now:
                    break
                time.sleep(0.05)
            fault.ended = time.monotonic() - run.started
            fault.detail = f"killed worker {victim} of {before}; workers now {server.worker_pids()}"
        else:
            took = server.stop()
            try:
                server.start()
            except SystemExit as exc:
                fault.failed, fault.detail = True, f"the server did not come back: {exc}"
                return
            fault.ended = time.monotonic() - run.started
            run.restarted_at = fault.ended
            fault.detail = f"graceful stop took {took:.2f} s; new master {server.process.pid}"


def read_mix(text: str) -> dict[str, float]:
    """--reads dashboard=20,list=25,...: pages left out are not read."""
    mix = dict.fromkeys(READS, 0.0)
    for item in filter(None, text.split(",")):
        kind, _, percent = item.partition("=")
        if kind not in READS:
            raise argparse.ArgumentTypeError(f"unknown page {kind!r}: one of {', '.join(READS)}")
        mix[kind] = float(percent)
    if sum(mix.values()) > 100:
        raise argparse.ArgumentTypeError("the read percentages add up to more than 100")
    return mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{harness.VAR / 'load10k.sqlite3'}")
    parser.add_argument("--fresh", action="store_true", help="recreate the SQLite database first")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (at most 600)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--editors", type=int, default=0, help="how many clients are editors (default half)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reads", type=read_mix, default=READS, metavar="KIND=PERCENT,...",
                        help="percent of steps that read each page, the rest write (default: "
                             + ",".join(f"{k}={v}" for k, v in READS.items()) + ")")
    parser.add_argument("--kill-worker-at", type=float, metavar="S", help="SIGKILL one worker S seconds in")
    parser.add_argument("--restart-at", type=float, metavar="S", help="stop and restart the server S seconds in")
    args = parser.parse_args()
    args.duration = max(1.0, min(args.duration, 600.0))
    editors = args.editors or args.clients // 2
    names = [(f"bench-editor-{i:02d}", True) if i <= editors else (f"bench-member-{i:02d}", False)
             for i in range(1, args.clients + 1)]

    counts = harness.ensure_database(args.database_url, fresh=args.fresh)
    password = harness.ensure_accounts(args.database_url, [n for n, e in names if e], [n for n, e in names if not e])
    setup = harness.django_json(args.database_url, SETUP.replace("POOL", str(RESOLVE_POOL)))
    log_name = f"load-{time.strftime('%Y%m%d-%H%M%S')}"
    server = harness.Server(args.database_url, args.port, args.workers, harness.LOGS / f"{log_name}-gunicorn.log")
    run = Run(args, password, setup)
    clients = [Client(run, i, name, editor) for i, (name, editor) in enumerate(names, 1)]
    stop = threading.Event()
    run.load_before, run.code = harness.machine_load(), harness.code_version()
    server.start()
    try:
        for client in clients:
            client.start()
        run.barrier.wait(timeout=180)  # everyone logged in
        faults = threading.Thread(target=run_faults, args=(run, server, stop), daemon=True)
        faults.start()
        for client in clients:
            client.join(timeout=args.duration + 120)
        elapsed = time.monotonic() - run.started
        stop.set()
        faults.join(timeout=120)
    finally:
        stop.set()
        server.stop()
    return report(args, run, clients, elapsed, counts, setup, server, log_name)


def report(args, run: Run, clients: list[Client], elapsed: float, counts: dict, setup: dict,
           server: harness.Server, log_name: str) -> int:
    total = Tally()
    for client in clients:
        for kind, values in client.tally.latencies.items():
            total.latencies[kind] += values
        total.statuses.update(client.tally.statuses)
        total.errors.update(client.tally.errors)
        total.error_samples += client.tally.error_samples
        total.fault_window_errors += client.tally.fault_window_errors
        total.fault_window_samples += client.tally.fault_window_samples
        total.after_restart += client.tally.after_restart
        total.acknowledged += client.tally.acknowledged
    answered = sum(len(v) for v in total.latencies.values())
    editors = sum(c.editor for c in clients)
    faults = ", ".join(f"{f.kind} at {f.at:g} s" for f in run.faults) or "no fault"
    print(f"code {harness.describe_change(run.code, harness.code_version())}; load average before: {run.load_before}")
    mix = ", ".join(f"{k} {v:g}%" for k, v in args.reads.items()) + f", writes {100 - sum(args.reads.values()):g}%"
    print(f"{counts['vendor']}, {counts['predictions']} predictions, {counts['forecasts']} forecasts; gunicorn -w "
          f"{args.workers}; {len(clients)} clients ({editors} editors); {elapsed:.1f} s; {faults}; mix: {mix}")
    statuses = dict(sorted(total.statuses.items(), key=str))
    print(f"{answered} responses, {answered / elapsed:.1f} req/s; statuses {statuses}; "
          f"load average after: {harness.machine_load()}")
    print("| request               | count | share | p50 (ms) | p95 (ms) | p99 (ms) |   max |")
    print("|-----------------------|------:|------:|---------:|---------:|---------:|------:|")
    order = ["dashboard", "list", "detail", "scoreboard", "detail (version read)", "forecast", "resolve", "undo"]
    everything = []
    for kind in order:
        values = sorted(total.latencies.get(kind, []))
        everything += values
        if values:
            p = [harness.percentile(values, f) for f in (0.5, 0.95, 0.99)]
            print(f"| {kind:<21} | {len(values):5d} | {len(values) / answered:5.1%} | {p[0]:8.1f} | {p[1]:8.1f} | "
                  f"{p[2]:8.1f} | {values[-1]:5.0f} |")
    everything.sort()
    p = [harness.percentile(everything, f) for f in (0.5, 0.95, 0.99)]
    print(f"| {'all':<21} | {answered:5d} | 100%  | {p[0]:8.1f} | {p[1]:8.1f} | {p[2]:8.1f} | {everything[-1]:5.0f} |")
    for fault in run.faults:
        if fault.started is None or fault.ended is None:
            print(f"fault: {fault.kind} at {fault.at:g} s did not complete: {fault.detail or 'not reached'}")
        else:
            print(f"fault: {fault.kind} at {fault.started:.2f} s, service back at {fault.ended:.2f} s "
                  f"({fault.ended - fault.started:.2f} s): {fault.detail}")
    if run.faults:
        print(f"connection errors inside fault windows (expected, not counted as errors): {total.fault_window_errors}")
        for sample in total.fault_window_samples[:6]:
            print(f"  in the window: {sample}")
    if args.restart_at is not None:
        print(f"responses after the restart: {total.after_restart}, of which redirected to the login page: "
              f"{total.errors['logged out']}")

    acks_path = harness.LOGS / f"{log_name}-acknowledged.json"
    before_path = harness.LOGS / f"{log_name}-before.json"
    acks_path.write_text(json.dumps(total.acknowledged))
    before_path.write_text(json.dumps({k: setup[k] for k in ("resolve_pool", "versions", "last_event")}))
    check = harness.django_json(args.database_url, VERIFY, {"BENCH_ACKS": str(acks_path),
                                                             "BENCH_BEFORE": str(before_path)})
    acknowledged = Counter(a["kind"] for a in total.acknowledged)
    for kind in ("forecast", "resolve", "undo"):
        print(f"acknowledged {kind}s: {acknowledged[kind]}, found in the database: {check['found'].get(kind, 0)}")
    print(f"history rows added: {check['history_rows_added']}; predictions whose version moved by other than "
          f"their new history rows: {len(check['version_mismatches'])}")
    missing = sum(acknowledged.values()) - sum(check["found"].values())
    log_problems = server.log_problems()
    errors = sum(total.errors.values())
    print(f"errors: {errors} {dict(total.errors)}; missing acknowledged writes: {missing}; "
          f"server log lines reporting failures: {len(log_problems)}")
    for sample in total.error_samples[:10]:
        print(f"  error: {sample}")
    for item in check["missing"][:10]:
        print(f"  missing: {item}")
    for line in log_problems[:10]:
        print(f"  log: {line}")
    failed_faults = [f for f in run.faults if f.failed or f.started is None]
    return 1 if errors or missing or check["version_mismatches"] or log_problems or failed_faults else 0


if __name__ == "__main__":
    sys.exit(main())
