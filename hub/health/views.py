"""Health check for load balancers and monitoring: no sign-in, no data."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from hub.database import db, key_store
from hub.guard import for_every_role
from hub.migrate import at_head
from sharing.crypto.keys import KeyringError
from sharing.db import reachable

bp = Blueprint("health", __name__)
for_every_role(bp)  # public: PUBLIC_ENDPOINTS


@bp.route("/health")
def health() -> tuple[Response, int]:
    """Liveness: the hub answers and reaches its database."""
    if not reachable(db()):
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.route("/health/ready")
def ready() -> tuple[Response, int]:
    """Readiness, for a load balancer to send this process requests: the database answers
    and has every migration this code brings, the key store can be read and, under
    ``hub serve``, the process's audit integrator is at work. Each check is named with its
    state (no data, no reasons that could carry any)."""
    checks = {"database": "ok", "migrations": "ok", "key_store": "ok"}
    integrator = current_app.extensions.get("hub.integrator")
    if integrator is not None:
        checks["audit_integrator"] = "ok" if integrator.running else "stopped"
    if not reachable(db()):
        checks["database"] = checks["migrations"] = "unreachable"
    elif not at_head(db()):
        checks["migrations"] = "not applied: run `hub db upgrade`"
    try:
        key_store().versions()
    except KeyringError:
        checks["key_store"] = "unreadable"
    ok = all(state == "ok" for state in checks.values())
    return jsonify(status="ready" if ok else "not ready", **checks), 200 if ok else 503
