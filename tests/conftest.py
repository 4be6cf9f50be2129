"""Shared fixtures: databases (SQLite and a real PostgreSQL server), the app, users; and
the --exhaustive option (the full forms of sampled tests, and all the examples of the
sampled property-based ones: ``tests.sampling``)."""

from __future__ import annotations

import gc
import os
import threading

import pytest
from hypothesis import HealthCheck, settings

from tests import sampling

# Property-based tests assert what holds, never how fast (the suite has no timed tests):
# Hypothesis's own limits on an example's time and on generating inputs failed them when
# other work loaded the machine, whatever the property.
settings.register_profile(
    "hub",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("hub")

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.app",
    "tests.fixtures.cli",
    "tests.fixtures.demo",
    "tests.fixtures.object_store",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--exhaustive",
        action="store_true",
        help="also run the full forms of sampled tests (marked exhaustive); on by default in CI",
    )


def _exhaustive(config: pytest.Config) -> bool:
    return bool(config.getoption("--exhaustive")) or os.environ.get("CI", "").lower() in (
        "true",
        "1",
        "yes",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Tell the sampled property-based tests how many examples to try (``tests.sampling``)
    before their modules are imported."""
    sampling.EXHAUSTIVE = _exhaustive(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests marked exhaustive unless --exhaustive (or CI=true) asks for
    them; when it does, leave out instead their samples (marked sampled), which check
    nothing the full forms do not. Either way they are deselected, and pytest says how
    many, never skipped. Then put the modules marked long first: xdist hands whole
    modules to the workers in this order, so a long one started last would keep one
    worker busy while the other waits."""
    marker = "sampled" if _exhaustive(config) else "exhaustive"
    left_out = [item for item in items if item.get_closest_marker(marker)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(marker)]
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are collected, leave what the process holds by then (the hub's and
    the libraries' modules, the tests themselves) out of Python's cyclic garbage
    collection, and collect less often: a test process makes an app for nearly every test,
    and the collector walking all it holds again and again was a fifth of a web test's CPU
    time. Garbage is still collected, in larger batches (reference counting frees most of
    it at once, as before)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Cancel the timers still waiting when the run ends (the API rate limiter's in-memory
    store starts one for each app). Under `make test-dates` libfaketime fakes the monotonic
    clock too, a timer's wait never ends, and the process would wait for it at exit."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()
