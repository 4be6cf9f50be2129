"""Answering a conference's request for what an invited agency knows of the case."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from hub.choice_fields import ChoiceField
from hub.conferences.views import bp
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.sent_once import accepted_once
from hub.templating import uk_date
from sharing import clock
from sharing.errors import InputError, NotFound
from sharing.meetings import requests


def _answer_limit(part: str) -> TextLimit:
    """The limit of a part of an answer, named by its question as the core names it."""
    return TextLimit(requests.MAX_PART, f"\u201c{requests.PARTS[part][0]}\u201d")


class AnswerForm(HubForm):
    known = ChoiceField(
        "Is the case, or anyone on it, known to your agency?",
        message="Select whether the case, or anyone on it, is known to your agency",
    )
    incidents_note = TextAreaField(
        requests.PARTS["incidents_note"][0] + " (optional)",
        validators=[_answer_limit("incidents_note")],
    )
    risk_note = TextAreaField(
        requests.PARTS["risk_note"][0] + " (optional)", validators=[_answer_limit("risk_note")]
    )
    vulnerability_note = TextAreaField(
        requests.PARTS["vulnerability_note"][0] + " (optional)",
        validators=[_answer_limit("vulnerability_note")],
    )
    offending_note = TextAreaField(
        requests.PARTS["offending_note"][0] + " (optional)",
        validators=[_answer_limit("offending_note")],
    )
    actions_note = TextAreaField(
        requests.PARTS["actions_note"][0] + " (optional)",
        validators=[_answer_limit("actions_note")],
    )
    concerns_note = TextAreaField(
        requests.PARTS["concerns_note"][0] + " (optional)",
        validators=[_answer_limit("concerns_note")],
    )


@bp.route("/conferences/<int:conference_id>/requests/<int:request_id>", methods=["GET", "POST"])
@accepted_once
def answer(conference_id: int, request_id: int) -> Response | tuple[str, int]:
    try:
        request_ = requests.request_for(db(), current_user.actor, request_id)
    except NotFound:
        abort(404)
    if request_.conference_id != conference_id:
        abort(404)
    # Opened from its e-mail once answered or past: the answers, saying so, not a blank
    # form to refuse. A form opened before then and sent after is refused at its field.
    if request.method == "GET" and (why := requests.nothing_to_answer(request_, clock.now())):
        flash(f"{why}.", "important")
        return redirect(
            url_for("conferences.show", conference_id=conference_id, _anchor="information-requests")
        )
    form = AnswerForm()
    form.known.choices = [("yes", "Yes"), ("no", "No")]
    if form.validate_on_submit():
        data = requests.AnswerInput(
            known=form.known.data == "yes",
            incidents_note=form.incidents_note.data or "",
            risk_note=form.risk_note.data or "",
            vulnerability_note=form.vulnerability_note.data or "",
            offending_note=form.offending_note.data or "",
            actions_note=form.actions_note.data or "",
            concerns_note=form.concerns_note.data or "",
        )
        try:
            requests.answer(db(), current_user.actor, request_id, data)
        except NotFound:
            abort(404)
        except InputError as e:
            field = getattr(form, e.field, form.known)
            field.errors = [*field.errors, e.message]
        else:
            flash(
                "Answer sent. The conference's attendees see it as their protocol allows.",
                "success",
            )
            return redirect(url_for("conferences.show", conference_id=conference_id))
    return render_template(
        "conferences/answer.html",
        title="Answer the information request",
        page_title="Answer the information request: case "
        f"{request_.conference.case.reference}, conference on {uk_date(request_.conference.starts_at)}",
        form=form,
        conference_id=conference_id,
        due_on=request_.due_on,
        starts_at=request_.conference.starts_at,
        case_reference=request_.conference.case.reference,
    ), 400 if request.method == "POST" else 200
