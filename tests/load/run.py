"""The load test: the hub under gunicorn (``hub serve``) on PostgreSQL, driven by locust's
signed-in users of several roles, as an operator would measure it. Run by hand, like the
benchmarks (``make load``); pytest never collects it.

    .venv/bin/python -m tests.load.run [--users 16] [--workers 4] [--seconds 60]
    .venv/bin/python -m tests.load.run --seconds 600          # the soak

Starts a throwaway PostgreSQL server (as the tests do, but with fsync and synchronous
commits on, as in production), builds the demo partnership in it, serves it with
``hub serve`` on localhost, and runs ``tests/load/locustfile.py`` headless for
``--seconds`` after every user has signed in. Prints, per page, requests a second and the
50th, 95th and 99th percentiles, with the targets of issue 21 (at least 150 audited case
views a second at 16 users and 4 workers, p99 under 250 ms, no errors); then checks that
every case page served has its ``case.view`` audit entry (by request id) and that
``hub audit verify`` finds the log whole; and prints how often PostgreSQL's sessions were
waiting for a lock (sampled every 0.1 s), each worker's resident memory over the run
(the soak's target: flat within 10%), and the share of the cores' time each part took
(the hub's workers, PostgreSQL, locust).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import psutil
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from hub.settings import Settings
from sharing.access.facts import Actor
from sharing.audit.log import waiting
from sharing.cases.share_lists import shared_case_count
from sharing.demo.partnership import DEMO_PASSWORD, totp_secret_for
from sharing.models import AuditEntry, User
from sharing.vocabulary import Role
from tests.benchmarks.common import demo_on_postgres, load, say, verdict

HERE = Path(__file__).resolve().parent
KEPT = HERE.parents[1] / ".tmp" / "load-last"
BIN = Path(sys.executable).parent
TARGET_CASE_VIEWS = 150.0
TARGET_P99_MS = 250.0
TARGET_MEMORY_CHANGE = 0.10
#: Roles in the order accounts are taken: half case officers, then police, then managers.
MIX = (Role.CASE_OFFICER, Role.PARTNER_VIEWER, Role.CASE_OFFICER, Role.MANAGER)
#: Seconds every user may take to sign in before a run measured from sign-in stops anyway
#: (a manager may wait 30 s for a fresh authenticator code).
SIGN_IN_ALLOWANCE = 90


def accounts(session: Session, users: int) -> list[dict[str, object]]:
    """``users`` demo accounts, one per locust user, mixing the roles as ``MIX`` does; the
    partner viewers among those whose agency has cases shared with it today (one with
    none would have nothing to open, and its user would stop)."""
    staff = list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
    chosen: list[dict[str, object]] = []
    by_role = {role: [u for u in staff if role in u.roles] for role in MIX}
    by_role[Role.PARTNER_VIEWER] = [
        u for u in by_role[Role.PARTNER_VIEWER] if shared_case_count(session, Actor.of(u))
    ]
    taken: set[int] = set()
    for n in range(users):
        role = MIX[n % len(MIX)]
        user = next((u for u in by_role[role] if u.id not in taken), None)
        if user is None:  # no more of the role: another case officer
            role = Role.CASE_OFFICER
            user = next(u for u in staff if u.id not in taken and Role.CASE_OFFICER in u.roles)
        taken.add(user.id)
        chosen.append(
            {
                "email": user.email,
                "password": DEMO_PASSWORD,
                "totp_secret": totp_secret_for(user.email) if user.has_authenticator else None,
                "role": str(role),
                "agency_id": user.agency_id,
            }
        )
    return chosen


def durable(engine: Engine) -> None:
    """Turn the throwaway server's durability back on, as a production server has it: every
    acknowledged commit is on disk."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            connection.execute(text(f"ALTER SYSTEM SET {setting} = on"))
        connection.execute(text("SELECT pg_reload_conf()"))


def environment_for(settings: Settings, folder: Path) -> dict[str, str]:
    """The environment of ``hub serve`` and locust: the demo hub's settings, and the files
    locust reads (the accounts) and writes (what it was answered)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_INSTANCE_PATH": str(settings.instance_path),
        "HUB_SECRET_KEY": secrets.token_urlsafe(32),
        "HUB_LOG_FORMAT": "json",
        "LOAD_ACCOUNTS": str(folder / "accounts.json"),
        "LOAD_REQUEST_IDS": str(folder / "case-views.txt"),
        "LOAD_OUTCOMES": str(folder / "outcomes.json"),
    }


def start_hub(
    environment: dict[str, str], folder: Path, workers: int
) -> tuple[str, subprocess.Popen[bytes], IO[str]]:
    """``hub serve`` on a free port of localhost, logging to ``folder/server.log``: its
    address, its process and the open log."""
    port = free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own command
        [str(BIN / "hub"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return f"http://127.0.0.1:{port}", server, log


class LockWaits(threading.Thread):
    """Samples PostgreSQL's sessions every 0.1 s while the load runs: how many were at
    work (a statement running) and how many of those were waiting for a lock (a row, a
    transaction, an advisory lock), which is where serialised requests show."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.active, self.waiting = engine, 0, 0
        self._done = threading.Event()

    def run(self) -> None:
        sample = text(
            "SELECT count(*) AS active, count(*) FILTER (WHERE wait_event_type = 'Lock') "
            "AS waiting FROM pg_stat_activity WHERE state = 'active' "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as connection:
            while not self._done.wait(0.1):
                row = connection.execute(sample).one()
                connection.rollback()
                self.active += row.active
                self.waiting += row.waiting

    def stop(self) -> None:
        self._done.set()
        self.join(5)

    @property
    def share(self) -> float:
        return self.waiting / self.active if self.active else 0.0


class CpuShares:
    """Where the machine's processor time goes during the mix: the hub's workers (``hub
    serve`` and its children), PostgreSQL, locust, and everything else, from two looks at
    every process's CPU time (``look`` while locust runs: its own time is gone once it
    has stopped)."""

    GROUPS = ("hub serve", "PostgreSQL", "locust", "everything else")

    def __init__(self, server: int, locust: int) -> None:
        self.server, self.locust = server, locust
        self.first = self.last = self._look()

    def look(self) -> None:
        self.last = self._look()

    def _look(self) -> tuple[float, float, dict[int, tuple[str, float]]]:
        machine = psutil.cpu_times()
        busy = sum(
            getattr(machine, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal")
        )
        processes: dict[int, tuple[str, float]] = {}
        for process in psutil.process_iter():
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    processes[process.pid] = (self._group(process), times.user + times.system)
            except psutil.Error:  # gone meanwhile, or not ours to read
                continue
        return time.monotonic(), busy, processes

    def _group(self, process: psutil.Process) -> str:
        lineage = {process.pid, *(p.pid for p in process.parents())}
        if self.server in lineage:
            return "hub serve"
        if self.locust in lineage:
            return "locust"
        if process.name().startswith("postgres"):
            return "PostgreSQL"
        return "everything else"

    def shares(self) -> tuple[float, float, dict[str, float]]:
        """Seconds looked over, the machine's busy share of its cores, and each group's
        share of the time the cores had."""
        (t0, busy0, before), (t1, busy1, after) = self.first, self.last
        available = (t1 - t0) * (psutil.cpu_count() or 1)
        spent = dict.fromkeys(self.GROUPS, 0.0)
        for pid, (group, cpu) in after.items():
            earlier = before.get(pid)
            spent[group] += cpu - (earlier[1] if earlier and earlier[0] == group else 0.0)
        return t1 - t0, (busy1 - busy0) / available, {g: spent[g] / available for g in spent}


def start_locust(
    environment: dict[str, str],
    folder: Path,
    base: str,
    users: int,
    seconds: int,
    user_class: str = "StaffMember",
    stats: str = "stats",
    from_sign_in: bool = False,
) -> subprocess.Popen[bytes]:
    """locust, headless, with ``users`` users of ``user_class`` all started at once against
    ``base`` for ``seconds``, writing its CSV files (named from ``stats``) and log into
    ``folder``. Its figures start again once every user has been started or, with
    ``from_sign_in``, once every user has signed in, and the run then lasts ``seconds``
    (signing in may take up to ``SIGN_IN_ALLOWANCE`` more)."""
    if from_sign_in:
        environment = {**environment, "LOAD_SECONDS": str(seconds)}
        timing = ["--run-time", f"{seconds + SIGN_IN_ALLOWANCE}s"]
    else:
        timing = ["--run-time", f"{seconds}s", "--reset-stats"]
    return subprocess.Popen(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(HERE / "locustfile.py"),
            user_class,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            *timing,
            "--only-summary",
            "--stop-timeout",
            "10",
            "--host",
            base,
            "--csv",
            str(folder / stats),
            "--loglevel",
            "WARNING",
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=locust_log(folder, stats).open("w"),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ready(base: str) -> bool:
    """Whether the hub at ``base`` answers its readiness check with 200."""
    try:
        with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as response:  # noqa: S310 - localhost
            return bool(response.status == 200)
    except OSError:  # refused, reset, timed out, or an HTTP error (URLError is one)
        return False


def wait_ready(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready(base):
            return
        time.sleep(0.5)
    raise SystemExit(f"the hub at {base} was not ready within {seconds:.0f} s")


def hub_command(environment: dict[str, str], *args: str) -> tuple[int, str]:
    """Run ``hub ARGS`` on the load test's hub: its exit status and its last line."""
    done = subprocess.run(  # noqa: S603 - our own command
        [str(BIN / "hub"), *args], env=environment, capture_output=True, text=True, check=False
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode, lines[-1] if lines else ""


def workers_of(master: int) -> list[psutil.Process]:
    try:
        return psutil.Process(master).children()
    except psutil.NoSuchProcess:
        return []


def rss_mb(process: psutil.Process) -> float | None:
    try:
        return float(process.memory_info().rss) / 1024 / 1024
    except psutil.NoSuchProcess:
        return None


def report(stats: Path, seconds: float) -> tuple[float, float, int]:
    """Print the per-page figures from locust's CSV; the case pages' rate and p99, and the
    failures."""
    say(f"{'page':<26}{'requests':>9}{'failed':>8}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  (ms)")
    case_rate, case_p99, failures = 0.0, 0.0, 0
    with stats.open() as f:
        for row in csv.DictReader(f):
            if not int(row["Request Count"]):
                continue  # a page only the sign-in asks for, before the figures start
            name = row["Name"] if row["Name"] != "Aggregated" else "all"
            say(
                f"{name:<26}{int(row['Request Count']):>9,}{int(row['Failure Count']):>8}"
                f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
            )
            if row["Name"] == "case page":
                case_rate, case_p99 = float(row["Requests/s"]), float(row["99%"])
            if row["Name"] == "Aggregated":
                failures = int(row["Failure Count"])
    return case_rate, case_p99, failures


def locust_log(folder: Path, stats: str) -> Path:
    """Where locust's own log of the run named ``stats`` is written."""
    return folder / f"{stats}-locust.log"


def locust_finished(locust: subprocess.Popen[bytes], folder: Path, stats: str) -> None:
    """After locust has stopped: stop the run, with the end of its log, if locust itself
    failed (1 only says some requests failed); say so if any user stopped with an error
    (one that could not sign in or finds no cases): the run then had fewer requests in
    flight than users."""
    log = locust_log(folder, stats)
    if locust.returncode not in (0, 1):
        say(log.read_text()[-3000:])
        raise SystemExit(f"locust stopped with {locust.returncode}")
    errors = [line for line in log.read_text().splitlines() if "Error:" in line]
    if errors:
        say(f"locust: {len(errors)} users stopped with an error, e.g. {errors[0].strip()}")


def rate_of(stats: Path, name: str) -> float:
    """Requests a second of the page ``name`` (``Aggregated``: all) in locust's CSV."""
    with stats.open() as f:
        for row in csv.DictReader(f):
            if row["Name"] == name:
                return float(row["Requests/s"])
    return 0.0


def baseline(
    environment: dict[str, str], folder: Path, base: str, users: int, seconds: int
) -> float:
    """Run the baseline (every user asking only for its account page) and print its
    figures; its requests a second."""
    locust = start_locust(
        environment,
        folder,
        base,
        users,
        seconds,
        user_class="AccountPageOnly",
        stats="baseline",
        from_sign_in=True,
    )
    locust.wait(seconds + SIGN_IN_ALLOWANCE + 120)
    locust_finished(locust, folder, "baseline")
    say(f"baseline, {users} users asking only for their account page for {seconds} s:")
    report(folder / "baseline_stats.csv", seconds)
    return rate_of(folder / "baseline_stats.csv", "your account (baseline)")


def audited(session: Session, request_ids: list[str]) -> int:
    """How many of the case pages served (by request id) have no case.view entry in the
    log (none may still wait in the queue: the run is over)."""
    missing = 0
    for start in range(0, len(request_ids), 1000):
        batch = request_ids[start : start + 1000]
        found = set(
            session.scalars(
                select(AuditEntry.request_id).where(
                    AuditEntry.action == "case.view", AuditEntry.request_id.in_(batch)
                )
            )
        )
        missing += sum(1 for r in batch if r not in found)
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--baseline-seconds",
        type=int,
        default=20,
        help="first, the same users asking only for their account page (0: none)",
    )
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the run's logs and CSV files in {KEPT}"
    )
    args = parser.parse_args(argv)
    with demo_on_postgres("hub-load-") as (app, folder):
        settings = app.config["HUB_SETTINGS"]
        sessions = app.extensions["hub.sessions"]
        durable(app.extensions["hub.engine"])
        with sessions() as session:
            chosen = accounts(session, args.users)
            entries_before = session.scalar(select(func.count()).select_from(AuditEntry))
        (folder / "accounts.json").write_text(json.dumps(chosen))
        roles = ", ".join(f"{sum(a['role'] == str(r) for a in chosen)} {r}" for r in set(MIX))
        environment = environment_for(settings, folder)
        base, server, log = start_hub(environment, folder, args.workers)
        try:
            wait_ready(base)
            say(
                f"hub serve: {args.workers} workers on PostgreSQL (fsync on); {args.users} "
                f"users ({roles}); {args.seconds} s; {load()}"
            )
            floor = 0.0
            if args.baseline_seconds:
                floor = baseline(environment, folder, base, args.users, args.baseline_seconds)
                say("the mix:")
            memory: dict[int, list[float]] = {}
            locust = start_locust(
                environment, folder, base, args.users, args.seconds, from_sign_in=True
            )
            waits = LockWaits(app.extensions["hub.engine"])
            waits.start()
            cpu = CpuShares(server.pid, locust.pid)
            loads = []
            while locust.poll() is None:
                cpu.look()
                for worker in workers_of(server.pid):
                    mb = rss_mb(worker)
                    if mb is not None:
                        memory.setdefault(worker.pid, []).append(mb)
                loads.append(os.getloadavg()[0])
                time.sleep(min(10.0, max(1.0, args.seconds / 30)))
            locust_finished(locust, folder, "stats")
            waits.stop()
            case_rate, case_p99, failures = report(folder / "stats_stats.csv", args.seconds)
            all_rate = rate_of(folder / "stats_stats.csv", "Aggregated")
            with (folder / "stats_failures.csv").open() as f:
                for row in csv.DictReader(f):
                    say(
                        f"  failed: {row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error']}"
                    )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
            log.close()
        say(
            f"audited case views: {case_rate:.1f}/s (target {TARGET_CASE_VIEWS:.0f}: "
            f"{verdict(case_rate >= TARGET_CASE_VIEWS)}); p99 {case_p99:.0f} ms (target "
            f"{TARGET_P99_MS:.0f}: {verdict(case_p99 < TARGET_P99_MS)}); {failures} failed "
            f"({verdict(failures == 0)}); load average over the run "
            f"{min(loads, default=0):.2f} to {max(loads, default=0):.2f}"
        )
        if floor and case_rate:
            needed = TARGET_CASE_VIEWS * all_rate / case_rate
            say(
                f"against the baseline ({floor:.0f} account pages a second): the mix served "
                f"{all_rate:.0f} requests a second ({all_rate / floor:.0%} of it); "
                f"{TARGET_CASE_VIEWS:.0f} case views a second in this mix would take "
                f"{needed:.0f} requests a second ({needed / floor:.0%} of it)"
            )
        looked, busy, shares = cpu.shares()
        say(
            f"the {psutil.cpu_count()} cores over {looked:.0f} s of the mix: {busy:.0%} busy; "
            + ", ".join(f"{group} {share:.0%}" for group, share in shares.items())
        )
        say(
            f"PostgreSQL's sessions at work, sampled every 0.1 s: {waits.active:,}, of which "
            f"waiting for a lock {waits.waiting:,} ({waits.share:.1%})"
        )
        request_ids = [r for r in (folder / "case-views.txt").read_text().split() if r]
        with sessions() as session:
            missing = audited(session, request_ids)
            entries_after = session.scalar(select(func.count()).select_from(AuditEntry))
            left = waiting(session).count
        say(
            f"audit: {len(request_ids):,} case pages served, {missing} without their entry "
            f"in the log ({verdict(missing == 0)}); {entries_after - entries_before:,} entries "
            f"added, {left} left waiting ({verdict(left == 0)})"
        )
        say(f"hub audit verify: {hub_command(environment, 'audit', 'verify')[1]}")
        for pid, samples in sorted(memory.items()):
            samples = samples[len(samples) // 10 :]  # from the end of the warm-up
            change = (samples[-1] - samples[0]) / samples[0]
            say(
                f"worker {pid}: {samples[0]:.0f} MB at the start, {samples[-1]:.0f} MB at the "
                f"end, at most {max(samples):.0f} MB ({change:+.1%}; target within "
                f"{TARGET_MEMORY_CHANGE:.0%}: {verdict(abs(change) <= TARGET_MEMORY_CHANGE)})"
            )
        say(load())
        if args.keep:
            shutil.rmtree(KEPT, ignore_errors=True)
            shutil.copytree(folder, KEPT, ignore=shutil.ignore_patterns("instance"))
            say(f"the run's files are in {KEPT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
