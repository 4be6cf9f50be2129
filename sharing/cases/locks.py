"""Locking a case (procedure 3.7): the case officer asks, a manager of the agency who is
not the requester decides; a locked case exists only for its lock members. Unlocking
follows the same two-person rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from sharing import case_notices, clock
from sharing.access.authorise import AuthorisedCase, authorise, own_cases_where
from sharing.access.decide import CASEWORK_ROLES, LOCKED, Act, Actor, decide
from sharing.access.facts import facts_of
from sharing.access.reveal import reveal_one
from sharing.audit import acts
from sharing.cases import lock_decisions, more_ending
from sharing.crypto.data_keys import load_data_keys
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import tidied
from sharing.models import (
    Action,
    Agency,
    Alert,
    AuditEntry,
    Case,
    LockMember,
    LockRequest,
    User,
)
from sharing.vocabulary import (
    ActionStatus,
    AlertKind,
    LockReason,
    LockStatus,
    MoreRequestEnd,
    Role,
)


def request_lock(
    session: Session,
    authorised: AuthorisedCase,
    reason: LockReason | None,
    note: str,
    *,
    unlock: bool = False,
) -> LockRequest:
    """The case officer asks for the case to be locked (with a reason) or unlocked
    (authorised for ``Act.REQUEST_LOCK``); refused at its field, and recorded, for a case
    already so, no reason, a note too short, or a request already waiting."""
    authorised.require(Act.REQUEST_LOCK)
    case, actor = authorised.case, authorised.actor
    read_for_change(session, case)  # a request sent twice at once: the second waits
    asked = acts.Action.UNLOCK_REQUEST if unlock else acts.Action.LOCK_REQUEST
    with acts.refusing_input(session, asked, actor=actor, subject=authorised.subject):
        if case.locked != unlock:
            raise InputError(
                "reason",
                "This case is already unlocked" if unlock else "This case is already locked",
            )
        if not unlock and reason is None:
            raise InputError("reason", "Select why the case should be locked")
        note = tidied(note)
        if len(note) < 10:
            raise InputError(
                "note", "Explain the request for your manager (at least 10 characters)"
            )
        pending = session.scalar(
            select(LockRequest).where(
                LockRequest.case_id == case.id, LockRequest.status == LockStatus.REQUESTED
            )
        )
        if pending is not None:
            raise InputError("reason", "A request for this case is already waiting for a manager")
    request = LockRequest(
        case=case,
        reason=reason or LockReason.SENSITIVE,
        unlock=unlock,
        requested_by_id=actor.user_id,
    )
    session.add(request)
    seal(request, "note", note)
    session.add(
        Alert(
            agency_id=case.agency_id,
            role=Role.MANAGER,
            kind=AlertKind.LOCK_REQUEST,
            message=_alert_message(case.reference, unlock),
            case_id=case.id,
        )
    )
    session.flush()
    lock_decisions.tell_managers(session, request)
    acts.record(
        session,
        acts.Action.UNLOCK_REQUEST if unlock else acts.Action.LOCK_REQUEST,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=f"request {request.id}" + ("" if unlock else f", reason {request.reason.value}"),
    )
    return request


def _alert_message(reference: str, unlock: bool) -> str:
    return f"{'Unlock' if unlock else 'Lock'} requested for case {reference}"


def alerts_waiting(session: Session, actor: Actor, case_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(case ID, message) of the lock-request alerts about ``case_ids`` the actor is still
    asked to look at: those of requests waiting for a manager that the actor may decide
    (an unlock request only for the locked case's members). A decided request's alert
    no longer asks anything, and names a case locked since to no one outside its lock."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return set()
    rows = session.execute(
        select(Case.id, Case.reference, LockRequest.unlock)
        .join(LockRequest, LockRequest.case_id == Case.id)
        .where(
            Case.id.in_(wanted),
            LockRequest.status == LockStatus.REQUESTED,
            own_cases_where(actor, Act.DECIDE_LOCK),
        )
    )
    return {(case_id, _alert_message(reference, unlock)) for case_id, reference, unlock in rows}


def decide_lock(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    approve: bool,
    members: Sequence[int] = (),
    reason: str = "",
    now: datetime | None = None,
) -> LockRequest:
    """A manager of the agency, not the requester, approves or refuses, a refusal with its
    ``reason`` (sealed; refused at the note without one). The officer who asked is told
    (``lock_decisions.tell_requester``). An approved lock
    lets in the case officer, the approving manager and the users they name; notices about
    the case still waiting to go to anyone else are dropped, and the managers of each
    partner agency holding an open action on it are told that it is now on a restricted
    case (``case_notices.actions_restricted``); partners' requests for more of it still
    waiting end, their askers told naming nothing of the case (``more_ending``). The case's row is read under its lock first,
    so an action added at the same moment is either held before the lock or refused."""
    request = session.get(LockRequest, request_id)
    if request is None:
        raise acts.refused(
            session,
            acts.Action.LOCK_DECIDE,
            actor=actor,
            subject=acts.Subject("lock_request", request_id),
            reason="no such request",
            answer=NotFound(request_id),
        )
    authorise(session, actor, request.case_id, Act.DECIDE_LOCK)
    if request.requested_by_id == actor.user_id:
        refusal = "a lock must be decided by a manager other than the person who asked for it"
        raise acts.refused(
            session,
            acts.Action.LOCK_DECIDE,
            actor=actor,
            subject=acts.Subject("lock_request", request_id),
            reason=refusal,
        )
    # Decided twice at once: the second waits, then sees it. The case's row first, as an
    # action added or given at the same moment holds it: that waits for the lock and is
    # refused at its field, or the lock waits for it and finds it held outside the lock.
    read_for_change(session, request.case, request)
    if request.status is not LockStatus.REQUESTED:
        acts.refuse(
            session,
            acts.Action.LOCK_DECIDE,
            actor=actor,
            subject=acts.Subject("lock_request", request_id),
            reason=f"refused: request already {request.status.value}",
        )
        raise InputError("decision", "This request has already been decided")
    if not approve:
        subject = acts.Subject("lock_request", request_id)
        with acts.refusing_input(session, acts.Action.LOCK_DECIDE, actor=actor, subject=subject):
            seal(request, "decision_note", lock_decisions.refusal_reason(reason))
    request.status = LockStatus.APPROVED if approve else LockStatus.REFUSED
    request.decided_by_id = actor.user_id
    request.decided_at = now or clock.now()
    told: list[int] = []
    if approve:
        _apply(session, actor, request.case, request.unlock, members)
        session.flush()
        if not request.unlock:
            told = case_notices.actions_restricted(
                session, request.case, request.id, request.decided_at
            )
            more_ending.with_case(
                session, actor, request.case, MoreRequestEnd.CASE_LOCKED, request.decided_at
            )
    session.flush()
    members_now = sorted(
        session.scalars(select(LockMember.user_id).where(LockMember.case_id == request.case_id))
    )
    lock_decisions.tell_requester(session, request, members_now)
    acts.record(
        session,
        acts.Action.LOCK_DECIDE,
        actor=actor,
        subject=acts.Subject("case", request.case_id),
        basis=(
            f"{'unlock' if request.unlock else 'lock'} request {request.id} "
            f"{request.status.value}"
            + (f"; named users {acts.ids(members_now)}" if approve and not request.unlock else "")
            + (f"; partner agencies told {acts.ids(told)}" if told else "")
        ),
    )
    return request


def _apply(
    session: Session, actor: Actor, case: Case, unlock: bool, members: Sequence[int]
) -> None:
    session.execute(delete(LockMember).where(LockMember.case_id == case.id))
    case.locked = not unlock
    if unlock:
        return
    named = list(dict.fromkeys([case.officer_id, actor.user_id, *members]))
    for user_id in named:
        user = session.get(User, user_id)
        if user is None or user.agency_id != case.agency_id:
            raise InputError("members", "Name only people of your own agency")
        if user_id in members and user.roles.isdisjoint(CASEWORK_ROLES):
            # Only they would otherwise see the case: a lock lets no one else read it.
            raise InputError("members", "Name only case officers and managers of your agency")
        session.add(LockMember(case_id=case.id, user_id=user_id, named_by_id=actor.user_id))
    case_notices.drop_outside_lock(session, case.reference, named)


@dataclass(frozen=True)
class PendingRequest:
    """A lock or unlock request waiting for a manager, with the requester's note."""

    request: LockRequest
    note: str | None


def pending_requests(session: Session, actor: Actor) -> list[PendingRequest]:
    """Lock and unlock requests waiting for a manager of the actor's agency who may decide
    them (an unlock request only for the locked case's members), with their notes; the
    queue's view is recorded."""
    requests = list(
        session.scalars(
            select(LockRequest)
            .join(Case, Case.id == LockRequest.case_id)
            .where(
                own_cases_where(actor, Act.DECIDE_LOCK), LockRequest.status == LockStatus.REQUESTED
            )
            .options(
                contains_eager(LockRequest.case),  # the case joined above
                joinedload(LockRequest.requested_by),
            )
            .order_by(LockRequest.requested_at, LockRequest.id)
        )
    )
    now = clock.now()
    facts = facts_of(session, {r.case_id for r in requests})
    load_data_keys(session, {r.case.data_key_id for r in requests})  # the notes', at once
    pending = [
        PendingRequest(
            r,
            reveal_one(decide(actor, facts[r.case_id], Act.DECIDE_LOCK, now=now), r, "note"),
        )
        for r in requests
    ]
    acts.record(
        session,
        acts.Action.LOCK_REQUESTS_VIEW,
        actor=actor,
        subject=acts.Subject("lock_requests"),
        basis=f"requests {acts.ids([r.id for r in requests])}; cases {acts.ids(sorted({r.case_id for r in requests}))}",
    )
    return pending


@dataclass(frozen=True)
class RefusedAttempt:
    """Someone outside a case's lock asked for it and was refused (staff names only)."""

    at: datetime
    user: str
    agency: str
    action: str


#: The refused attempts a locked case's page lists, newest first.
ATTEMPTS_SHOWN = 20


def refused_attempts(session: Session, authorised: AuthorisedCase) -> list[RefusedAttempt]:
    """For the lock members on a locked case's page: the newest requests for the case
    refused because it is locked, from the audit log. The requesters were told the case
    does not exist, and their own agency's DPO reads it so."""
    entries = session.execute(
        select(AuditEntry.at, User.display_name, Agency.name, AuditEntry.action)
        .outerjoin(User, User.id == AuditEntry.actor_user_id)
        .outerjoin(Agency, Agency.id == AuditEntry.actor_agency_id)
        .where(
            AuditEntry.object_type == "case",
            AuditEntry.object_id == str(authorised.case.id),
            AuditEntry.outcome == acts.Outcome.REFUSED.value,
            AuditEntry.basis.endswith(LOCKED, autoescape=True),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(ATTEMPTS_SHOWN)
    )
    labels = {a.value: a.label for a in acts.Action}
    return [
        RefusedAttempt(at, user or "", agency or "", labels.get(action, action))
        for at, user, agency, action in entries
    ]


@dataclass(frozen=True)
class HeldOutside:
    """An open action on a locked case held by someone outside its lock: a partner agency
    (which lists it only as an action on a case now restricted) or a named person of the
    case's agency the lock does not name (who no longer sees it). Staff names only."""

    id: int
    kind: str
    due_on: date | None
    agency: str
    person: str | None
    #: Whether the agency holding it is a partner (not the case's own).
    partner: bool


def held_outside_lock(session: Session, authorised: AuthorisedCase) -> list[HeldOutside]:
    """For the lock members on a locked case's page: its open actions held outside the
    lock, soonest due first, to give to someone on the lock or cancel."""
    case = authorised.case
    members = select(LockMember.user_id).where(LockMember.case_id == case.id)
    held = session.scalars(
        select(Action)
        .where(
            Action.case_id == case.id,
            Action.status == ActionStatus.OPEN,
            or_(
                Action.owner_agency_id != case.agency_id,
                and_(Action.owner_user_id.is_not(None), Action.owner_user_id.not_in(members)),
            ),
        )
        .options(joinedload(Action.owner_agency), joinedload(Action.owner_user))
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
    )
    return [
        HeldOutside(
            a.id,
            a.kind.label,
            a.due_on,
            a.owner_agency.name,
            a.owner_user.display_name if a.owner_user else None,
            a.owner_agency_id != case.agency_id,
        )
        for a in held
    ]
