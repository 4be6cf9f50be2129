"""The facts an access decision is made on, and gathering them from the database: the
actor, the case (its owner, officer, team, priority, lock, state), its shares with the
actor's agency, the actor's break-glass, and the active protocols compiled (``policy``).

The compiled policy is cached per database and rebuilt when any protocol changes status
(``ProtocolRecord.changed_at``), so suspending a protocol stops its access at once. A
transaction decides under one policy: it is looked up once and kept in the session until
the transaction ends or writes anything.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, event, func, select
from sqlalchemy.orm import Session

from sharing.models import Agency, BreakGlass, Case, LockMember, ProtocolRecord, Share, User
from sharing.protocols import parse_protocol
from sharing.protocols.policy import AgencyRef, Policy, last_days
from sharing.vocabulary import SIGNED_BY_EVERY_PARTY, CaseStatus, Priority, ProtocolStatus, Role

_lock = threading.Lock()
_policies: dict[int, tuple[tuple[object, ...], Policy]] = {}
#: The policy a session's transaction decides under, in its ``info``.
_POLICY = "access.policy"


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the core sees them: who, which agency and team, which roles."""

    user_id: int
    agency_id: int
    roles: frozenset[Role]
    team: str | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user_id=user.id, agency_id=user.agency_id, roles=user.roles, team=user.team)

    def has(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def works_cases(self) -> bool:
        return self.has(Role.CASE_OFFICER, Role.MANAGER)


@dataclass(frozen=True)
class CaseFacts:
    """What a decision needs to know about a case (no personal data)."""

    id: int
    agency_id: int
    officer_id: int
    officer_team: str | None
    priority: Priority
    locked: bool = False
    lock_members: frozenset[int] = frozenset()
    erased: bool = False
    closed: bool = False


@dataclass(frozen=True)
class ShareFacts:
    """A share of the case. It names a protocol, not a version: when a new version of the
    protocol supersedes the one it was made under, the share carries on under the new
    version's clauses."""

    id: int
    agency_id: int
    protocol_key: str
    purpose: str
    until: date
    revoked: bool = False

    def live(self, today: date) -> bool:
        return not self.revoked and today <= self.until


@dataclass(frozen=True)
class BreakGlassFacts:
    id: int
    user_id: int
    protocol_id: int
    clause: str
    expires_at: datetime


def policy(session: Session) -> Policy:
    """The active protocols, compiled; rebuilt only when a protocol has changed. Looked up
    once a transaction (a request asks on every decision) and again after the session has
    written anything, so a protocol changed in this transaction counts at once."""
    if session.autoflush:
        session.flush()  # pending changes first, as the lookup's own query would
    decided_under: Policy | None = session.info.get(_POLICY)
    if decided_under is not None:
        return decided_under
    agencies_count = select(func.count(Agency.id)).scalar_subquery()
    stamp = tuple(
        session.execute(
            select(
                func.max(ProtocolRecord.changed_at), func.count(ProtocolRecord.id), agencies_count
            )
        ).one()
    )
    key = id(session.get_bind().engine)
    with _lock:
        cached = _policies.get(key)
        if cached is not None and cached[0] == stamp:
            session.info[_POLICY] = cached[1]
            return cached[1]
    signed = session.scalars(
        select(ProtocolRecord).where(ProtocolRecord.status.in_(SIGNED_BY_EVERY_PARTY))
    ).all()
    active = [r for r in signed if r.status is ProtocolStatus.ACTIVE]
    agencies = [AgencyRef(a.id, a.code, a.type) for a in session.scalars(select(Agency))]
    compiled = Policy.compile(
        ((r.id, parse_protocol(r.source, source=f"{r.key} v{r.version}")) for r in active),
        agencies,
        last_days((r.key, r.version, r.start_on, r.end_on) for r in signed),
    )
    with _lock:
        _policies[key] = (stamp, compiled)
    session.info[_POLICY] = compiled
    return compiled


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_policy(session: Session, *_: object) -> None:
    """A write may have changed a protocol or an agency; a new transaction may see others'
    changes: either way the next decision looks the policy up again."""
    session.info.pop(_POLICY, None)


def facts_of(session: Session, case_ids: Iterable[int]) -> dict[int, CaseFacts]:
    """What decisions need to know about these cases, in two queries however many."""
    ids = set(case_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Case.id,
            Case.agency_id,
            Case.officer_id,
            User.team,
            Case.priority,
            Case.locked,
            Case.erased_at,
            Case.status,
        )
        .join(User, User.id == Case.officer_id)
        .where(Case.id.in_(ids))
    ).all()
    locked = [row.id for row in rows if row.locked]
    members: dict[int, set[int]] = {}
    if locked:
        for case_id, user_id in session.execute(
            select(LockMember.case_id, LockMember.user_id).where(LockMember.case_id.in_(locked))
        ):
            members.setdefault(case_id, set()).add(user_id)
    return {
        row.id: CaseFacts(
            id=row.id,
            agency_id=row.agency_id,
            officer_id=row.officer_id,
            officer_team=row.team,
            priority=row.priority,
            locked=row.locked,
            lock_members=frozenset(members.get(row.id, ())),
            erased=row.erased_at is not None,
            closed=row.status is CaseStatus.CLOSED,
        )
        for row in rows
    }


def share_facts(session: Session, case_id: int, agency_id: int) -> list[ShareFacts]:
    """The shares of a case with one agency, live or not."""
    return _shares(session, Share.case_id == case_id, agency_id).get(case_id, [])


def shares_with(
    session: Session, case_ids: Iterable[int], agency_id: int
) -> dict[int, list[ShareFacts]]:
    """The shares of these cases with one agency, live or not, by case: one query."""
    return _shares(session, Share.case_id.in_(set(case_ids)), agency_id)


def _shares(
    session: Session, of_cases: ColumnElement[bool], agency_id: int
) -> dict[int, list[ShareFacts]]:
    query = (
        select(Share, ProtocolRecord.key)
        .join(ProtocolRecord, ProtocolRecord.id == Share.protocol_id)
        .where(of_cases, Share.agency_id == agency_id)
        .order_by(Share.id)
    )
    found: dict[int, list[ShareFacts]] = {}
    for s, key in session.execute(query):
        found.setdefault(s.case_id, []).append(
            ShareFacts(s.id, s.agency_id, key, s.purpose, s.until, s.revoked_at is not None)
        )
    return found


def break_glass_facts(session: Session, case_id: int, user_id: int) -> list[BreakGlassFacts]:
    """A user's emergency accesses to a case, live or not."""
    return _break_glass(session, BreakGlass.case_id == case_id, user_id).get(case_id, [])


def break_glass_by_user(
    session: Session, case_id: int, user_ids: Iterable[int]
) -> dict[int, list[BreakGlassFacts]]:
    """These users' emergency accesses to one case, live or not, by user: one query."""
    found: dict[int, list[BreakGlassFacts]] = {}
    for b in session.scalars(
        select(BreakGlass)
        .where(BreakGlass.case_id == case_id, BreakGlass.user_id.in_(set(user_ids)))
        .order_by(BreakGlass.id)
    ):
        found.setdefault(b.user_id, []).append(
            BreakGlassFacts(b.id, b.user_id, b.protocol_id, b.clause, b.expires_at)
        )
    return found


def break_glass_with(
    session: Session, case_ids: Iterable[int], user_id: int
) -> dict[int, list[BreakGlassFacts]]:
    """A user's emergency accesses to these cases, live or not, by case: one query."""
    return _break_glass(session, BreakGlass.case_id.in_(set(case_ids)), user_id)


def _break_glass(
    session: Session, of_cases: ColumnElement[bool], user_id: int
) -> dict[int, list[BreakGlassFacts]]:
    found: dict[int, list[BreakGlassFacts]] = {}
    for b in session.scalars(
        select(BreakGlass).where(of_cases, BreakGlass.user_id == user_id).order_by(BreakGlass.id)
    ):
        found.setdefault(b.case_id, []).append(
            BreakGlassFacts(b.id, b.user_id, b.protocol_id, b.clause, b.expires_at)
        )
    return found
