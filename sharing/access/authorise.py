"""The guarded loader: a case with the decision that lets the actor act on it, decided once
a request, with every refusal audited.

``authorise`` reads the case and the facts a decision needs, asks ``decide``, and either
returns an ``AuthorisedCase`` — what core operations, case pages and their sections take,
so nothing decides again — or refuses: ``NotFound`` when the actor may not know the case
exists (404 before 403), ``PurposeRequired`` when a partner holding a share has not said
why, ``PurposeNotShared`` when they said a purpose none of their agency's shares of the case
is for, ``NotAllowed`` otherwise. ``visible_cases``, ``CaseDecisions`` and ``cases_where``
give the same rules for many cases at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import (
    RULES,
    Act,
    Actor,
    Decision,
    asks_purpose,
    decide,
    decide_chair,
)
from sharing.access.facts import (
    BreakGlassFacts,
    CaseFacts,
    ShareFacts,
    break_glass_by_user,
    break_glass_facts,
    break_glass_with,
    facts_of,
    policy,
    share_facts,
    shares_with,
)
from sharing.access.scope import CaseState, Emergency, Lock, OwnAgency, Partner
from sharing.audit import acts
from sharing.errors import CaseNotOpen, NotAllowed, NotFound, PurposeNotShared, PurposeRequired
from sharing.models import Case
from sharing.protocols import EMERGENCY_PURPOSE

#: The audit action a refusal of each act is recorded under.
REFUSED_AS = {
    Act.VIEW: acts.Action.CASE_VIEW,
    Act.RECORD: acts.Action.CASE_RECORD,
    Act.CLOSE: acts.Action.CASE_CLOSE,
    Act.MARK: acts.Action.CASE_RECORD,
    Act.CHANGE_OFFICER: acts.Action.CASE_OFFICER,
    Act.ASSESS_RISK: acts.Action.RISK_RECORD,
    Act.SHARE: acts.Action.SHARE,
    Act.CONVENE: acts.Action.CONFERENCE_CONVENE,
    Act.REVOKE_SHARE: acts.Action.SHARE_REVOKE,
    Act.REQUEST_LOCK: acts.Action.LOCK_REQUEST,
    Act.DECIDE_LOCK: acts.Action.LOCK_DECIDE,
    Act.ERASE: acts.Action.CASE_ERASE,
    Act.BREAK_GLASS: acts.Action.BREAK_GLASS,
    Act.SEE_BREAK_GLASS: acts.Action.BREAK_GLASS_LIST_VIEW,
    Act.REVIEW_BREAK_GLASS: acts.Action.BREAK_GLASS_REVIEW,
}


@dataclass(frozen=True)
class AuthorisedCase:
    """A case the actor may do ``act`` to, with the decision that allows it."""

    case: Case
    decision: Decision
    actor: Actor
    act: Act
    purpose: str | None = None

    @property
    def id(self) -> int:
        return self.case.id

    @property
    def subject(self) -> acts.Subject:
        return acts.Subject("case", self.case.id)

    @property
    def purpose_recorded(self) -> str | None:
        """The purpose a view's audit entry names: "emergency" when the emergency access
        gives what the stated purpose does not (so a review of the access sees every read
        it made, whatever purpose the page was opened for), else the one stated."""
        return EMERGENCY_PURPOSE if self.decision.emergency else self.purpose

    def require(self, *acts: Act) -> None:
        """Refuse an operation given a case authorised for another act than ``acts`` (a
        programming error that would otherwise let a view's decision stand for a
        different act)."""
        if self.act not in acts:
            wanted = " or ".join(a.value for a in acts)
            raise NotAllowed(f"the case was authorised for {self.act.value}, not {wanted}")


def share_in_force(session: Session, authorised: AuthorisedCase, share_id: int) -> bool:
    """Whether the share ``share_id`` of the authorised case gives the actor something
    today: with their agency, live (neither revoked nor ended), under a clause of an
    active protocol that gives their roles something through it. For an act bound to one
    share (a referral's outcome), which another share of the case for the same purpose
    must not stand in for."""
    actor = authorised.actor
    share = next(
        (s for s in share_facts(session, authorised.id, actor.agency_id) if s.id == share_id), None
    )
    if share is None:
        return False
    facts = facts_of(session, [authorised.id])[authorised.id]
    given = Partner.holds(actor, facts, share.purpose, policy(session), [share], clock.today())
    return any(through is not None and through.id == share_id for _, through in given.values())


def decide_case(
    session: Session,
    actor: Actor,
    facts: CaseFacts,
    act: Act = Act.VIEW,
    purpose: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """The decision for ``actor`` on the case with these facts, with its shares, the
    actor's break-glass and the active protocols as the database holds them now (on the
    actor's own agency's case, none of them: ``decide`` goes by roles and lock alone)."""
    now = now or clock.now()
    if facts.agency_id == actor.agency_id:
        return decide(actor, facts, act, purpose, now=now)
    return decide(
        actor,
        facts,
        act,
        purpose,
        policy=policy(session),
        shares=share_facts(session, facts.id, actor.agency_id),
        break_glass=break_glass_facts(session, facts.id, actor.user_id),
        now=now,
    )


def decision_on(
    session: Session,
    actor: Actor,
    case_id: int,
    act: Act = Act.VIEW,
    purpose: str | None = None,
    *,
    known: Mapping[int, CaseFacts] | None = None,
) -> Decision | None:
    """The actor's decision on a case without recording anything, for lists that leave
    out what their reader may not see; None for a case that does not exist. A list
    passes the facts of all its cases (``facts_of``) as ``known``, read once."""
    facts = (facts_of(session, [case_id]) if known is None else known).get(case_id)
    return decide_case(session, actor, facts, act, purpose) if facts else None


def decisions_of(
    session: Session, actors: Iterable[Actor], case_id: int, act: Act = Act.VIEW
) -> dict[int, Decision]:
    """Each actor's decision on one case, by user id, without recording anything: for a
    form that offers only the people who could open the case. A few queries however many
    actors (one for the shares of each of their agencies)."""
    found = list(actors)
    facts = facts_of(session, [case_id]).get(case_id) if found else None
    if facts is None:
        return {}
    shares = {
        agency: share_facts(session, case_id, agency) for agency in {a.agency_id for a in found}
    }
    glass = break_glass_by_user(session, case_id, [a.user_id for a in found])
    now, rules = clock.now(), policy(session)
    return {
        a.user_id: decide(
            a,
            facts,
            act,
            policy=rules,
            shares=shares[a.agency_id],
            break_glass=glass.get(a.user_id, []),
            now=now,
        )
        for a in found
    }


def _as_recorded(session: Session, purpose: str | None) -> str | None:
    """A stated purpose as a refusal records it: a purpose of an active protocol, or
    "(not a purpose)" (it arrives in an address, so it could be any text). (A purpose
    ``decide`` offers is one: a live share's whose clause gives the actor something.)"""
    if purpose is None or purpose in policy(session).purposes():
        return purpose
    return acts.NOT_A_PURPOSE


def authorise(
    session: Session,
    actor: Actor,
    case_id: int,
    act: Act = Act.VIEW,
    purpose: str | None = None,
) -> AuthorisedCase:
    """The case, if the actor may do ``act`` to it (for ``purpose``, a partner); every
    refusal is recorded in the audit log under the act's action."""
    facts = facts_of(session, [case_id]).get(case_id)
    decision = decide_case(session, actor, facts, act, purpose) if facts else None
    case = session.get(Case, case_id) if decision is not None and decision.allowed else None
    if decision is None or case is None or not decision.allowed:
        if decision is not None and asks_purpose(decision, act, purpose):
            # Asked, not refused: no entry (``PurposeRequired.asked``).
            raise PurposeRequired(list(decision.purposes), case_id=case_id, asked=True)
        reason = decision.reason if decision else acts.NO_SUCH_CASE
        if facts and decision and decision.hidden and facts.agency_id != actor.agency_id:
            reason = acts.not_found_to_requester(reason)
        acts.refuse(
            session,
            REFUSED_AS[act],
            actor=actor,
            subject=acts.Subject("case", case_id),
            purpose=_as_recorded(session, purpose),
            reason=reason,
        )
        if decision is None or decision.hidden:
            raise NotFound(case_id)
        if act is Act.VIEW and purpose is None and decision.purposes:
            raise PurposeRequired(list(decision.purposes))
        if act is Act.VIEW and decision.purpose_not_shared and decision.purposes:
            raise PurposeNotShared(list(decision.purposes))
        if decision.own_agency and decision.reason in CaseState.REFUSALS:
            raise CaseNotOpen(decision.reason, erased=decision.reason == CaseState.ERASED)
        raise NotAllowed(decision.reason, own_agency=decision.own_agency)
    return AuthorisedCase(case, decision, actor, act, purpose)


def chair_decision_on(
    session: Session,
    actor: Actor,
    case_id: int,
    purpose: str,
    until: date,
) -> Decision | None:
    """The decision on a case for the chair of a conference on it, without recording
    anything: their own agency's, if their roles work the case; otherwise what the
    conference's purpose gives their agency and roles (``decide_chair``) until ``until``.
    None for a case that does not exist."""
    return CaseDecisions(session, actor, [case_id]).chair_on(case_id, purpose, until)


def authorise_chair(
    session: Session,
    actor: Actor,
    case_id: int,
    purpose: str,
    until: date,
    act: Act = Act.VIEW,
) -> AuthorisedCase:
    """The case of a conference its own agency convened, for the conference's chair: for
    ``act`` as their agency's own case, if their roles allow it; otherwise viewed as the
    conference's purpose gives their agency and roles (``decide_chair``) until ``until``.
    Every refusal is recorded, as ``authorise`` records it."""
    own = decision_on(session, actor, case_id, act)
    if own is None or own.allowed or not own.hidden:  # not hidden: their roles work it
        return authorise(session, actor, case_id, act)
    decision = chair_decision_on(session, actor, case_id, purpose, until)
    case = session.get(Case, case_id)
    if decision is None or case is None or not decision.allowed:
        acts.refuse(
            session,
            REFUSED_AS[Act.VIEW],
            actor=actor,
            subject=acts.Subject("case", case_id),
            purpose=purpose,
            reason=decision.reason if decision else acts.NO_SUCH_CASE,
        )
        if decision is None or decision.hidden:
            raise NotFound(case_id)
        raise NotAllowed(decision.reason)
    return AuthorisedCase(case, decision, actor, Act.VIEW, purpose)


def visible_cases(
    session: Session, actor: Actor, case_ids: Iterable[int], act: Act = Act.VIEW
) -> dict[int, Decision]:
    """Those of these cases of the actor's own agency the actor may do ``act`` to, each
    with its decision, decided for all of them at once (a search checks many cases)."""
    now = clock.now()
    decisions = {
        case_id: decide(actor, facts, act, now=now)
        for case_id, facts in facts_of(session, case_ids).items()
        if facts.agency_id == actor.agency_id
    }
    return {case_id: d for case_id, d in decisions.items() if d.allowed}


class CaseDecisions:
    """The actor's decisions on many cases, from facts gathered for all of them at once
    (a page of a list decides for each of its cases in a few queries however many there
    are), without recording anything; as ``decision_on`` decides one."""

    def __init__(
        self, session: Session, actor: Actor, case_ids: Iterable[int], now: datetime | None = None
    ) -> None:
        self.actor = actor
        self.now = now or clock.now()
        self.facts = facts_of(session, case_ids)
        self._policy = policy(session)
        # Only a partner's decision reads its shares and the actor's emergency accesses.
        partners = [f.id for f in self.facts.values() if f.agency_id != actor.agency_id]
        self._shares: dict[int, list[ShareFacts]] = {}
        self._glass: dict[int, list[BreakGlassFacts]] = {}
        if partners:
            self._shares = shares_with(session, partners, actor.agency_id)
            self._glass = break_glass_with(session, partners, actor.user_id)

    def on(self, case_id: int, act: Act = Act.VIEW, purpose: str | None = None) -> Decision | None:
        """The decision on one of the cases; None for a case that does not exist."""
        facts = self.facts.get(case_id)
        if facts is None:
            return None
        return decide(
            self.actor,
            facts,
            act,
            purpose,
            policy=self._policy,
            shares=self._shares.get(case_id, ()),
            break_glass=self._glass.get(case_id, ()),
            now=self.now,
        )

    def chair_on(self, case_id: int, purpose: str, until: date) -> Decision | None:
        """The decision on one of the cases for the chair of a conference on it: their
        own agency's, if their roles work the case; otherwise what the conference's
        purpose gives their agency and roles (``decide_chair``) until ``until``. None for
        a case that does not exist."""
        own = self.on(case_id)
        facts = self.facts.get(case_id)
        if own is None or facts is None or own.allowed or facts.agency_id != self.actor.agency_id:
            return own
        return decide_chair(
            self.actor, facts, purpose, policy=self._policy, until=until, now=self.now
        )

    def live_purposes(self, case_id: int) -> list[str]:
        """The purposes of the live shares of the case with the actor's agency, in order."""
        today = clock.day_of(self.now)
        return sorted({s.purpose for s in self._shares.get(case_id, ()) if s.live(today)})


def own_cases_where(actor: Actor, act: Act = Act.VIEW) -> ColumnElement[bool]:
    """The owning agency's cases ``decide`` lets the actor do ``act`` to, as SQL."""
    rule = RULES[act]
    # the most selective condition first: SQLite tests them in the order written
    conditions = [
        OwnAgency.where(actor, rule.owner_roles),
        Lock.where(actor),
        CaseState.where(rule.open_only, rule.live_only),
    ]
    if rule.unlocked_only:
        conditions.append(Case.locked.is_(False))
    return and_(*conditions)


def shared_cases_where(
    session: Session, actor: Actor, purpose: str | None = None, now: datetime | None = None
) -> ColumnElement[bool]:
    """Other agencies' cases the actor may view through protocol clauses (for
    ``purpose``, or for any purpose), as SQL."""
    today = clock.day_of(now or clock.now())
    compiled = policy(session)
    partner = (
        Partner.where_any(actor, compiled, today)
        if purpose is None
        else Partner.where(actor, purpose, compiled, today)
    )
    return and_(Lock.where(actor), partner)


def emergency_cases_where(
    session: Session, actor: Actor, now: datetime | None = None
) -> ColumnElement[bool]:
    """Other agencies' cases the actor may view through a live break-glass, as SQL."""
    return and_(Lock.where(actor), Emergency.where(actor, policy(session), now or clock.now()))


def cases_where(
    session: Session, actor: Actor, purpose: str | None = None, now: datetime | None = None
) -> ColumnElement[bool]:
    """Every case the actor may view (own agency, protocol clauses for ``purpose`` or any
    purpose, break-glass), as SQL."""
    return or_(
        own_cases_where(actor),
        shared_cases_where(session, actor, purpose, now),
        emergency_cases_where(session, actor, now),
    )
