"""An application's page: its threshold check across the relevant bodies, and the lead's
decision, made again once an appeal sends a "not met" decision back."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.database import db
from hub.trigger.views import DecisionForm, _act, _procedure, _show, bp
from sharing.audit import acts
from sharing.models import TriggerApplication
from sharing.trigger import applications, decided_again
from sharing.vocabulary import ThresholdDecision

#: What records a threshold decision: ``applications.decide``, or ``decided_again.decide_again``.
Decide = Callable[..., TriggerApplication]


@bp.route("/<int:application_id>", methods=["GET", "POST"])
def show(application_id: int) -> Response | tuple[str, int]:
    if request.method == "GET":
        return _show(application_id)
    return _decide(application_id, applications.decide, "Threshold decision recorded.")


@bp.route("/<int:application_id>/decide-again", methods=["POST"])
def decide_again(application_id: int) -> Response | tuple[str, int]:
    return _decide(application_id, decided_again.decide_again, "Threshold decided again.")


def _decide(application_id: int, decide: Decide, done: str) -> Response | tuple[str, int]:
    """The decision form sent, given to ``decide`` (the first decision, or the one made
    again after an appeal): back to the page saying ``done``, or the page with the
    refusal at its field."""
    form = DecisionForm()
    form.decision.choices = ThresholdDecision.choices()
    return _act(
        application_id,
        form,
        lambda: decide(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.decision.data or "",
            form.reasons.data or "",
        ),
        form.reasons,
        done,
        refused_as=acts.Action.TRIGGER_DECIDE,
    )
