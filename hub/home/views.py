"""The home page: my cases, reviews due and open cases by priority."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from hub.database import db
from hub.guard import for_every_role
from sharing import clock
from sharing.cases.listing import home_summary
from sharing.cases.shares import shared_with
from sharing.meetings import requests
from sharing.risk.disclose import risk_reviews_due

bp = Blueprint("home", __name__)
for_every_role(bp)


@bp.route("/")
def home() -> str:
    actor = current_user.actor
    summary = home_summary(db(), actor, clock.today()) if actor.works_cases else None
    risk_due = risk_reviews_due(db(), actor, clock.today()) if actor.works_cases else []
    shared_count = len({row.case_id for row in shared_with(db(), actor)})
    to_answer, overdue = (
        requests.waiting(db(), actor) if actor.has(*requests.ANSWERING_ROLES) else ([], [])
    )
    return render_template(
        "home/home.html",
        title="Home",
        summary=summary,
        risk_due=risk_due,
        shared_count=shared_count,
        to_answer=to_answer,
        overdue_requests=overdue,
    )
