"""Faults under load: each a repeatable script (issue 21). Run by hand; pytest never
collects it.

    .venv/bin/python -m tests.load.faults kill-worker
    .venv/bin/python -m tests.load.faults all            # one after the other

Like ``tests/load/run.py``: a throwaway PostgreSQL server (fsync and synchronous commits
on), the demo partnership, ``hub serve`` with 4 workers, and locust's signed-in users of
several roles (case officers adding incidents among their reads). A few seconds in, the
fault:

- ``kill-worker``: one gunicorn worker killed with SIGKILL;
- ``restart-postgres``: PostgreSQL restarted (fast shutdown: every session cut off);
- ``kill-postmaster``: the postmaster killed with SIGKILL while incidents are being saved,
  then started again (it recovers from its write-ahead log);
- ``stall-lock``: another connection takes the audit integrator's lock and the tree's row
  lock and sits on them for 15 s (a stopped integrator), then holds the audit queue's
  table lock for 8 s (a maintenance job): requests must be answered or refused within
  the configured wait;
- ``unreadable-keys``: the key store's file overwritten with garbage and every worker
  killed (those gunicorn starts instead read the damaged file), then the file put back
  10 s later.

Each ends with four checks: **0 acknowledged writes lost** (every incident the hub said it
saved, by the request id of its redirect, has its audit entry, written in the same
transaction), **0 bare 500 pages** (every answer of 500 or more is one of the hub's own
pages or problem details), **the audit log whole** (``hub audit verify`` after
``hub audit integrate``; nothing left waiting), and **the hub serving again without a
restart** (case pages served after the fault ended, and ``/health/ready`` answering 200).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg
from sqlalchemy import func, make_url, select, union
from sqlalchemy.orm import Session

from sharing.audit.log import INTEGRATOR_LOCK, waiting
from sharing.models import AuditEntry, AuditQueued
from tests.benchmarks.common import demo_on_postgres_server, load, say, verdict
from tests.fixtures.databases import PostgresServer
from tests.load.run import (
    accounts,
    durable,
    environment_for,
    hub_command,
    ready,
    start_hub,
    start_locust,
    wait_ready,
    workers_of,
)

USERS = 8
WORKERS = 4
#: Seconds after the users start before the fault (they have signed in by then).
FAULT_AT = 12


class Fault:
    """What a fault does to the running hub; ``inject`` returns once it is over."""

    def __init__(
        self, server: PostgresServer, hub: subprocess.Popen[bytes], key_store: Path, url: str
    ) -> None:
        self.server, self.hub, self.key_store = server, hub, key_store
        #: The hub's database, as libpq writes it.
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)

    def kill_worker(self) -> None:
        worker = workers_of(self.hub.pid)[0]
        os.kill(worker.pid, signal.SIGKILL)
        say(f"  killed worker {worker.pid} with SIGKILL")

    def restart_postgres(self) -> None:
        started = time.monotonic()
        self.server.restart()
        say(f"  restarted PostgreSQL in {time.monotonic() - started:.1f} s")

    def kill_postmaster(self) -> None:
        self.server.kill_postmaster()
        say("  killed the postmaster with SIGKILL; starting it again in 2 s")
        time.sleep(2)
        started = time.monotonic()
        self.server.start_again()
        say(f"  PostgreSQL recovered and started in {time.monotonic() - started:.1f} s")

    def stall_lock(self) -> None:
        with psycopg.connect(self.conninfo) as connection:
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (INTEGRATOR_LOCK,))
            connection.execute("UPDATE audit_tree SET size = size WHERE id = 1")
            say("  holding the integrator's lock and the tree's row for 15 s")
            time.sleep(15)
            connection.rollback()
            connection.execute("LOCK TABLE audit_queue IN EXCLUSIVE MODE")
            say("  holding the audit queue's table lock for 8 s")
            time.sleep(8)
            connection.rollback()

    def unreadable_keys(self) -> None:
        kept = self.key_store.read_bytes()
        self.key_store.write_bytes(b"{ this is not a key store")
        # A worker holds the keys it read; one started now reads the damaged file.
        for worker in workers_of(self.hub.pid):
            os.kill(worker.pid, signal.SIGKILL)
        say("  the key store overwritten with garbage for 10 s, every worker replaced")
        time.sleep(10)
        self.key_store.write_bytes(kept)


FAULTS: dict[str, Callable[[Fault], None]] = {
    "kill-worker": Fault.kill_worker,
    "restart-postgres": Fault.restart_postgres,
    "kill-postmaster": Fault.kill_postmaster,
    "stall-lock": Fault.stall_lock,
    "unreadable-keys": Fault.unreadable_keys,
}


def committed(session: Session, request_ids: list[str]) -> set[str]:
    """The request ids with an audit entry, in the log or still queued."""
    found: set[str] = set()
    for start in range(0, len(request_ids), 1000):
        batch = request_ids[start : start + 1000]
        found.update(
            session.scalars(
                union(
                    select(AuditEntry.request_id).where(AuditEntry.request_id.in_(batch)),
                    select(AuditQueued.request_id).where(AuditQueued.request_id.in_(batch)),
                )
            )
        )
    return found


def run_fault(name: str, seconds: int) -> bool:
    """Run one fault under load; whether all four checks passed."""
    say(f"\n{name}: {USERS} users, {WORKERS} workers, {seconds} s, the fault at {FAULT_AT} s")
    with demo_on_postgres_server(f"hub-fault-{name}-") as (app, folder, server):
        settings = app.config["HUB_SETTINGS"]
        durable(app.extensions["hub.engine"])
        sessions = app.extensions["hub.sessions"]
        with sessions() as session:
            chosen = accounts(session, USERS)
        app.extensions["hub.engine"].dispose()
        (folder / "accounts.json").write_text(json.dumps(chosen))
        environment = environment_for(settings, folder)
        base, hub, log = start_hub(environment, folder, WORKERS)
        try:
            wait_ready(base)
            fault = Fault(server, hub, settings.key_store, settings.database_url)
            locust = start_locust(environment, folder, base, USERS, seconds)
            time.sleep(FAULT_AT)
            injecting = threading.Thread(target=FAULTS[name], args=(fault,))
            injecting.start()
            injecting.join()
            ended = time.time()
            locust.wait(seconds + 60)
            serving_now = ready(base)
        finally:
            hub.send_signal(signal.SIGTERM)
            hub.wait(60)
            log.close()
        outcomes = json.loads((folder / "outcomes.json").read_text())
        _, integrated = hub_command(environment, "audit", "integrate")
        status, checked = hub_command(environment, "audit", "verify")
        with sessions() as session:
            acknowledged = outcomes["acknowledged"]
            lost = len(acknowledged) - len(committed(session, acknowledged))
            left = waiting(session).count
            entries = session.scalar(select(func.count()).select_from(AuditEntry))
        app.extensions["hub.engine"].dispose()
        after = [t for t in outcomes["served"] if t > ended + 2]
        bare = outcomes["bare"]
        verified = status == 0 and left == 0
        serving = bool(after) and serving_now
        answers = ", ".join(
            f"{'no answer' if status == '0' else status}: {n:,}"
            for status, n in sorted(outcomes["statuses"].items(), key=lambda s: int(s[0]))
        )
        say(f"  answers: {answers}")
        say(f"  acknowledged writes: {len(acknowledged)}, lost {lost} ({verdict(lost == 0)})")
        say(f"  bare 500 pages: {len(bare)} ({verdict(not bare)})")
        for status, url, first in bare[:5]:
            say(f"    {status} {url}: {first!r}")
        for (route, message, exception), n in logged_errors(folder / "server.log").items():
            say(f"  logged error: {n:,} x {route} {message} ({exception})")
        say(
            f"  audit log: {entries:,} entries; {integrated} {checked}; "
            f"{left} waiting ({verdict(verified)})"
        )
        say(
            f"  serving again: {len(after)} case pages after the fault ended, /health/ready "
            f"{'200' if serving_now else 'not ready'} ({verdict(serving)})"
        )
        return lost == 0 and not bare and verified and serving


def logged_errors(log: Path) -> Counter[tuple[str, str, str]]:
    """The errors the hub logged (its JSON lines of level ERROR), counted by route,
    message and exception type: what lies behind any 500 page of its own."""
    found: Counter[tuple[str, str, str]] = Counter()
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # gunicorn's own lines are not JSON
            continue
        if isinstance(record, dict) and record.get("level") == "ERROR":
            found[
                (record.get("route") or "-", record["message"], record.get("exception") or "-")
            ] += 1
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fault", choices=[*FAULTS, "all"])
    parser.add_argument("--seconds", type=int, default=50)
    args = parser.parse_args(argv)
    say(load())
    names = list(FAULTS) if args.fault == "all" else [args.fault]
    results = {name: run_fault(name, args.seconds) for name in names}
    say()
    for name, ok in results.items():
        say(f"{name}: {verdict(ok)}")
    say(load())
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
