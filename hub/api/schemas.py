"""What the partner API takes and gives, as marshmallow schemas: the views load requests
and dump answers through them, and the OpenAPI document is generated from them.

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
from sharing.imports.case_rows import MAX_CELL, MAX_OTHER_NAMES, MAX_REFERENCE
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


# -- problems ---------------------------------------------------------------------------


class FieldProblemSchema(Schema):
    field = fields.String(
        required=True, metadata={"description": "the field, e.g. victim.phone, or a CSV column"}
    )
    reason = fields.String(required=True)
    line = fields.Integer(metadata={"description": "the CSV line, for a file's rows"})


class ProblemSchema(Schema):
    """A problem details object (RFC 9457)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldProblemSchema))
    case_id = fields.Integer(
        metadata={"description": "the case that already has this reference, if you may open it"}
    )
    purposes = fields.List(
        fields.String(), metadata={"description": "the purposes the case may be read for"}
    )


# -- requests ---------------------------------------------------------------------------


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


# -- answers ----------------------------------------------------------------------------


class OAuthErrorSchema(Schema):
    """The token endpoint's refusal (RFC 6749 §5.2)."""

    error = fields.String(required=True, metadata={"description": "e.g. invalid_client"})
    error_description = fields.String()


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"description": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    scope = fields.String(required=True)


class SharedCaseSchema(Schema):
    case_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    owner_agency = fields.String(required=True)
    purpose = fields.String(required=True)
    protocol = fields.String(required=True)
    protocol_version = fields.Integer(required=True)
    shared_until = fields.Date(required=True)
    shared_at = fields.AwareDateTime(required=True)


class PagedSchema(Schema):
    """A page of a list: follow ``next`` until it is null."""

    page = fields.Integer(required=True, metadata={"description": "this page's number"})
    pages = fields.Integer(required=True, metadata={"description": "how many pages there are"})
    total = fields.Integer(required=True, metadata={"description": "how many in all"})
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "the next page's address; null on the last page"},
    )


class SharedCasesSchema(PagedSchema):
    cases = fields.List(fields.Nested(SharedCaseSchema), required=True)


class LinkedPersonSchema(Schema):
    role = fields.String(required=True, metadata={"description": "victim or reported"})
    linked_to_person_id = fields.Integer(required=True)
    not_saved = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "the fields sent that the person's record does not hold: not "
            "saved (the record was left as it was); check them with the case officer"
        },
    )


class CaseOpenedSchema(Schema):
    case_id = fields.Integer(required=True)
    reference = fields.String(required=True, metadata={"description": "the hub's reference"})
    external_reference = fields.String(required=True)
    incident_id = fields.Integer(required=True)
    people_matched = fields.Integer(
        required=True, metadata={"description": "people linked to ones your agency already held"}
    )
    people = fields.List(
        fields.Nested(LinkedPersonSchema),
        required=True,
        metadata={"description": "each person sent who was linked to one your agency held"},
    )


class IncidentRecordedSchema(Schema):
    case_id = fields.Integer(required=True)
    incident_id = fields.Integer(required=True)


def _may(kind: type[fields.Field], **kwargs: object) -> fields.Field:
    """A field the reader sees only when the decision gives its category (null otherwise)."""
    return kind(required=True, allow_none=True, **kwargs)


def _erased_at(what: str) -> fields.AwareDateTime:
    return fields.AwareDateTime(
        required=True, allow_none=True, metadata={"description": f"when {what}; null if not"}
    )


class KnownAsSchema(Schema):
    name = fields.String(required=True)
    note = fields.String(
        required=True, allow_none=True, metadata={"description": "what it is; null if not said"}
    )


def _known_as() -> fields.List:
    return fields.List(
        fields.Nested(KnownAsSchema),
        required=True,
        allow_none=True,
        metadata={
            "description": "the other names they are also known by ([] for none), given "
            "where their name is; null where it is not"
        },
    )


class PersonSchema(Schema):
    """A person on the case. Once their record is erased, every detail is null and
    ``erased`` says so: it can never be read again (not missing: do not ask again)."""

    person_id = fields.Integer(required=True)
    role = fields.String(required=True)
    erased = fields.Boolean(
        required=True, metadata={"description": "their record was erased: its details are null"}
    )
    erased_at = _erased_at("their record was erased")
    name = _may(fields.String)
    other_names = _known_as()
    date_of_birth = _may(fields.String)
    phone = _may(fields.String)
    email = _may(fields.String)
    address = _may(fields.String)
    postcode = _may(fields.String)
    support_needs = _may(fields.String)


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    reported_on = fields.Date(
        required=True,
        metadata={
            "description": "the day it was reported to the agency that received it: the day "
            "sent, or the day it was recorded (what a Community Trigger application counts from)"
        },
    )
    received_by = fields.String(required=True)
    reported_to_police = fields.Boolean(required=True)
    hate_related = fields.Boolean(required=True)
    place = _may(fields.String)
    description = _may(fields.String)
    crime_reference = _may(fields.String)


class CaseActionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    owner_agency = fields.String(required=True)
    due_on = _may(fields.Date)
    overdue = fields.Boolean(required=True)
    description = _may(fields.String)


class CaseSchema(Schema):
    """A case as the calling agency may see it: a field of a category its decision does
    not give is null; ``basis`` names each category given and what allows it. An erased
    case keeps its category, priority, status, dates and ward; its own words (address,
    summary, its incidents' and actions' words) are null, and so are the details of the
    people it kept as the agency's records (their names stay): ``erased`` says so."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    external_reference = _may(fields.String)
    agency = fields.String(required=True)
    officer = fields.String(required=True)
    category = fields.String(required=True)
    priority = fields.String(required=True)
    triage = fields.String(required=True)
    status = fields.String(required=True)
    hate_motivated = fields.Boolean(required=True)
    protected_characteristic = _may(fields.String)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = _may(fields.AwareDateTime)
    erased = fields.Boolean(
        required=True,
        metadata={
            "description": "the case was erased: its own words and its people's details are null"
        },
    )
    erased_at = _erased_at("the case was erased")
    ward = _may(fields.String)
    address = _may(fields.String)
    postcode = _may(fields.String)
    uprn = _may(fields.String)
    summary = _may(fields.String)
    basis = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "category → the protocol clause or access that allows it"},
    )
    people = fields.List(fields.Nested(PersonSchema), required=True)
    incidents = fields.List(fields.Nested(IncidentSchema), required=True)
    actions = fields.List(fields.Nested(CaseActionSchema), required=True)


class CaseIncidentSchema(IncidentSchema):
    """One incident of a case as the calling agency may see it, as the case's
    ``incidents`` give it: a field of a category its decision does not give is null;
    ``basis`` names each category given and what allows it. On an erased case its words
    (place, description, crime reference) are null, and ``erased`` says so."""

    case_id = fields.Integer(required=True)
    erased = fields.Boolean(
        required=True, metadata={"description": "its case was erased: its words are null"}
    )
    basis = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "category → the protocol clause or access that allows it"},
    )


class AgencyActionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    due_on = _may(fields.Date)
    overdue = fields.Boolean(required=True)
    case_agency = fields.String(required=True)
    case_officer = _may(
        fields.String,
        metadata={"description": "null on a case now restricted (locked since it was given)"},
    )
    case_id = _may(fields.Integer)
    case_reference = _may(fields.String)
    purpose = _may(fields.String, metadata={"description": "what to read the case for"})
    description = _may(fields.String)
    basis = _may(fields.String)
    may_complete = fields.Boolean(required=True)


class AgencyActionsSchema(PagedSchema):
    actions = fields.List(fields.Nested(AgencyActionSchema), required=True)


class ActionClosedSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)


_SCORE = "the matrix's total; null when some answers are not shared with your agency"


class AssessmentSchema(Schema):
    assessed_at = fields.AwareDateTime(required=True)
    stage = fields.String(required=True)
    score = fields.Integer(required=True, allow_none=True, metadata={"description": _SCORE})
    band = fields.String(required=True)
    adjusted = fields.Boolean(required=True)


class SharedRiskSchema(Schema):
    case_id = fields.Integer(required=True)
    case_reference = fields.String(required=True)
    priority = fields.String(required=True)
    purpose = fields.String(required=True)
    person_id = fields.Integer(required=True)
    role = fields.String(required=True)
    erased = fields.Boolean(
        required=True, metadata={"description": "their record was erased: their name is null"}
    )
    erased_at = _erased_at("their record was erased")
    name = _may(fields.String)
    other_names = _known_as()
    band = fields.String(required=True)
    score = fields.Integer(required=True, allow_none=True, metadata={"description": _SCORE})
    trend = fields.String(required=True)
    assessments = fields.List(fields.Nested(AssessmentSchema), required=True)
    basis = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class SharedRisksSchema(PagedSchema):
    people = fields.List(fields.Nested(SharedRiskSchema), required=True)


class ImportProblemSchema(Schema):
    line = fields.Integer(required=True)
    column = fields.String(required=True)
    reason = fields.String(required=True)


class ImportedLinkedPersonSchema(LinkedPersonSchema):
    line = fields.Integer(required=True)


class ImportReportSchema(Schema):
    dry_run = fields.Boolean(required=True)
    rows = fields.Integer(required=True)
    opened = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    already_imported = fields.Integer(required=True)
    people_matched = fields.Integer(required=True)
    problems = fields.List(fields.Nested(ImportProblemSchema), required=True)
    problems_not_kept = fields.Integer(required=True)
    people_not_saved = fields.List(
        fields.Nested(ImportedLinkedPersonSchema),
        required=True,
        metadata={"description": "people linked whose row sent details their record lacks"},
    )
    people_not_saved_not_kept = fields.Integer(required=True)
