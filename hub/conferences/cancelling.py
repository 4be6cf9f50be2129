"""Cancelling a planned conference on its own, by its convening agency or its chair,
asking first on a page of its own with the reason."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from hub import opened
from hub.choice_fields import ChoiceField
from hub.conferences.views import bp
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.meetings import conference_cancelling
from sharing.models import Conference


class CancelForm(HubForm):
    reason = ChoiceField(
        "Why is the conference cancelled?", message="Select why the conference is cancelled"
    )
    note = TextAreaField(
        "Note for your agency (optional)",
        validators=[TextLimit(conference_cancelling.MAX_NOTE, "the note")],
    )


def _conference(conference_id: int) -> Conference:
    """The conference, for someone who may cancel it (403 for another reader of it,
    recorded; 404 for anyone who may not open it)."""
    try:
        conference, _ = conference_cancelling.canceller(db(), current_user.actor, conference_id)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    return conference


@bp.route("/conferences/<int:conference_id>/cancel", methods=["GET", "POST"])
def cancel(conference_id: int) -> Response | tuple[str, int]:
    """Asks first, with the reason ("It did not take place" too once its time has
    passed); only "Yes, cancel the conference" cancels it. A conference cancelled or held
    meanwhile is said in place of the form; a form opened before it changed is shown
    again, saying so."""
    form = CancelForm()
    conference = _conference(conference_id)
    form.reason.choices = conference_cancelling.reasons(conference)
    opened.carry(conference_cancelling.stamp(db(), conference) if request.method == "GET" else None)
    fixed = conference_cancelling.why_fixed(conference)
    valid = form.validate_on_submit()
    # Sent for a conference cancelled or held since the form was opened: the core refuses
    # it whatever the form holds, recording the refusal, and the page says why.
    if valid or (fixed and request.method == "POST" and not form.csrf_token.errors):
        try:
            conference_cancelling.cancel(
                db(),
                current_user.actor,
                conference_id,
                form.reason.data or "",
                form.note.data or "",
                opened=opened.sent(),
            )
        except ChangedMeanwhile as e:
            db().expire_all()
            opened.show_changed(form, e, form, conference_cancelling.stamp(db(), conference))
            fixed = conference_cancelling.why_fixed(conference)
        except InputError as e:
            if e.field == conference_cancelling.NO_LONGER:
                fixed = e.message
            else:
                form.refuse(e)
        else:
            flash(
                "Conference cancelled. The agencies invited can no longer open the case for "
                "it; its chair and the people expected are told.",
                "success",
            )
            return redirect(url_for("conferences.show", conference_id=conference_id))
    elif request.method == "POST" and not fixed:  # refused by the form's own checks
        conference_cancelling.refuse_input(
            db(), current_user.actor, conference_id, list(form.errors)
        )
    return render_template(
        "conferences/cancel.html",
        title=f"Cancel the conference on case {conference.case.reference}",
        form=form,
        conference=conference,
        fixed=fixed,
        date_passed=conference_cancelling.date_passed(conference),
    ), 400 if request.method == "POST" else 200
