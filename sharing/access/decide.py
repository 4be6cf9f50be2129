"""Access decisions: who may see or work which case, which data categories, and why.

Deny by default. ``decide`` is a pure function of the actor, facts about the case, the
stated purpose, the active protocols (``sharing.protocols.policy``), the case's shares and any
break-glass, so it is fast and testable on its own; ``sharing.access.facts`` gathers those facts
from the database. Every allowed category names its basis: own agency and role, or
protocol, version, clause, purpose and share, or break-glass.

The rules, in order:
1. A locked case exists only for its lock members; for anyone else it is "not found".
2. The owning agency: managers see all its cases; case officers their own cases and their
   team's; they may record on them. Other roles of the owning agency see nothing.
3. A partner agency sees, for a stated purpose, the categories that active protocol
   clauses give its roles for that purpose — through a live share of the case when the
   clause requires one, and only for the case priorities a clause names.
4. Break-glass: while an emergency access is live, the emergency clause's categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sharing.models import User
from sharing.protocols.policy import Policy
from sharing.vocabulary import CATEGORIES, Priority, Role

#: Roles that work their own agency's cases.
CASEWORK_ROLES = frozenset({Role.CASE_OFFICER, Role.MANAGER})


class Act(StrEnum):
    """What the user wants to do with a case."""

    VIEW = "view"
    RECORD = "record"  # add incidents, actions, parties; change status
    CLOSE = "close"


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
        return self.has(*CASEWORK_ROLES)


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


@dataclass(frozen=True)
class Decision:
    """The answer to "may this actor do this to this case?", with its reasons."""

    allowed: bool
    #: Data categories the actor may see, each with the basis that allows it.
    categories: dict[str, str] = field(default_factory=dict)
    #: Why the request was refused (for the audit log and the denial page).
    reason: str = ""
    #: The refusal should say "not found": the actor may not know the case exists.
    hidden: bool = False
    #: The owning agency's own access (may record and close).
    own_agency: bool = False
    #: Shares that contributed (ids), for "why you can see this" and the audit log.
    shares: tuple[int, ...] = ()
    break_glass: int | None = None

    def allows(self, category: str) -> bool:
        return category in self.categories

    def bases_for(self, *categories: str) -> dict[str, list[str]]:
        """Basis → the given categories it allows, for "why you can see this"."""
        grouped: dict[str, list[str]] = {}
        for category in categories:
            if category in self.categories:
                grouped.setdefault(self.categories[category], []).append(category)
        return grouped


def _deny(reason: str, hidden: bool = True) -> Decision:
    return Decision(False, reason=reason, hidden=hidden)


def decide(
    actor: Actor,
    case: CaseFacts,
    act: Act = Act.VIEW,
    purpose: str | None = None,
    *,
    policy: Policy | None = None,
    shares: Sequence[ShareFacts] = (),
    break_glass: Sequence[BreakGlassFacts] = (),
    now: datetime,
) -> Decision:
    """Decide whether ``actor`` may do ``act`` to the case, and which categories they see."""
    if case.locked and actor.user_id not in case.lock_members:
        return _deny("the case is locked")
    if case.agency_id == actor.agency_id:
        return _own_agency(actor, case, act)
    today = now.date()
    if act is not Act.VIEW:
        shared = any(s.agency_id == actor.agency_id and s.live(today) for s in shares)
        return _deny("only the owning agency records on a case", hidden=not shared)
    policy = policy or Policy.empty()
    decision = _partner(actor, case, purpose, policy, shares, today)
    glass = _break_glass(actor, case, policy, break_glass, now)
    if glass is not None:
        categories = {**glass.categories, **decision.categories}
        return Decision(True, categories, shares=decision.shares, break_glass=glass.break_glass)
    return decision


def _own_agency(actor: Actor, case: CaseFacts, act: Act) -> Decision:
    if not actor.works_cases:
        return _deny("your roles do not include casework")
    if (
        not actor.has(Role.MANAGER)
        and case.officer_id != actor.user_id
        and (actor.team is None or case.officer_team != actor.team)
    ):
        return _deny("case officers see their own and their team's cases")
    if act is not Act.VIEW and case.erased:
        return _deny("the case has been erased", hidden=False)
    if act is Act.RECORD and case.closed:
        return _deny("the case is closed", hidden=False)
    held = ", ".join(sorted(r.label.lower() for r in actor.roles & CASEWORK_ROLES))
    basis = f"Your agency's own case ({held})"
    return Decision(True, categories=dict.fromkeys(CATEGORIES, basis), own_agency=True)


def _partner(
    actor: Actor,
    case: CaseFacts,
    purpose: str | None,
    policy: Policy,
    shares: Sequence[ShareFacts],
    today: date,
) -> Decision:
    mine = [s for s in shares if s.agency_id == actor.agency_id and s.live(today)]
    if purpose is None:
        return _deny("no purpose was stated for partner access", hidden=not mine)
    categories: dict[str, str] = {}
    used: list[int] = []
    for grant in policy.grants(actor.agency_id, purpose):
        if not grant.applies(actor.roles, case.priority, today):
            continue
        if grant.requires_share:
            share = next(
                (s for s in mine if s.protocol_key == grant.protocol_key and s.purpose == purpose),
                None,
            )
            if share is None:
                continue
            basis = f"{grant.basis}; share {share.id} until {share.until.isoformat()}"
            used.append(share.id)
        else:
            basis = grant.basis
        for category in sorted(grant.categories):
            categories.setdefault(category, basis)
    if not categories:
        return _deny(
            f"no active protocol clause gives your agency and roles this case for {purpose}",
            hidden=not mine,
        )
    return Decision(True, categories, shares=tuple(dict.fromkeys(used)))


def _break_glass(
    actor: Actor,
    case: CaseFacts,
    policy: Policy,
    break_glass: Sequence[BreakGlassFacts],
    now: datetime,
) -> Decision | None:
    live = next((b for b in break_glass if b.user_id == actor.user_id and b.expires_at > now), None)
    if live is None:
        return None
    for grant in policy.emergency_grants(actor.agency_id):
        if (
            grant.protocol_id == live.protocol_id
            and grant.clause == live.clause
            and grant.applies(actor.roles, case.priority, now.date())
        ):
            basis = f"Emergency access until {live.expires_at:%H:%M} UTC: {grant.basis}"
            return Decision(
                True, dict.fromkeys(sorted(grant.categories), basis), break_glass=live.id
            )
    return None
