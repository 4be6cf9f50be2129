"""Opening a case: its details checked, its reference, the people on it.

Each function checks its input again (the web forms check first, for the user), asks
``sharing.access.decide`` whether the actor may act, writes, and flushes. The caller commits.
What every record on a case shares is ``sharing.cases.recording``; the people on a case
``sharing.cases.people``; its incidents ``sharing.cases.incidents``; its actions
``sharing.cases.actions``; closing it ``sharing.cases.closing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases import first_contact, recording, reviews
from sharing.cases.listing import may_own_cases
from sharing.cases.people import PersonInput, add_party
from sharing.crypto import blind_index
from sharing.crypto.sealing import seal_many
from sharing.errors import InputError
from sharing.formats import normalise_uprn
from sharing.models import Agency, Case, CaseReferenceCounter, User, Ward
from sharing.models.base import table_of
from sharing.risk.escalation import escalate
from sharing.vocabulary import (
    CaseCategory,
    CaseStatus,
    EscalationReason,
    Priority,
    ProtectedCharacteristic,
    Triage,
)


@dataclass
class CaseInput:
    category: CaseCategory
    priority: Priority
    triage: Triage
    summary: str
    officer_id: int | None = None
    hate_motivated: bool = False
    protected_characteristic: ProtectedCharacteristic | None = None
    ward_id: int | None = None
    address: str = ""
    postcode: str = ""
    uprn: str = ""
    parties: list[PersonInput] = field(default_factory=list)
    #: What the agency's own system knows of a case brought from it (an import, a partner
    #: system): the days it first and last contacted the complainant, and the day the
    #: case is next reviewed. None: no contact yet, and the first review counted from
    #: the opening, as for a case opened in the hub.
    first_contact_on: date | None = None
    last_contact_on: date | None = None
    next_review_on: date | None = None


def open_case(
    session: Session,
    actor: Actor,
    data: CaseInput,
    now: datetime | None = None,
    *,
    review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
    first_contact_days: int = first_contact.DEFAULT_WORKING_DAYS,
) -> Case:
    """Open a case owned by the actor's agency, with its parties; its first review is due
    ``review_days`` (the days between reviews by priority) after the day it opens, its
    first contact ``first_contact_days`` working days after."""
    if not actor.works_cases:
        reason = "your roles do not include casework"
        raise acts.refused(session, acts.Action.CASE_OPEN, actor=actor, reason=reason)
    now = now or clock.now()
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101 - a signed-in user always has an agency
    checked = check_case(
        session, actor, agency, data, now, review_days, first_contact_days=first_contact_days
    )
    case = Case(reference=_next_reference(session, agency, now), **checked.columns)
    session.add(case)
    seal_many(case, checked.sealed)
    blind_index.index_case(
        session, case, postcode=checked.sealed["postcode"], uprn=checked.sealed["uprn"]
    )
    for party in data.parties:
        add_party(session, actor, case, party, now=now)
    session.flush()
    acts.record(
        session,
        acts.Action.CASE_OPEN,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=history_basis(data),
    )
    if case.hate_motivated:
        escalate(session, case, EscalationReason.HATE_INCIDENT, now=now)
    return case


def check_case(
    session: Session,
    actor: Actor,
    agency: Agency,
    data: CaseInput,
    now: datetime,
    review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
    *,
    first_contact_days: int = first_contact.DEFAULT_WORKING_DAYS,
) -> recording.Checked:
    """Check a new case of ``agency`` opened by ``actor`` at ``now`` (not its parties):
    ``InputError`` at the first field that is not right. Its first review is due its
    priority's interval in ``review_days`` after the day it opens; its first contact
    ``first_contact_days`` working days after."""
    officer_id = data.officer_id or actor.user_id
    officer = session.get(User, officer_id)
    if officer is None or officer.agency_id != agency.id or not may_own_cases(officer):
        raise InputError("officer_id", "Select a case officer or manager from your agency")
    if data.ward_id is not None:
        ward = session.get(Ward, data.ward_id)
        if ward is None or ward.area_id != agency.area_id:
            raise InputError("ward_id", "Select a ward in your area")
    if data.hate_motivated and data.protected_characteristic is None:
        raise InputError(
            "protected_characteristic",
            "Select the protected characteristic the hate incident is about",
        )
    summary = recording.text(
        "summary", data.summary, what="the description", required="Describe the problem"
    )
    address = recording.text(
        "address", data.address, limit=recording.MAX_LINE * 3, what="the location"
    )
    postcode, uprn = recording.postcode("postcode", data.postcode), _uprn("uprn", data.uprn)
    opened_on = clock.day_of(now)
    first_review = timedelta(days=reviews.interval(review_days, data.priority))
    _check_history(data, opened_on, reviews.interval(review_days, data.priority))
    columns: dict[str, object] = {
        "agency_id": agency.id,
        "officer_id": officer_id,
        "created_by_id": actor.user_id,
        "category": data.category,
        "priority": data.priority,
        "triage": data.triage,
        "hate_motivated": data.hate_motivated,
        "protected_characteristic": data.protected_characteristic if data.hate_motivated else None,
        "status": CaseStatus.ACTIVE,
        "opened_at": now,
        "review_due_on": data.next_review_on or opened_on + first_review,
        "first_contact_due_on": first_contact.due_on(opened_on, first_contact_days),
        "first_contact_on": data.first_contact_on,
        "last_contact_on": data.last_contact_on or data.first_contact_on,
        # Red cases are risk assessed at the outset (ASB & hate incident procedure 3.4).
        "risk_review_due_on": opened_on if data.priority is not Priority.AMBER else None,
        "ward_id": data.ward_id,
    }
    sealed = {"summary": summary, "address": address, "postcode": postcode, "uprn": uprn}
    return recording.Checked(columns, sealed)


def history_basis(data: CaseInput) -> str | None:
    """What the opening's audit entry says of the days a case brought from the agency's
    own system came with ("first contact 2026-04-02; next review 2026-12-20"), or None."""
    given = (
        ("first contact", data.first_contact_on),
        ("last contact", data.last_contact_on),
        ("next review", data.next_review_on),
    )
    return "; ".join(f"{what} {day}" for what, day in given if day is not None) or None


def _check_history(data: CaseInput, opened_on: date, interval: int) -> None:
    """Check what the agency's own system knows of a case brought from it: ``InputError``
    at a contact before the opening (or a last contact before the first, or without it),
    or a next review before the opening or further off than the priority's interval from
    today (as a case review may set it)."""
    first, last, review = data.first_contact_on, data.last_contact_on, data.next_review_on
    if first is not None and first < opened_on:
        raise InputError("first_contact_on", "is before the day the case was opened")
    if last is not None and first is None:
        raise InputError(
            "last_contact_on", "is given without the day of the first contact (first_contact_on)"
        )
    if last is not None and first is not None and last < first:
        raise InputError("last_contact_on", "is before the day of the first contact")
    if review is None:
        return
    latest = clock.today() + timedelta(days=interval)
    if review < opened_on:
        raise InputError("next_review_on", "is before the day the case was opened")
    if review > latest:
        raise InputError(
            "next_review_on",
            f"is more than {interval} days from today: a case at "
            f"{data.priority.label.lower()} priority is reviewed at least every {interval} "
            f"days, so give a day by {clock.day_text(latest)}",
        )


def _next_reference(session: Session, agency: Agency, now: datetime) -> str:
    """The agency's next case reference for the year, e.g. ``NGH-2026-00013``."""
    [reference] = next_references(session, agency, now.year, 1)
    return reference


def next_references(session: Session, agency: Agency, year: int, count: int) -> list[str]:
    """The agency's next ``count`` case references for ``year``, in order: taken from its
    counter row under the row's write lock, so concurrent opens never share one."""
    counter = table_of(CaseReferenceCounter)
    insert = (sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert)(counter)
    session.execute(insert.values(agency_id=agency.id, year=year, last=0).on_conflict_do_nothing())
    last = session.execute(
        update(counter)
        .where(counter.c.agency_id == agency.id, counter.c.year == year)
        .values(last=counter.c.last + count)
        .returning(counter.c.last)
    ).scalar_one()
    return [f"{agency.case_prefix}-{year}-{n:05d}" for n in range(last - count + 1, last + 1)]


def _uprn(field_name: str, value: str) -> str | None:
    if not value.strip():
        return None
    uprn = normalise_uprn(value)
    if uprn is None:
        raise InputError(field_name, "A UPRN is a number of up to 12 digits")
    return uprn
