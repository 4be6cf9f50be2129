"""Access decisions: who may do which act to which case, which data categories they see,
and why.

Deny by default. ``decide`` is a pure function of the actor, facts about the case, the act,
the stated purpose, the active protocols (``sharing.protocols.policy``), the case's shares
and any break-glass, so it is fast and testable on its own; ``sharing.access.authorise``
gathers those facts from the database and asks it. Every allowed category names its basis:
own agency and role, or protocol, version, clause, purpose and share, or break-glass.

Each act's rules are a row of ``RULES``; the rules themselves live in
``sharing.access.scope``, which also gives them as SQL for lists, counts and searches. In
order:
1. A locked case exists only for its lock members; for anyone else it is "not found".
2. The owning agency: the roles the act names; whole-agency roles (managers) on all its
   cases, case officers on their own and their team's; some acts need an open case, or one
   not erased, or not locked.
3. A partner agency views, for a stated purpose, the categories that active protocol
   clauses give its roles for that purpose, through a live share where the clause needs one,
   of a case whose agency is a party to the clause's protocol version.
4. Break-glass: while an emergency access is live, the emergency clause's categories; and
   the act of opening one, under an emergency clause that applies, of a protocol the case's
   agency is a party to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sharing import clock
from sharing.access.facts import Actor, BreakGlassFacts, CaseFacts, ShareFacts
from sharing.access.scope import CaseState, Emergency, Given, Lock, OwnAgency, Partner
from sharing.protocols.policy import Policy
from sharing.vocabulary import CATEGORIES, Role

__all__ = [
    "RULES",
    "Act",
    "ActRule",
    "Actor",
    "BreakGlassFacts",
    "CaseFacts",
    "Decision",
    "ShareFacts",
    "decide",
    "decide_chair",
    "decide_own_answer",
    "decide_subject_access",
]

#: Roles that work their own agency's cases.
CASEWORK_ROLES = frozenset({Role.CASE_OFFICER, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})


class Act(StrEnum):
    """What the user wants to do with a case."""

    VIEW = "view"
    RECORD = "record"  # add incidents, actions, parties; change status
    CLOSE = "close"
    MARK = "mark"  # set or change a document's protective marking, open or closed case
    CHANGE_OFFICER = "change_officer"  # give the case to another officer of the agency
    ASSESS_RISK = "assess_risk"
    SHARE = "share"
    CONVENE = "convene"  # a case conference: shares the case with each agency invited
    REVOKE_SHARE = "revoke_share"
    REQUEST_LOCK = "request_lock"  # to lock, or to unlock
    DECIDE_LOCK = "decide_lock"
    ERASE = "erase"
    BREAK_GLASS = "break_glass"
    SEE_BREAK_GLASS = "see_break_glass"  # the emergency accesses waiting for review
    REVIEW_BREAK_GLASS = "review_break_glass"


@dataclass(frozen=True)
class ActRule:
    """Who may do an act, and to which cases."""

    #: Roles of the owning agency that may do it (see ``scope.OwnAgency``).
    owner_roles: frozenset[Role]
    #: What the refusal says to anyone else of the owning agency.
    refusal: str
    #: Refused on a closed case.
    open_only: bool = False
    #: Refused on an erased case.
    live_only: bool = False
    #: Refused on a locked case, even for its lock members.
    unlocked_only: bool = False
    #: Partner agencies may do it through protocol clauses for a purpose, or break-glass.
    partners: bool = False


_CASEWORK = "case officers work their own and their team's cases; managers all their agency's"
RULES: dict[Act, ActRule] = {
    Act.VIEW: ActRule(CASEWORK_ROLES, _CASEWORK, partners=True),
    Act.RECORD: ActRule(CASEWORK_ROLES, _CASEWORK, open_only=True, live_only=True),
    Act.CLOSE: ActRule(CASEWORK_ROLES, _CASEWORK, live_only=True),
    Act.MARK: ActRule(CASEWORK_ROLES, _CASEWORK, live_only=True),
    Act.ASSESS_RISK: ActRule(CASEWORK_ROLES, _CASEWORK, open_only=True, live_only=True),
    Act.SHARE: ActRule(
        CASEWORK_ROLES, _CASEWORK, open_only=True, live_only=True, unlocked_only=True
    ),
    Act.CONVENE: ActRule(
        CASEWORK_ROLES, _CASEWORK, open_only=True, live_only=True, unlocked_only=True
    ),
    Act.REVOKE_SHARE: ActRule(CASEWORK_ROLES, _CASEWORK),
    Act.REQUEST_LOCK: ActRule(CASEWORK_ROLES, _CASEWORK, open_only=True, live_only=True),
    Act.CHANGE_OFFICER: ActRule(
        MANAGERS, "only a manager gives a case to another officer", live_only=True
    ),
    Act.DECIDE_LOCK: ActRule(MANAGERS, "only a manager decides lock requests", live_only=True),
    Act.ERASE: ActRule(MANAGERS, "only a manager of the owning agency may erase its records"),
    Act.BREAK_GLASS: ActRule(frozenset(), "this is your own agency's case", partners=True),
    Act.SEE_BREAK_GLASS: ActRule(
        frozenset({Role.MANAGER, Role.DPO}),
        "only managers and data protection officers of the owning agency see emergency access",
    ),
    Act.REVIEW_BREAK_GLASS: ActRule(
        MANAGERS, "only a manager of the owning agency reviews emergency access"
    ),
}


@dataclass(frozen=True)
class Decision:
    """The answer to "may this actor do this act to this case?", with its reasons."""

    allowed: bool
    #: Data categories the actor may see, each with the basis that allows it.
    categories: dict[str, str] = field(default_factory=dict)
    #: Why the request was refused (for the audit log and the denial page).
    reason: str = ""
    #: The refusal should say "not found": the actor may not know the case exists.
    hidden: bool = False
    #: The actor is of the owning agency (allowed: their agency's own access).
    own_agency: bool = False
    #: Shares that contributed (ids), for "why you can see this" and the audit log.
    shares: tuple[int, ...] = ()
    #: The actor's live emergency access to the case (its id), if they hold one.
    break_glass: int | None = None
    #: The emergency access gives categories the stated purpose does not (or the purpose
    #: gives nothing): what is read is read under emergency access.
    emergency: bool = False
    #: For opening break-glass: the emergency clause (protocol record id, clause id).
    emergency_clause: tuple[int, str] | None = None
    #: Purposes the actor's agency's live shares of the case serve that give the actor's
    #: roles something (to ask which one, when none was stated).
    purposes: tuple[str, ...] = ()
    #: The purpose stated is none of the actor's agency's live shares of the case (to
    #: choose again among ``purposes``), not a purpose shared but refused for another reason.
    purpose_not_shared: bool = False

    def allows(self, category: str) -> bool:
        return category in self.categories

    def bases_for(self, *categories: str) -> dict[str, list[str]]:
        """Basis → the given categories it allows, for "why you can see this"."""
        grouped: dict[str, list[str]] = {}
        for category in categories:
            if category in self.categories:
                grouped.setdefault(self.categories[category], []).append(category)
        return grouped


#: The reason a locked case is refused to anyone outside its lock (lock members are shown
#: these refusals on the case page).
LOCKED = "the case is locked"

#: The reason a partner is refused for a stated purpose that no active protocol has (the
#: text stated is neither shown nor recorded).
UNKNOWN_PURPOSE = "the purpose stated is not a purpose of any active protocol"


#: The reason of a partner's decision with no purpose stated on a case their agency's live
#: shares give them something of: they are asked which purpose, which is no refusal.
PURPOSE_TO_CHOOSE = "no purpose was stated for partner access"
#: The reason a partner is refused a case no live share with their agency gives their
#: roles anything of (none, ended, or under protocols no longer in force).
NOT_SHARED = "no live share of the case gives your agency and roles anything"


def asks_purpose(decision: Decision, act: Act, purpose: str | None) -> bool:
    """Whether the decision asks a partner which of their shares' purposes they open the
    case for: the question, not a refusal (nothing is recorded until they answer)."""
    return (
        act is Act.VIEW
        and purpose is None
        and not decision.allowed
        and decision.reason == PURPOSE_TO_CHOOSE
        and bool(decision.purposes)
    )


def _deny(
    reason: str,
    hidden: bool = True,
    purposes: tuple[str, ...] = (),
    own_agency: bool = False,
    purpose_not_shared: bool = False,
) -> Decision:
    return Decision(
        False,
        reason=reason,
        hidden=hidden,
        purposes=purposes,
        own_agency=own_agency,
        purpose_not_shared=purpose_not_shared,
    )


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
    if not Lock.holds(actor, case):
        return _deny(LOCKED)
    rule = RULES[act]
    if case.agency_id == actor.agency_id:
        return _own_agency(actor, case, rule)
    today = clock.day_of(now)
    if case.erased:
        return _deny("the case has been erased")
    policy = policy or Policy.empty()
    if act is Act.BREAK_GLASS:
        return _opening_break_glass(actor, case, policy, today)
    offered = _offered(actor, case, policy, shares, today)
    if not rule.partners:
        return _deny("only the owning agency does this to a case", hidden=not offered)
    decision = _partner(actor, case, purpose, policy, shares, today, offered)
    glass = Emergency.holds(actor, case, policy, break_glass, now)
    if glass is None:
        return decision
    grant, live_glass = glass
    basis = f"Emergency access until {clock.moment_text(live_glass.expires_at)}: {grant.basis}"
    categories = {**dict.fromkeys(sorted(grant.categories), basis), **decision.categories}
    return Decision(
        True,
        categories,
        shares=decision.shares,
        break_glass=live_glass.id,
        emergency=any(c not in decision.categories for c in grant.categories),
    )


def _own_agency(actor: Actor, case: CaseFacts, rule: ActRule) -> Decision:
    if not OwnAgency.holds(actor, case, rule.owner_roles):
        # The case is hidden from whoever may not view it; anyone who may is told why
        # (and an act for partners alone, break-glass, says so).
        return _deny(
            rule.refusal if actor.roles & rule.owner_roles else _no_role(rule),
            hidden=bool(rule.owner_roles) and not OwnAgency.holds(actor, case, CASEWORK_ROLES),
            own_agency=True,
        )
    refusal = CaseState.refusal(case, rule.open_only, rule.live_only)
    if refusal is None and rule.unlocked_only and case.locked:
        refusal = "a locked case cannot be shared: it is restricted to its named users"
    if refusal is not None:
        return _deny(refusal, hidden=False, own_agency=True)
    held = ", ".join(sorted(r.label.lower() for r in actor.roles & rule.owner_roles))
    basis = f"Your agency's own case ({held})"
    return Decision(True, categories=dict.fromkeys(CATEGORIES, basis), own_agency=True)


def _no_role(rule: ActRule) -> str:
    if rule.owner_roles == CASEWORK_ROLES:
        return "your roles do not include casework"
    return rule.refusal


def _offered(
    actor: Actor, case: CaseFacts, policy: Policy, shares: Sequence[ShareFacts], today: date
) -> dict[str, Given]:
    """The purposes of the actor's agency's live shares of the case that give the actor's
    roles something, in order, each with what it gives: to choose among, and to be told
    why when refused. To anyone else the case does not exist (an analyst learns nothing of
    which cases are shared, and why)."""
    purposes = {s.purpose for s in shares if s.agency_id == actor.agency_id and s.live(today)}
    offered = {}
    for purpose in sorted(purposes):
        if given := Partner.holds(actor, case, purpose, policy, shares, today):
            offered[purpose] = given
    return offered


def _partner(
    actor: Actor,
    case: CaseFacts,
    purpose: str | None,
    policy: Policy,
    shares: Sequence[ShareFacts],
    today: date,
    offered: dict[str, Given],
) -> Decision:
    live = tuple(offered)
    if purpose is None:
        # With shares to choose among, the reader is asked which purpose (not a refusal:
        # ``asks_purpose``); with none, the case is not theirs to open at all.
        return _deny(PURPOSE_TO_CHOOSE if live else NOT_SHARED, hidden=not live, purposes=live)
    # A purpose none of the agency's live shares of the case is for: theirs to choose again.
    unshared = not any(
        s.purpose == purpose and s.agency_id == actor.agency_id and s.live(today) for s in shares
    )
    if purpose not in live and purpose not in policy.purposes():
        # Not named back: a stated purpose arrives in an address, so it could be any text,
        # and the reason is shown on the page and written to the audit log.
        return _deny(UNKNOWN_PURPOSE, hidden=not live, purposes=live, purpose_not_shared=unshared)
    given = offered.get(purpose) or Partner.holds(actor, case, purpose, policy, shares, today)
    if not given:
        return _deny(
            f"no active protocol clause gives your agency and roles this case for "
            f"{purpose.replace('_', ' ')}",
            hidden=not live,
            purposes=live,
            purpose_not_shared=unshared,
        )
    categories: dict[str, str] = {}
    used: list[int] = []
    for category, (grant, share) in given.items():
        if share is None:
            categories[category] = grant.basis
        else:
            categories[category] = (
                f"{grant.basis}; share {share.id} until {clock.day_text(share.until)}"
            )
            used.append(share.id)
    return Decision(True, categories, shares=tuple(dict.fromkeys(used)))


def _opening_break_glass(actor: Actor, case: CaseFacts, policy: Policy, today: date) -> Decision:
    grant = Emergency.opening(actor, case, policy, today)
    if grant is None:
        grants = Emergency.grants(actor, policy, today)
        if grants and not any(g.binds(case.agency_id) for g in grants):
            return _deny(
                "the case's agency is not a party to an active emergency protocol that covers "
                "your agency and role",
                hidden=False,
            )
        return _deny(
            "no emergency clause of an active protocol covers your agency and role", hidden=False
        )
    return Decision(
        True,
        dict.fromkeys(sorted(grant.categories), grant.basis),
        emergency_clause=(grant.protocol_id, grant.clause),
    )


def decide_chair(
    actor: Actor,
    case: CaseFacts,
    purpose: str,
    *,
    policy: Policy | None = None,
    until: date,
    now: datetime,
) -> Decision:
    """The chair of a conference on their own agency's case whose roles do not work that
    case (a conference chair): they view it as an invited chair would, through the clauses
    of active protocols that give their agency and roles something for the conference's
    purpose, the conference standing for the share until ``until``."""
    today = clock.day_of(now)
    if not Lock.holds(actor, case):
        return _deny(LOCKED)
    if case.agency_id != actor.agency_id:
        return _deny("only a chair of the owning agency reads a conference this way")
    if case.erased:
        return _deny("the case has been erased")
    if today > until:
        return _deny("the conference's access has ended")
    categories: dict[str, str] = {}
    for grant in Partner.grants(actor, policy or Policy.empty(), purpose, today):
        if grant.priorities is not None and case.priority not in grant.priorities:
            continue
        for category in sorted(grant.categories):
            categories.setdefault(
                category, f"{grant.basis}; chair of the conference until {clock.day_text(until)}"
            )
    if not categories:
        return _deny(
            f"no active protocol clause gives your agency and roles this case for "
            f"{purpose.replace('_', ' ')}"
        )
    return Decision(True, categories)


#: Why an agency at a conference's table reads the whole of its own answer to the
#: conference's information request ("Why you can see this").
OWN_ANSWER = "Your agency wrote this answer"


def decide_own_answer(
    actor: Actor, decision: Decision, answered_by_agency: int, categories: Iterable[str]
) -> Decision:
    """What a reader at a conference's table (``decision``: theirs on its case, allowed)
    reads of an answer to the conference's information request: the whole of their own
    agency's answer, every one of its ``categories``, as their agency wrote it and knows
    what it wrote (the clauses that limit what they read of the case are for other
    agencies' data); of another agency's answer, what ``decision`` allows."""
    if not decision.allowed or actor.agency_id != answered_by_agency:
        return decision
    return Decision(True, dict.fromkeys(categories, OWN_ANSWER))


def decide_subject_access(actor: Actor) -> Decision:
    """A data protection officer compiling a subject access report sees every category of
    the person's records in their own agency (a decision of its own kind: the report is
    audited under the purpose "subject access request", not as a case view)."""
    if not actor.has(Role.DPO):
        return _deny("only data protection officers compile subject access reports", hidden=False)
    basis = "Subject access request compiled by the data protection officer"
    return Decision(True, dict.fromkeys(CATEGORIES, basis), own_agency=True)
