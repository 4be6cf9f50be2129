"""The review's outcome, the applicant's appeal and the appeal body's decision."""

from __future__ import annotations

from flask_login import current_user
from werkzeug.wrappers import Response

from hub.database import db
from hub.trigger.views import AppealDecisionForm, AppealForm, OutcomeForm, _act, _procedure, bp
from sharing.audit import acts
from sharing.trigger import review_outcome
from sharing.vocabulary import AppealDecision


@bp.post("/<int:application_id>/outcome")
def outcome(application_id: int) -> Response | tuple[str, int]:
    form = OutcomeForm()
    return _act(
        application_id,
        form,
        lambda: review_outcome.record_outcome(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.findings.data or "",
            form.next_steps.data or "",
        ),
        form.findings,
        "Outcome recorded. Send the applicant the outcome letter.",
        refused_as=acts.Action.TRIGGER_OUTCOME,
    )


@bp.post("/<int:application_id>/appeal")
def appeal(application_id: int) -> Response | tuple[str, int]:
    form = AppealForm()
    return _act(
        application_id,
        form,
        lambda: review_outcome.record_appeal(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.received_on.data,
            form.reasons.data or "",
        ),
        form.reasons,
        "Appeal recorded.",
        refused_as=acts.Action.TRIGGER_APPEAL,
    )


@bp.post("/<int:application_id>/appeal-decision")
def appeal_decision(application_id: int) -> Response | tuple[str, int]:
    form = AppealDecisionForm()
    form.appeal_decision.choices = AppealDecision.choices()
    return _act(
        application_id,
        form,
        lambda: review_outcome.decide_appeal(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.appeal_decision.data or "",
            form.findings.data or "",
            form.decided_on.data,
        ),
        form.findings,
        "Appeal decision recorded.",
        refused_as=acts.Action.TRIGGER_APPEAL_DECIDE,
    )
