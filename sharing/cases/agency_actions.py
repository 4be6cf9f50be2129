"""Actions an agency owns, on its own cases and on partners' cases: the "actions for my
agency" list and its paging, and who may mark an action done or cancel it (``closable``;
closing one is ``sharing.cases.closing_actions``).

An action owned by a partner agency is that agency's to do, so its staff may close it and
see its kind, due date and the case's agency and officer; what the action says, and the
case itself, they see only as their decision on the case allows (their own agency's case,
or a live share whose clause gives them the "actions" category). A locked case's actions
are listed to its lock members; a partner agency given one before the case was locked
keeps it, as an action "on a case now restricted": its kind, due date and the case's
agency to contact, nothing of the case (not its reference, nor its officer), and may still
mark it done or cancel it. Anyone else of the case's agency outside the lock is not told
of them. An erased case's actions are never listed, and answer "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from sharing import clock, paging
from sharing.access.authorise import CaseDecisions, authorise
from sharing.access.decide import Act, Actor, Decision
from sharing.access.facts import CaseFacts, facts_of
from sharing.access.reveal import load_data_keys, reveal_one
from sharing.access.scope import Lock
from sharing.audit import acts
from sharing.audit import withheld as withheld_reasons
from sharing.errors import NotFound
from sharing.models import Action, Case, LockRequest, User
from sharing.vocabulary import ActionStatus, CaseStatus, LockStatus, Role

#: Roles of the owning agency that close its actions on partners' cases.
ACTION_ROLES = frozenset({Role.CASE_OFFICER, Role.MANAGER})
#: How many actions a page of the list holds.
PAGE_SIZE = 25


@dataclass(frozen=True)
class AgencyAction:
    """One action for the agency, as the reader may see it."""

    id: int
    kind: str
    due_on: date | None
    overdue: bool
    owner_user: str | None
    case_agency: str
    #: The case officer to contact about it (a member of staff).
    case_officer: str
    #: The case's reference and the purpose to open it for, when the reader may open it.
    case_id: int | None
    case_reference: str | None
    purpose: str | None
    #: What is to be done, when the reader's decision gives them the "actions" category,
    #: and the basis it does.
    description: str | None
    basis: str | None
    #: Whether the reader may mark it done or cancel it (as ``closable`` decides).
    may_close: bool = False
    #: Whether the case is the reader's own agency's (what the action says is withheld
    #: from them only because the case is another team's).
    own_agency: bool = False
    #: On a partner's case locked since the action was given: the row says only its kind,
    #: due date and the case's agency to contact (``case_officer`` is empty).
    restricted: bool = False
    #: On such a row, the lock request that restricted the case: the e-mail telling the
    #: agency of it links to the list's rows by it (``restricted-<id>``), never the case.
    lock_request: int | None = None
    #: Whether the action's named owner, or the case's officer, has left their agency
    #: (their account disabled): the action is to be handed on, the agency contacted.
    owner_left: bool = False
    case_officer_left: bool = False


@dataclass(frozen=True)
class Place:
    """Where an action stood in the list's order when it was listed: its due day (None:
    undated) and its number. A list read on from it continues where it was, whatever
    has become of the action since (closed, due on another day, given to another
    agency)."""

    due_on: date | None
    id: int


@dataclass(frozen=True)
class ActionPage:
    """One page of the agency's open actions."""

    rows: list[AgencyAction]
    total: int
    page: int
    pages: int
    #: Whether open actions come after this page's (the list as it stands now).
    more: bool = False
    #: Where the page's last action stood, to read on from (None: an empty page).
    last: Place | None = None


def best_decision(decisions: CaseDecisions, case: Case) -> tuple[Decision | None, str | None]:
    """The reader's best decision on the case: their own agency's, or the first live
    share's purpose that gives them the actions (else any that lets them open it)."""
    if case.agency_id == decisions.actor.agency_id:
        decision = decisions.on(case.id)
        return (decision, None) if decision is not None and decision.allowed else (None, None)
    allowed = [
        (decision, purpose)
        for purpose in decisions.live_purposes(case.id)
        if (decision := decisions.on(case.id, Act.VIEW, purpose)) is not None and decision.allowed
    ]
    best = next((d for d in allowed if d[0].allows("actions")), allowed[0] if allowed else None)
    return best if best else (None, None)


#: Why anyone but a case officer or manager is refused their agency's actions.
NOT_ACTION_ROLES = "only case officers and managers work their agency's actions"
#: Why someone else is refused as an action's named owner.
NOT_ACTION_OWNER = "Name a case officer or manager: only they see and close their agency's actions"


def works_actions(user: User) -> bool:
    """Whether a user may be named as an action's owner: an active case officer or
    manager, who sees and closes their agency's actions."""
    return user.active and not user.roles.isdisjoint(ACTION_ROLES)


def owned_where(actor: Actor) -> list[ColumnElement[bool]]:
    """The actions the actor's agency owns that its list may show, open or closed: on a
    case not erased and, if it is locked, one whose lock names the actor or a partner's
    (a restricted row) (joined as ``Case``)."""
    return [
        Action.owner_agency_id == actor.agency_id,
        or_(Lock.where(actor), Case.agency_id != actor.agency_id),
        Case.erased_at.is_(None),
    ]


def _listed(actor: Actor) -> list[ColumnElement[bool]]:
    """The actions the list holds: the open ones of ``owned_where``."""
    return [*owned_where(actor), Action.status == ActionStatus.OPEN]


def is_restricted(decisions: CaseDecisions, case: Case) -> bool:
    """Whether a listed action's case is locked to people the reader is not one of (a
    partner's case locked after the action was given)."""
    facts = decisions.facts.get(case.id)
    return facts is not None and not Lock.holds(decisions.actor, facts)


#: Why a list withheld what its actions on a case say (``withheld_from``), as its
#: refusal stores it (read in words by ``sharing.audit.withheld``).
WITHHELD_LOCKED = withheld_reasons.LOCKED
WITHHELD_NOT_SHARED = withheld_reasons.NOT_SHARED
WITHHELD_NOT_ACTIONS = withheld_reasons.NOT_ACTIONS


def withheld_from(decision: Decision | None, restricted: bool) -> str | None:
    """Why the reader may not read what an action listed on a case says (None when they
    may): the case locked, no live share of it, or a share without its actions."""
    if restricted:
        return WITHHELD_LOCKED
    if decision is None:
        return WITHHELD_NOT_SHARED
    return None if decision.allows("actions") else WITHHELD_NOT_ACTIONS


def record_withheld(
    session: Session, actor: Actor, action: acts.Action, withheld: dict[int, tuple[str, list[int]]]
) -> None:
    """A list that showed the actor's agency's actions on cases it may not read (``withheld``:
    by case, why and the actions): a refusal about each case, beside the list's entry, so
    the case's agency's DPO reads that the partner's user was refused, as their own DPO
    does (an entry about a case is on its agency's log). Written with the list (not kept
    past a roll-back as a refused act's are): the list itself was allowed. Each reading
    records them again, as each reading is its own entry (``sharing.audit.withheld``)."""
    for case_id, (why, action_ids) in sorted(withheld.items()):
        acts.record(
            session,
            action,
            actor=actor,
            outcome=acts.Outcome.REFUSED,
            subject=acts.Subject("case", case_id),
            basis=f"actions {acts.ids(sorted(action_ids))}; {why}",
        )


def actions_for_agency(
    session: Session,
    actor: Actor,
    page: int = 1,
    size: int = PAGE_SIZE,
    *,
    after: Place | None = None,
) -> ActionPage:
    """One page of the open actions the actor's agency owns, soonest due first (undated
    last), decided for the page's cases at once and recorded as one audit entry naming
    the actions and the cases whose actions it showed. ``after`` (the ``last`` place of
    the page before) asks for the actions that come after that place instead of a page
    by number, so that actions closed, moved or added while a list is read page by page
    never make it skip or repeat the others (one added or moved to before the place is
    not on this reading). ``NotAllowed`` (recorded) for anyone but a case officer or
    manager."""
    if not actor.has(*ACTION_ROLES):
        raise acts.refused(
            session,
            acts.Action.ACTIONS_LIST,
            actor=actor,
            subject=acts.Subject("agency", actor.agency_id),
            reason=NOT_ACTION_ROLES,
        )
    today = clock.today()
    listed = select(Action).join(Case, Case.id == Action.case_id).where(*_listed(actor))
    total = session.scalar(listed.with_only_columns(func.count())) or 0
    if after is None:
        page, pages = paging.numbered(total, size, page)
        chosen = listed.offset((page - 1) * size)
    else:
        following = _following(after)
        before = session.scalar(listed.where(~following).with_only_columns(func.count())) or 0
        page, pages = paging.read_on(total, size, before)
        chosen = listed.where(following)
    actions = list(
        session.scalars(
            chosen.options(
                selectinload(Action.owner_user),
                selectinload(Action.case).selectinload(Case.agency),
                selectinload(Action.case).selectinload(Case.officer),
            )
            .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
            .limit(size + 1)  # one more: whether any come after the page
        )
    )
    more, actions = paging.more_than(actions, size)
    load_data_keys(session, {a.case.data_key_id for a in actions})
    decisions = CaseDecisions(session, actor, {a.case_id for a in actions})
    locked_by = _locks_in_force(
        session, {a.case_id for a in actions if is_restricted(decisions, a.case)}
    )
    rows, shown_cases = [], set()
    withheld: dict[int, tuple[str, list[int]]] = {}
    for action in actions:
        case = action.case
        decision, purpose = best_decision(decisions, case)
        restricted = is_restricted(decisions, case)
        description = basis = None
        why_not = withheld_from(decision, restricted)
        if decision is not None and why_not is None:
            description = reveal_one(decision, action, "description")
            basis = decision.categories["actions"]
            shown_cases.add(case.id)
        elif why_not is not None:
            withheld.setdefault(case.id, (why_not, []))[1].append(action.id)
        rows.append(
            AgencyAction(
                id=action.id,
                kind=action.kind.label,
                due_on=action.due_on,
                overdue=action.due_on is not None and action.due_on < today,
                owner_user=action.owner_user.display_name if action.owner_user else None,
                case_agency=case.agency.name,
                case_officer="" if restricted else case.officer.display_name,
                case_id=case.id if decision else None,
                case_reference=case.reference if decision else None,
                purpose=purpose,
                description=description,
                basis=basis,
                may_close=_may_close(decisions, action),
                own_agency=case.agency_id == actor.agency_id,
                restricted=restricted,
                lock_request=locked_by.get(case.id),
                owner_left=action.owner_user is not None and not action.owner_user.active,
                case_officer_left=not restricted and not case.officer.active,
            )
        )
    acts.record(
        session,
        acts.Action.ACTIONS_LIST,
        actor=actor,
        subject=acts.Subject("agency", actor.agency_id),
        basis=(f"actions {acts.ids([r.id for r in rows])}; cases {acts.ids(sorted(shown_cases))}"),
    )
    record_withheld(session, actor, acts.Action.ACTIONS_LIST, withheld)
    last = Place(actions[-1].due_on, actions[-1].id) if actions else None
    return ActionPage(rows, total, page, pages, more, last)


def _locking() -> tuple[ColumnElement[bool], ...]:
    """Lock requests that locked their case: approved requests to lock (not to unlock)."""
    return (LockRequest.status == LockStatus.APPROVED, LockRequest.unlock.is_(False))


def _locks_in_force(session: Session, case_ids: set[int]) -> dict[int, int]:
    """The lock request that locked each of the locked cases ``case_ids``: its latest
    approved request to lock it (case ID to request ID)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(LockRequest.case_id, func.max(LockRequest.id))
        .where(LockRequest.case_id.in_(sorted(case_ids)), *_locking())
        .group_by(LockRequest.case_id)
    )
    return {case_id: request_id for case_id, request_id in rows}


def page_restricted_by(
    session: Session, actor: Actor, lock_request_id: int, size: int = PAGE_SIZE
) -> int | None:
    """The page of the actor's agency's actions list holding the first of its actions on
    the case that lock request ``lock_request_id`` locked (the rows the lock's e-mail to
    the agency is about); None when it lists none, or there is no such approved lock:
    the list then opens at its first page, as for any other number."""
    locked = select(LockRequest.case_id).where(LockRequest.id == lock_request_id, *_locking())
    listed = select(Action).join(Case, Case.id == Action.case_id).where(*_listed(actor))
    first = session.execute(
        listed.where(Action.case_id.in_(locked))
        .with_only_columns(Action.due_on, Action.id)
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
        .limit(1)
    ).first()
    if first is None:
        return None
    before = session.scalar(
        listed.where(~_following(Place(*first))).with_only_columns(func.count())
    )
    return ((before or 1) - 1) // size + 1


def _following(after: Place) -> ColumnElement[bool]:
    """The actions that come after the place ``after`` in the list's order (soonest due
    first, undated last, then by number)."""
    if after.due_on is None:
        return and_(Action.due_on.is_(None), Action.id > after.id)
    return or_(
        Action.due_on.is_(None),
        Action.due_on > after.due_on,
        and_(Action.due_on == after.due_on, Action.id > after.id),
    )


def closable(session: Session, actor: Actor, action_id: int) -> Action:
    """The action, if the actor may mark it done or cancelled: an action on their own
    agency's case (decided as a record on the case), or one their agency owns on a
    partner's case. ``NotFound`` (recorded) otherwise."""
    action = session.get(Action, action_id)
    own_case = action is not None and action.case.agency_id == actor.agency_id
    if action is None or not (
        own_case or _owns(actor, action, facts_of(session, [action.case_id]).get(action.case_id))
    ):
        # The same entry whether the action does not exist or is not theirs to know of.
        raise acts.refused(
            session,
            acts.Action.ACTION_CLOSE,
            actor=actor,
            subject=acts.Subject("action", action_id),
            reason="no such action",
            answer=NotFound(action_id),
        )
    if own_case:
        authorise(session, actor, action.case_id, _act_on(action))  # refused and recorded there
    return action


def _act_on(action: Action) -> Act:
    """What closing an action on the agency's own case is: a record on an open case; on
    a closed one, part of its closing (a follow-up of the complainant's dissatisfaction
    comes after the case closed)."""
    return Act.CLOSE if action.case.status is CaseStatus.CLOSED else Act.RECORD


def _may_close(decisions: CaseDecisions, action: Action) -> bool:
    """``closable``'s rule, without recording anything: an action on the actor's own
    agency's case they may record on, or one their agency owns on a partner's case."""
    actor = decisions.actor
    if action.case.agency_id == actor.agency_id:
        decision = decisions.on(action.case_id, _act_on(action))
        return decision is not None and decision.allowed
    return _owns(actor, action, decisions.facts.get(action.case_id))


def _owns(actor: Actor, action: Action, facts: CaseFacts | None) -> bool:
    """Whether the actor's agency owns this action, on a case not erased (``facts``), and
    the actor works actions. A partner's case locked since keeps the action its owner's to
    close: closing it reads nothing of the case."""
    if action.owner_agency_id != actor.agency_id:
        return False
    if not actor.has(*ACTION_ROLES):
        return False
    return facts is not None and not facts.erased
