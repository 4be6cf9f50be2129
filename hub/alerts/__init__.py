"""Alerts: what the hub asks people to look at: managers and DPOs (break-glass, protocol
reviews, locks), and partners' staff when a case shared with them is escalated."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from hub.database import db
from hub.guard import require_roles
from sharing import clock
from sharing.models import Alert

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
require_roles(
    bp, "manager", "dpo", "case_officer", "partner_viewer", "conference_chair", "trigger_lead"
)


def open_alerts() -> list[Alert]:
    return list(
        db().scalars(
            select(Alert)
            .where(
                Alert.agency_id == current_user.agency_id,
                Alert.role.in_(current_user.roles),
                Alert.dismissed_at.is_(None),
            )
            .order_by(Alert.created_at.desc())
        )
    )


@bp.route("")
def index() -> str:
    return render_template("alerts/index.html", title="Alerts", alerts=open_alerts())


@bp.route("/<int:alert_id>/dismiss", methods=["POST"])
def dismiss(alert_id: int) -> Response:
    alert = next((a for a in open_alerts() if a.id == alert_id), None) or abort(404)
    alert.dismissed_at = clock.now()
    return redirect(url_for("alerts.index"))
