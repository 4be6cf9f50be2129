"""Risk pages: assess a victim or witness with the Risk Assessment Matrix, change a case's
triage, record a decision on an escalation, the risk assessment reviews due, and the risk
shared with my agency."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened, settings
from hub.cases.views import case_to_work_on, refuse_input
from hub.database import db
from hub.guard import authorised_case, require_roles
from hub.risk.forms import (
    ANSWER,
    STEPS,
    AssessmentDraft,
    ConsiderationForm,
    TriageForm,
    field_of,
    step_of,
)
from hub.sent_once import accepted_once
from hub.templating import uk_date
from sharing import clock
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases.case_forms import CaseHeading
from sharing.errors import ChangedMeanwhile, InputError, NotFound
from sharing.formats import whole_number
from sharing.risk import assessments, escalation, reviews_due
from sharing.risk.matrix import Matrices, Matrix
from sharing.risk.shared import shared_risk
from sharing.vocabulary import AssessmentStage, Priority, RiskBand, Role

bp = Blueprint("risk", __name__)
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead")


def matrices() -> Matrices:
    return current_app.extensions["hub.risk_matrices"]  # type: ignore[no-any-return]


def review_days() -> int:
    return int(current_app.config["HUB_SETTINGS"].risk_review_days)


@bp.route("/cases/<int:case_id>/risk/new", methods=["GET", "POST"])
@accepted_once
def assess(case_id: int) -> Response | tuple[str, int]:
    """The assessment, a page per step; what was answered travels in the form."""
    authorised, case = case_to_work_on(case_id, Act.ASSESS_RISK, "risk assessment form")
    matrix = matrices().current
    record = authorised.case
    may_be_assessed = assessments.assessable(record)
    people = [
        (person_id, label) for person_id, label in case.people if person_id in may_be_assessed
    ]
    if request.method == "GET":
        draft = AssessmentDraft({"version": str(matrix.version)})
        if whole_number(request.args.get("person")) is not None:
            draft.values["person_id"] = request.args["person"]
        elif len(people) == 1:  # the only victim or witness: chosen already
            draft.values["person_id"] = str(people[0][0])
        return _step(case, matrix, people, draft, "person"), 200
    draft = AssessmentDraft.from_form(request.form, matrix)
    step = request.form.get("step", "person")
    step = step if step in STEPS else "person"
    goto = request.form.get("goto", "")
    if goto in STEPS:
        return _step(case, matrix, people, draft, goto), 200
    data = draft.to_input()
    _, problems = assessments.check_assessment(record, data, matrices())
    problems = [*problems, *draft.form_problems()]
    if any(f == "version" for f, _ in problems):
        # Answers to another version of the matrix, or to none: its questions again, from
        # the first page, keeping who is assessed and at which stage.
        again = AssessmentDraft({"version": str(matrix.version)})
        again.values.update({k: draft.get(k) for k in ("person_id", "stage") if draft.get(k)})
        _refuse_answers(case.id, problems)
        return _step(case, matrix, people, again, "person", problems), 400
    here = [(f, m) for f, m in problems if step == "check" or step_of(field_of(f), matrix) == step]
    if here:
        _refuse_answers(case.id, here)
        return _step(case, matrix, people, draft, step, here), 400
    if step != "check":
        return _step(case, matrix, people, draft, STEPS[STEPS.index(step) + 1]), 200
    try:
        saved = assessments.record_assessment(
            db(), authorised, data, matrices=matrices(), review_days=review_days()
        )
    except assessments.AssessmentError as e:
        return _step(case, matrix, people, draft, "check", e.problems), 400
    except InputError as e:
        return _step(case, matrix, people, draft, "check", [(e.field, e.message)]), 400
    message = f"Risk assessment saved: {saved.band.label.lower()} risk (score {saved.score})."
    if saved.band is RiskBand.HIGH:
        held = escalation.police_hold_it(db(), record)
        message += f" Consider {escalation.to_consider(record, shared_with_police=held)}."
    flash(message, "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="risk"))


def _refuse_answers(case_id: int, problems: list[tuple[str, str]]) -> None:
    """Record a step of the assessment refused for its answers: the fields, never what
    was answered (the core records a refusal of the whole assessment itself)."""
    acts.refuse(
        db(),
        acts.Action.RISK_RECORD,
        actor=current_user.actor,
        subject=acts.Subject("case", case_id),
        reason=assessments.refused_fields(problems),
    )


def _step(
    case: CaseHeading,
    matrix: Matrix,
    people: list[tuple[int, str]],
    draft: AssessmentDraft,
    step: str,
    problems: list[tuple[str, str]] | None = None,
) -> str:
    errors = {field_of(f): m for f, m in reversed(problems or [])}
    # The version is no field of the page: its problem links to the page's first field.
    summary = [
        {"text": m, "href": "#person_id" if f == "version" else f"#{field_of(f)}"}
        for f, m in problems or []
    ]
    shown = _fields_on(step, matrix)
    data = draft.to_input()
    score = band = None
    if step in ("band", "check") and not matrix.problems(data.answers):
        score = matrix.score(data.answers)
        band = matrix.band_for(score)
    return render_template(
        "risk/assess.html",
        title=f"Risk assessment, case {case.reference}: {_step_title(step)}",
        case=case,
        matrix=matrix,
        people=people,
        draft=draft,
        step=step,
        steps=STEPS,
        hidden=draft.hidden(shown),
        errors=errors,
        summary=summary,
        score=score,
        score_band=band,
        person_label=dict((str(p), label) for p, label in people).get(draft.get("person_id")),
        stages=AssessmentStage.choices(),
        bands=list(RiskBand),
        max_reason=assessments.MAX_REASON,
        answer_prefix=ANSWER,
    )


def _fields_on(step: str, matrix: Matrix) -> set[str]:
    if step == "person":
        return {"person_id", "stage"}
    if step == "band":
        return {"band", "adjustment_reason", "support_needs"}
    if step == "check":
        return set()
    return {ANSWER + q.id for q in matrix.in_section(step)}


def _step_title(step: str) -> str:
    return {
        "person": "who and when",
        "band": "score and band",
        "check": "check your answers",
    }.get(step, step)


@bp.route("/cases/<int:case_id>/triage", methods=["GET", "POST"])
@accepted_once
def triage(case_id: int) -> Response | tuple[str, int]:
    authorised = authorised_case(case_id, Act.ASSESS_RISK)
    case = authorised.case
    form = TriageForm()
    if request.method == "GET":
        proposed = request.args.get("priority")  # e.g. priority 1 by the hate pathway
        form.priority.data = next((p for p in Priority if p.value == proposed), case.priority)
        form.triage.data = case.triage
    opened.carry(assessments.triage_stamp(db(), authorised) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            assessments.change_triage(
                db(),
                authorised,
                priority=form.priority.data,
                triage=form.triage.data,
                reason=form.reason.data or "",
                case_review_days=settings.review_days(current_app.config["HUB_SETTINGS"]),
                opened=opened.sent(),
            )
        except ChangedMeanwhile as e:
            now = TriageForm(formdata=None)
            now.priority.data, now.triage.data = case.priority, case.triage
            now.reason.data = form.reason.data
            opened.show_changed(form, e, now, assessments.triage_stamp(db(), authorised))
            return render_template(
                "risk/triage.html",
                title=f"Change the triage of {case.reference}",
                form=form,
                case=case,
            ), 200
        except InputError as e:
            target = form.field_by_name(e.field) or form.priority
            target.errors = [*target.errors, e.message]  # type: ignore[list-item]
        else:
            flash(
                "Triage changed. The risk assessments are due for review if the priority "
                f"changed; the case review is due by {uk_date(case.review_due_on)}.",
                "success",
            )
            return redirect(url_for("cases.show", case_id=case.id, _anchor="risk"))
    elif request.method == "POST":
        refuse_input(acts.Action.TRIAGE_CHANGE, case.id, form)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "risk/triage.html", title=f"Change the triage of {case.reference}", form=form, case=case
    ), status


@bp.route("/cases/<int:case_id>/escalations/<int:escalation_id>", methods=["GET", "POST"])
def consider(case_id: int, escalation_id: int) -> Response | tuple[str, int]:
    authorised = authorised_case(case_id, Act.ASSESS_RISK)
    case = authorised.case
    try:
        prompt = assessments.escalation_on(db(), authorised, escalation_id)
    except NotFound:
        abort(404)
    form = ConsiderationForm()
    if form.validate_on_submit():
        try:
            assessments.record_consideration(db(), authorised, escalation_id, form.note.data or "")
        except InputError as e:
            form.note.errors = [*form.note.errors, e.message]  # type: ignore[list-item]
        else:
            flash("Decision recorded.", "success")
            return redirect(url_for("cases.show", case_id=case.id, _anchor="risk"))
    elif request.method == "POST":
        refuse_input(acts.Action.ESCALATION_DECIDE, case.id, form)
    status = 400 if request.method == "POST" else 200
    held = escalation.police_hold_it(db(), authorised.case)
    return render_template(
        "risk/consider.html",
        # Two prompts on a case (a hate incident, then a high risk) are told apart.
        title=(
            f"Escalation on {case.reference}: {prompt.reason.in_sentence} "
            f"on {uk_date(prompt.raised_at)}"
        ),
        form=form,
        case=case,
        steps=escalation.steps_to_consider(case, shared_with_police=held),
        shared_with_police=held,
        escalation=prompt,
    ), status


@bp.route("/risk/shared")
def shared() -> str:
    """Victims whose risk assessments partners share with my agency, highest risk first."""
    page = shared_risk(
        db(),
        current_user.actor,
        matrices(),
        clock.today(),
        page=whole_number(request.args.get("page")) or 1,
    )
    return render_template(
        "risk/shared.html", title="Risk assessments shared with your agency", page=page
    )


#: Whose reviews the list holds: a manager's agency's, or an officer's own.
WHOSE = {True: "Your agency's", False: "Your"}


@bp.route("/risk/reviews-due")
def reviews_due_list() -> str:
    """Every risk assessment review due, a page at a time: an officer's own cases, a
    manager's agency's (the home page shows the first of them)."""
    actor = current_user.actor
    if not actor.works_cases:
        abort(403)
    page = reviews_due.risk_reviews_due(
        db(), actor, clock.today(), page=whole_number(request.args.get("page")) or 1
    )
    manager = actor.has(Role.MANAGER)
    return render_template(
        "risk/reviews_due.html",
        title=f"{WHOSE[manager]} risk assessment reviews due",
        page=page,
        manager=manager,
    )
