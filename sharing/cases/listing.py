"""Lists of cases and the counts a home page shows: identifiers and plain fields only,
never sealed values, of exactly the cases the access rules let the actor see
(``sharing.access.authorise.own_cases_where``, the same rules ``decide`` applies)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from sharing.access.authorise import own_cases_where
from sharing.access.decide import CASEWORK_ROLES, Actor
from sharing.access.scope import WHOLE_AGENCY_ROLES
from sharing.cases import first_contact
from sharing.cases.agency_actions import owned_where
from sharing.models import Action, Case, Escalation, Incident, User, UserRole, Ward
from sharing.vocabulary import ActionStatus, CaseCategory, CaseStatus, Priority, Role

PAGE_SIZE = 25
#: An open case: active or inactive, not closed.
#: Open cases: not closed, nor erased (a case erased while open, before erasure asked
#: for it to be closed first, is no one's work).
OPEN = and_(Case.status != CaseStatus.CLOSED, Case.erased_at.is_(None))


@dataclass(frozen=True)
class CaseFilters:
    status: CaseStatus | None = None
    #: Open cases only (active or inactive: not closed), as the home page counts them.
    open_only: bool = False
    #: Cases due for review on or before this day.
    review_due_by: date | None = None
    #: Open cases whose first contact was due before this day and is not recorded.
    first_contact_overdue_on: date | None = None
    #: Open cases escalated (risk risen to high, a hate incident) whose officer has not
    #: recorded what they decided.
    escalation_waiting: bool = False
    #: Open cases opened before this time with no action open on them and none done or
    #: cancelled since: nothing is being done on them.
    no_action_since: datetime | None = None
    priority: Priority | None = None
    category: CaseCategory | None = None
    officer_id: int | None = None
    ward_id: int | None = None
    #: A reference as typed: the case's own (``sought_reference``), or its reference in
    #: the agency's own system for a case imported from it.
    reference: str | None = None


#: A case reference as residents and partners quote it: prefix, year, number.
_REFERENCE = re.compile(r"([A-Z]+)-([0-9]{4})-([0-9]{1,5})")


def sought_reference(text: str) -> str:
    """A case reference typed as a search, written as the hub writes it: "lha-2026-102"
    and "LHA 2026 00102" are ``LHA-2026-00102``; anything else as typed, in capitals."""
    typed = re.sub(r"\s+", "-", text.strip()).upper()
    found = _REFERENCE.fullmatch(typed)
    if found is None:
        return typed
    prefix, year, number = found.groups()
    return f"{prefix}-{year}-{int(number):05d}"


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
    first_contact_due_on: date | None = None
    #: When the case's longest-waiting escalation without a decision was raised.
    escalated_at: datetime | None = None


#: When a case's longest-waiting escalation without a recorded decision was raised (None:
#: no escalation waits), for the row's case.
ESCALATED_AT = (
    select(func.min(Escalation.raised_at))
    .where(Escalation.case_id == Case.id, Escalation.considered_at.is_(None))
    .correlate(Case)
    .scalar_subquery()
)


def no_action_since(since: datetime) -> ColumnElement[bool]:
    """A case opened before ``since`` with no action open on it and none done or
    cancelled since."""
    acted = (
        select(Action.id)
        .where(
            Action.case_id == Case.id,
            or_(Action.status == ActionStatus.OPEN, Action.closed_at >= since),
        )
        .correlate(Case)
    )
    return and_(Case.opened_at < since, ~exists(acted))


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


def whose_cases(actor: Actor) -> str:
    """Whose cases the actor's case list holds, as ``own_cases_where`` decides, to begin a
    sentence: "Your agency's cases" for a manager, "Your cases and your team's (North
    team)" for a case officer of a team, "Your cases" for one of no team."""
    if actor.has(*WHOLE_AGENCY_ROLES):
        return "Your agency's cases"
    if actor.team is not None:
        return f"Your cases and your team's ({actor.team})"
    return "Your cases"


def list_cases(session: Session, actor: Actor, filters: CaseFilters, page: int = 1) -> CasePage:
    """One page of the cases the actor may see, newest first, filtered."""
    query = select(Case).where(own_cases_where(actor))
    for column, value in (
        (Case.status, filters.status),
        (Case.priority, filters.priority),
        (Case.category, filters.category),
        (Case.officer_id, filters.officer_id),
        (Case.ward_id, filters.ward_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.open_only:
        query = query.where(OPEN)
    if filters.review_due_by is not None:
        query = query.where(Case.review_due_on <= filters.review_due_by)
    if filters.first_contact_overdue_on is not None:
        query = query.where(first_contact.overdue_where(filters.first_contact_overdue_on))
    if filters.escalation_waiting:
        query = query.where(OPEN, ESCALATED_AT.is_not(None))
    if filters.no_action_since is not None:
        query = query.where(OPEN, no_action_since(filters.no_action_since))
    if filters.reference:
        query = query.where(
            or_(
                Case.reference == sought_reference(filters.reference),
                func.upper(Case.external_reference) == filters.reference.strip().upper(),
            )
        )
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
    # those cases only: never a scan of every incident before the LIMIT. The columns a
    # row shows, not whole cases (nothing sealed, nothing the list does not show).
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
        select(
            Case.id,
            Case.reference,
            Case.category,
            Case.priority,
            Case.status,
            Case.hate_motivated,
            User.display_name.label("officer"),
            Ward.name.label("ward"),
            Case.opened_at,
            Case.review_due_on,
            Case.first_contact_due_on,
            last_incident.label("last_incident_at"),
            ESCALATED_AT.label("escalated_at"),
        )
        .join(page_ids, page_ids.c.id == Case.id)
        .join(User, User.id == Case.officer_id)
        .outerjoin(Ward, Ward.id == Case.ward_id)
        .order_by(*order)  # type: ignore[arg-type]
    )
    return [
        CaseRow(
            id=row.id,
            reference=row.reference,
            category=row.category,
            priority=row.priority,
            status=row.status,
            hate_motivated=row.hate_motivated,
            officer=row.officer,
            ward=row.ward,
            opened_at=row.opened_at,
            review_due_on=row.review_due_on,
            last_incident_at=as_utc(row.last_incident_at),
            first_contact_due_on=row.first_contact_due_on,
            escalated_at=as_utc(row.escalated_at),
        )
        for row in session.execute(ordered)
    ]


def as_utc(value: datetime | None) -> datetime | None:
    """A time read from an aggregate (``max`` of a time column): SQLite gives it without
    its zone, which is UTC as stored."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LeftBehind:
    """An officer who has left (account disabled), or moved to roles that work no cases,
    and how many open cases are theirs."""

    officer_id: int
    officer: str
    open_cases: int
    moved: bool = False  # still at the agency, in roles that work no cases


def moved_role(user: User) -> bool:
    """Whether ``user`` is still at the agency but holds no role that works cases."""
    return user.active and user.roles.isdisjoint(CASEWORK_ROLES)


#: Users who may no longer own a case: disabled, or holding no role that works cases.
NO_LONGER_OFFICERS = ~User.active | ~User.id.in_(
    select(UserRole.user_id).where(UserRole.role.in_(CASEWORK_ROLES))
)


@dataclass(frozen=True)
class HomeSummary:
    my_cases: list[CaseRow]
    reviews_due: list[CaseRow]
    #: How many of the officer's open cases are due for review (the list shows the first 10).
    reviews_due_total: int
    open_by_priority: dict[Priority, int]
    scope: str
    #: For a manager: the officers who have left (account disabled) or moved role with
    #: open cases the manager sees still theirs, and how many, to give to others.
    left_behind: list[LeftBehind] = field(default_factory=list)
    #: The officer's open cases past their first contact, longest past first (the first
    #: 10), and how many; for a manager, their agency's that they may see.
    first_contact_overdue: list[CaseRow] = field(default_factory=list)
    first_contact_overdue_total: int = 0
    #: The officer's open cases escalated and waiting for their decision, longest waiting
    #: first (the first 10), and how many; for a manager, their agency's that they may see.
    escalated: list[CaseRow] = field(default_factory=list)
    escalated_total: int = 0
    #: For a manager: how many of their agency's open cases they may see are past their
    #: review day (as ``sharing.cases.reviews.overdue_reviews`` lists them).
    agency_reviews_overdue: int = 0
    #: How many open actions the agency owns are past their due day, of those its actions
    #: list shows the actor (``agency_actions.owned_where``), overdue first.
    actions_overdue: int = 0


def home_summary(session: Session, actor: Actor, today: date) -> HomeSummary:
    """The officer's home page: their open cases, reviews due, and open cases by priority."""
    mine = select(Case).where(own_cases_where(actor), Case.officer_id == actor.user_id, OPEN)
    due = mine.where(Case.review_due_on <= today)
    late = mine if not actor.has(Role.MANAGER) else select(Case).where(own_cases_where(actor))
    late = late.where(first_contact.overdue_where(today))
    agency_open = select(Case).where(own_cases_where(actor), OPEN)
    escalated = (agency_open if actor.has(Role.MANAGER) else mine).where(ESCALATED_AT.is_not(None))
    scope_query = select(Case).where(own_cases_where(actor), OPEN)
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
    left_behind = (
        [
            LeftBehind(officer_id, name, count, moved=active)
            for officer_id, name, active, count in session.execute(
                select(User.id, User.display_name, User.active, func.count(Case.id))
                .join(Case, Case.officer_id == User.id)
                .where(own_cases_where(actor), OPEN, NO_LONGER_OFFICERS)
                .group_by(User.id, User.display_name, User.active)
                .order_by(func.count(Case.id).desc(), User.display_name)
            )
        ]
        if actor.has(Role.MANAGER)
        else []
    )
    return HomeSummary(
        my_cases=_rows(session, mine, 1, size=10),
        reviews_due=_rows(session, due, 1, size=10, order=(Case.review_due_on, Case.id)),
        reviews_due_total=session.scalar(select(func.count()).select_from(due.subquery())) or 0,
        open_by_priority={p: counts.get(p, 0) for p in Priority},
        scope=scope,
        left_behind=left_behind,
        first_contact_overdue=_rows(
            session, late, 1, size=10, order=(Case.first_contact_due_on, Case.id)
        ),
        first_contact_overdue_total=session.scalar(
            select(func.count()).select_from(late.subquery())
        )
        or 0,
        escalated=_rows(session, escalated, 1, size=10, order=(ESCALATED_AT, Case.id)),
        escalated_total=session.scalar(select(func.count()).select_from(escalated.subquery())) or 0,
        agency_reviews_overdue=session.scalar(
            select(func.count()).select_from(
                agency_open.where(Case.review_due_on < today).subquery()
            )
        )
        or 0
        if actor.has(Role.MANAGER)
        else 0,
        actions_overdue=session.scalar(
            select(func.count(Action.id))
            .join(Case, Case.id == Action.case_id)
            .where(*owned_where(actor), Action.status == ActionStatus.OPEN, Action.due_on < today)
        )
        or 0,
    )


def open_cases_by_officer(session: Session, actor: Actor) -> dict[int, int]:
    """How many open cases each officer holds, of those the actor may see (as the case
    list filtered by the officer counts them): who has room for a case given to them."""
    return dict(
        session.execute(
            select(Case.officer_id, func.count(Case.id))
            .where(own_cases_where(actor), OPEN)
            .group_by(Case.officer_id)
        ).all()
    )


def officers(
    session: Session, actor: Actor, *, left_with_cases: bool = False, seen_only: bool = False
) -> list[User]:
    """The active users of the actor's agency who may own a case (case officers and
    managers), for filters and assignment; with ``left_with_cases``, also those who have
    left (their account disabled) or moved role (``moved_role``) and still have an open
    case, for a manager to find their cases and give them to others. With ``seen_only``, for a filter of the actor's
    cases: an actor who sees only some of the agency's cases (a case officer: their own
    and their team's) is offered only themselves and the officers of cases they may see."""
    query = (
        select(User)
        .where(User.agency_id == actor.agency_id, User.active)
        .options(selectinload(User.role_grants))
        .order_by(User.display_name, User.id)
    )
    some_only = seen_only and not actor.has(*WHOLE_AGENCY_ROLES)
    if some_only:
        seen = select(Case.officer_id).where(own_cases_where(actor))
        query = query.where((User.id == actor.user_id) | User.id.in_(seen))
    found = [u for u in session.scalars(query) if may_own_cases(u)]
    if left_with_cases:
        still_theirs = select(Case.officer_id).where(Case.agency_id == actor.agency_id, OPEN)
        if some_only:
            still_theirs = still_theirs.where(own_cases_where(actor))
        left = session.scalars(
            select(User)
            .where(User.agency_id == actor.agency_id, NO_LONGER_OFFICERS, User.id.in_(still_theirs))
            .order_by(User.display_name, User.id)
        )
        found += left
    return found


def may_own_cases(user: User) -> bool:
    """Whether a user may be a case's officer: an active case officer or manager."""
    return user.active and not user.roles.isdisjoint(CASEWORK_ROLES)
