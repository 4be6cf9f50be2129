"""The lead agency's Community Trigger applications, by working days left."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from hub.database import db
from hub.trigger.views import _procedure, _refused, bp
from sharing import clock
from sharing.errors import NotAllowed
from sharing.formats import whole_number
from sharing.trigger import listing, workdays


@bp.route("")
def index() -> str | tuple[str, int]:
    try:
        page = listing.waiting(
            db(), current_user.actor, _procedure(), whole_number(request.args.get("page")) or 1
        )
    except NotAllowed:
        return _refused()
    return render_template(
        "trigger/index.html",
        title="Community Trigger applications",
        page=page,
        calendar_warning=workdays.running_out(clock.today()),
    )
