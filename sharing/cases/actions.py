"""Actions and interventions on a case: recorded, owned by a partner agency (and, if
named, one of its people) and due by a day, and changed while they are open.

Each function checks its input again (the web forms check first, for the user), asks
``sharing.access.decide`` whether the actor may act, writes, and flushes. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import agency_actions, recording
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import ClosedMeanwhile, InputError, NotFound
from sharing.models import Action, Agency, Case, LockMember, User
from sharing.vocabulary import ActionKind, ActionStatus, AgencyType, CaseStatus


@dataclass
class ActionInput:
    kind: ActionKind
    description: str
    owner_agency_id: int | None = None
    owner_user_id: int | None = None
    due_on: date | None = None


def _checked_owner(
    session: Session, case: Case, data: ActionInput, default_agency_id: int
) -> tuple[int, int | None]:
    """The owning agency (of the case's area; a landlord for a landlord's own action) and
    named person (of that agency, one who works actions) of an action, or ``InputError``
    at the field that is wrong."""
    owner_agency_id = data.owner_agency_id or default_agency_id
    agency = session.get(Agency, owner_agency_id)
    if agency is None or agency.area_id != case.agency.area_id:
        raise InputError("owner_agency_id", "Select an agency in the partnership")
    if data.kind.landlords_only and agency.type is not AgencyType.LANDLORD:
        raise InputError(
            "kind",
            f"{data.kind.label} is a landlord's action: select a landlord as the agency "
            "responsible, or another action",
        )
    if data.owner_user_id is not None:
        owner = session.get(User, data.owner_user_id)
        if owner is None or not owner.active or owner.agency_id != owner_agency_id:
            raise InputError(
                "owner_user_id", "Select a person from the agency that owns the action"
            )
        if not agency_actions.works_actions(owner):
            raise InputError("owner_user_id", agency_actions.NOT_ACTION_OWNER)
    return owner_agency_id, data.owner_user_id


#: Why an action on a locked case may not be given to an agency or person outside its lock.
OUTSIDE_THE_LOCK = (
    "This case is locked to named people: give the action to someone on the lock, "
    "or ask for the lock to be lifted"
)


def lock_members(session: Session, case: Case) -> frozenset[int] | None:
    """The users a locked case's lock names (None: the case is not locked): the only
    people its actions may be given to, with its own agency unnamed (whose actions list
    shows a locked case's actions only to them)."""
    if not case.locked:
        return None
    return frozenset(
        session.scalars(select(LockMember.user_id).where(LockMember.case_id == case.id))
    )


def _check_lock(
    session: Session, authorised: AuthorisedCase, owner_agency_id: int, owner_user_id: int | None
) -> None:
    """Refuse (recorded, ids only) an owner outside a locked case's lock, at its field: an
    agency other than the case's own, or a named person the lock does not name."""
    members = lock_members(session, authorised.case)
    if members is None:
        return
    if owner_agency_id != authorised.case.agency_id:
        field, who = "owner_agency_id", f"agency {owner_agency_id}"
    elif owner_user_id is not None and owner_user_id not in members:
        field, who = "owner_user_id", f"user {owner_user_id}"
    else:
        return
    raise acts.refused(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        reason=f"refused input: {field}; {who} outside the lock",
        answer=InputError(field, OUTSIDE_THE_LOCK),
    )


#: Why an officer may not add the follow-up of a dissatisfied complainant, nor make an
#: action one: the closure survey opens it, on a closed case, from the answer.
FOLLOW_UP_FROM_THE_SURVEY = (
    "Select another action: the follow-up of a dissatisfied complainant is opened by the "
    "closure survey, once the case is closed and the complainant says they were dissatisfied"
)


def _check_kind(
    session: Session, authorised: AuthorisedCase, kind: ActionKind, was: ActionKind | None = None
) -> None:
    """Refuse (recorded, the field named) an action made the follow-up of a dissatisfied
    complainant, which only the closure survey opens (one it opened keeps its kind)."""
    if kind is not ActionKind.DISSATISFACTION_FOLLOW_UP or kind is was:
        return
    raise acts.refused(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        reason=acts.input_refused(["kind"]),
        answer=InputError("kind", FOLLOW_UP_FROM_THE_SURVEY),
    )


def _check_due(due_on: date | None, today: date) -> None:
    if due_on is not None and not (today <= due_on <= today + timedelta(days=730)):
        raise InputError("due_on", "The due date must be today or later, and within two years")


def add_action(
    session: Session, authorised: AuthorisedCase, data: ActionInput, now: datetime | None = None
) -> Action:
    """Record an action or intervention on a case, owned by a partner agency (authorised
    for ``Act.RECORD``); on a locked case only by its own agency, or someone its lock
    names (``OUTSIDE_THE_LOCK`` at the field otherwise, recorded)."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    # Closed by a colleague at the same moment: wait, then add nothing to a closed case
    # (its closing closed the actions it had; one added after would stay open for ever).
    read_for_change(session, case)
    if case.status is CaseStatus.CLOSED:
        raise acts.refused(
            session,
            acts.Action.CASE_RECORD,
            actor=actor,
            subject=authorised.subject,
            reason="case closed meanwhile: action not added",
            answer=InputError(
                "description",
                "This case was closed after you opened this form, so no action was added",
            ),
        )
    _check_kind(session, authorised, data.kind)
    owner_agency_id, owner_user_id = _checked_owner(session, case, data, actor.agency_id)
    _check_lock(session, authorised, owner_agency_id, owner_user_id)
    _check_due(data.due_on, clock.day_of(now))
    action = Action(
        case=case,
        kind=data.kind,
        owner_agency_id=owner_agency_id,
        owner_user_id=owner_user_id,
        due_on=data.due_on,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(action)
    seal(
        action,
        "description",
        recording.text(
            "description", data.description, what="the description", required="Describe the action"
        ),
    )
    session.flush()
    recording.recorded(session, actor, case, f"action {action.id}")
    return action


def open_action(session: Session, authorised: AuthorisedCase, action_id: int) -> Action:
    """An open action of the authorised case (``NotFound`` for any other;
    ``ClosedMeanwhile``, saying how, by whom and when, for one done or cancelled)."""
    action = _action_of(session, authorised, action_id)
    if action.status is not ActionStatus.OPEN:
        raise closed_meanwhile(action)
    return action


def _action_of(session: Session, authorised: AuthorisedCase, action_id: int) -> Action:
    action = session.get(Action, action_id)
    if action is None or action.case_id != authorised.id:
        raise NotFound(action_id)
    return action


def refused_change(session: Session, authorised: AuthorisedCase, action_id: int) -> ClosedMeanwhile:
    """Record a change to an action of the case refused because it was closed after the
    form was opened, and return the refusal to raise (``closed_meanwhile``)."""
    action = _action_of(session, authorised, action_id)
    acts.refuse(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        reason=f"action {action.id} closed meanwhile: not changed",
    )
    return closed_meanwhile(action)


def closed_meanwhile(action: Action) -> ClosedMeanwhile:
    """The refusal of a change to a closed action: "This action was marked done by Sam
    Patel on 5 December 2026 at 3:04pm" (with their agency, when another agency's staff
    closed it; "closed with the case" by whoever closed the case), as much as the action
    keeps."""
    how = "marked done" if action.status is ActionStatus.DONE else "cancelled"
    if action.closed_with_case:
        how = "closed with the case"
    closer = action.closed_by
    by = ""
    if closer is not None:
        by = f" by {closer.display_name}"
        if closer.agency_id != action.case.agency_id:
            by += f" of {closer.agency.name}"
    on = f" on {clock.moment_text(action.closed_at)}" if action.closed_at else ""
    return ClosedMeanwhile(f"This action was {how}{by}{on}")


def change_action(
    session: Session,
    authorised: AuthorisedCase,
    action_id: int,
    data: ActionInput,
    *,
    at_the_table: set[int] | None = None,
    now: datetime | None = None,
    opened: str | None = None,
) -> bool:
    """Change an open action of the case (authorised for ``Act.RECORD``): what, who owns
    it and by when; whether anything changed (nothing is recorded for a form saved as it
    was). An action a conference agreed stays with an agency at its table
    (``at_the_table``); a due date already passed may stay as it is, a new one must be
    from today on. On a locked case an action given to someone else goes only to someone
    on the lock (one held outside it may stay as it is, to be changed or cancelled);
    the case's row is read under its lock first, as approving a lock reads it, so a change
    made as the case is locked is either saved before the lock or checked against it (and
    a colleague outside the lock then finds the case not there, ``NotFound``, recorded).
    ``ChangedMeanwhile``, naming who changed it last and when, if the
    action changed after the form was opened (its stamp ``opened``); ``ClosedMeanwhile``
    (recorded), saying who closed it and when, if it was marked done or cancelled."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    action = _action_of(session, authorised, action_id)
    # The case's row first, as a lock's approval and adding an action take it: given to a
    # partner as the case is locked, the action is either held before the lock (and its
    # agency told) or refused at its field after it. Then the action's own row: closed
    # by a colleague at the same moment, this waits for them, then sees it closed.
    read_for_change(session, case, action)
    # Decided again on the case as it now stands: locked meanwhile to people the actor
    # is not one of, the case is not there for them (``NotFound``, recorded).
    authorised = authorise(session, actor, case.id, authorised.act, authorised.purpose)
    if action.status is not ActionStatus.OPEN:
        raise refused_change(session, authorised, action.id)
    stamps.check(session, opened, action)
    _check_kind(session, authorised, data.kind, action.kind)
    owner_agency_id, owner_user_id = _checked_owner(session, case, data, action.owner_agency_id)
    moved = owner_agency_id != action.owner_agency_id
    if at_the_table is not None and moved and owner_agency_id not in at_the_table:
        raise InputError(
            "owner_agency_id",
            "The conference agreed this action: select an agency at the conference",
        )
    if (owner_agency_id, owner_user_id) != (action.owner_agency_id, action.owner_user_id):
        _check_lock(session, authorised, owner_agency_id, owner_user_id)
    if data.due_on != action.due_on:
        _check_due(data.due_on, clock.day_of(now))
    description = recording.text(
        "description", data.description, what="the description", required="Describe the action"
    )
    as_it_was = (action.kind, action.owner_agency_id, action.owner_user_id, action.due_on)
    action.kind = data.kind
    action.owner_agency_id = owner_agency_id
    action.owner_user_id = owner_user_id
    action.due_on = data.due_on
    described = seal(action, "description", description)
    if not described and as_it_was == (data.kind, owner_agency_id, owner_user_id, data.due_on):
        return False
    action.changed_by_user(actor.user_id, now)
    session.flush()
    recording.recorded(session, actor, case, f"action {action.id} changed")
    return True
