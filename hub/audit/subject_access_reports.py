"""Subject access: the DPO finds the person the requester is (or the Community Trigger
applications they made or are named in) and compiles their report, which is itself
recorded."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from hub.audit.views import bp, refuse_input, threshold_rules
from hub.database import db
from hub.search.views import SearchForm, query_of
from sharing.audit import (
    acts,
    subject_access,
    subject_access_application_report,
    subject_access_applications,
)
from sharing.errors import InputError, NotFound


@bp.route("/subject-access", methods=["GET", "POST"])
def find_subject() -> tuple[str, int]:
    form = SearchForm()  # the requester's details: posted, never in the address
    form.kind.choices = list(subject_access.KINDS.items())
    if request.method == "GET":
        form.kind.data = "surname_dob"
    candidates = applications = None
    more = more_applications = False
    if form.validate_on_submit():
        try:
            query = query_of(form)
            found = subject_access.find_people(db(), current_user.actor, query)
            candidates, more = found.people, found.more
            held = subject_access_applications.find_applications(db(), current_user.actor, query)
            applications, more_applications = held.applications, held.more
        except InputError as e:
            candidates = applications = None
            field = form.field_by_name(e.field) or form.kind
            field.errors = [*field.errors, e.message]  # type: ignore[list-item]
    if form.errors:  # the fields named, never what was typed
        refuse_input(acts.Action.SUBJECT_ACCESS_SEARCH, form, acts.Subject("search"))
    status = 400 if form.errors else 200
    return render_template(
        "audit/find_subject.html",
        title="Subject access request",
        form=form,
        candidates=candidates,
        more=more,
        most=subject_access.MAX_CANDIDATES,
        applications=applications,
        applicant=subject_access_applications.APPLICANT,
        more_applications=more_applications,
    ), status


@bp.route("/subject-access/<int:person_id>")
def subject_report(person_id: int) -> str:
    try:
        report = subject_access.compile_report(
            db(),
            current_user.actor,
            person_id,
            current_app.extensions["hub.closure_survey"],
            rules=threshold_rules(),
        )
    except NotFound:
        abort(404)
    return render_template(
        "audit/subject_report.html", title="Subject access report", report=report
    )


@bp.route("/subject-access/application/<int:application_id>")
@bp.route(
    "/subject-access/application/<int:application_id>/applicant",
    defaults={"requester": subject_access_applications.APPLICANT},
)
def application_report(
    application_id: int, requester: str = subject_access_applications.VICTIM
) -> str:
    """An application's report for its victim, or (``/applicant``) for the person who
    applied for them, as the search matched the requester."""
    try:
        report = subject_access_application_report.compile_application_report(
            db(), current_user.actor, application_id, requester, rules=threshold_rules()
        )
    except NotFound:
        abort(404)
    return render_template(
        "audit/application_report.html",
        title="Subject access report: Community Trigger application",
        report=report,
    )
