"""Checkpoints after requests: made when the latest is older than the setting, never
breaking the request when they fail."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sharing.audit import checkpoints
from sharing.models import AuditCheckpoint
from tests.fixtures.app import make_app
from tests.sharing.audit.conftest import write_log


def _count(app) -> int:
    with app.extensions["hub.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(AuditCheckpoint))


def _app_with_log(tmp_path: Path, **overrides: object):
    app = make_app(tmp_path, **overrides)
    with app.extensions["hub.sessions"]() as session:
        write_log(session, 3)
    return app


def test_a_request_makes_a_checkpoint_when_the_latest_is_too_old(tmp_path: Path) -> None:
    app = _app_with_log(tmp_path)
    client = app.test_client()
    assert client.get("/health").status_code == 200
    assert _count(app) == 1
    with app.extensions["hub.sessions"]() as session:
        write_log(session, 2)
    assert client.get("/health").status_code == 200
    assert _count(app) == 1  # the latest is younger than audit_checkpoint_minutes
    app.extensions["hub.engine"].dispose()


def test_a_failing_checkpoint_never_breaks_the_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app_with_log(tmp_path)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("details that must not be logged")

    monkeypatch.setattr(checkpoints, "make_checkpoint", broken)
    with caplog.at_level(logging.WARNING):
        assert app.test_client().get("/health").status_code == 200
    assert "audit checkpoint not made: RuntimeError" in caplog.text
    assert "must not be logged" not in caplog.text
    assert _count(app) == 0
    app.extensions["hub.engine"].dispose()


def test_no_checkpoints_after_requests_when_the_setting_is_zero(tmp_path: Path) -> None:
    app = _app_with_log(tmp_path, audit_checkpoint_minutes=0)
    assert app.test_client().get("/health").status_code == 200
    assert _count(app) == 0
    app.extensions["hub.engine"].dispose()
