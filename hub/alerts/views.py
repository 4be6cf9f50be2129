"""Alerts: what the hub asks people to look at: managers and DPOs (break-glass, protocol
reviews, locks), and partners' staff when a case shared with them is escalated."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.database import db
from hub.guard import require_roles
from sharing import alerts
from sharing.errors import NotFound

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
require_roles(
    bp, "manager", "dpo", "case_officer", "partner_viewer", "conference_chair", "trigger_lead"
)


@bp.route("")
def index() -> str:
    return render_template(
        "alerts/index.html", title="Alerts", alerts=alerts.alerts_page(db(), current_user.actor)
    )


@bp.route("/<int:alert_id>/dismiss", methods=["POST"])
def dismiss(alert_id: int) -> Response:
    try:
        alerts.dismiss(db(), current_user.actor, alert_id)
    except NotFound:
        abort(404)
    return redirect(url_for("alerts.index"))
