"""Reading cases: the cases shared with the agency, and one case as the agency may see it."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hub.api import paging, schemas
from hub.api.problems import FieldProblem, Problem
from hub.api.views import _json, _utc, actor, bp, scoped
from hub.database import db
from sharing.cases import disclosure, pages, share_lists
from sharing.cases.people_shown import PersonView
from sharing.cases.timeline import IncidentView
from sharing.errors import InputError

#: The longest purpose a case may be read for.
MAX_PURPOSE = 200


@bp.route("/cases/shared")
@scoped("cases:read")
def shared_cases() -> Response:
    """The cases shared with your agency that its account may open, newest first, a page
    at a time: follow ``next`` until it is null (it continues after the page's last
    share, so shares made or ended meanwhile are neither skipped nor listed twice).
    ---
    get:
      tags: [Cases]
      parameters:
        - name: page
          in: query
          schema: {type: integer, minimum: 1, maximum: 100000, default: 1}
          description: the page (a page past the last is the last)
        - name: after
          in: query
          schema: {type: integer, minimum: 1}
          description: the shares after this one with your agency (what next asks for)
      responses:
        200: {description: The cases, content: {application/json: {schema: SharedCasesSchema}}}
        400: {description: "The page is not a whole number from 1 to 100000, after is not a share with your agency, or both were sent (send one)"}
    """
    who = actor()
    try:
        found = share_lists.shared_page(
            db(), who, paging.page_asked(), size=paging.PAGE_SIZE, after=paging.after_asked()
        )
    except InputError as e:
        raise Problem(
            400,
            "Invalid request",
            "after is not a share with your agency",
            errors=[FieldProblem(e.field, e.message)],
        ) from None
    listed = [
        {
            "case_id": r.case_id,
            "reference": r.case_reference,
            "owner_agency": r.owner_agency,
            "purpose": r.purpose,
            "protocol": r.protocol,
            "protocol_version": r.protocol_version,
            "shared_until": r.until,
            "shared_at": _utc(r.shared_at),
        }
        for r in found.rows
    ]
    last = found.rows[-1].id if found.rows else None
    place = paging.place_after(found, last)
    return _json(schemas.SharedCasesSchema(), {"cases": listed, **place})


@bp.route("/cases/<int:case_id>")
@scoped("cases:read")
def read_case(case_id: int) -> Response:
    """A case as your agency may see it: your own agency's, or a partner's shared with
    yours (always say the purpose you read a partner's case for: ``?purpose=``, one of
    the purposes it is shared with your agency for, which a read without one, or with
    another, lists). A
    field of a category your agency may not see is null; ``basis`` names what allows
    each category it may.
    ---
    get:
      tags: [Cases]
      parameters:
        - {name: case_id, in: path, required: true, schema: {type: integer}}
        - name: purpose
          in: query
          schema: {type: string, maxLength: 200}
          description: "the purpose of the share to read it under: always given for a partner's case"
      responses:
        200: {description: The case, content: {application/json: {schema: CaseSchema}}}
        400: {description: "Say the purpose, for a partner's case, or the case is not shared with your agency for the purpose said (or it is too long): purposes lists those it is shared with your agency for"}
        403: {description: "The case is shared with your agency for that purpose but nothing gives it you now (the protocol is suspended, or gives your account's roles nothing)"}
        404: {description: "No such case, or your agency may not know of it"}
    """
    view = disclosure.disclose_case(db(), actor(), case_id, purpose_asked())
    return _json(schemas.CaseSchema(), _case_out(view))


def purpose_asked() -> str | None:
    """The purpose a case is read for (``?purpose=``; None when not said); a 400 problem
    at ``purpose`` for one too long to be any."""
    purpose = request.args.get("purpose") or None
    if purpose and len(purpose) > MAX_PURPOSE:
        raise Problem(
            400,
            "Invalid purpose",
            f"A purpose is up to {MAX_PURPOSE} characters",
            errors=[FieldProblem("purpose", f"is longer than {MAX_PURPOSE} characters")],
        )
    return purpose


def _case_out(view: pages.CaseView) -> dict[str, Any]:
    """The case as the API gives it. What was erased is null, and said to be: an erased
    case's own values (its place, summary, incidents' and actions' words) and the details
    of the people it kept (their name stays, to say who was kept), and an erased person's
    every detail; ``erased`` and ``erased_at`` say so, so that a partner's system does not
    take them for missing and ask again or write over its own."""
    erased = view.erased
    return {
        "id": view.id,
        "reference": view.reference,
        "external_reference": view.external_reference,
        "agency": view.agency,
        "officer": view.officer,
        "category": view.category.value,
        "priority": view.priority.value,
        "triage": view.triage,
        "status": view.status.value,
        "hate_motivated": view.hate_motivated,
        "protected_characteristic": view.protected_characteristic,
        "opened_at": _utc(view.opened_at),
        "closed_at": _utc(view.closed_at) if view.closed_at else None,
        "erased": erased,
        "erased_at": _utc(view.erased_at) if view.erased_at else None,
        "ward": view.ward,
        **_unless(erased, address=view.address, postcode=view.postcode, uprn=view.uprn),
        **_unless(erased, summary=view.summary),
        "basis": dict(view.decision.categories),
        "people": [
            _person_out(p, case_erased=erased, names=view.decision.allows("identity"))
            for p in view.parties
        ],
        "incidents": [incident_out(i, case_erased=erased) for i in view.incidents],
        "actions": [
            {
                "id": a.id,
                "kind": a.kind,
                "status": a.status,
                "owner_agency": a.owner_agency,
                "due_on": a.due_on,
                "overdue": a.overdue,
                **_unless(erased, description=a.description),
            }
            for a in view.actions
        ],
    }


def incident_out(i: IncidentView, *, case_erased: bool) -> dict[str, Any]:
    """An incident of the case; its words null once the case is erased."""
    return {
        "id": i.id,
        "occurred_at": _utc(i.occurred_at),
        "recorded_at": _utc(i.recorded_at),
        "reported_on": i.reported_day,
        "received_by": i.received_by,
        "reported_to_police": i.reported_to_police,
        "hate_related": i.hate_related,
        **_unless(
            case_erased, place=i.place, description=i.description, crime_reference=i.crime_reference
        ),
    }


def _person_out(p: PersonView, *, case_erased: bool, names: bool) -> dict[str, Any]:
    """A person on the case: all null once their record is erased; on an erased case that
    kept their record, their name alone (their details are no longer part of the case).
    Their other names where the reader sees their name (``names``), as a list."""
    known_as = [{"name": n, "note": note or None} for n, note in p.other_names_listed]
    return {
        "person_id": p.person_id,
        "role": p.role,
        "erased": p.erased,
        "erased_at": _utc(p.erased_at) if p.erased_at else None,
        **_unless(p.erased, name=p.name),
        **_unless(p.erased or case_erased or not names, other_names=known_as),
        **_unless(
            p.erased or case_erased,
            date_of_birth=p.date_of_birth,
            phone=p.phone,
            email=p.email,
            address=p.address,
            postcode=p.postcode,
            support_needs=p.support_needs,
        ),
    }


def _unless(erased: bool, **values: Any) -> dict[str, Any]:
    """The values, or each null if what holds them was erased (never the words the case
    page puts in their place)."""
    return dict.fromkeys(values) if erased else values
