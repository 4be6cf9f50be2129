"""Apologies sent before the conference by someone expected at it, from its page."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.conferences.views import bp
from hub.database import db
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.meetings import conference_apologies


@bp.route("/conferences/<int:conference_id>/apologies", methods=["POST"])
def apologies(conference_id: int) -> Response:
    """Send the reader's apologies (or, with ``coming``, take them back), then back to
    the conference's people expected, saying what was done or why it could not be."""
    coming = request.form.get("coming") == "yes"
    try:
        changed = conference_apologies.send(db(), current_user.actor, conference_id, coming=coming)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    except InputError as e:
        flash(f"{e.message}.", "error")
    else:
        if coming:
            said = "You are expected at the conference again: your apologies are taken back."
        else:
            said = (
                "Apologies sent. The convening agency finds you marked as sending them when "
                "it records who attended."
            )
        flash(said if changed else "Nothing changed.", "success" if changed else "info")
    return redirect(url_for("conferences.show", conference_id=conference_id, _anchor="expected"))
