"""An agency answering the Community Trigger lead about one of its cases: the page the
case's page and the home page link to, where those asked (the case officer and the
agency's managers; a locked case's lock members) confirm the complaint or say the agency
holds none, and why (``sharing.trigger.case_answers``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.choice_fields import ChoiceField
from hub.database import db
from hub.forms import HubForm
from hub.guard import require_roles
from sharing.errors import InputError, NotFound
from sharing.trigger import case_answers
from sharing.trigger.handling import ALREADY_DONE
from sharing.vocabulary import CaseRequestAnswer

bp = Blueprint("trigger_asked", __name__, url_prefix="/trigger/asked")
# The core decides within these roles: only those asked about the case (its officer, its
# agency's managers, a locked case's lock members) answer.
require_roles(bp, "case_officer", "manager")


class AnswerField(ChoiceField):
    """The answer's radios: the core checks the choice, and records a refusal naming the
    field, so the field takes whatever was sent."""

    def pre_validate(self, form: Any) -> None:
        pass


class AnswerForm(HubForm):
    answer = AnswerField(
        "Does your agency hold the complaint?",
        name=case_answers.FIELD,
        choices=CaseRequestAnswer.choices(),
        message=case_answers.CHOOSE,
    )


@bp.route("/<int:request_id>", methods=["GET", "POST"])
def answer(request_id: int) -> Response | tuple[str, int] | str:
    try:
        asked = case_answers.asked(db(), current_user.actor, request_id)
    except NotFound:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            case_answers.answer(db(), current_user.actor, request_id, form.answer.data)
        except InputError as refused:
            if refused.field == ALREADY_DONE:
                flash(refused.message, "error")
                return redirect(f"/cases/{asked.case_id}#trigger-{asked.application_id}")
            form.answer.errors = [refused.message]
        else:
            flash(f"Your answer was sent to the lead at {asked.lead_agency}.", "success")
            return redirect(f"/cases/{asked.case_id}#trigger-{asked.application_id}")
    page = render_template(
        "trigger/answer.html", title="Answer the Community Trigger lead", asked=asked, form=form
    )
    return (page, 400) if form.errors else page
