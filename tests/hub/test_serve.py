"""``hub serve`` (issue 21, item 6): the hub under gunicorn with the workers from its
settings, ready once its readiness check says so; a worker killed with ``kill -9`` is
replaced and the hub goes on serving; SIGTERM stops it cleanly; its workers add acts'
audit entries to the log apart from the requests."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.audit.log import waiting
from sharing.audit.verification import verify
from sharing.db import make_engine
from sharing.models import AuditEntry
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


def hub_serve(
    tmp_path: Path, database_url: str, port: int, log: Path | None = None, **settings: str
) -> subprocess.Popen[bytes]:
    """``hub serve`` on ``port`` with two workers, a fresh secret key and ``settings``
    (environment variables) beside them; its standard error to ``log`` if given."""
    env = {
        **real_clock(),
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "HUB_DATABASE_URL": database_url,
        "HUB_SECRET_KEY": secrets.token_urlsafe(32),
        "HUB_SERVER_WORKERS": "2",
        **settings,
    }
    env.pop("HUB_CONFIG", None)
    with log.open("wb") if log else open(os.devnull, "wb") as stderr:
        return subprocess.Popen(
            [str(HUB), "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def test_hub_serve_runs_workers_replaces_a_killed_one_and_stops_cleanly(tmp_path: Path) -> None:
    copy_migrated_sqlite(tmp_path / "hub.sqlite3")
    port = free_port()
    server = hub_serve(tmp_path, f"sqlite:///{tmp_path / 'hub.sqlite3'}", port)
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


def refused_sign_in(port: int) -> None:
    """A sign-in with an address nobody has, through the form (the hub records it)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    base = f"http://127.0.0.1:{port}/sign-in"
    with opener.open(base, timeout=10) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    assert token is not None
    form = {"email": "nobody@example.invalid", "password": "not a password", "csrf_token": token[1]}
    with opener.open(base, data=urllib.parse.urlencode(form).encode(), timeout=10) as answer:
        assert "Enter a correct e-mail address and password" in answer.read().decode()


def test_under_hub_serve_acts_entries_join_the_log_and_none_wait_once_it_stops(
    migrated_database_url: str, tmp_path: Path
) -> None:
    """The workers' integrators add acts' entries to the log a moment after the acts (here
    refused sign-ins), without the requests doing it; a worker that stops adds what is
    still queued, so a clean stop leaves nothing waiting and the log whole."""
    port = free_port()
    engine = make_engine(migrated_database_url)
    # a look every 3 s: the second sign-in, just before the stop, is still queued then
    server = hub_serve(tmp_path, migrated_database_url, port, HUB_AUDIT_INTEGRATE_MS="3000")
    try:
        wait_until_ready(port)
        refused_sign_in(port)
        deadline = time.monotonic() + 30
        while sign_ins_logged(engine) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sign_ins_logged(engine) == 1, "added to the log while the hub serves"
        refused_sign_in(port)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    assert code == 0
    try:
        with Session(engine) as session:
            assert waiting(session).count == 0
            assert sign_ins_logged(engine) == 2
            assert verify(session).ok
    finally:
        engine.dispose()


def sign_ins_logged(engine: Engine) -> int:
    with Session(engine) as session:
        found = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == acts.Action.SIGN_IN_FAILED)
        )
    return int(found or 0)


def bad_request(port: int) -> bytes:
    """A request gunicorn itself refuses (a Content-Length that is not a number)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            b"POST /sign-in?surname=Smith HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
        )
        return connection.recv(1024)


def test_with_json_logs_every_line_of_hub_serve_is_json_and_names_no_visitor(
    tmp_path: Path,
) -> None:
    """gunicorn's own lines too (starting, workers, a refused request, stopping), none with
    the visitor's address or what they asked for; and the readiness check, polled by a load
    balancer, adds no lines of its own."""
    copy_migrated_sqlite(tmp_path / "hub.sqlite3")
    port, log = free_port(), tmp_path / "serve.log"
    server = hub_serve(
        tmp_path, f"sqlite:///{tmp_path / 'hub.sqlite3'}", port, log, HUB_LOG_FORMAT="json"
    )
    try:
        wait_until_ready(port)
        assert bad_request(port).startswith(b"HTTP/1.1 400")
        for _ in range(5):
            assert ready(port) == 200
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0

    lines = [json.loads(line) for line in log.read_text().splitlines()]  # each one JSON
    messages = [(line["logger"], line["level"], line["message"]) for line in lines]
    assert ("gunicorn.error", "WARNING", "Invalid request") in messages
    assert any(m.startswith("Listening at: http://127.0.0.1:") for _, _, m in messages)
    assert any(m.startswith("Booting worker") for _, _, m in messages)
    assert ("gunicorn.error", "INFO", "Shutting down: Master") in messages
    listening = [m for _, _, m in messages if m.startswith("Listening at")]
    assert [m for _, _, m in messages if "127.0.0.1" in m] == listening, "no visitor's address"
    assert not [m for _, _, m in messages if "Smith" in m or "Content-Length" in m.title()]
    assert not [m for m in messages if m[0].startswith("alembic")], "readiness logs nothing"
