"""What the partner API gives, as marshmallow schemas: its answers and its problems. The
views dump answers through them, and the OpenAPI document is generated from them and from
what the API takes (``hub.api.request_schemas``, whose schemas are named here too)."""

from __future__ import annotations

from marshmallow import Schema, fields

from hub.api.request_schemas import (  # noqa: F401 - the calls' bodies, named with the answers
    ActionOutcomeSchema,
    FirstIncidentSchema,
    NewCaseSchema,
    NewIncidentSchema,
    OtherNameSchema,
    ReportedSchema,
    Strict,
    VictimSchema,
)

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
