"""Health check for load balancers and monitoring: no sign-in, no data."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from hub.database import db
from hub.guard import for_every_role
from sharing.db import reachable

bp = Blueprint("health", __name__)
for_every_role(bp)  # public: PUBLIC_ENDPOINTS


@bp.route("/health")
def health() -> tuple[Response, int]:
    if not reachable(db()):
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
