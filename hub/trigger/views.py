"""The Community Trigger's blueprint and who it serves, and what its pages share: the
procedure, the answer to someone not at the lead agency, and an application's page with
its forms (the threshold decision and the review's), to show again with a form refused.
Each other module of ``hub.trigger`` puts its pages on the blueprint."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Field, HiddenField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from hub.choice_fields import ChoiceField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit
from hub.guard import require_roles
from hub.templating import uk_datetime
from sharing import clock
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.trigger import (
    appeal_words,
    applications,
    complaints,
    handling,
    input_checks,
    pages,
    retention,
    review,
    review_outcome,
    review_recommendations,
)
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import AppealDecision, ThresholdDecision

bp = Blueprint("trigger", __name__, url_prefix="/trigger")
require_roles(bp, "trigger_lead", "manager")


def _procedure() -> Procedure:
    return current_app.extensions["hub.trigger_procedure"]  # type: ignore[no-any-return]


def _refused() -> tuple[str, int]:
    return render_template(
        "errors/error.html",
        title="Your agency does not lead the Community Trigger",
        paragraphs=[
            f"Applications are handled by the lead agency's Community Trigger leads and "
            f"managers ({_procedure().title}).",
        ],
    ), 403


def _dated(field: DateInputField, missing: str, future: str) -> None:
    """A date the form needs: none at all, or one to come, said with the form's other
    problems (a date that is not one has its own message already)."""
    if field.errors:
        return
    if field.data is None:
        raise ValidationError(missing)
    if field.data > clock.today():
        raise ValidationError(future)


class DecisionForm(HubForm):
    decision = ChoiceField("Is the threshold met?", message=applications.DECISION_NEEDED)
    reasons = TextAreaField(
        "Reasons for the decision",
        validators=[
            DataRequired("Give the reasons for the decision"),
            TextLimit(input_checks.MAX_REASONS, "the reasons for the decision"),
        ],
    )


class PanelForm(HubForm):
    sitting_id = ChoiceField("Which sitting of the review panel?", message=review.SITTING_NEEDED)


class RecommendationForm(HubForm):
    owner_agency_id = ChoiceField(
        "Which relevant body will carry it out?",
        message=review_recommendations.OWNER_NEEDED,
    )
    due_on = DateInputField("Due by", subject="The due date")
    text = TextAreaField(
        "The recommendation",
        validators=[
            DataRequired("Enter the recommendation"),
            TextLimit(review_recommendations.MAX_RECOMMENDATION, "the recommendation"),
        ],
    )
    on_appeal = HiddenField()

    def validate_due_on(self, field: DateInputField) -> None:
        """No date at all is said with the form's other problems (a date that is not one
        has its own message already)."""
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date it is due")


class OutcomeForm(HubForm):
    findings = TextAreaField(
        "What the panel found",
        validators=[
            DataRequired("Say what the panel found"),
            TextLimit(review_outcome.MAX_FINDINGS, "what the panel found"),
        ],
    )
    next_steps = TextAreaField(
        "What happens next",
        validators=[
            DataRequired("Say what happens next"),
            TextLimit(review_outcome.MAX_FINDINGS, "what happens next"),
        ],
    )


class AppealForm(HubForm):
    received_on = DateInputField(
        "Date the appeal was received", subject="The date the appeal was received"
    )
    reasons = TextAreaField(
        "The applicant's reasons",
        validators=[
            DataRequired("Give the applicant's reasons"),
            TextLimit(review_outcome.MAX_FINDINGS, "the applicant's reasons"),
        ],
    )

    def validate_received_on(self, field: DateInputField) -> None:
        _dated(
            field,
            "Enter the date the appeal was received",
            "The date received cannot be in the future",
        )


class AppealDecisionForm(HubForm):
    appeal_decision = ChoiceField(
        "The appeal body's decision", message=review_outcome.APPEAL_DECISION_NEEDED
    )
    decided_on = DateInputField("Date of the decision", subject="The date of the decision")
    findings = TextAreaField(
        "The appeal body's findings",
        validators=[
            DataRequired("Give the appeal body's findings"),
            TextLimit(review_outcome.MAX_FINDINGS, "the appeal body's findings"),
        ],
    )

    def validate_decided_on(self, field: DateInputField) -> None:
        _dated(
            field,
            "Enter the date of the appeal body's decision",
            "The date cannot be in the future",
        )


def _page(application_id: int) -> pages.ApplicationPage:
    try:
        return pages.application_page(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


def _forms(failed: HubForm | None = None) -> dict[str, HubForm]:
    """Every form of the application's page, blank but for the one that failed."""
    procedure = _procedure()
    found: dict[str, HubForm] = {
        "decision": DecisionForm(formdata=None),
        "panel": PanelForm(formdata=None),
        "recommendation": RecommendationForm(formdata=None),
        "outcome": OutcomeForm(formdata=None),
        "appeal": AppealForm(formdata=None),
        "appeal_decision": AppealDecisionForm(formdata=None),
    }
    if failed is not None:
        found.update({k: failed for k, f in found.items() if type(f) is type(failed)})
    found["decision"].decision.choices = ThresholdDecision.choices()
    sittings = review.panel_sittings(db(), current_user.actor, procedure)
    found["panel"].sitting_id.choices = [
        (str(s.id), f"{s.series.name}, {uk_datetime(s.starts_at)}") for s in sittings
    ]
    area = current_user.agency.area_id
    found["recommendation"].owner_agency_id.choices = [
        (str(a.id), a.name) for a in complaints.relevant_agencies(db(), procedure, area)
    ]
    found["appeal_decision"].appeal_decision.choices = AppealDecision.choices()
    return found


def _show(application_id: int, failed: HubForm | None = None) -> tuple[str, int]:
    page = _page(application_id)
    forms = _forms(failed)
    forms["appeal_decision"].appeal_decision.choices = appeal_words.decision_choices(page.decision)
    return render_template(
        "trigger/show.html",
        title=f"Application {page.reference}",
        page=page,
        form=failed or forms["decision"],
        forms=forms,
        procedure=_procedure(),
        standing=retention.standing(db(), current_user.actor, _procedure(), application_id),
    ), 400 if failed else 200


def _refused_on_page(application_id: int, error: InputError) -> tuple[str, int]:
    """The application's page, saying the act was refused because its personal data is
    erased or the step was already taken (no form of the page is there to hold the
    message, so it is a banner, not an error linked to a field gone from the page)."""
    flash(error.message, "error")
    page, _ = _show(application_id)
    return page, 400


def _refused_at(form: HubForm, error: InputError, fallback: Field) -> None:
    field = form.field_by_name(error.field) or fallback
    field.errors = [*field.errors, error.message]


def _act(
    application_id: int,
    form: HubForm,
    act: Callable[[], object],
    fallback: Field,
    done: str,
    *,
    refused_as: acts.Action,
    problems: Callable[[], list[InputError]] | None = None,
) -> Response | tuple[str, int]:
    """Run ``act`` for a valid ``form``; back to the page with ``done``, or the page with
    the refusal at its field. A form refused for its own checks is recorded as a refused
    ``refused_as`` naming its fields (never what was typed), once the page shows the reader
    may see the application; the core records its own refusals. ``problems`` gives every
    problem the core finds in the form's fields, said all at once: beside the form's own,
    or in place of the core's one refusal."""
    if form.validate_on_submit():
        try:
            act()
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except InputError as e:
            if e.field in (handling.ERASED, handling.ALREADY_DONE):
                return _refused_on_page(application_id, e)
            _refused_at(form, e, fallback)
            _beside(form, _found(problems), fallback)
        else:
            flash(done, "success")
            return redirect(url_for("trigger.show", application_id=application_id))
        return _show(application_id, form)
    _beside(form, _found(problems), fallback)
    shown = _show(application_id, form)  # a reader who may not see it is refused there
    refuse_input(form, refused_as, application_id)
    return shown


def _found(problems: Callable[[], list[InputError]] | None) -> list[InputError]:
    if problems is None:
        return []
    try:
        return problems()
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


def _beside(form: HubForm, problems: list[InputError], fallback: Field) -> None:
    """Each of the core's ``problems`` at its field, where the field has none yet (a
    field's first problem only)."""
    for problem in problems:
        field = form.field_by_name(problem.field) or fallback
        if not field.errors:
            field.errors = [problem.message]


def refuse_input(form: HubForm, action: acts.Action, application_id: int | None) -> None:
    """Record ``form`` refused for its own checks (a choice it does not offer, a date that
    is not one, a detail too long) as a refused ``action`` on the application (none yet
    for a new one): the fields named, never their values, as the core records the
    refusals it finds."""
    acts.refuse(
        db(),
        action,
        actor=current_user.actor,
        subject=acts.Subject("trigger_application", application_id),
        reason=acts.input_refused(sorted(form.errors)),
    )
