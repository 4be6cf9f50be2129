"""Locking cases: the case officer asks, another manager of the agency decides."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf

from hub.cases.views import case_to_work_on
from hub.choice_fields import ChoicesField, EnumSelectField
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import require_roles
from hub.sent_once import accepted_once
from sharing import directory
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import listing, locks
from sharing.errors import InputError, NotAllowed
from sharing.vocabulary import LockReason

bp = Blueprint("locks", __name__)
require_roles(bp, "case_officer", "manager")


class LockRequestForm(HubForm):
    reason = EnumSelectField(
        "Why should the case be locked?", LockReason, message="Select why the case should be locked"
    )
    note = TextAreaField(
        "Explain the request for your manager",
        validators=[TextLimit(2000, "the explanation")],
    )


class DecisionForm(HubForm):
    members = ChoicesField(
        "Also let in (besides the case officer and you)",
        message="Select only colleagues from those offered",
    )
    note = TextAreaField(
        "Why are you refusing? (only to refuse)",
        validators=[TextLimit(2000, "the reason for refusing")],
    )
    #: The button pressed: Approve or Refuse (anything else decides nothing).
    decision = StringField(
        "Decision",
        validators=[
            AnyOf(("approve", "refuse"), "Select whether to approve or refuse the request")
        ],
    )


@bp.route("/cases/<int:case_id>/lock", methods=["GET", "POST"])
@accepted_once
def request_lock(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.REQUEST_LOCK, "lock request form")
    locked = authorised.case.locked
    form = LockRequestForm()
    if form.validate_on_submit():
        try:
            locks.request_lock(
                db(),
                authorised,
                form.reason.data,
                form.note.data or "",
                unlock=locked,
            )
        except InputError as e:
            field = form.note if e.field == "note" else form.reason
            field.errors = [*field.errors, e.message]  # type: ignore[list-item]
        else:
            flash(
                "Request sent to your agency's managers. Another manager must decide it.", "success"
            )
            return redirect(url_for("cases.show", case_id=case_id))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        acts.refuse(
            db(),
            acts.Action.UNLOCK_REQUEST if locked else acts.Action.LOCK_REQUEST,
            actor=current_user.actor,
            subject=authorised.subject,
            reason=acts.input_refused(sorted(form.errors)),
        )
    status = 400 if request.method == "POST" else 200
    title = f"Ask to {'unlock' if locked else 'lock'} case {case.reference}"
    return render_template(
        "locks/request.html", title=title, form=form, case=case, unlock=locked
    ), status


@bp.route("/locks")
def pending() -> str:
    pending = locks.pending_requests(db(), current_user.actor)
    requests = [p.request for p in pending]
    notes = {p.request.id: p.note for p in pending}
    return render_template(
        "locks/pending.html", title="Lock requests", requests=requests, notes=notes
    )


@bp.route("/locks/<int:request_id>", methods=["GET", "POST"])
def decide(request_id: int) -> Response | tuple[str, int]:
    pending = next(
        (p for p in locks.pending_requests(db(), current_user.actor) if p.request.id == request_id),
        None,
    )
    if pending is None:
        abort(404)
    item = pending.request
    form = DecisionForm()
    form.members.choices = [
        (str(u.id), u.display_name)
        for u in directory.colleagues(db(), current_user.actor)
        if u.id not in (current_user.id, item.case.officer_id) and listing.may_own_cases(u)
    ]
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            locks.decide_lock(
                db(),
                current_user.actor,
                request_id,
                approve=approve,
                members=[int(member) for member in form.members.data or []],
                reason=form.note.data or "",
            )
        except NotAllowed as e:
            form.note.errors = [str(e).capitalize()]  # type: ignore[assignment]
        except InputError as e:
            form.note.errors = [e.message]  # type: ignore[assignment]
        else:
            flash(
                f"Request {'approved' if approve else 'refused'} for case {item.case.reference}.",
                "success",
            )
            return redirect(url_for("locks.pending"))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        acts.refuse(
            db(),
            acts.Action.LOCK_DECIDE,
            actor=current_user.actor,
            subject=acts.Subject("lock_request", request_id),
            reason=acts.input_refused(sorted(form.errors)),
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "locks/decide.html",
        title=f"Decide the request for case {item.case.reference}",
        form=form,
        item=item,
        explanation=pending.note,
    ), status
