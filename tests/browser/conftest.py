"""A live hub on a migrated SQLite database, and Debian's Chromium driven by Playwright.

If Chromium cannot be started the tests fail (they never skip): install it with
``apt-get install chromium`` (``make setup`` does).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from tests.fixtures.demo import demo_copy

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("HUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `make setup` (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app: Flask, port: int = 0) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def demo_app(demo_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The hub on a copy of the demo partnership built for this test run, one for each test
    module: a journey changes the demo (it signs a manager in with a security code under a
    clock a week ahead, which refuses their codes until then; damages a stored value;
    closes or shares cases), and which modules share a worker varies from run to run."""
    app = demo_copy(demo_files, tmp_path_factory.mktemp("browser"))
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture(scope="module")
def live_server(demo_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(demo_app) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe_page(browser: Browser) -> Iterator[Page]:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make setup` (npm ci)")
    # axe is injected as a script, which the hub's Content-Security-Policy rightly forbids.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()
