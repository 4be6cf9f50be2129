"""The access rules, each written once with its two uses side by side: ``holds`` checks one
case's facts (``sharing.access.decide`` asks it), ``where`` gives the same rule as a SQL
condition on ``Case`` for lists, counts and searches. The property tests hold the two to
each other on random partnerships, on SQLite and PostgreSQL.

- ``Lock``: a locked case exists only for its lock members.
- ``OwnAgency``: the owning agency's users whose roles the act names; managers (and the
  other whole-agency roles) act on all its cases, case officers on their own and their
  team's.
- ``CaseState``: acts that need an open or a not-erased case.
- ``Partner``: another agency's roles, for a purpose, through the clauses of active
  protocols (and a live share of the case where a clause requires one), for the case
  priorities a clause names; never an erased case.
- ``Emergency``: a user's live break-glass under an emergency clause that applies.

A clause, emergency or not, opens only the cases of agencies its protocol version binds
(``Grant.binds``): an agency that is not a party has not agreed to disclose under it, so
neither a clause that needs no share nor a share made under the protocol opens its cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from sharing import clock
from sharing.access.facts import Actor, BreakGlassFacts, CaseFacts, ShareFacts
from sharing.models import BreakGlass, Case, LockMember, ProtocolRecord, Share, User
from sharing.protocols.policy import Grant, Policy
from sharing.vocabulary import CaseStatus, Role

#: Roles that act on every case of their agency that their act allows (not only their own
#: and their team's).
WHOLE_AGENCY_ROLES = frozenset({Role.MANAGER, Role.DPO})


class Lock:
    """A locked case exists only for its lock members."""

    @staticmethod
    def holds(actor: Actor, case: CaseFacts) -> bool:
        return not case.locked or actor.user_id in case.lock_members

    @staticmethod
    def where(actor: Actor) -> ColumnElement[bool]:
        members = select(LockMember.case_id).where(LockMember.user_id == actor.user_id)
        return or_(Case.locked.is_(False), Case.id.in_(members))


class OwnAgency:
    """The owning agency's users holding one of ``roles``: whole-agency roles act on all
    its cases, case officers on their own and their team's."""

    @staticmethod
    def holds(actor: Actor, case: CaseFacts, roles: frozenset[Role]) -> bool:
        held = actor.roles & roles
        if not held or case.agency_id != actor.agency_id:
            return False
        return (
            not held.isdisjoint(WHOLE_AGENCY_ROLES)
            or case.officer_id == actor.user_id
            or (actor.team is not None and case.officer_team == actor.team)
        )

    @staticmethod
    def where(actor: Actor, roles: frozenset[Role]) -> ColumnElement[bool]:
        held = actor.roles & roles
        if not held:
            return false()
        agency = Case.agency_id == actor.agency_id
        if not held.isdisjoint(WHOLE_AGENCY_ROLES):
            return agency
        if actor.team is None:
            return and_(agency, Case.officer_id == actor.user_id)
        team = select(User.id).where(User.agency_id == actor.agency_id, User.team == actor.team)
        return and_(agency, or_(Case.officer_id == actor.user_id, Case.officer_id.in_(team)))


class CaseState:
    """Acts that need an open case, or one not erased."""

    ERASED = "the case has been erased"
    CLOSED = "the case is closed"
    #: Refusals for the case's state, not for who asks (``refusal`` gives one).
    REFUSALS = frozenset({ERASED, CLOSED})

    @staticmethod
    def refusal(case: CaseFacts, open_only: bool, live_only: bool) -> str | None:
        if live_only and case.erased:
            return CaseState.ERASED
        if open_only and case.closed:
            return CaseState.CLOSED
        return None

    @staticmethod
    def where(open_only: bool, live_only: bool) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if live_only:
            conditions.append(Case.erased_at.is_(None))
        if open_only:
            conditions.append(Case.status != CaseStatus.CLOSED)
        return and_(*conditions) if conditions else true()


def _priority_where(grant: Grant) -> ColumnElement[bool]:
    return true() if grant.priorities is None else Case.priority.in_(sorted(grant.priorities))


def _covers(grant: Grant, case: CaseFacts) -> bool:
    """The clause applies to the case: its protocol binds the case's agency, and it names
    the case's priority (or every priority)."""
    return grant.binds(case.agency_id) and (
        grant.priorities is None or case.priority in grant.priorities
    )


def _covers_where(grant: Grant) -> ColumnElement[bool]:
    """``_covers`` as a condition on ``Case``."""
    if not grant.parties:
        return false()
    return and_(Case.agency_id.in_(sorted(grant.parties)), _priority_where(grant))


#: What clauses give a partner for a purpose: category → the clause (and share) giving it.
Given = dict[str, tuple[Grant, ShareFacts | None]]


class Partner:
    """Another agency's roles, for a purpose, through active protocol clauses: with a live
    share of the case where the clause requires one, for the priorities it names."""

    @staticmethod
    def grants(actor: Actor, policy: Policy, purpose: str, today: date) -> list[Grant]:
        """The clauses that give the actor's agency and roles something for ``purpose``
        today, whatever the case's agency and priority."""
        return [
            g
            for g in policy.grants(actor.agency_id, purpose)
            if g.start <= today <= g.end and not g.roles.isdisjoint(actor.roles)
        ]

    @staticmethod
    def holds(
        actor: Actor,
        case: CaseFacts,
        purpose: str,
        policy: Policy,
        shares: Sequence[ShareFacts],
        today: date,
    ) -> Given:
        """Category → the clause (and share) that gives it; empty when nothing does."""
        if case.erased or case.agency_id == actor.agency_id:
            return {}
        given: Given = {}
        for grant in Partner.grants(actor, policy, purpose, today):
            if not _covers(grant, case):
                continue
            share = None
            if grant.requires_share:
                share = next((s for s in shares if _carries(s, actor, grant, purpose, today)), None)
                if share is None:
                    continue
            for category in sorted(grant.categories):
                given.setdefault(category, (grant, share))
        return given

    @staticmethod
    def where(actor: Actor, purpose: str, policy: Policy, today: date) -> ColumnElement[bool]:
        options = []
        for grant in Partner.grants(actor, policy, purpose, today):
            condition = _covers_where(grant)
            if grant.requires_share:
                keyed = select(ProtocolRecord.id).where(ProtocolRecord.key == grant.protocol_key)
                live = select(Share.case_id).where(
                    Share.agency_id == actor.agency_id,
                    Share.purpose == purpose,
                    Share.revoked_at.is_(None),
                    Share.until >= today,
                    Share.protocol_id.in_(keyed),
                )
                condition = and_(condition, Case.id.in_(live))
            options.append(condition)
        if not options:
            return false()
        return and_(Case.agency_id != actor.agency_id, Case.erased_at.is_(None), or_(*options))

    @staticmethod
    def where_any(actor: Actor, policy: Policy, today: date) -> ColumnElement[bool]:
        """Cases the actor may open for at least one purpose."""
        purposes = sorted(policy.purposes_for(actor.agency_id))
        return or_(false(), *(Partner.where(actor, p, policy, today) for p in purposes))


def _carries(share: ShareFacts, actor: Actor, grant: Grant, purpose: str, today: date) -> bool:
    return (
        share.agency_id == actor.agency_id
        and share.protocol_key == grant.protocol_key
        and share.purpose == purpose
        and share.live(today)
    )


class Emergency:
    """A user's live break-glass on a case, under an emergency clause that applies to their
    agency, roles and the case's priority, of a protocol that binds the case's agency;
    never an erased case."""

    @staticmethod
    def grants(actor: Actor, policy: Policy, today: date) -> list[Grant]:
        return [
            g
            for g in policy.emergency_grants(actor.agency_id)
            if g.start <= today <= g.end and not g.roles.isdisjoint(actor.roles)
        ]

    @staticmethod
    def opening(actor: Actor, case: CaseFacts, policy: Policy, today: date) -> Grant | None:
        """The emergency clause under which the actor may open break-glass on the case."""
        if case.erased or case.agency_id == actor.agency_id:
            return None
        return next(
            (g for g in Emergency.grants(actor, policy, today) if _covers(g, case)),
            None,
        )

    @staticmethod
    def holds(
        actor: Actor,
        case: CaseFacts,
        policy: Policy,
        break_glass: Sequence[BreakGlassFacts],
        now: datetime,
    ) -> tuple[Grant, BreakGlassFacts] | None:
        if case.erased or case.agency_id == actor.agency_id:
            return None
        for glass in break_glass:
            if glass.user_id != actor.user_id or glass.expires_at <= now:
                continue
            for grant in Emergency.grants(actor, policy, clock.day_of(now)):
                if (
                    grant.protocol_id == glass.protocol_id
                    and grant.clause == glass.clause
                    and _covers(grant, case)
                ):
                    return grant, glass
        return None

    @staticmethod
    def where(actor: Actor, policy: Policy, now: datetime) -> ColumnElement[bool]:
        options = [
            and_(
                BreakGlass.protocol_id == grant.protocol_id,
                BreakGlass.clause == grant.clause,
                _covers_where(grant),
            )
            for grant in Emergency.grants(actor, policy, clock.day_of(now))
        ]
        if not options:
            return false()
        live = (
            select(BreakGlass.id)
            .where(
                BreakGlass.case_id == Case.id,
                BreakGlass.user_id == actor.user_id,
                BreakGlass.expires_at > now,
                or_(*options),
            )
            .exists()
        )
        return and_(Case.agency_id != actor.agency_id, Case.erased_at.is_(None), live)
