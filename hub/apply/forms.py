"""The public Community Trigger application's boxes (``ApplyForm``), each labelled for
someone applying for themselves or for someone else, with the partnership's agencies to
say it was reported to; what the core says of an answer, in the applicant's words
(``in_your_words``); and the application as sent (``input_of``)."""

from __future__ import annotations

from flask import current_app
from wtforms import BooleanField, StringField, TextAreaField, ValidationError

from hub.apply.reports import MonthsField, reported
from hub.choice_fields import ChoiceField, ChoicesField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm
from hub.trigger.recording import application_input
from sharing import clock
from sharing.trigger import applications, field_checks, input_checks
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import OnBehalf, VictimKind

#: The answer "I am applying for myself".
_SELF = "self"

#: The longest text each box takes (the core's checks), stated beside the box.
LIMITS = {
    "problem": input_checks.MAX_TEXT,
    "victim_address": field_checks.MAX_ADDRESS,
    "applicant_address": field_checks.MAX_ADDRESS,
}


class ApplyForm(HubForm):
    victim_kind = ChoiceField(
        "Who has suffered the anti-social behaviour?",
        message="Select who has suffered the anti-social behaviour",
    )
    problem = TextAreaField("What is happening, and how is it affecting you?")
    victim_given_names = StringField("First name (optional for a business or group)")
    victim_family_name = StringField("Last name, or the name of the business or group")
    victim_date_of_birth = DateInputField("Date of birth (optional)", subject="The date of birth")
    victim_address = TextAreaField("Address where it is happening")
    victim_postcode = StringField("Postcode (optional)")
    victim_phone = StringField("Phone number (optional)")
    victim_email = StringField("Email address (optional)")
    on_behalf = ChoiceField(
        "Are you applying for yourself?", message="Select whether you are applying for yourself"
    )
    applicant_name = StringField("Your name")
    applicant_contact = StringField("Your phone number or email address")
    applicant_address = TextAreaField("Your postal address (if you did not give an email address)")
    consent_recorded = BooleanField("They have agreed to me applying for them")
    reported_to = ChoicesField(
        "Who have you reported it to?",
        message="Select the agencies you reported it to, or someone else",
    )
    reported_other = StringField("Who else did you report it to?")
    reported_when = MonthsField("When did you report it? (optional)")

    def validate_reported_other(self, field: StringField) -> None:
        # Said with the month boxes' own problems, not only once they are mended.
        if (
            input_checks.SOMEONE_ELSE in (self.reported_to.data or [])
            and not (field.data or "").strip()
        ):
            raise ValidationError(in_your_words(self, input_checks.REPORTED_OTHER_NEEDED))


def apply_form(procedure: Procedure) -> ApplyForm:
    """The form as sent, its choices offered and its boxes labelled for who applies."""
    form = ApplyForm()
    form.victim_kind.choices = VictimKind.choices()
    _offer_agencies(form, procedure)
    form.on_behalf.choices = [(_SELF, "Yes, it is about me, my business or my group")] + [
        (o.value, f"No, I am applying as {o.in_sentence}") for o in OnBehalf
    ]
    if form.victim_kind.data:  # a business or group is asked its name alone
        form.victim_family_name.label.text = (
            "Last name" if a_person(form) else "Name of the business or group"
        )
        form.victim_given_names.label.text = "First name (optional)"
    if for_someone_else(form):
        form.problem.label.text = "What is happening, and how is it affecting them?"
    if for_someone_else(form) or (form.victim_email.data or "").strip():
        # Needed only when the letters are posted there: to the victim applying without
        # an email address.
        form.victim_address.label.text = "Address where it is happening (optional)"
    return form


def _offer_agencies(form: ApplyForm, procedure: Procedure) -> None:
    """The partnership's agencies by their public names, and someone else, for "who have
    you reported it to?"; the months asked of each one ticked."""
    agencies = applications.partnership_agencies(db(), procedure)
    form.reported_to.choices = [*agencies, (input_checks.SOMEONE_ELSE, "Someone else")]
    ticked = set(form.reported_to.data or [])
    when = form.reported_when
    when.ticked = [value for value, _ in form.reported_to.choices if value in ticked]
    when.names = {**dict(agencies), input_checks.SOMEONE_ELSE: "someone else"}
    if for_someone_else(form):
        form.reported_to.label.text = "Who has it been reported to?"
        form.reported_other.label.text = "Who else was it reported to?"
        form.reported_when.label.text = "When was it reported? (optional)"


def reports_given(form: ApplyForm) -> tuple[input_checks.ReportedTo, ...]:
    when = form.reported_when
    return reported(when.ticked, when.names, form.reported_other.data or "", when)


def input_of(form: ApplyForm) -> input_checks.ApplicationInput:
    """The application as sent: received today, online; "for myself" is no third party,
    and a page not asked (a date of birth for a business) gives no answer."""
    someone_else = for_someone_else(form)
    return application_input(
        form,
        received_on=clock.today(),
        channel="online",
        on_behalf=form.on_behalf.data if someone_else else "",
        applicant_name=(form.applicant_name.data or "") if someone_else else "",
        applicant_contact=(form.applicant_contact.data or "") if someone_else else "",
        applicant_address=(form.applicant_address.data or "") if someone_else else "",
        consent_recorded=bool(form.consent_recorded.data) if someone_else else False,
        victim_date_of_birth=form.victim_date_of_birth.data if a_person(form) else None,
        victim_given_names=(form.victim_given_names.data or "") if a_person(form) else "",
        reported_to=reports_given(form),
    )


def for_someone_else(form: ApplyForm) -> bool:
    return form.on_behalf.data not in (None, "", _SELF)


def a_person(form: ApplyForm) -> bool:
    return form.victim_kind.data == VictimKind.PERSON.value


#: "Email", as the boxes say it (the hub's own pages say "e-mail").
_EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"
#: Why a number abroad is not taken, and what to give instead (the council's number is
#: the settings', put in when the message is shown).
_ABROAD = (
    "We cannot phone a number outside the UK, so give your email address instead. If you "
    "have no email address either, apply by phone: call the council's community safety "
    "team on {phone}"
)
#: What the core says of a detail left empty or mistyped, in the words of someone applying for
#: themselves and of someone applying for another (the core's are the lead's, who records
#: an application for "the victim" and "the person applying").
_IN_YOUR_WORDS = {
    input_checks.CONSENT_NEEDED: (
        "",
        "Confirm that they have agreed to you applying for them, or ask them to apply themselves",
    ),
    input_checks.APPLICANT_NAME_NEEDED: ("", "Enter your name"),
    input_checks.APPLICANT_CONTACT_NEEDED: ("", "Enter your phone number or email address"),
    field_checks.ADDRESS_NEEDED: (
        "",
        "Enter your postal address, where we post the letters about the application, or "
        "give your email address instead of a phone number",
    ),
    input_checks.FAMILY_NAME_NEEDED: (
        "Enter your last name, or the name of your business or group",
        "Enter their last name, or the name of the business or group",
    ),
    field_checks.EMAIL_FORMAT: (_EMAIL_FORMAT, _EMAIL_FORMAT),
    f"{field_checks.EMAIL_FORMAT}, on its own (or give a phone number)": (
        "",
        f"{_EMAIL_FORMAT}, on its own (or give a phone number)",
    ),
    field_checks.CONTACT_FORMAT: (
        "",
        "Enter your email address, like name@example.org, or a UK phone number, like "
        "07700 900 982 or 01632 960 001",
    ),
    field_checks.ONLINE_CONTACT_ABROAD: (
        "",
        "Enter your email address, like name@example.org, or a UK phone number, like "
        f"07700 900 982 or 01632 960 001. {_ABROAD}",
    ),
    field_checks.ONLINE_CONTACT_DIALLED_ABROAD: (
        "",
        "Enter your email address, like name@example.org, or a UK phone number starting "
        f"with a single 0, like 07700 900 982. {_ABROAD}",
    ),
    input_checks.REPORTED_OTHER_NEEDED: (
        "Enter who else you reported it to",
        "Enter who else it was reported to",
    ),
    input_checks.VICTIM_ADDRESS_NEEDED: (
        "Enter your address, where we post the letters about your application, or go back "
        "and give your email address",
        "",
    ),
}


def in_your_words(form: ApplyForm, message: str) -> str:
    own, someone_elses = _IN_YOUR_WORDS.get(message, ("", ""))
    words = (someone_elses if for_someone_else(form) else own) or message
    return words.replace("{phone}", current_app.config["HUB_SETTINGS"].trigger_phone)
