"""Health check for load balancers and monitoring: no sign-in, no data."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from hub.database import db
from hub.guard import for_every_role

bp = Blueprint("health", __name__)
for_every_role(bp)  # public: PUBLIC_ENDPOINTS


@bp.route("/health")
def health() -> tuple[Response, int]:
    try:
        db().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
