"""The actions my agency owns, on its own cases and on partners' cases, and marking one
done (with what was done) or cancelled (with why)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Optional

from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit
from hub.guard import forbid, require_roles
from hub.templating import action_named
from sharing import clock
from sharing.audit import acts
from sharing.cases import agency_actions, closed_actions, closing_actions
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import agreed

bp = Blueprint("actions", __name__, url_prefix="/actions")
require_roles(bp, "case_officer", "manager")


class CloseActionForm(HubForm):
    note = TextAreaField(
        "What was done?", validators=[TextLimit(closing_actions.MAX_NOTE, "the note")]
    )
    done_on = DateInputField(
        "When was it done? (if not today)",
        validators=[Optional()],
        subject="The day it was done",
    )


@bp.route("")
def index() -> str:
    """The agency's open actions, a page at a time, and those closed lately (where the
    e-mail telling a partner its actions closed with a case links). ``restricted`` (a lock request's
    number, from the e-mail telling the agency a case it holds actions on is now
    restricted) opens the page holding that lock's rows, unless a page is asked for."""
    restricted = whole_number(request.args.get("restricted"))
    number = whole_number(request.args.get("page"))
    if number is None and restricted is not None:
        number = agency_actions.page_restricted_by(db(), current_user.actor, restricted)
    page = agency_actions.actions_for_agency(db(), current_user.actor, page=number or 1)
    return render_template(
        "actions/index.html",
        title=f"Actions for {current_user.agency.name}",
        page=page,
        closed=closed_actions.closed_lately(db(), current_user.actor),
        closed_days=closed_actions.CLOSED_DAYS,
        closed_shown=closed_actions.CLOSED_SHOWN,
        agreed=agreed.agreed_at(db(), current_user.actor, [row.id for row in page.rows]),
        restricted=restricted,
    )


@bp.route("/<int:action_id>/done", methods=["GET", "POST"])
def done(action_id: int) -> Response | tuple[str, int]:
    return _close(action_id, done=True)


@bp.route("/<int:action_id>/cancel", methods=["GET", "POST"])
def cancel(action_id: int) -> Response | tuple[str, int]:
    return _close(action_id, done=False)


def _close(action_id: int, *, done: bool) -> Response | tuple[str, int]:
    try:
        action = agency_actions.closable(db(), current_user.actor, action_id)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    form = CloseActionForm()
    if not done:
        del form.done_on
    form.note.label.text = "What was done?" if done else "Why is it cancelled?"
    if form.validate_on_submit():
        try:
            closing_actions.close_action(
                db(),
                current_user.actor,
                action_id,
                done=done,
                note=form.note.data or "",
                done_on=form.done_on.data if done else None,
            )
        except InputError as e:
            form.refuse(e)
        else:
            flash("Action marked done." if done else "Action cancelled.", "success")
            if action.case.agency_id == current_user.agency_id:
                return redirect(url_for("cases.show", case_id=action.case_id, _anchor="actions"))
            return redirect(url_for("actions.index"))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        acts.refuse(
            db(),
            acts.Action.ACTION_CLOSE,
            actor=current_user.actor,
            subject=acts.Subject("case", action.case_id),
            reason=acts.input_refused(sorted(form.errors), f"action {action.id}"),
        )
    return render_template(
        "actions/close.html",
        title="Mark an action done" if done else "Cancel an action",
        page_title=("Mark an action done: " if done else "Cancel an action: ")
        + action_named(action.kind.label, action.due_on),
        form=form,
        done=done,
        kind=action.kind.label,
        due_on=action.due_on,
        example_day=f"{clock.today() - timedelta(days=1):%-d %-m %Y}",
        case_agency=action.case.agency.name,
        agreed=agreed.agreed_at(db(), current_user.actor, [action.id]).get(action.id),
        back=(url_for("cases.show", case_id=action.case_id, _anchor="actions"), "Back to the case")
        if action.case.agency_id == current_user.agency_id
        else (url_for("actions.index"), "Back to actions"),
    ), 400 if request.method == "POST" else 200
