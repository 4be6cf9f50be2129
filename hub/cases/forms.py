"""Forms for the case journey: opening a case, the case list's filters, an incident, an
action, a new officer, a review, a letter, a referral and an import. A person's boxes are
``hub.cases.person_forms``; closing, the closure survey and erasing,
``hub.cases.closing_forms``. Limits are the core's (``sharing.cases``), which checks
again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf.file import FileField
from wtforms import BooleanField, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from hub.cases.person_forms import PersonForm, real
from hub.choice_fields import ChoiceField, ChoicesField, EnumSelectField
from hub.date_fields import WHICH_OF_TWICE, DateInputField, asks_which, moment_said, which_refused
from hub.forms import HubForm, TextLimit
from sharing.cases import letters, referrals, review_checks
from sharing.cases.recording import MAX_LINE, MAX_TEXT
from sharing.formats import normalise_postcode
from sharing.imports.case_rows import MAX_REFERENCE as MAX_IMPORTED_REFERENCE
from sharing.vocabulary import (
    ActionKind,
    CaseCategory,
    CaseStatus,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    ReviewDecision,
    Triage,
)


class NewCaseForm(HubForm):
    category = EnumSelectField(
        "Category",
        CaseCategory,
        blank="Choose a category",
        validators=[InputRequired("Select the category of anti-social behaviour")],
        message="Select the category of anti-social behaviour",
    )
    priority = EnumSelectField(
        "Priority",
        Priority,
        validators=[InputRequired("Select the priority")],
        message="Select the priority",
    )
    triage = EnumSelectField(
        "How serious is the report?",
        Triage,
        validators=[InputRequired("Select how serious the report is")],
        message="Select how serious the report is",
    )
    hate_motivated = BooleanField("The behaviour is motivated by hate")
    protected_characteristic = EnumSelectField(
        "Protected characteristic",
        ProtectedCharacteristic,
        blank="Not hate-motivated",
        message="Select the protected characteristic",
    )
    summary = TextAreaField(
        "What is happening?",
        validators=[DataRequired("Describe the problem"), TextLimit(MAX_TEXT, "The description")],
    )
    address = TextAreaField(
        "Where is it happening?", validators=[TextLimit(MAX_LINE * 3, "The location")]
    )
    postcode = StringField(
        "Postcode",
        validators=[
            TextLimit(10, "The location's postcode"),
            real(normalise_postcode, "Enter a real postcode, like NG1 5AB"),
        ],
    )
    uprn = StringField(
        "UPRN (unique property reference number), if known", validators=[TextLimit(12, "The UPRN")]
    )
    ward_id = ChoiceField("Ward", message="Select the ward")
    officer_id = ChoiceField("Case officer", message="Select the case officer")
    first_party_role = EnumSelectField(
        "Is the person below the victim or the reporter?",
        PartyRole,
        validators=[InputRequired("Select whether the person is the victim or the reporter")],
        message="Select whether the person is the victim or the reporter",
    )
    first_party = FormField(PersonForm, label="Victim or reporter", separator="-")
    reported = FormField(PersonForm, label="Reported person", separator="-")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.first_party_role.choices = [
            (r.value, r.label) for r in (PartyRole.VICTIM, PartyRole.REPORTER)
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        first = self.first_party_role.data or PartyRole.VICTIM
        self.first_party.form.say_whose(f"the {first.label.lower()}")
        self.reported.form.say_whose("the reported person")
        return valid


#: The case list's status filter for open cases (active or inactive).
OPEN = "open"
#: The case list's filter for cases due for review today or earlier.
REVIEW_DUE = "due"
#: The case list's filter for open cases past the day their first contact was due.
FIRST_CONTACT_OVERDUE = "overdue"
#: The case list's filter for open cases escalated and waiting for their officer's decision.
ESCALATION_WAITING = "waiting"
#: The case list's filter for open cases with no action open and none done lately.
NO_ACTION = "none"
#: How many days "no action" looks back.
NO_ACTION_DAYS = 30


class FilterForm(HubForm):
    """The case list's filters, read from the query string."""

    class Meta:
        csrf = False

    status = ChoiceField(
        "Status",
        choices=[("", "Any status"), (OPEN, "Open (active or inactive)"), *CaseStatus.choices()],
        message="Select a status",
    )
    priority = EnumSelectField(
        "Priority",
        Priority,
        blank="Any priority",
        validators=[Optional()],
        message="Select a priority",
    )
    category = EnumSelectField(
        "Category",
        CaseCategory,
        blank="Any category",
        validators=[Optional()],
        message="Select a category",
    )
    officer = ChoiceField("Case officer", message="Select a case officer")
    ward = ChoiceField("Ward", message="Select a ward")
    review = ChoiceField(
        "Review",
        choices=[("", "Any review date"), (REVIEW_DUE, "Due for review (today or earlier)")],
        message="Select a review date",
    )
    first_contact = ChoiceField(
        "First contact",
        choices=[("", "Any"), (FIRST_CONTACT_OVERDUE, "First contact overdue")],
        message="Select whether first contact is overdue",
    )
    escalation = ChoiceField(
        "Escalation",
        choices=[("", "Any"), (ESCALATION_WAITING, "Escalated, waiting for a decision")],
        message="Select whether the case is escalated",
    )
    action = ChoiceField(
        "Actions",
        choices=[("", "Any"), (NO_ACTION, f"No action open, none done in {NO_ACTION_DAYS} days")],
        message="Select whether the case has actions",
    )
    reference = StringField(
        "Case reference", validators=[TextLimit(MAX_IMPORTED_REFERENCE, "the case reference")]
    )


class IncidentForm(HubForm):
    occurred_at = DateInputField(
        "When did it happen?",
        with_time=True,
        validators=[InputRequired("Enter the date and time the incident happened")],
        subject="The date and time the incident happened",
    )
    #: Which of the two moments a time the clocks show twice was (asked only then).
    occurred_which = ChoiceField(
        "The clocks went back that night: which was it?",
        choices=[("", "Not said"), *WHICH_OF_TWICE],
        message="Select which it was",
    )
    description = TextAreaField(
        "What happened?",
        validators=[DataRequired("Describe what happened"), TextLimit(MAX_TEXT, "The description")],
    )
    place = StringField("Where did it happen?", validators=[TextLimit(MAX_LINE, "The place")])
    reported_by = ChoiceField("Who reported it?", message="Select who reported it")
    received_by = ChoiceField(
        "Which agency received the report?", message="Select which agency received the report"
    )
    reported_on = DateInputField(
        "When was it reported? (if not today)",
        validators=[Optional()],
        subject="The date it was reported",
    )
    reported_to_police = BooleanField("This was reported to the police")
    crime_reference = StringField(
        "Crime reference number", validators=[TextLimit(40, "The crime reference")]
    )
    hate_related = BooleanField("This incident was motivated by hate")

    @property
    def asks_which(self) -> bool:
        """Whether the time given is one the clocks show twice, so the form asks which."""
        return asks_which(self.occurred_at)

    def validate_occurred_which(self, field: ChoiceField) -> None:
        refused = which_refused(self.occurred_at, field.data)
        if refused:
            raise ValidationError(refused)

    def occurred_moment(self) -> datetime | None:
        """When it happened: in the hour the clocks show twice, the one chosen."""
        return moment_said(self.occurred_at, self.occurred_which.data)


class ActionForm(HubForm):
    kind = EnumSelectField(
        "Action or intervention",
        ActionKind,
        blank="Choose an action",
        validators=[InputRequired("Select the action or intervention")],
        message="Select the action or intervention",
    )
    description = TextAreaField(
        "What is to be done?",
        validators=[DataRequired("Describe the action"), TextLimit(MAX_TEXT, "The description")],
    )
    owner_agency = ChoiceField("Agency responsible", message="Select the agency responsible")
    owner_user = ChoiceField(
        "Named person (optional)", message="Select the named person, or no one"
    )
    due_on = DateInputField("Due date", subject="The due date")


class OfficerForm(HubForm):
    """A manager gives a case to another officer of the agency."""

    officer_id = ChoiceField("Who should be the case officer?", message="Select the case officer")
    with_actions = BooleanField("Give them the open actions the case officer has on this case")


#: The review form's answers to "Is anything happening on the case?".
ACTIVE, INACTIVE = "active", "inactive"


class ReviewForm(HubForm):
    """A case review (``sharing.cases.reviews``, which checks again)."""

    contact_method = ChoiceField(
        "How were you last in touch with the complainant?",
        message="Select how you were last in touch with the complainant",
    )
    contacted_on = DateInputField(
        "When were you last in touch?", subject="The date you were last in touch"
    )
    contact_note = TextAreaField(
        "Why could they not be reached? (or anything to note about contact)",
        validators=[TextLimit(review_checks.MAX_TEXT, "The note on contact")],
    )
    progress = TextAreaField(
        "Progress against the action plan",
        validators=[TextLimit(review_checks.MAX_TEXT, "The progress")],
    )
    assessment = ChoiceField("The risk", message="Select the risk assessment")
    risk_note = TextAreaField(
        "Why has the risk not changed? (or anything to add about the new assessment)",
        validators=[TextLimit(review_checks.MAX_TEXT, "The note on risk")],
    )
    decision = EnumSelectField(
        "What did the review decide?", ReviewDecision, message="Select what the review decided"
    )
    activity = ChoiceField(
        "Is anything happening on the case?",
        choices=[
            (ACTIVE, "Yes: it is active"),
            (INACTIVE, "No: nothing is happening now, keep it open but inactive"),
        ],
        message="Select whether anything is happening on the case",
    )
    next_review_on = DateInputField("Next review", subject="The date of the next review")


class LetterForm(HubForm):
    person = ChoiceField("Who is the letter for?", message="Select who the letter is for")
    actions = ChoicesField(
        "What we will do: the actions to include",
        message="Select the actions to include from those offered",
    )
    asks = TextAreaField(
        "What we ask of you", validators=[TextLimit(letters.MAX_PART, "What we ask of them")]
    )
    keeping_in_touch = TextAreaField(
        "How we will keep in touch",
        validators=[TextLimit(letters.MAX_PART, "How we will keep in touch")],
    )
    #: "adjustments" (or nothing sent) follows the person's reasonable adjustments.
    print_size = ChoiceField(
        "Print size",
        choices=[
            ("", ""),
            ("adjustments", "As the person's reasonable adjustments ask"),
            ("large", "Large print"),
            ("standard", "Standard print"),
        ],
        message="Select the print size",
    )


class ReferralForm(HubForm):
    person = ChoiceField("Who did you refer?", message="Select who you referred")
    reason = TextAreaField(
        "Why, and what support they asked for",
        validators=[TextLimit(referrals.MAX_NOTE, "The reason for the referral")],
    )


class SafeguardingForm(HubForm):
    kind = ChoiceField("Which safeguarding team?", message="Select which safeguarding team")
    person = ChoiceField("Who are you worried about?", message="Select who you are worried about")
    reason = TextAreaField(
        "What you are worried about, and what they know of the referral",
        validators=[TextLimit(referrals.MAX_NOTE, "What you are worried about")],
    )


class ReferralOutcomeForm(HubForm):
    outcome = ChoiceField(
        "What became of the referral?", message="Select what became of the referral"
    )
    note = TextAreaField(
        "Anything the record should say (optional)",
        validators=[TextLimit(referrals.MAX_NOTE, "The note")],
    )


class ImportForm(HubForm):
    file = FileField("CSV file of cases")
