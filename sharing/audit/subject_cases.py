"""What a subject access report gives of each of the agency's cases the person is on:
its heading (their part on it, category, status, dates), and unless it is locked or erased,
its summary and location, incidents, actions, shares and the rest of its records
(``sharing.audit.subject_case_records``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing.access.decide import Decision
from sharing.access.reveal import reveal_one
from sharing.audit import subject_case_records, subject_held
from sharing.models import Action, Case, Incident, Share
from sharing.protocols.records import purpose_title


@dataclass(frozen=True)
class IncidentEntry:
    occurred_at: datetime
    place: str | None
    description: str | None
    reported_by_them: bool
    #: The police's crime reference, when it was reported as a crime.
    crime_reference: str | None = None
    hate_related: bool = False
    #: The agency the report was made to.
    received_by: str | None = None


@dataclass(frozen=True)
class ActionEntry:
    kind: str
    status: str
    owner_agency: str
    due_on: date | None
    description: str | None
    #: What was done, or why it was cancelled.
    outcome_note: str | None = None


@dataclass(frozen=True)
class ShareEntry:
    agency: str
    protocol: str
    #: The purpose as the protocol names it.
    purpose: str
    shared_at: datetime
    until: date
    revoked_at: datetime | None


@dataclass(frozen=True)
class CaseSection:
    reference: str
    role: str
    category: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    erased: bool
    #: Content withheld: the case is locked to its named users.
    locked: bool
    #: The case's address and postcode, and the places of incidents others reported, left
    #: out: the person is not a complainant on it, and where the ASB happened is often a
    #: complainant's home.
    location_withheld: bool = False
    summary: str | None = None
    address: str | None = None
    postcode: str | None = None
    uprn: str | None = None
    incidents: list[IncidentEntry] | None = None
    actions: list[ActionEntry] | None = None
    shares: list[ShareEntry] | None = None
    #: Its closure, reviews, changes of priority, escalations and conferences.
    records: subject_case_records.CaseRecords | None = None


def case_section(
    session: Session,
    case: Case,
    role: str,
    person_id: int,
    decision: Decision,
    held: subject_held.HeldRows,
) -> CaseSection:
    """The case's part of the person's report: its heading alone for a locked or erased
    case; with its records otherwise, where the case's address and the places of incidents
    others reported are left out of the report of someone not complaining on it."""
    heading = CaseSection(
        reference=case.reference,
        role=role,
        category=case.category.label,
        status=case.status.label,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        erased=case.erased_at is not None,
        locked=case.locked,
    )
    if case.locked or case.erased_at is not None:
        return heading
    incidents = session.scalars(
        select(Incident)
        .where(Incident.case_id == case.id)
        .options(selectinload(Incident.received_by))
        .order_by(Incident.occurred_at)
    )
    actions = session.scalars(select(Action).where(Action.case_id == case.id).order_by(Action.id))
    shares = session.scalars(select(Share).where(Share.case_id == case.id).order_by(Share.id))
    complainant = any(
        p.person_id == person_id and p.role in subject_held.COMPLAINANT_ROLES for p in case.parties
    )
    return replace(
        heading,
        location_withheld=not complainant,
        summary=reveal_one(decision, case, "summary"),
        address=reveal_one(decision, case, "address") if complainant else None,
        postcode=reveal_one(decision, case, "postcode") if complainant else None,
        uprn=reveal_one(decision, case, "uprn") if complainant else None,
        incidents=[
            IncidentEntry(
                occurred_at=i.occurred_at,
                place=reveal_one(decision, i, "place")
                if complainant or i.reported_by_id == person_id
                else None,
                description=reveal_one(decision, i, "description"),
                reported_by_them=i.reported_by_id == person_id,
                crime_reference=reveal_one(decision, i, "crime_reference"),
                hate_related=i.hate_related,
                received_by=i.received_by.name,
            )
            for i in incidents
        ],
        actions=[
            ActionEntry(
                kind=a.kind.label,
                status=a.status.label,
                owner_agency=a.owner_agency.name,
                due_on=a.due_on,
                description=reveal_one(decision, a, "description"),
                outcome_note=reveal_one(decision, a, "outcome_note"),
            )
            for a in actions
        ],
        shares=[
            ShareEntry(
                agency=s.agency.name,
                protocol=f"{s.protocol.title} (version {s.protocol.version})",
                purpose=purpose_title(s.protocol, s.purpose),
                shared_at=s.created_at,
                until=s.until,
                revoked_at=s.revoked_at,
            )
            for s in shares
        ],
        records=subject_case_records.case_records(
            session,
            case,
            [d for d in held.other_documents if d.case_id == case.id],
            [g for g in held.emergency_accesses if g.case_id == case.id],
            decision,
        ),
    )
