"""Closing a case, and the complainant's satisfaction survey at its closure."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from hub import opened
from hub.cases.closing_forms import CloseForm, survey_form
from hub.cases.views import _record, bp, case_to_work_on
from hub.database import db
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import closing, more_ending
from sharing.cases import survey as closure_survey
from sharing.errors import InputError
from sharing.vocabulary import SurveyChannel


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
def close(case_id: int) -> Response | tuple[str, int]:
    """Close a case. The form lists the case's open actions, which close with it, and its
    planned conferences, which are cancelled with it: a closing sent from a form that
    listed others (one added, closed, convened or cancelled since) is shown again with
    them as they are now, nothing closed."""
    authorised, case = case_to_work_on(case_id, Act.CLOSE, "close form")
    form = CloseForm()
    form.offer_for(authorised.case.agency.type)
    to_close = closing.actions_to_close(db(), authorised)
    opened.carry(to_close.stamp)
    response = _record(
        case,
        form,
        lambda: closing.close_case(
            db(),
            authorised,
            form.reason.data,
            form.note.data or "",
            outcome=form.outcome.data,
            resolved_by=form.resolved_by.data,
            opened=opened.sent(),
        ),
        template="cases/close.html",
        refused_as=acts.Action.CASE_CLOSE,
        title=f"Close case {case.reference}",
        done=_closed_message(case.reference, len(to_close.actions), len(to_close.conferences)),
        # The form holds no record's values: the user's choices stand; the list of
        # actions on the page is the case's now.
        as_now=lambda: (form, to_close.stamp),
        open_actions=to_close.actions,
        planned_conferences=to_close.conferences,
        more_waiting=more_ending.waiting_on(db(), authorised.case),
    )
    if isinstance(response, Response) and response.status_code == 302:
        return redirect(url_for("cases.survey", case_id=case.id))
    return response


def _closed_message(reference: str, actions: int, conferences: int = 0) -> str:
    closed = (
        f" Its {actions} open action{'s' if actions != 1 else ''} closed with it."
        if actions
        else ""
    )
    if conferences:
        closed += (
            f" Its {conferences} planned case conference{'s' if conferences != 1 else ''} "
            f"{'were' if conferences != 1 else 'was'} cancelled with it."
        )
    return f"Case {reference} closed.{closed} Offer the complainant the satisfaction survey."


@bp.route("/<int:case_id>/survey", methods=["GET", "POST"])
def survey(case_id: int) -> Response | tuple[str, int]:
    """The complainant's satisfaction survey at closure, recorded by the case's agency."""
    authorised, case = case_to_work_on(case_id, Act.CLOSE, "closure survey form")
    questions = current_app.extensions["hub.closure_survey"]
    form = survey_form(questions)()
    if form.validate_on_submit() and form.channel.data is SurveyChannel.LINK:
        try:
            _, token = closure_survey.offer_link(db(), authorised, questions)
        except InputError as e:
            form.refuse(e)
            return render_template(
                "cases/survey.html",
                title=f"Closure survey: case {case.reference}",
                form=form,
                case=case,
                survey=questions,
            ), 400
        # Shown once, on this page alone: only the link's hash is kept.
        return render_template(
            "cases/survey_link.html",
            title=f"Closure survey link: case {case.reference}",
            case=case,
            link=url_for("your_say.link", token=token, _external=True),
            days=closure_survey.LINK_DAYS,
        ), 200
    answers = {
        q.id: answer.value
        for q in questions.questions
        if (answer := form[f"answer_{q.id}"].data) is not None
    }

    def record() -> object:
        try:
            return closure_survey.record_survey(
                db(),
                authorised,
                questions,
                closure_survey.SurveyInput(
                    channel=form.channel.data.value if form.channel.data else "",
                    answers=answers,
                    comment=form.comment.data or "",
                ),
            )
        except InputError as e:
            # The refusal names one question; every question left unanswered is shown at
            # once, as on the survey by link (the view shows ``e`` itself).
            if e.field.startswith("answer_"):
                for other in closure_survey.unanswered(questions, answers):
                    if other.field != e.field:
                        form.refuse(other)
            raise

    return _record(
        case,
        form,
        record,
        template="cases/survey.html",
        title=f"Closure survey: case {case.reference}",
        done="Survey recorded.",
        anchor="closure",
        survey=questions,
    )
