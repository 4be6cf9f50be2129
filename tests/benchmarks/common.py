"""What the benchmark scripts share: quantiles, verdicts, printing, the machine."""

from __future__ import annotations

import gc
import os
import platform
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Flask

from hub.app import create_app
from hub.config import load_settings
from sharing import clock
from sharing.demo import build_demo
from tests.fixtures.app import TEST_HASHING, make_app
from tests.fixtures.databases import PostgresServer


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th quantile (0..1) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def say(line: str = "") -> None:
    print(line, flush=True)


def load() -> str:
    """The load average: other work on the machine skews every figure."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}"


def settle() -> None:
    """Collect garbage, then freeze everything alive, so that the collections during a timed
    loop scan only that loop's own objects (the same for every contender)."""
    gc.collect()
    gc.freeze()


def timed_get(client: Any, path: str, runs: int) -> tuple[list[float], bytes]:
    """Milliseconds for each of ``runs`` requests of ``path`` after one to warm (templates
    compiled), and the last response's body; stops the run if one is not a 200."""
    client.get(path)
    settle()  # the set-up's objects are not the request's: the collector skips them
    times, body = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        body = response.data
    return times, body


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


@contextmanager
def demo_on_sqlite(prefix: str) -> Iterator[Flask]:
    """The hub on a SQLite file in a throwaway folder (as the tests make it), with the demo
    partnership built for today; the folder removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        app = make_app(folder)
        with app.extensions["hub.sessions"]() as session:
            build_demo(session, today=clock.today())
            session.commit()
        yield app
        app.extensions["hub.engine"].dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def demo_on_postgres(prefix: str) -> Iterator[tuple[Flask, Path]]:
    """The hub on a throwaway PostgreSQL server (started as the tests start theirs), with
    the demo partnership built for today, and a folder for the benchmark's files; the
    server stopped and the folder removed afterwards."""
    with demo_on_postgres_server(prefix) as (app, folder, _):
        yield app, folder


@contextmanager
def demo_on_postgres_server(prefix: str) -> Iterator[tuple[Flask, Path, PostgresServer]]:
    """``demo_on_postgres``, with the server itself (to restart it, or crash it)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    server = PostgresServer()
    server.start()
    try:
        settings = load_settings(
            environ={},
            instance_path=str(folder / "instance"),
            database_url=server.create_database(template=server.migrated_template()),
            secret_key=secrets.token_urlsafe(32),
            **TEST_HASHING,
        )
        app = create_app(settings)
        app.config["TESTING"] = True
        with app.extensions["hub.sessions"]() as session:
            build_demo(session, today=clock.today())
            session.commit()
        yield app, folder, server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
