"""The review's outcome, the applicant's appeal and the appeal body's decision, or the
applicant withdrawing the appeal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm
from hub.trigger.views import (
    AppealDecisionForm,
    AppealForm,
    OutcomeForm,
    _act,
    _dated,
    _procedure,
    _refused_on_page,
    bp,
    refuse_input,
)
from sharing.audit import acts
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.trigger import appeal_checks, review_outcome
from sharing.trigger.handling import ALREADY_DONE, ERASED
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

    def given(step: Callable[..., Any]) -> Any:
        """The act, or its form's checks, on what the form gives."""
        return step(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.received_on.data,
            form.reasons.data or "",
        )

    return _act(
        application_id,
        form,
        lambda: given(review_outcome.record_appeal),
        form.reasons,
        "Appeal recorded.",
        refused_as=acts.Action.TRIGGER_APPEAL,
        problems=lambda: given(appeal_checks.appeal_form_problems),
    )


@bp.post("/<int:application_id>/appeal-decision")
def appeal_decision(application_id: int) -> Response | tuple[str, int]:
    form = AppealDecisionForm()
    form.appeal_decision.choices = AppealDecision.choices()

    def given(step: Callable[..., Any]) -> Any:
        """The act, or its form's checks, on what the form gives."""
        return step(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.appeal_decision.data or "",
            form.findings.data or "",
            form.decided_on.data,
        )

    return _act(
        application_id,
        form,
        lambda: given(review_outcome.decide_appeal),
        form.findings,
        "Appeal decision recorded.",
        refused_as=acts.Action.TRIGGER_APPEAL_DECIDE,
        problems=lambda: given(appeal_checks.decision_form_problems),
    )


class AppealWithdrawnForm(HubForm):
    withdrawn_on = DateInputField(
        "Date the applicant withdrew the appeal",
        subject="The date the applicant withdrew the appeal",
    )

    def validate_withdrawn_on(self, field: DateInputField) -> None:
        _dated(
            field,
            "Enter the date the applicant withdrew the appeal",
            "The date the applicant withdrew the appeal must be today or before",
        )


def _in_hand(application_id: int) -> review_outcome.AppealInHand:
    try:
        return review_outcome.appeal_in_hand(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


@bp.route("/<int:application_id>/appeal-withdrawn", methods=["GET", "POST"])
def appeal_withdrawn(application_id: int) -> Response | tuple[str, int]:
    """Record that the applicant withdrew their appeal: it ends without a decision."""
    application = _in_hand(application_id)
    opened.carry(application.stamp if request.method == "GET" else None)
    form = AppealWithdrawnForm()
    if form.validate_on_submit():
        try:
            review_outcome.withdraw_appeal(
                db(),
                current_user.actor,
                _procedure(),
                application_id,
                form.withdrawn_on.data,
                opened=opened.sent(),
            )
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except ChangedMeanwhile as e:
            now = _in_hand(application_id)
            if now.why_not:  # decided or withdrawn meanwhile: nothing left to withdraw
                return _refused_on_page(application_id, InputError(ALREADY_DONE, now.why_not))
            opened.show_changed(form, e, form, now.stamp)
            application = now
        except InputError as e:
            if e.field in (ERASED, ALREADY_DONE):
                return _refused_on_page(application_id, e)
            form.refuse(e)
        else:
            flash(
                "Recorded that the applicant withdrew the appeal. It ended without a decision.",
                "success",
            )
            return redirect(
                url_for("trigger.show", application_id=application_id, _anchor="appeal")
            )
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        refuse_input(form, acts.Action.TRIGGER_APPEAL_WITHDRAW, application_id)
    return render_template(
        "trigger/appeal_withdrawn.html",
        title=f"Record that the applicant withdrew the appeal: application {application.reference}",
        form=form,
        application=application,
    ), 400 if request.method == "POST" else 200
