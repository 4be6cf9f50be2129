"""An application's page: its threshold check across the relevant bodies, and the lead's
decision, made again once an appeal sends a "not met" decision back."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.database import db
from hub.trigger.views import DecisionForm, _act, _procedure, _show, bp
from sharing.audit import acts
from sharing.trigger import applications, decided_again
from sharing.vocabulary import ThresholdDecision


@bp.route("/<int:application_id>", methods=["GET", "POST"])
def show(application_id: int) -> Response | tuple[str, int]:
    if request.method == "GET":
        return _show(application_id)
    form = DecisionForm()
    form.decision.choices = ThresholdDecision.choices()
    return _act(
        application_id,
        form,
        lambda: applications.decide(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.decision.data or "",
            form.reasons.data or "",
        ),
        form.reasons,
        "Threshold decision recorded.",
        refused_as=acts.Action.TRIGGER_DECIDE,
    )


@bp.route("/<int:application_id>/decide-again", methods=["POST"])
def decide_again(application_id: int) -> Response | tuple[str, int]:
    form = DecisionForm()
    form.decision.choices = ThresholdDecision.choices()
    return _act(
        application_id,
        form,
        lambda: decided_again.decide_again(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.decision.data or "",
            form.reasons.data or "",
        ),
        form.reasons,
        "Threshold decided again.",
        refused_as=acts.Action.TRIGGER_DECIDE,
    )
