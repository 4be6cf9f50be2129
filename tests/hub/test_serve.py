"""``hub serve`` (issue 21, item 6): the hub under gunicorn with the workers from its
settings, ready once its readiness check says so; a worker killed with ``kill -9`` is
replaced and the hub goes on serving; SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.real_clock import real_clock
from tests.fixtures.smtp import free_port

HUB = Path(sys.executable).with_name("hub")


def ready(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as r:  # noqa: S310
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except OSError:
        return 0


def wait_until_ready(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready(port) == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"not ready within {seconds} s")


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def test_hub_serve_runs_workers_replaces_a_killed_one_and_stops_cleanly(tmp_path: Path) -> None:
    copy_migrated_sqlite(tmp_path / "hub.sqlite3")
    port = free_port()
    env = {
        **real_clock(),
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        "HUB_SECRET_KEY": secrets.token_urlsafe(32),
        "HUB_SERVER_WORKERS": "2",
    }
    env.pop("HUB_CONFIG", None)
    server = subprocess.Popen(
        [str(HUB), "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(port)
        workers = workers_of(server.pid)
        assert len(workers) == 2, workers

        os.kill(workers[0], signal.SIGKILL)
        wait_until_ready(port)
        deadline = time.monotonic() + 30
        while len(workers_of(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(workers_of(server.pid)) == 2, "the killed worker was replaced"
        assert server.poll() is None, "the server kept running"
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    assert code == 0
