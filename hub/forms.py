"""The form every page of the hub builds on (``HubForm``: its error summary, the core's
refusals shown on their fields, control characters refused), a text box's limit, and
how a field is named in a message. Its fields are in ``date_fields`` and
``choice_fields``; a form accepted once is ``sent_once``."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField
from wtforms.validators import Length, StopValidation

from hub.date_fields import DateInputField
from sharing.errors import InputError
from sharing.formats import (
    CONTROL_CHARACTERS,
    has_control_characters,
    too_long,
    with_plain_line_breaks,
)


class HubForm(FlaskForm):
    """A form that can list its errors for the GOV.UK error summary, and that refuses
    control characters (other than tab and new lines) in every text it is given."""

    #: Set when the record changed after the form was opened (``hub.opened.Meanwhile``).
    changed: Any = None

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in leaf_fields(self):
            if isinstance(field.data, str) and has_control_characters(field.data):
                field.errors = [
                    *field.errors,
                    f"{subject_of(field.label.text)} {CONTROL_CHARACTERS}",
                ]
                valid = False
        return valid

    def error_summary(self) -> list[dict[str, str]]:
        """Every field's errors, in page order, each linking to its field; first, that the
        record changed after the form was opened, linking to the changes."""
        meanwhile = (
            [{"text": self.changed.message, "href": "#changed-meanwhile"}] if self.changed else []
        )
        return meanwhile + [
            {"text": message, "href": _anchor(field)}
            for field in leaf_fields(self)
            for message in field.errors
            if isinstance(message, str)
        ]

    def field_by_name(self, name: str) -> Field | None:
        """A field by its full name (``victim-family_name`` for a sub-form's field)."""
        return next((f for f in leaf_fields(self) if f.name == name), None)

    def refuse(self, error: InputError) -> None:
        """Show the core's refusal on the field it names (``owner_agency_id`` is the
        form's ``owner_agency``), or on the first field."""
        field = (
            self.field_by_name(error.field)
            or self.field_by_name(error.field.removesuffix("_id"))
            or next(iter(self))
        )
        field.errors = [*field.errors, error.message]


class TextLimit(Length):
    """A text box's limit, the core's own (``MAX_NOTE`` of the module that checks it again),
    checked in the form so that every box too long is shown at once, each named as the
    core names it ("The note must be 2,000 characters or fewer (you entered 2,345)"). The
    box's page says the limit beforehand (``fields.textarea`` reads it from here)."""

    def __init__(self, limit: int, what: str) -> None:
        super().__init__(max=limit)
        #: What the box holds, to begin its message: "the note".
        self.what = what

    def __call__(self, form: Any, field: Field) -> None:
        length = len(with_plain_line_breaks(field.data or "").strip())
        if length > self.max:
            raise StopValidation(too_long(self.what, self.max, length))


def limit_of(field: Field) -> int | None:
    """The most characters a text box takes, if it has a ``TextLimit``."""
    return next((v.max for v in field.validators if isinstance(v, TextLimit)), None)


def leaf_fields(form: Any) -> list[Field]:
    """The form's fields, with sub-forms' fields in place of the sub-forms."""
    fields: list[Field] = []
    for field in form:
        if isinstance(field, FormField):
            fields.extend(leaf_fields(field.form))
        elif isinstance(field, FieldList):  # its entries, each a field or a sub-form
            fields.extend(leaf_fields(field))
        else:
            fields.append(field)
    return fields


def as_sentence(error: Exception) -> str:
    """A core refusal ("the key is ...") as a field's error message ("The key is ...")."""
    text = str(error)
    return text[:1].upper() + text[1:]


def subject_of(label: str) -> str:
    """A field's label as the subject of a sentence about what was typed in it: a name
    as it is ("Postcode", "Video link" for "Video link (optional)"), a question quoted
    ('The answer to "What happened?"'), so a message reads right whatever the label."""
    name = label.removesuffix(" (optional)")
    if "?" in name or "(" in name or "," in name:
        return f"The answer to \u201c{label}\u201d"
    return name


def _anchor(field: Field) -> str:
    """Where the error summary links: the first box of a date, else the field itself
    (the first radio of a group has the group's id)."""
    if isinstance(field, DateInputField):
        return f"#{field.id}-{field.first_part}"
    anchor = getattr(field, "anchor", None)  # a field of many boxes says which to mend
    return anchor if isinstance(anchor, str) else f"#{field.id}"
