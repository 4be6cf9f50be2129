"""The one path by which case data leaves the core.

``disclose_case`` decides (``sharing.access.decide``), then unseals only the values whose data
category the decision allows, and returns them with the basis of each. Lists and counts
carry no sealed values at all. No page, export or API reads sealed columns any other way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.decide import Act, Actor, Decision
from sharing.access.facts import decide_case, share_facts
from sharing.audit import acts
from sharing.crypto.sealing import (
    ErasedValue,
    SealedValueError,
    load_data_keys,
    unseal,
    unseal_many,
    unseal_records,
)
from sharing.errors import NotAllowed, NotFound, PurposeRequired
from sharing.models import Action, Case, CaseParty, Incident, LockMember, Person, User
from sharing.vocabulary import CaseCategory, CaseStatus, Priority, Role

PAGE_SIZE = 25


@dataclass(frozen=True)
class PersonView:
    person_id: int
    role: str
    erased: bool
    name: str | None
    date_of_birth: str | None
    phone: str | None
    email: str | None
    address: str | None
    postcode: str | None
    contact_preferences: str | None
    support_needs: str | None


@dataclass(frozen=True)
class IncidentView:
    id: int
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: str
    received_by: str
    reported_by: str | None
    reported_to_police: bool
    hate_related: bool
    place: str | None
    description: str | None
    crime_reference: str | None


@dataclass(frozen=True)
class ActionView:
    id: int
    kind: str
    status: str
    owner_agency: str
    owner_user: str | None
    due_on: date | None
    description: str | None
    overdue: bool


@dataclass(frozen=True)
class CaseView:
    """What the actor may see of one case, with the decision that allowed it."""

    id: int
    reference: str
    agency: str
    officer: str
    category: CaseCategory
    priority: Priority
    triage: str
    hate_motivated: bool
    protected_characteristic: str | None
    status: CaseStatus
    closure_reason: str | None
    opened_at: datetime
    closed_at: datetime | None
    review_due_on: date | None
    ward: str | None
    address: str | None
    postcode: str | None
    uprn: str | None
    summary: str | None
    closure_note: str | None
    decision: Decision
    may_record: bool
    erased: bool
    parties: list[PersonView] = field(default_factory=list)
    incidents: list[IncidentView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)


#: Shown in place of a value whose record was erased (its data key destroyed).
ERASED = "Erased"
#: Shown in place of a value that failed its integrity check (the failure is logged).
UNREADABLE = "Could not be read: this value failed its integrity check"


def _reveal_many(
    decision: Decision, record: object, columns: tuple[str, ...]
) -> dict[str, str | None]:
    """The values of ``columns`` the decision allows (None for the others), read together
    under the record's key; a value that cannot be read is shown as erased or unreadable,
    on its own."""
    allowed = _allowed(decision, record, columns)
    values: dict[str, str | None] = dict.fromkeys(columns)
    try:
        values.update(unseal_many(record, allowed))  # type: ignore[arg-type]
    except ErasedValue:
        values.update(dict.fromkeys(allowed, ERASED))
    except SealedValueError:
        values.update({c: readable(record, c) for c in allowed})
    return values


def _reveal_rows(
    decision: Decision, records: Sequence[object], columns: tuple[str, ...]
) -> list[dict[str, str | None]]:
    """``_reveal_many`` for each of several records of one table (a case's people,
    incidents or actions), read together; when any value cannot be read, each record is
    read on its own, so that only that record's values show as erased or unreadable."""
    if not records:
        return []
    try:
        opened = unseal_records(records, _allowed(decision, records[0], columns))  # type: ignore[arg-type]
    except SealedValueError:
        return [_reveal_many(decision, record, columns) for record in records]
    return [dict.fromkeys(columns) | values for values in opened]


def _allowed(decision: Decision, record: object, columns: tuple[str, ...]) -> list[str]:
    """Those of ``columns`` (of ``record``'s table) whose category the decision allows."""
    table = record.__table__  # type: ignore[attr-defined]
    return [c for c in columns if decision.allows(table.c[c].info["category"])]


def readable(record: object, column: str) -> str | None:
    """A sealed value for someone already entitled to it (the owning agency's managers'
    queues of lock requests and emergency accesses), with an erased or damaged value
    shown as such rather than failing the page."""
    try:
        return unseal(record, column)  # type: ignore[arg-type]
    except ErasedValue:
        return ERASED
    except SealedValueError:
        return UNREADABLE


#: What a case page shows of each person on the case (as the decision allows).
_PERSON_COLUMNS = (
    "given_names",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "postcode",
    "contact_preferences",
    "support_needs",
)


def _name(decision: Decision, person: Person, values: dict[str, str | None]) -> str | None:
    if person.erased_at is not None and decision.allows("identity"):
        return ERASED
    parts = [values["given_names"], values["family_name"]]
    return " ".join(p for p in parts if p) or None


def disclose_case(
    session: Session,
    actor: Actor,
    case_id: int,
    today: date | None = None,
    purpose: str | None = None,
) -> CaseView:
    """Everything the actor may see of a case, for the stated ``purpose`` (partners).

    NotFound if they may not know it exists; PurposeRequired when a partner holding a
    share has not said why; NotAllowed for a purpose nothing allows them.
    """
    case = session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.parties).selectinload(CaseParty.person),
            selectinload(Case.incidents).selectinload(Incident.received_by),
            selectinload(Case.incidents).selectinload(Incident.recorded_by),
            selectinload(Case.actions).selectinload(Action.owner_agency),
            selectinload(Case.actions).selectinload(Action.owner_user),
        )
    )
    subject = acts.Subject("case", case_id)
    if case is None:
        acts.refuse(
            session,
            acts.Action.CASE_VIEW,
            actor=actor,
            subject=subject,
            purpose=purpose,
            reason="no such case",
        )
        raise NotFound(case_id)
    decision = decide_case(session, actor, case, Act.VIEW, purpose)
    if not decision.allowed:
        acts.refuse(
            session,
            acts.Action.CASE_VIEW,
            actor=actor,
            subject=subject,
            purpose=purpose,
            reason=decision.reason,
        )
        if decision.hidden:
            raise NotFound(case_id)
        if purpose is None:
            live = [
                s for s in share_facts(session, case.id, actor.agency_id) if s.live(clock.today())
            ]
            raise PurposeRequired(sorted({s.purpose for s in live}))
        raise NotAllowed(decision.reason)
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=actor,
        subject=subject,
        purpose=purpose,
        basis=acts.disclosed(decision),
    )
    today = today or clock.today()
    load_data_keys(
        session, {k for k in [case.data_key_id, *(p.person.data_key_id for p in case.parties)] if k}
    )
    parties = case.parties
    people = dict(
        zip(
            (p.person_id for p in parties),
            _reveal_rows(decision, [p.person for p in parties], _PERSON_COLUMNS),
            strict=True,
        )
    )
    incidents = sorted(case.incidents, key=lambda i: i.occurred_at, reverse=True)
    incident_values = _reveal_rows(decision, incidents, ("place", "description", "crime_reference"))
    action_values = _reveal_rows(decision, case.actions, ("description",))
    names = {p.person_id: _name(decision, p.person, people[p.person_id]) for p in parties}
    own = _reveal_many(decision, case, ("address", "postcode", "uprn", "summary", "closure_note"))
    return CaseView(
        id=case.id,
        reference=case.reference,
        agency=case.agency.name,
        officer=case.officer.display_name,
        category=case.category,
        priority=case.priority,
        triage=case.triage.label,
        hate_motivated=case.hate_motivated,
        protected_characteristic=(
            case.protected_characteristic.label if case.protected_characteristic else None
        ),
        status=case.status,
        closure_reason=case.closure_reason.label if case.closure_reason else None,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        review_due_on=case.review_due_on,
        ward=case.ward.name if case.ward else None,
        address=own["address"],
        postcode=own["postcode"],
        uprn=own["uprn"],
        summary=own["summary"],
        closure_note=own["closure_note"],
        decision=decision,
        may_record=decision.own_agency
        and case.status is not CaseStatus.CLOSED
        and case.erased_at is None,
        erased=case.erased_at is not None,
        parties=[
            PersonView(
                person_id=p.person_id,
                role=p.role.label,
                erased=p.person.erased_at is not None,
                name=names[p.person_id],
                date_of_birth=people[p.person_id]["date_of_birth"],
                phone=people[p.person_id]["phone"],
                email=people[p.person_id]["email"],
                address=people[p.person_id]["address"],
                postcode=people[p.person_id]["postcode"],
                contact_preferences=people[p.person_id]["contact_preferences"],
                support_needs=people[p.person_id]["support_needs"],
            )
            for p in case.parties
        ],
        incidents=[
            IncidentView(
                id=i.id,
                occurred_at=i.occurred_at,
                recorded_at=i.recorded_at,
                recorded_by=i.recorded_by.display_name,
                received_by=i.received_by.name,
                reported_by=names.get(i.reported_by_id) if i.reported_by_id else None,
                reported_to_police=i.reported_to_police,
                hate_related=i.hate_related,
                **values,
            )
            for i, values in zip(incidents, incident_values, strict=True)
        ],
        actions=[
            ActionView(
                id=a.id,
                kind=a.kind.label,
                status=a.status.label,
                owner_agency=a.owner_agency.name,
                owner_user=a.owner_user.display_name if a.owner_user else None,
                due_on=a.due_on,
                **values,
                overdue=a.due_on is not None and a.due_on < today and a.status.value == "open",
            )
            for a, values in zip(case.actions, action_values, strict=True)
        ],
    )


@dataclass(frozen=True)
class CaseFilters:
    status: CaseStatus | None = None
    priority: Priority | None = None
    category: CaseCategory | None = None
    officer_id: int | None = None
    ward_id: int | None = None


@dataclass(frozen=True)
class CaseRow:
    """A case in a list: identifiers and plain fields only, never sealed values."""

    id: int
    reference: str
    category: CaseCategory
    priority: Priority
    status: CaseStatus
    hate_motivated: bool
    officer: str
    ward: str | None
    opened_at: datetime
    review_due_on: date | None
    last_incident_at: datetime | None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


def _visible_cases(actor: Actor) -> Select[Case]:
    """The owning agency's cases the actor works: a manager's whole agency, a case
    officer's own and team's; locked cases only for their lock members."""
    if not actor.works_cases:
        return select(Case).where(false())
    query = select(Case).where(Case.agency_id == actor.agency_id)
    if not actor.has(Role.MANAGER):
        mine = Case.officer_id == actor.user_id
        if actor.team is None:
            query = query.where(mine)
        else:
            team = select(User.id).where(User.agency_id == actor.agency_id, User.team == actor.team)
            query = query.where(or_(mine, Case.officer_id.in_(team)))
    members = select(LockMember.case_id).where(LockMember.user_id == actor.user_id)
    return query.where(or_(Case.locked.is_(False), Case.id.in_(members)))


def list_cases(session: Session, actor: Actor, filters: CaseFilters, page: int = 1) -> CasePage:
    """One page of the cases the actor may see, newest first, filtered."""
    query = _visible_cases(actor)
    for column, value in (
        (Case.status, filters.status),
        (Case.priority, filters.priority),
        (Case.category, filters.category),
        (Case.officer_id, filters.officer_id),
        (Case.ward_id, filters.ward_id),
    ):
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return CasePage(_rows(session, query, page), total, page, pages)


def _rows(
    session: Session,
    query: Select[Case],
    page: int,
    size: int = PAGE_SIZE,
    order: tuple[object, ...] = (Case.opened_at.desc(), Case.id.desc()),
) -> list[CaseRow]:
    # The page's case ids first (read from the list index), then the last incident of
    # those cases only: never a scan of every incident before the LIMIT.
    page_ids = (
        query.with_only_columns(Case.id)
        .order_by(*order)  # type: ignore[arg-type]
        .limit(size)
        .offset((page - 1) * size)
        .subquery()
    )
    last_incident = (
        select(func.max(Incident.occurred_at))
        .where(Incident.case_id == Case.id)
        .correlate(Case)
        .scalar_subquery()
    )
    ordered = (
        select(Case, last_incident)
        .join(page_ids, page_ids.c.id == Case.id)
        .options(selectinload(Case.officer), selectinload(Case.ward))
        .order_by(*order)  # type: ignore[arg-type]
    )
    return [
        CaseRow(
            id=case.id,
            reference=case.reference,
            category=case.category,
            priority=case.priority,
            status=case.status,
            hate_motivated=case.hate_motivated,
            officer=case.officer.display_name,
            ward=case.ward.name if case.ward else None,
            opened_at=case.opened_at,
            review_due_on=case.review_due_on,
            last_incident_at=_as_utc(last_at),
        )
        for case, last_at in session.execute(ordered)
    ]


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class HomeSummary:
    my_cases: list[CaseRow]
    reviews_due: list[CaseRow]
    open_by_priority: dict[Priority, int]
    scope: str


def home_summary(session: Session, actor: Actor, today: date) -> HomeSummary:
    """The officer's home page: their open cases, reviews due, and open cases by priority."""
    mine = _visible_cases(actor).where(
        Case.officer_id == actor.user_id, Case.status != CaseStatus.CLOSED
    )
    due = mine.where(Case.review_due_on <= today)
    scope_query = _visible_cases(actor).where(Case.status != CaseStatus.CLOSED)
    scope = "your agency's open cases"
    if not actor.has(Role.MANAGER):
        scope_query = scope_query.where(Case.officer_id == actor.user_id)
        scope = "your open cases"
    open_cases = scope_query.subquery()
    counts: dict[Priority, int] = dict(
        session.execute(
            select(open_cases.c.priority, func.count()).group_by(open_cases.c.priority)
        ).all()
    )
    return HomeSummary(
        my_cases=_rows(session, mine, 1, size=10),
        reviews_due=_rows(session, due, 1, size=10, order=(Case.review_due_on, Case.id)),
        open_by_priority={p: counts.get(p, 0) for p in Priority},
        scope=scope,
    )


def officers(session: Session, actor: Actor) -> list[User]:
    """Case officers of the actor's agency, for filters and assignment."""
    return list(
        session.scalars(
            select(User)
            .where(User.agency_id == actor.agency_id, User.active)
            .order_by(User.display_name)
        )
    )
