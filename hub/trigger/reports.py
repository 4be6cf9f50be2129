"""Correcting who the applicant reported the behaviour to: the lead's form, with the
public form's choices and a reason, the applicant's own answer shown above it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub import opened
from hub.apply.reports import MonthsField, reported
from hub.choice_fields import ChoicesField
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.trigger.views import _procedure, _refused_on_page, bp, refuse_input
from sharing.audit import acts
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.trigger import applications, field_checks, handling, reports
from sharing.trigger.input_checks import SOMEONE_ELSE, ReportedTo


class LeadMonthsField(MonthsField):
    when = "When it was reported to"


class ReportsForm(HubForm):
    reported_to = ChoicesField(
        "Who has it been reported to?",
        message=reports.AGENCY_NOT_OFFERED,
    )
    reported_other = StringField(
        "Who else was it reported to?",
        validators=[
            TextLimit(field_checks.MAX_NAME, "the name of whoever else it was reported to")
        ],
    )
    reported_when = LeadMonthsField("When was it reported? (optional)")
    reason = TextAreaField(
        "Why are you correcting it?",
        validators=[TextLimit(reports.MAX_REASON, "the reason")],
    )


def _offered(form: ReportsForm) -> ReportsForm:
    """``form`` with the public form's choices: the partnership's agencies, someone else."""
    agencies = applications.partnership_agencies(db(), _procedure())
    form.reported_to.choices = [*agencies, (SOMEONE_ELSE, "Someone else")]
    ticked = set(form.reported_to.data or [])
    when = form.reported_when
    when.ticked = [value for value, _ in form.reported_to.choices if value in ticked]
    when.names = {**dict(agencies), SOMEONE_ELSE: "someone else"}
    return form


def _filled(standing: reports.Reports) -> ReportsForm:
    """The form as it stands: the correction, or else the applicant's answer, ticked
    with their months."""
    now = standing.standing
    others = [r.name for r in now if r.someone_else]
    form = ReportsForm(
        formdata=None,
        data={
            "reported_to": [r.agency for r in now],
            "reported_other": others[0] if others else "",
            "reason": standing.reason or "",
        },
    )
    form.reported_when.parts = {
        r.agency: {"month": str(r.month.month), "year": str(r.month.year)}
        for r in now
        if r.month is not None
    }
    return _offered(form)


def _given(form: ReportsForm) -> tuple[ReportedTo, ...]:
    when = form.reported_when
    return reported(when.ticked, when.names, form.reported_other.data or "", when)


def _standing(application_id: int) -> reports.Reports:
    try:
        return reports.correctable(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


@bp.route("/<int:application_id>/reported-to", methods=["GET", "POST"])
def reported_to(application_id: int) -> Response | tuple[str, int]:
    """Correct who the applicant reported the behaviour to, with a reason, while the
    application's details may be corrected (not while an appeal is in hand)."""
    standing = _standing(application_id)
    if standing.why_not:
        return _refused_on_page(application_id, InputError(handling.ALREADY_DONE, standing.why_not))
    form = _offered(ReportsForm()) if request.method == "POST" else _filled(standing)
    opened.carry(standing.stamp if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = reports.correct(
                db(),
                current_user.actor,
                _procedure(),
                application_id,
                _given(form),
                form.reason.data or "",
                opened=opened.sent(),
            )
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except ChangedMeanwhile as e:
            now = _standing(application_id)
            if now.why_not:
                return _refused_on_page(
                    application_id, InputError(handling.ALREADY_DONE, now.why_not)
                )
            opened.show_changed(form, e, _filled(now), now.stamp)
        except InputError as e:
            if e.field == handling.ALREADY_DONE:
                return _refused_on_page(application_id, e)
            problems = reports.problems_in(
                db(), _procedure(), standing.received_on, _given(form), form.reason.data or ""
            )
            _show(form, [e, *problems])
        else:
            flash(_DONE[changed], "success")
            return redirect(url_for("trigger.show", application_id=application_id))
    elif form.is_submitted():  # the core's problems beside the form's own, all at once
        _show(
            form,
            reports.problems_in(
                db(), _procedure(), standing.received_on, _given(form), form.reason.data or ""
            ),
        )
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        refuse_input(form, acts.Action.TRIGGER_CORRECT, application_id)
    return render_template(
        "trigger/reported_to.html",
        title=f"Correct who application {standing.reference} was reported to",
        form=form,
        standing=standing,
    ), 400 if request.method == "POST" else 200


#: What the application's page says once a correction is sent, by what it changed.
_DONE = {
    reports.LIST_CHANGED: (
        "Who it was reported to is corrected. The applicant's own answer is kept beside it."
    ),
    reports.REASON_CHANGED: (
        "The reason for correcting who it was reported to is changed; who it was reported "
        "to is as it was."
    ),
    "": "Nothing was changed: who it was reported to is as it was.",
}


def _show(form: ReportsForm, problems: list[InputError]) -> None:
    """Each problem at its field, a field's first only."""
    for problem in problems:
        field = form.field_by_name(problem.field) or form.reported_to
        if not field.errors:
            field.errors = [*field.errors, problem.message]
