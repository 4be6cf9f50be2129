"""The data protection officer's pages: the audit log, emergency accesses to review, and
subject access reports. DPOs see the log, not case content, except in a subject access
report, which is itself recorded."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Optional

from hub.database import db
from hub.forms import ChoiceField, DateInputField, EnumSelectField, HubForm
from hub.guard import require_roles
from hub.search import SearchForm, query_of
from sharing import subject_access
from sharing.audit import acts, trail
from sharing.casework import NotFound
from sharing.models import Agency, Case, User
from sharing.search import SearchError

bp = Blueprint("audit", __name__, url_prefix="/audit")
require_roles(bp, "dpo")

#: The emergency access list's default period.
REVIEW_PERIOD = timedelta(days=90)


class LogFilterForm(HubForm):
    """The log's filters, from the query string: identifiers only, never personal data."""

    class Meta:
        csrf = False

    user = ChoiceField("User")
    agency = ChoiceField("Agency")
    case = StringField("Case reference", validators=[Optional()])
    action = EnumSelectField("Action", acts.Action, blank="Any action", validators=[Optional()])
    since = DateInputField("From", validators=[Optional()])
    until = DateInputField("To", validators=[Optional()])


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _area_agencies() -> list[Agency]:
    return list(
        db().scalars(
            select(Agency)
            .where(Agency.area_id == current_user.agency.area_id)
            .order_by(Agency.name)
        )
    )


@bp.route("")
def log() -> tuple[str, int]:
    form = LogFilterForm(request.args)
    agencies = _area_agencies()
    form.agency.choices = [("", "Any agency"), *((str(a.id), a.name) for a in agencies)]
    users = db().scalars(
        select(User).where(User.agency_id.in_([a.id for a in agencies])).order_by(User.display_name)
    )
    names = {a.id: a.name for a in agencies}
    form.user.choices = [
        ("", "Any user"),
        *((str(u.id), f"{u.display_name}, {names[u.agency_id]}") for u in users),
    ]
    valid = form.validate()
    case_id = None
    reference = (form.case.data or "").strip().upper()
    if valid and reference:
        case_id = db().scalar(select(Case.id).where(Case.reference == reference))
        if case_id is None:
            form.case.errors = [f"No case has the reference {reference}"]  # type: ignore[assignment]
            valid = False
    if valid and form.since.data and form.until.data and form.until.data < form.since.data:
        form.until.errors = ["The 'to' date must be the same as or after the 'from' date"]
        valid = False
    filters = (
        trail.LogFilters(
            user_id=_int(form.user.data),
            agency_id=_int(form.agency.data),
            case_id=case_id,
            person_id=_int(request.args.get("person")),
            action=form.action.data,
            since=form.since.data,
            until=form.until.data,
        )
        if valid
        else trail.LogFilters()
    )
    page = trail.search_log(
        db(), current_user.actor, filters, page=_int(request.args.get("page")) or 1
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/log.html",
        title="Audit log",
        form=form,
        page=page,
        args=args,
        person=filters.person_id,
    ), 200 if valid else 400


@bp.route("/emergency-access")
def emergency_access() -> str:
    until = date.today()
    since = until - REVIEW_PERIOD
    rows = trail.emergency_accesses(db(), current_user.actor, since, until)
    return render_template(
        "audit/emergency_access.html",
        title="Emergency access to your agency's cases",
        rows=rows,
        since=since,
        until=until,
    )


@bp.route("/subject-access", methods=["GET", "POST"])
def find_subject() -> tuple[str, int]:
    form = SearchForm()  # the requester's details: posted, never in the address
    form.kind.choices = list(subject_access.KINDS.items())
    if request.method == "GET":
        form.kind.data = "surname_dob"
    candidates = None
    if form.validate_on_submit():
        try:
            candidates = subject_access.find_people(db(), current_user.actor, query_of(form))
        except SearchError as e:
            field = form.field_by_name(e.field) or form.kind
            field.errors = [*field.errors, e.message]  # type: ignore[list-item]
    status = 400 if form.errors else 200
    return render_template(
        "audit/find_subject.html",
        title="Subject access request",
        form=form,
        candidates=candidates,
    ), status


@bp.route("/subject-access/<int:person_id>")
def subject_report(person_id: int) -> str:
    try:
        report = subject_access.compile_report(db(), current_user.actor, person_id)
    except NotFound:
        abort(404)
    return render_template(
        "audit/subject_report.html", title="Subject access report", report=report
    )
