"""The conferences list: those my agency convened or is invited to, upcoming and recent,
and what I was told in the last 30 days of conferences my agency may no longer open
(cancelled, or given a new chair: where the notice of each sends me)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from hub.conferences.views import bp
from hub.database import db
from sharing import clock
from sharing.meetings import conference_listing


@bp.route("/conferences")
def index() -> str:
    since = clock.days_before(clock.now(), 30)
    rows = conference_listing.conferences_for(db(), current_user.actor, since=since)
    now = clock.now()
    told = conference_listing.told_of(
        db(), current_user.actor, since=since, shown=[r.id for r in rows]
    )
    return render_template(
        "conferences/index.html",
        title="Case conferences",
        upcoming=[r for r in rows if r.starts_at >= now],
        recent=[r for r in rows if since <= r.starts_at < now],
        earlier=[r for r in rows if r.starts_at < since],
        told_of=told,
    )
