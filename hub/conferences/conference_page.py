"""The conference page: the conference as the reader may read it."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from hub.conferences.views import _conference_page, bp
from hub.database import db
from sharing.meetings import conference_apologies


@bp.route("/conferences/<int:conference_id>")
def show(conference_id: int) -> str:
    page = _conference_page(conference_id)
    return render_template(
        "conferences/show.html",
        title=f"Case conference on case {page.case_reference}",
        page=page,
        apologies=conference_apologies.offered(db(), current_user.actor, conference_id),
    )
