"""Access decisions against the database: gathers the facts ``sharing.access.decide.decide``
needs (the case, its lock, shares and break-glass, the active protocols) and asks it.

The compiled policy is cached per database and rebuilt when any protocol changes status
(``ProtocolRecord.changed_at``), so suspending a protocol stops its access at once.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import (
    Act,
    Actor,
    BreakGlassFacts,
    CaseFacts,
    Decision,
    ShareFacts,
    decide,
)
from sharing.models import Agency, BreakGlass, Case, LockMember, ProtocolRecord, Share, User
from sharing.protocols import parse_protocol
from sharing.protocols.policy import AgencyRef, Policy
from sharing.vocabulary import CaseStatus, ProtocolStatus

_lock = threading.Lock()
_policies: dict[int, tuple[tuple[object, ...], Policy]] = {}


def policy(session: Session) -> Policy:
    """The active protocols, compiled; rebuilt only when a protocol has changed."""
    stamp = tuple(
        session.execute(
            select(func.max(ProtocolRecord.changed_at), func.count(ProtocolRecord.id))
        ).one()
    )
    stamp += (session.scalar(select(func.count(Agency.id))),)
    key = id(session.get_bind().engine)
    with _lock:
        cached = _policies.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    active = session.scalars(
        select(ProtocolRecord).where(ProtocolRecord.status == ProtocolStatus.ACTIVE)
    ).all()
    agencies = [AgencyRef(a.id, a.code, a.type) for a in session.scalars(select(Agency))]
    compiled = Policy.compile(
        ((r.id, parse_protocol(r.source, source=f"{r.key} v{r.version}")) for r in active), agencies
    )
    with _lock:
        _policies[key] = (stamp, compiled)
    return compiled


def case_facts(session: Session, case: Case) -> CaseFacts:
    return facts_of(session, {case.id})[case.id]


def facts_of(session: Session, case_ids: Iterable[int]) -> dict[int, CaseFacts]:
    """What decisions need to know about these cases, in two queries however many."""
    ids = set(case_ids)
    if not ids:
        return {}
    # Rows read by position: by name cost more than the query itself for the hundred
    # cases a search decides at once.
    rows = session.execute(_facts_query(), {"ids": list(ids)}).all()
    members: dict[int, set[int]] = {}
    locked = [row[0] for row in rows if row[5]]
    if locked:
        for case_id, user_id in session.execute(
            select(LockMember.case_id, LockMember.user_id).where(LockMember.case_id.in_(locked))
        ):
            members.setdefault(case_id, set()).add(user_id)
    return {
        case_id: CaseFacts(
            id=case_id,
            agency_id=agency_id,
            officer_id=officer_id,
            officer_team=team,
            priority=priority,
            locked=is_locked,
            lock_members=frozenset(members.get(case_id, ())),
            erased=erased_at is not None,
            closed=status is CaseStatus.CLOSED,
        )
        for case_id, agency_id, officer_id, team, priority, is_locked, erased_at, status in rows
    }


@functools.cache
def _facts_query() -> Select[*tuple[Any, ...]]:
    """The plain facts of cases ``:ids``, with their officer's team (made once)."""
    return (
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
        .where(Case.id.in_(bindparam("ids", expanding=True)))
    )


def share_facts(session: Session, case_id: int, agency_id: int | None = None) -> list[ShareFacts]:
    query = (
        select(Share, ProtocolRecord.key)
        .join(ProtocolRecord, ProtocolRecord.id == Share.protocol_id)
        .where(Share.case_id == case_id)
    )
    if agency_id is not None:
        query = query.where(Share.agency_id == agency_id)
    return [
        ShareFacts(s.id, s.agency_id, key, s.purpose, s.until, s.revoked_at is not None)
        for s, key in session.execute(query)
    ]


def break_glass_facts(session: Session, case_id: int, user_id: int) -> list[BreakGlassFacts]:
    return [
        BreakGlassFacts(b.id, b.user_id, b.protocol_id, b.clause, b.expires_at)
        for b in session.scalars(
            select(BreakGlass).where(BreakGlass.case_id == case_id, BreakGlass.user_id == user_id)
        )
    ]


def decide_case(
    session: Session,
    actor: Actor,
    case: Case,
    act: Act = Act.VIEW,
    purpose: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """The decision for ``actor`` on ``case``, from the database's current state."""
    facts = case_facts(session, case)
    if facts.agency_id == actor.agency_id or (
        facts.locked and actor.user_id not in facts.lock_members
    ):
        return decide(actor, facts, act, purpose, now=now or clock.now())
    return decide(
        actor,
        facts,
        act,
        purpose,
        policy=policy(session),
        shares=share_facts(session, case.id, actor.agency_id),
        break_glass=break_glass_facts(session, case.id, actor.user_id),
        now=now or clock.now(),
    )


def visible_own_cases(
    session: Session, actor: Actor, case_ids: Iterable[int], now: datetime | None = None
) -> set[int]:
    """Which of these cases of the actor's own agency the actor may see, decided for all of
    them at once (search checks many cases)."""
    when = now or clock.now()
    return {
        case_id
        for case_id, facts in facts_of(session, case_ids).items()
        # The agency is checked here, not in SQL: with an agency condition SQLite may read
        # the agency's whole case list index instead of looking the few ids up.
        if facts.agency_id == actor.agency_id and decide(actor, facts, now=when).allowed
    }
