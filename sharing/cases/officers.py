"""Giving a case to another officer of its agency: a manager's act, when an officer
leaves, is away for long, or caseloads are shared out again. The officer given it is told
by e-mail; the previous officer's open actions on the case can go with it; on a locked
case the officer given it joins the lock and the previous one leaves it (a locked case
is its officer's and its manager's, procedure 3.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session, joinedload

from sharing import case_notices, clock, notices, stamps
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases.listing import may_own_cases
from sharing.errors import ChangedMeanwhile, InputError
from sharing.models import Action, LockMember, OfficerChange, User
from sharing.vocabulary import ActionStatus, NoticeKind

#: What a form giving a case to another officer stamps: the officer it shows.
OFFICER = ("officer_id",)


@dataclass(frozen=True)
class OfficerChangeView:
    """One change of a case's officer, as the case page lists it."""

    id: int
    changed_at: datetime
    changed_by: str
    officer_from: str
    officer_to: str
    actions_moved: int


def stamp(session: Session, authorised: AuthorisedCase) -> str:
    """The stamp a form giving the case to another officer carries: of its officer now."""
    return stamps.of(session, authorised.case, only=OFFICER)


def open_actions_of_officer(session: Session, authorised: AuthorisedCase) -> int:
    """How many of the case's open actions its officer owns (those that can go with it)."""
    case = authorised.case
    counted = select(func.count()).where(_officers_open_actions(case.id, case.officer_id))
    return session.scalar(counted) or 0


def give_case(
    session: Session,
    authorised: AuthorisedCase,
    officer_id: int | None,
    *,
    with_actions: bool,
    opened: str | None = None,
    now: datetime | None = None,
) -> OfficerChange:
    """Give the case to ``officer_id``, an active case officer or manager of its agency,
    with the previous officer's open actions on it when ``with_actions``. Refused
    (``InputError`` on ``officer_id``) for anyone else, or the officer it has;
    ``ChangedMeanwhile``, naming who gave it and when, if it was given to someone else
    after the form was opened (its stamp ``opened``). One audit entry names the change."""
    authorised.require(Act.CHANGE_OFFICER)
    case, actor = authorised.case, authorised.actor
    try:
        stamps.check(session, opened, case, only=OFFICER)
    except ChangedMeanwhile:
        session.expire(case, ["officer"])  # the page shows the officer it has now
        last = session.scalars(
            select(OfficerChange)
            .where(OfficerChange.case_id == case.id)
            .order_by(OfficerChange.changed_at.desc(), OfficerChange.id.desc())
        ).first()
        if last is None:
            raise
        raise ChangedMeanwhile(last.changed_at, last.changed_by.display_name) from None
    officer = session.get(User, officer_id) if officer_id is not None else None
    if officer is None or officer.agency_id != case.agency_id or not may_own_cases(officer):
        raise InputError("officer_id", "Select a case officer or manager of your agency")
    if officer.id == case.officer_id:
        raise InputError("officer_id", f"{officer.display_name} is already the case officer")
    now = now or clock.now()
    previous = case.officer_id
    moving = (
        session.scalars(select(Action).where(_officers_open_actions(case.id, previous))).all()
        if with_actions
        else []
    )
    for action in moving:
        action.owner_user_id = officer.id
        action.changed_by_user(actor.user_id, now)
    if case.locked:
        _move_lock(session, case.id, previous, officer.id, keep=actor.user_id)
        members = session.scalars(select(LockMember.user_id).where(LockMember.case_id == case.id))
        case_notices.drop_outside_lock(session, case.reference, list(members))
    change = OfficerChange(
        case_id=case.id,
        changed_at=now,
        changed_by_id=actor.user_id,
        officer_from_id=previous,
        officer_to_id=officer.id,
        actions_moved=len(moving),
    )
    session.add(change)
    case.officer_id = officer.id
    session.flush()
    session.expire(case, ["officer"])
    if officer.id != actor.user_id:
        notices.queue(
            session,
            NoticeKind.CASE_GIVEN,
            [officer],
            reference=case.reference,
            path=f"/cases/{case.id}#officer-change-{change.id}",
            now=now,
        )
    acts.record(
        session,
        acts.Action.CASE_OFFICER,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=(
            f"officer change {change.id}: user {previous} to user {officer.id}; "
            f"{len(moving)} open actions moved; own agency"
        ),
    )
    return change


def changes(session: Session, case_id: int) -> list[OfficerChangeView]:
    """The case's changes of officer, latest first, with the users they name (one query)."""
    rows = session.scalars(
        select(OfficerChange)
        .where(OfficerChange.case_id == case_id)
        .options(
            joinedload(OfficerChange.changed_by),
            joinedload(OfficerChange.officer_from),
            joinedload(OfficerChange.officer_to),
        )
        .order_by(OfficerChange.changed_at.desc(), OfficerChange.id.desc())
    )
    return [
        OfficerChangeView(
            id=c.id,
            changed_at=c.changed_at,
            changed_by=c.changed_by.display_name,
            officer_from=c.officer_from.display_name,
            officer_to=c.officer_to.display_name,
            actions_moved=c.actions_moved,
        )
        for c in rows
    ]


def _officers_open_actions(case_id: int, officer_id: int) -> ColumnElement[bool]:
    return and_(
        Action.case_id == case_id,
        Action.owner_user_id == officer_id,
        Action.status == ActionStatus.OPEN,
    )


def _move_lock(session: Session, case_id: int, previous: int, officer: int, *, keep: int) -> None:
    """The officer given a locked case joins its lock, named by the manager (``keep``);
    the previous officer leaves it, unless they are that manager."""
    if previous != keep:
        session.execute(
            delete(LockMember).where(LockMember.case_id == case_id, LockMember.user_id == previous)
        )
    member = select(LockMember.user_id).where(
        LockMember.case_id == case_id, LockMember.user_id == officer
    )
    if session.scalar(member) is None:
        session.add(LockMember(case_id=case_id, user_id=officer, named_by_id=keep))
