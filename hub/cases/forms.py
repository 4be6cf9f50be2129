"""Forms for the case journey. Limits are the core's (``sharing.cases``), which checks again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Optional,
    Regexp,
    ValidationError,
)

from hub.choice_fields import ChoiceField, ChoicesField, EnumSelectField
from hub.date_fields import WHICH_OF_TWICE, DateInputField, asks_which, moment_said, which_refused
from hub.forms import HubForm, TextLimit, leaf_fields
from sharing.cases import letters, needs, people, referrals, review_checks, survey
from sharing.cases.closing import MAX_CLOSING_NOTE
from sharing.cases.recording import MAX_LINE, MAX_TEXT
from sharing.cases.survey import Survey
from sharing.formats import (
    MAX_EMAIL,
    has_control_characters,
    normalise_phone,
    normalise_postcode,
    phone_refusal,
)
from sharing.imports.case_rows import MAX_REFERENCE as MAX_IMPORTED_REFERENCE
from sharing.vocabulary import (
    ActionKind,
    Adjustment,
    AgencyType,
    CaseCategory,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    ContactMethod,
    Intervention,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    ReviewDecision,
    Satisfaction,
    SurveyChannel,
    Triage,
)


def _real(normalise: Callable[[str], str | None], message: str) -> Callable[[Any, Field], None]:
    """A check that a box left empty or typed in a form ``normalise`` reads (a postcode,
    a phone number); the core checks again."""

    def check(form: Any, field: Field) -> None:
        if (field.data or "").strip() and normalise(field.data) is None:
            raise ValidationError(message)

    return check


def _real_phone(form: Any, field: Field) -> None:
    """A phone number ``normalise_phone`` takes, or none; else why not, saying for whom
    (filled in by ``say_whose``)."""
    if (field.data or "").strip() and normalise_phone(field.data) is None:
        raise ValidationError(phone_refusal(field.data, "{whom}"))


class OtherNameForm(Form):
    """One of the other names a person is also known by (the core checks again)."""

    name = StringField("Other name", validators=[TextLimit(MAX_LINE, "{Whose} other name")])
    note = StringField(
        "What it is (optional)",
        validators=[TextLimit(people.MAX_OTHER_NAME_NOTE, "What {whose} other name is")],
    )


#: How many empty rows of other names a person's form offers beyond those recorded.
OTHER_NAME_ROWS = 3


class PersonForm(Form):
    """A person on a new case (a sub-form: its fields are named ``<section>-<field>``).
    Its messages say whose box it is: ``{whose}`` ("the victim's"), ``{Whose}`` and
    ``{whom}`` ("the victim") are filled in by ``say_whose``, as one form may hold two
    people."""

    given_names = StringField(
        "First names", validators=[TextLimit(MAX_LINE, "{Whose} first names")]
    )
    family_name = StringField("Last name", validators=[TextLimit(MAX_LINE, "{Whose} last name")])
    other_names = FieldList(
        FormField(OtherNameForm, separator="-"), "Also known as", min_entries=OTHER_NAME_ROWS
    )
    date_of_birth = DateInputField("Date of birth", subject="{Whose} date of birth")
    phone = StringField(
        "Phone number",
        validators=[
            TextLimit(40, "{Whose} phone number"),
            _real_phone,
        ],
    )
    email = StringField(
        "E-mail address",
        validators=[
            Optional(),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter {whose} e-mail address in the correct format, like name@example.org",
            ),
            TextLimit(MAX_EMAIL, "{Whose} e-mail address"),
        ],
    )
    address = TextAreaField("Address", validators=[TextLimit(MAX_LINE * 3, "{Whose} address")])
    postcode = StringField(
        "Postcode",
        validators=[
            TextLimit(10, "{Whose} postcode"),
            _real(normalise_postcode, "Enter a real postcode for {whom}, like NG1 5AB"),
        ],
    )
    support_needs = TextAreaField(
        "Vulnerability and support needs",
        validators=[TextLimit(MAX_TEXT, "{Whose} vulnerability and support needs")],
    )
    contact_preferences = TextAreaField(
        "Anything else about contacting them",
        validators=[TextLimit(1000, "What {whose} contact preferences say")],
    )
    adjustments = ChoicesField(
        "Reasonable adjustments they need",
        choices=Adjustment.choices(),
        message="Select the adjustments from those offered",
    )
    language = StringField("Language", validators=[TextLimit(needs.MAX_LINE, "{Whose} language")])
    advocate = StringField(
        "Advocate or supporter",
        validators=[TextLimit(needs.MAX_LINE, "{Whose} advocate or supporter")],
    )
    contact_by = EnumSelectField(
        "How they prefer to be contacted",
        ContactMethod,
        blank="No preference recorded",
        message="Select how they prefer to be contacted",
    )
    times_to_avoid = StringField(
        "Times to avoid", validators=[TextLimit(needs.MAX_LINE, "{Whose} times to avoid")]
    )
    no_home_visits = BooleanField("No home visits")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number_other_names()

    def number_other_names(self, recorded: int = 0) -> None:
        """Offer a row for each of the ``recorded`` other names and ``OTHER_NAME_ROWS``
        empty ones beyond them, each row's boxes numbered ("Other name 2")."""
        while len(self.other_names.entries) < recorded + OTHER_NAME_ROWS:
            self.other_names.append_entry()
        for number, entry in enumerate(self.other_names.entries, start=1):
            entry.form.name.label.text = f"Other name {number}"
            entry.form.note.label.text = f"What other name {number} is (optional)"

    def validate(self, extra_validators: Any = None) -> bool:
        """Each box's own checks, and the other names' together (a note without its
        name, one the same as their name or given twice), every problem at its box."""
        valid = super().validate(extra_validators)
        problems = people.other_name_problems(
            self.typed_other_names(), self.family_name.data or "", self.given_names.data or ""
        )
        for problem in problems:
            _, index, box = problem.field.split("-")
            field = self.other_names.entries[int(index)].form[box]
            # Its own check (or the form's, for control characters) says what is wrong.
            if not field.errors and not has_control_characters(field.data or ""):
                field.errors = [*field.errors, problem.message]
                valid = False
        return valid

    def typed_other_names(self) -> list[tuple[str, str]]:
        """The other names as typed, each (name, what it is)."""
        return [(e.form.name.data or "", e.form.note.data or "") for e in self.other_names]

    def say_whose(self, person: str) -> None:
        """Name ``person`` ("the victim") in the messages of this person's boxes."""
        for field in leaf_fields(self):
            field.errors = [_whose(message, person) for message in field.errors]

    def is_empty(self) -> bool:
        return not any(
            (f.data.strip() if isinstance(f.data, str) else f.data)
            for f in leaf_fields(self)
            if f.name != "csrf_token"
        ) and not any(getattr(self.date_of_birth, "parts", {}).values())


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
            _real(normalise_postcode, "Enter a real postcode, like NG1 5AB"),
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


class CloseForm(HubForm):
    reason = EnumSelectField(
        "Why are you closing the case?",
        ClosureReason,
        validators=[InputRequired("Select why you are closing the case")],
        message="Select why you are closing the case",
    )
    outcome = EnumSelectField(
        "Was the anti-social behaviour resolved?",
        ClosureOutcome,
        message="Select whether the anti-social behaviour was resolved",
    )
    resolved_by = EnumSelectField(
        "Which action mainly resolved it?",
        Intervention,
        blank="Choose the main action",
        message="Select which action mainly resolved it",
    )
    note = TextAreaField(
        "Anything else the record should say", validators=[TextLimit(MAX_CLOSING_NOTE, "The note")]
    )

    def offer_for(self, agency_type: AgencyType) -> None:
        """The reasons in the words of the case's agency, and only the actions it can have
        resolved the case by (a landlord's tenancy actions for a landlord only)."""
        self.reason.choices = [(r.value, r.said_by(agency_type)) for r in ClosureReason]
        self.resolved_by.choices = [
            ("", "Choose the main action"),
            *((i.value, i.label) for i in Intervention.open_to(agency_type)),
        ]


class OfficerForm(HubForm):
    """A manager gives a case to another officer of the agency."""

    officer_id = ChoiceField("Who should be the case officer?", message="Select the case officer")
    with_actions = BooleanField("Give them the open actions the case officer has on this case")


class AddPersonForm(HubForm):
    """Someone added to a case after it was opened: new, or a person already known."""

    role = EnumSelectField(
        "Their part in the case",
        PartyRole,
        validators=[InputRequired("Select their part in the case")],
        message="Select their part in the case",
    )
    person = FormField(PersonForm, label="The person", separator="-")
    known_person = ChoiceField(
        "Is this a person your agency already holds?",
        message="Select whether this is a person your agency already holds",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        self.person.form.say_whose("the person")
        return valid


def _whose(message: str, person: str) -> str:
    """``message`` with ``{whose}``, ``{Whose}`` and ``{whom}`` naming ``person``."""
    whose = f"{person}'s"
    return (
        message.replace("{whose}", whose)
        .replace("{Whose}", whose[:1].upper() + whose[1:])
        .replace("{whom}", person)
    )


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


class SurveyForm(HubForm):
    """How the closure survey was offered; the answers' fields are added per question
    (``answer_<question id>``) from the survey file."""

    channel = EnumSelectField(
        "How was the survey offered?", SurveyChannel, message="Select how the survey was offered"
    )
    comment = TextAreaField(
        "Anything the complainant said about how the case was handled (optional)",
        validators=[TextLimit(survey.MAX_COMMENT, "The comment")],
    )


def survey_form(survey: Survey) -> type[SurveyForm]:
    """The survey form with a question on the five-point scale for each of ``survey``'s
    questions, named ``answer_<question id>``."""
    questions = {
        f"answer_{q.id}": EnumSelectField(
            q.text, Satisfaction, message="Select how satisfied they were"
        )
        for q in survey.questions
    }
    return type("AnsweredSurveyForm", (SurveyForm,), questions)


class EraseForm(HubForm):
    reference = StringField(
        "Type the case reference to confirm",
        validators=[DataRequired("Type the case reference to confirm")],
    )
    with_people = BooleanField(
        "Also erase the people on this case, or taken off it, who are on no other case"
    )


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
