"""The readiness check (issue 21, item 6): ``/health/ready`` tells a load balancer whether
this process may be sent requests: its database answers and has every migration this code
brings, its key store can be read and, under ``hub serve``, its audit integrator is at
work. Each check is named; no data, no sign-in."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hub.database import integrate_apart
from hub.migrate import downgrade
from tests.fixtures.app import make_app


def test_a_whole_hub_is_ready(app: Flask) -> None:
    answer = app.test_client().get("/health/ready")
    assert answer.status_code == 200
    assert answer.json == {
        "status": "ready",
        "database": "ok",
        "migrations": "ok",
        "key_store": "ok",
    }


def test_a_database_behind_the_code_is_not_ready(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    downgrade(app.extensions["hub.engine"], "-1")
    answer = app.test_client().get("/health/ready")
    assert answer.status_code == 503
    assert answer.json["status"] == "not ready"
    assert answer.json["migrations"] == "not applied: run `hub db upgrade`"
    assert answer.json["database"] == "ok"
    app.extensions["hub.engine"].dispose()


def test_an_unreadable_key_store_is_not_ready_until_mended(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    key_store = tmp_path / "instance" / "keyring.json"
    whole = key_store.read_bytes()
    key_store.write_bytes(b"{")
    broken = app.test_client().get("/health/ready")
    assert broken.status_code == 503
    assert broken.json["key_store"] == "unreadable"
    assert app.test_client().get("/health").status_code == 200, "alive all the same"
    key_store.write_bytes(whole)
    assert app.test_client().get("/health/ready").status_code == 200
    app.extensions["hub.engine"].dispose()


def test_a_served_process_whose_audit_integrator_stopped_is_not_ready(tmp_path: Path) -> None:
    """Under ``hub serve`` each process adds its acts' entries to the log with an
    integrator of its own; one that has stopped would leave them waiting."""
    app = make_app(tmp_path)
    integrator = integrate_apart(app, every=60)
    at_work = app.test_client().get("/health/ready")
    assert (at_work.status_code, at_work.json["audit_integrator"]) == (200, "ok")
    integrator.stop()
    stopped = app.test_client().get("/health/ready")
    assert (stopped.status_code, stopped.json["audit_integrator"]) == (503, "stopped")
    app.extensions["hub.engine"].dispose()
