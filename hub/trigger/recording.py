"""Recording an application taken by phone, letter, e-mail or in person; and the
application in a form, which the public form shares."""

from __future__ import annotations

from dataclasses import fields

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, TextAreaField

from hub.choice_fields import ChoiceField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit
from hub.sent_once import accepted_once
from hub.trigger.views import _procedure, _refused, bp, refuse_input
from sharing import clock
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed
from sharing.trigger import applications, field_checks, handling, input_checks
from sharing.vocabulary import OnBehalf, TriggerChannel, VictimKind


def application_input(form: HubForm, **given: object) -> input_checks.ApplicationInput:
    """The application in a form whose fields are named as ``ApplicationInput``'s (text
    left empty is "", a box left unticked is false, a field the form lacks keeps its
    default), with ``given`` values over the form's."""
    values: dict[str, object] = {}
    for spec in fields(input_checks.ApplicationInput):
        field = form.field_by_name(spec.name)
        if field is None:
            continue
        if spec.type == "str":
            values[spec.name] = field.data or ""
        elif spec.type == "bool":
            values[spec.name] = bool(field.data)
        else:
            values[spec.name] = field.data
    return input_checks.ApplicationInput(**{**values, **given})  # type: ignore[arg-type]


class ApplicationForm(HubForm):
    received_on = DateInputField("Date received", subject="The date received")
    channel = ChoiceField("How was it received?", message=input_checks.CHANNEL_NEEDED)
    victim_kind = ChoiceField(
        "Who suffered the anti-social behaviour?",
        message=input_checks.VICTIM_KIND_NEEDED,
    )
    victim_given_names = StringField(
        "Victim's given names (optional for a business or group)",
        validators=[TextLimit(field_checks.MAX_NAME, "the victim's given names")],
    )
    victim_family_name = StringField(
        "Victim's surname, or the business's or group's name",
        validators=[TextLimit(field_checks.MAX_NAME, "the victim's surname")],
    )
    victim_date_of_birth = DateInputField(
        "Victim's date of birth (optional)", subject="The victim's date of birth"
    )
    victim_phone = StringField("Phone (optional)")
    victim_email = StringField(
        "E-mail (optional)",
        validators=[TextLimit(field_checks.MAX_NAME, "the victim's e-mail address")],
    )
    victim_address = TextAreaField(
        "Victim's address",
        validators=[TextLimit(field_checks.MAX_ADDRESS, "the victim's address")],
    )
    victim_postcode = StringField("Postcode (optional)")
    victim_uprn = StringField("UPRN (optional)")
    problem = TextAreaField(
        "The anti-social behaviour and its effect, in the applicant's words",
        validators=[
            TextLimit(input_checks.MAX_TEXT, "the description of the anti-social behaviour")
        ],
    )
    on_behalf = ChoiceField("Who applied?", message=input_checks.ON_BEHALF_NEEDED)
    applicant_name = StringField(
        "Name of the person applying for the victim",
        validators=[TextLimit(field_checks.MAX_NAME, "the name of the person applying")],
    )
    applicant_contact = StringField(
        "How to contact them",
        validators=[TextLimit(field_checks.MAX_NAME, "how to contact the person applying")],
    )
    applicant_address = TextAreaField(
        "Their postal address, for the letters (needed without an e-mail address)",
        validators=[TextLimit(field_checks.MAX_ADDRESS, "the postal address")],
    )
    consent_recorded = BooleanField("The victim consents to this person applying for them")
    consent_note = TextAreaField(
        "How the victim's consent was given (optional)",
        validators=[TextLimit(input_checks.MAX_CONSENT_NOTE, "the note on consent")],
    )


@bp.route("/new", methods=["GET", "POST"])
@accepted_once
def record() -> Response | tuple[str, int]:
    procedure = _procedure()
    try:
        handling.lead_agency(db(), current_user.actor, procedure, acts.Action.TRIGGER_RECORD)
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
            show_problems(form, [e, *input_checks.problems_in(data, clock.now())])
        else:
            flash(
                f"Application {made.reference} recorded. Tell the applicant its reference.",
                "success",
            )
            return redirect(url_for("trigger.show", application_id=made.id))
    elif form.is_submitted():  # the core's problems beside the form's own, all at once
        show_problems(form, input_checks.problems_in(application_input(form), clock.now()))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        refuse_input(form, acts.Action.TRIGGER_RECORD, None)
    return render_template(
        "trigger/new.html", title="Record a Community Trigger application", form=form
    ), 400 if request.method == "POST" else 200


def show_problems(form: ApplicationForm, problems: list[InputError]) -> None:
    """Each problem at its field (one the form does not have: at the description, or the
    victim's surname on a form without it), a
    field's first problem only, so that everything missing or wrong is said at once
    rather than one field a send."""
    for problem in problems:
        field = (
            form.field_by_name(problem.field)
            or form.field_by_name("problem")  # a form correcting the letters' details only
            or form.victim_family_name
        )
        if not field.errors:
            field.errors = [problem.message]
