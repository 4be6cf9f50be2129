"""What the partner API takes: the JSON bodies of its calls, as marshmallow schemas that
refuse a field they do not know and say each problem in the hub's words
(``hub.api.field_words``). The OpenAPI document is generated from them, as from the
answers' (``hub.api.schemas``).

A case sent to the API is one row of the import's CSV (``sharing.imports.case_rows``)
given as JSON: the same fields, checked by the same rules, with the victim, the reported
person and the first incident as objects of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hub.api import field_words
from sharing.cases.closing_actions import MAX_NOTE
from sharing.cases.incidents import EARLIEST_INCIDENT
from sharing.cases.people import MAX_OTHER_NAME_NOTE
from sharing.cases.recording import MAX_LINE
from sharing.formats import FORMULA, runs_as_formula
from sharing.imports.case_rows import MAX_REFERENCE
from sharing.imports.row_cells import MAX_CELL, MAX_OTHER_NAMES
from sharing.vocabulary import CaseCategory, Labelled, Priority, ProtectedCharacteristic, Triage


def _codes(vocabulary: type[Labelled]) -> validate.OneOf:
    return _one_of([m.value for m in vocabulary])


def _one_of(codes: list[str]) -> validate.OneOf:
    return validate.OneOf(codes, error="is not one of {choices}")


def _text(
    description: str,
    *,
    required: bool = False,
    limit: int = MAX_CELL,
    free: bool = True,
) -> fields.String:
    """A text field; free text (not a value with its own format: ``free=False``) may not
    start as a spreadsheet formula does."""
    checks: list[Callable[[str], object]] = [
        validate.Length(max=limit, error="must be {max} characters or fewer")
    ]
    if required:
        checks.append(validate.Length(min=1, error="is empty"))
    if free:
        checks.append(_not_a_formula)
    return fields.String(
        required=required,
        validate=checks,
        metadata={"description": description + (_NO_FORMULA if free else "")},
    )


_NO_FORMULA = "; not starting with =, +, - or @ (a spreadsheet would run it as a formula)"


def _not_a_formula(text: str) -> None:
    if runs_as_formula(text):
        raise ValidationError(f"The text {FORMULA}")


class Strict(Schema):
    """A request's body: a field it does not know is refused; each refusal in our words."""

    class Meta:
        unknown = RAISE

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        field_words.in_our_words(self)


class OtherNameSchema(Strict):
    """A name the person is also known by, checked as the person form checks it, and kept
    whole: a semicolon or brackets in it are its own (where a cell of the import's CSV
    would read them as the next name, or what it is)."""

    name = _text(
        "a nickname, a street name, a former surname or another spelling; not their own name",
        required=True,
        limit=MAX_LINE,
    )
    note = _text(
        "what it is: nickname, surname before marriage (optional)",
        limit=MAX_OTHER_NAME_NOTE,
    )


def _other_names(whose: str) -> fields.List:
    return fields.List(
        fields.Nested(OtherNameSchema),
        validate=validate.Length(max=MAX_OTHER_NAMES, error="gives more than {max} other names"),
        metadata={"description": f"other names {whose} is also known by, each given once"},
    )


class VictimSchema(Strict):
    given_names = _text("the victim's given names", limit=MAX_LINE)
    family_name = _text("the victim's family name", limit=MAX_LINE)
    date_of_birth = fields.Date()
    phone = _text("the victim's phone number", limit=40, free=False)
    email = _text("the victim's e-mail address", limit=MAX_LINE, free=False)
    postcode = _text("the victim's postcode", limit=10, free=False)
    support_needs = _text("what support the victim needs")
    other_names = _other_names("the victim")


class ReportedSchema(Strict):
    given_names = _text("the reported person's given names", limit=MAX_LINE)
    family_name = _text("the reported person's family name", limit=MAX_LINE)
    date_of_birth = fields.Date()
    postcode = _text("the reported person's postcode", limit=10, free=False)
    other_names = _other_names("the reported person")


#: The latest moment an incident may be given as: a day short of the latest Python holds,
#: so that it has a time in UTC and in the partnership's zone whatever its offset
#: (9999-12-31T23:59-14:00 has none). Any later moment is in the future anyway.
LATEST_MOMENT = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


def _moment() -> fields.AwareDateTime:
    return fields.AwareDateTime(
        required=True,
        validate=[
            validate.Range(
                min=EARLIEST_INCIDENT, error="The date of the incident must be after 1 January 1990"
            ),
            validate.Range(
                max=LATEST_MOMENT, error="The date of the incident must be today or in the past"
            ),
        ],
        metadata={"description": "when it happened, with its offset: 2026-03-30T22:15:00+01:00"},
    )


_REPORTED_ON = "the day it was reported to your agency, if not the day it is recorded"


class FirstIncidentSchema(Strict):
    occurred_at = _moment()
    description = _text("what happened", required=True)
    place = _text("where it happened", limit=MAX_LINE)
    reported_on = fields.Date(
        metadata={
            "description": "the day it was reported to your agency (default: the day the case "
            "was opened, or the day it happened if later)"
        }
    )


class NewCaseSchema(Strict):
    reference = _text(
        "the case's reference in your own system; a second case with it is refused",
        required=True,
        limit=MAX_REFERENCE,
    )
    opened_on = fields.Date(
        metadata={"description": "the day it was opened, 1 January 1990 or later (default: today)"}
    )
    category = fields.String(required=True, validate=_codes(CaseCategory))
    priority = fields.String(required=True, validate=_codes(Priority))
    triage = fields.String(required=True, validate=_codes(Triage))
    summary = _text("what the problem is", required=True)
    officer_email = fields.Email(
        metadata={"description": "the case officer's e-mail address in the hub (default: yours)"}
    )
    ward = _text("the ward's name, in your area", limit=MAX_LINE)
    address = _text("where the problem is", limit=MAX_LINE * 3)
    postcode = _text("the postcode of that address", limit=10, free=False)
    uprn = _text("the address's Unique Property Reference Number", limit=12, free=False)
    hate_motivated = fields.Boolean(load_default=False)
    protected_characteristic = fields.String(validate=_codes(ProtectedCharacteristic))
    victim = fields.Nested(VictimSchema)
    reported = fields.Nested(ReportedSchema)
    incident = fields.Nested(FirstIncidentSchema, required=True)
    first_contact_on = fields.Date(
        metadata={
            "description": "for a case your system holds from before: the day your agency "
            "first contacted the complainant about it, not before opened_on (default: not "
            "yet, so it is due as for a new case)"
        }
    )
    last_contact_on = fields.Date(
        metadata={
            "description": "the day your agency was last in touch with the complainant, not "
            "before first_contact_on (default: first_contact_on)"
        }
    )
    next_review_on = fields.Date(
        metadata={
            "description": "the day the case is next due for review, in the past if overdue, "
            "at most the priority's review interval from today (default: that interval "
            "after opened_on)"
        }
    )


class NewIncidentSchema(Strict):
    occurred_at = _moment()
    description = _text("what happened", required=True)
    place = _text("where it happened", limit=MAX_LINE)
    reported_on = fields.Date(metadata={"description": _REPORTED_ON})
    reported_to_police = fields.Boolean(load_default=False)
    crime_reference = _text("the police's crime reference, if reported to them", limit=40)
    hate_related = fields.Boolean(load_default=False)


class ActionOutcomeSchema(Strict):
    outcome = fields.String(required=True, validate=_one_of(["done", "cancelled"]))
    note = _text("what was done, or why it is cancelled", required=True, limit=MAX_NOTE)
