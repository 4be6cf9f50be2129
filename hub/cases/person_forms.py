"""The forms of a person on a case: their boxes (``PersonForm``, a sub-form of the new
case form and of adding a person), their other names, and adding someone to a case
after it was opened (``AddPersonForm``). Each message says whose box it is ("the
victim's last name"). Limits are the core's (``sharing.cases.people``), which checks
again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wtforms import BooleanField, Field, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, Regexp, ValidationError

from hub.choice_fields import ChoiceField, ChoicesField, EnumSelectField
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit, leaf_fields
from sharing.cases import needs, people
from sharing.cases.recording import MAX_LINE, MAX_TEXT
from sharing.formats import (
    MAX_EMAIL,
    has_control_characters,
    normalise_phone,
    normalise_postcode,
    phone_refusal,
)
from sharing.vocabulary import Adjustment, ContactMethod, PartyRole


def real(normalise: Callable[[str], str | None], message: str) -> Callable[[Any, Field], None]:
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
            real(normalise_postcode, "Enter a real postcode for {whom}, like NG1 5AB"),
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
