"""The Community Trigger for the lead agency: applications by working days left, recording
one taken by phone, letter, e-mail or in person, and an application's threshold check
across the relevant bodies with the lead's decision."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, TextAreaField

from hub.database import db
from hub.forms import ChoiceField, DateInputField, HubForm
from hub.guard import require_roles
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.trigger import applications
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import OnBehalf, ThresholdDecision, TriggerChannel, VictimKind

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


@bp.route("")
def index() -> str | tuple[str, int]:
    try:
        rows = applications.waiting(db(), current_user.actor, _procedure())
    except NotAllowed:
        return _refused()
    return render_template("trigger/index.html", title="Community Trigger applications", rows=rows)


def application_input(form: HubForm, **given: object) -> applications.ApplicationInput:
    """The application in a form whose fields are named as ``ApplicationInput``'s (text
    left empty is "", a box left unticked is false, a field the form lacks keeps its
    default), with ``given`` values over the form's."""
    values: dict[str, object] = {}
    for spec in fields(applications.ApplicationInput):
        field = form.field_by_name(spec.name)
        if field is None:
            continue
        if spec.type == "str":
            values[spec.name] = field.data or ""
        elif spec.type == "bool":
            values[spec.name] = bool(field.data)
        else:
            values[spec.name] = field.data
    return applications.ApplicationInput(**{**values, **given})  # type: ignore[arg-type]


class ApplicationForm(HubForm):
    received_on = DateInputField("Date received")
    channel = ChoiceField("How was it received?")
    victim_kind = ChoiceField("Who suffered the anti-social behaviour?")
    victim_given_names = StringField("Victim's given names (optional for a business or group)")
    victim_family_name = StringField("Victim's surname, or the business's or group's name")
    victim_date_of_birth = DateInputField("Victim's date of birth (optional)")
    victim_phone = StringField("Phone (optional)")
    victim_email = StringField("E-mail (optional)")
    victim_address = TextAreaField("Address where the behaviour happens (optional)")
    victim_postcode = StringField("Postcode (optional)")
    victim_uprn = StringField("UPRN (optional)")
    problem = TextAreaField("The anti-social behaviour and its effect, in the applicant's words")
    on_behalf = ChoiceField("Who applied?")
    applicant_name = StringField("Name of the person applying for the victim")
    applicant_contact = StringField("How to contact them")
    consent_recorded = BooleanField("The victim consents to this person applying for them")
    consent_note = TextAreaField("How the victim's consent was given (optional)")


@bp.route("/new", methods=["GET", "POST"])
def record() -> Response | tuple[str, int]:
    procedure = _procedure()
    try:
        applications.lead_agency(db(), current_user.actor, procedure)
    except NotAllowed:
        return _refused()
    form = ApplicationForm()
    form.channel.choices = [
        (c.value, c.label) for c in TriggerChannel if c is not TriggerChannel.ONLINE
    ]
    form.victim_kind.choices = VictimKind.choices()
    form.on_behalf.choices = [("", "The victim")] + OnBehalf.choices()
    if form.validate_on_submit():
        data = application_input(form)
        try:
            made = applications.record_application(db(), current_user.actor, procedure, data)
        except InputError as e:
            field = form.field_by_name(e.field) or form.problem
            field.errors = [*field.errors, e.message]
        else:
            flash(
                f"Application {made.reference} recorded. Tell the applicant its reference.",
                "success",
            )
            return redirect(url_for("trigger.show", application_id=made.id))
    return render_template(
        "trigger/new.html", title="Record a Community Trigger application", form=form
    ), 400 if request.method == "POST" else 200


class DecisionForm(HubForm):
    decision = ChoiceField("Is the threshold met?")
    reasons = TextAreaField("Reasons for the decision")


def _page(application_id: int) -> applications.ApplicationPage:
    try:
        return applications.application_page(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


@bp.route("/<int:application_id>", methods=["GET", "POST"])
def show(application_id: int) -> Response | tuple[str, int]:
    form = DecisionForm()
    form.decision.choices = ThresholdDecision.choices()
    if form.validate_on_submit():
        try:
            applications.decide(
                db(),
                current_user.actor,
                _procedure(),
                application_id,
                form.decision.data or "",
                form.reasons.data or "",
            )
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except InputError as e:
            field = form.field_by_name(e.field) or form.reasons
            field.errors = [*field.errors, e.message]
        else:
            flash("Threshold decision recorded.", "success")
            return redirect(url_for("trigger.show", application_id=application_id))
    page = _page(application_id)
    return render_template(
        "trigger/show.html", title=f"Application {page.reference}", page=page, form=form
    ), 400 if request.method == "POST" else 200
