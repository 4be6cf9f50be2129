"""``hub serve``: the hub under gunicorn, its bind address, workers and timeouts from the
hub's settings, so one command runs it in production as the README describes."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from hub.database import integrate_apart
from hub.logs import WithoutRequestDetails, configure_logging
from hub.settings import Settings


class HubServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving an app made by ``make`` in each worker."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)
        # the master's lines (gunicorn's own) in the hub's format too; each worker sets
        # it again after the fork
        configure_logging(self.settings.log_format)

    def load(self) -> Flask:
        from hub.app import create_app  # in each worker, after the fork

        configure_logging(self.settings.log_format)
        app = create_app(self.settings)
        if self.settings.audit_integrate_ms:
            integrate_apart(app, self.settings.audit_integrate_ms / 1000)
        return app


class GunicornLog(glogging.Logger):  # type: ignore[misc]
    """gunicorn's own lines (starting, workers, a request it refused, stopping) go to the
    hub's handler (``configure_logging``), in the ``log_format`` of every other line, and
    without the details of a visitor's request (``WithoutRequestDetails``)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True
        if _WITHOUT_DETAILS not in self.error_log.filters:
            self.error_log.addFilter(_WITHOUT_DETAILS)


_WITHOUT_DETAILS = WithoutRequestDetails()


def options_for(settings: Settings, bind: str | None, workers: int | None) -> dict[str, Any]:
    """gunicorn's settings from the hub's (``bind`` and ``workers`` override them)."""
    return {
        "bind": bind or settings.server_bind,
        "workers": workers or settings.server_workers,
        "timeout": settings.server_timeout,
        "graceful_timeout": settings.server_timeout,
        "worker_class": "sync",
        # a worker that fails to start is replaced; it never stops the others
        "preload_app": False,
        "accesslog": None,
        "errorlog": "-",
        "logger_class": GunicornLog,
        "proc_name": "partnership-hub",
        "worker_exit": _worker_exit,
    }


def _worker_exit(_server: object, worker: Any) -> None:
    """A worker stopping (not killed) adds the audit entries still queued to the log."""
    app = getattr(worker, "wsgi", None)
    integrator = app.extensions.get("hub.integrator") if isinstance(app, Flask) else None
    if integrator is not None:
        integrator.stop()


def serve(settings: Settings, bind: str | None = None, workers: int | None = None) -> None:
    """Run gunicorn until it is stopped (SIGTERM or Ctrl-C)."""
    HubServer(settings, options_for(settings, bind, workers)).run()
