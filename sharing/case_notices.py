"""The notices about a case: a safeguarding referral made (and those still waiting
dropped for whoever may no longer open the case for it), its open actions falling due,
a partner's actions closed with the case or now on a restricted case; and the notices
about a case still waiting dropped as it is locked (for anyone outside its lock) or
erased. Each is queued by ``sharing.notices.queue``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import decision_on
from sharing.access.decide import Act
from sharing.access.facts import Actor, facts_of
from sharing.access.scope import Lock
from sharing.meetings.conference_listing import visible
from sharing.models import Action, Case, Conference, Notice, Referral, User
from sharing.notices import drop_waiting, managers, queue
from sharing.vocabulary import ActionStatus, NoticeKind


def referral_made(session: Session, referral: Referral, now: datetime) -> None:
    """Tell the safeguarding team a case was referred to it: its people who may open the
    case for the referral (the roles its share's clauses give the case), each with a link
    to the referral on the case, never who was referred or why. (A referral to a service
    outside the hub shares nothing, and tells no one here.)"""
    share = referral.share
    if share is None:
        return
    team = session.scalars(
        select(User).where(User.agency_id == referral.agency_id, User.active).order_by(User.id)
    )
    readers = []
    for user in team:
        decision = decision_on(session, Actor.of(user), referral.case_id, Act.VIEW, share.purpose)
        if decision is not None and decision.allowed:
            readers.append(user)
    queue(
        session,
        NoticeKind.SAFEGUARDING_REFERRAL,
        readers,
        reference=referral.case.reference,
        path=f"/cases/{referral.case_id}?purpose={share.purpose}#referral-{referral.id}",
        now=now,
    )


def drop_for_ended_referrals(session: Session) -> int:
    """Drop the notices of safeguarding referrals still waiting for someone who may no
    longer open the case for the referral (its share ended, revoked or run out, its
    protocol ended, their roles changed, the case locked or erased): its link would lead
    to "not found". How many."""
    waiting = session.scalars(
        select(Notice).where(
            Notice.sent_at.is_(None), Notice.kind == NoticeKind.SAFEGUARDING_REFERRAL
        )
    ).all()
    dropped = 0
    for notice in waiting:
        if not _may_open_referral(session, notice):
            session.delete(notice)
            dropped += 1
    return dropped


def _may_open_referral(session: Session, notice: Notice) -> bool:
    """Whether the notice's reader may still open the case for the referral it links to."""
    _, _, referral_id = notice.path.rpartition("#referral-")
    referral = session.get(Referral, int(referral_id)) if referral_id.isdigit() else None
    if referral is None or referral.share is None:
        return False
    decision = decision_on(
        session, Actor.of(notice.user), referral.case_id, Act.VIEW, referral.share.purpose
    )
    return decision is not None and decision.allowed


def drop_outside_lock(session: Session, reference: str, members: Iterable[int]) -> int:
    """Drop the notices about a case still waiting to go to anyone outside its lock, as it
    is locked: for them the case no longer exists (``Lock``). How many."""
    return drop_waiting(
        session, Notice.reference == reference, Notice.user_id.not_in(list(members))
    )


def give_up_about(session: Session, reference: str) -> int:
    """Drop the notices about a case still waiting to be sent, as it is erased: nothing
    about an erased case is sent (its pages answer no one). How many."""
    return drop_waiting(session, Notice.reference == reference)


def actions_due(session: Session, *, within_days: int, today: date | None = None) -> int:
    """Queue a notice for each open action due from today to ``within_days`` ahead: to
    its named owner, else (no one named, or they have left: their account is disabled)
    the owning agency's managers; once per action and person. As
    the actions list, never about an erased case, nor to anyone outside a locked case's
    lock (for them it does not exist)."""
    today = today or clock.today()
    due = session.scalars(
        select(Action)
        .join(Case, Case.id == Action.case_id)
        .where(
            Action.status == ActionStatus.OPEN,
            Action.due_on >= today,
            Action.due_on <= today + timedelta(days=within_days),
            Case.erased_at.is_(None),
        )
        .order_by(Action.id)
    ).all()
    facts = facts_of(session, sorted({a.case_id for a in due}))
    queued = 0
    for action in due:
        named = action.owner_user
        owners = [named] if named and named.active else managers(session, action.owner_agency_id)
        queued += queue(
            session,
            NoticeKind.ACTION_DUE,
            [u for u in owners if Lock.holds(Actor.of(u), facts[action.case_id])],
            reference=action.case.reference,
            path=f"/actions#action-{action.id}",
            about=datetime.combine(action.due_on or today, time(9), clock.PARTNERSHIP_ZONE),
        )
    return queued


def actions_closed_with_case(
    session: Session, case: Case, closed: list[Action], by: Actor, now: datetime
) -> int:
    """Tell the partner agencies that held actions on the case (``closed`` with it) that
    they are no longer to be done: each action's named owner, else (no one named, or they
    have left) its agency's managers; not for the case's own agency's actions, nor anyone
    of the agency that closed it (``by``), nor anyone outside a locked case's lock; each
    person once, with a link to where they see it closed (the page of the conference that
    agreed it, else their actions list). The notices of those actions falling due still
    waiting are dropped. How many were told."""
    drop_waiting(
        session,
        Notice.kind == NoticeKind.ACTION_DUE,
        Notice.path.in_([f"/actions#action-{a.id}" for a in closed]),
    )
    facts = facts_of(session, [case.id])[case.id]
    told: dict[int, tuple[User, str]] = {}
    # Conference actions first, so that one holding both is sent to the conference's page.
    for action in sorted(closed, key=lambda a: a.conference_id is None):
        if action.owner_agency_id in (case.agency_id, by.agency_id):
            continue
        named = action.owner_user
        holders = [named] if named and named.active else managers(session, action.owner_agency_id)
        for user in holders:
            actor = Actor.of(user)
            if user.id in told or user.agency_id == by.agency_id or not Lock.holds(actor, facts):
                continue
            told[user.id] = (user, _where_seen_closed(session, actor, action, case))
    return sum(
        queue(
            session,
            NoticeKind.CLOSED_WITH_CASE,
            [user],
            reference=case.reference,
            path=path,
            now=now,
        )
        for user, path in told.values()
    )


def actions_restricted(
    session: Session, case: Case, lock_request_id: int, now: datetime
) -> list[int]:
    """Tell the managers of each partner agency holding an open action on a case just
    locked (by lock request ``lock_request_id``) that an action their agency holds is now
    on a restricted case: once per agency, whatever it holds, with a link to their actions
    list that opens the page holding the rows it is about, marked "Restricted", and lands
    on the first of them (its id ``restricted-<lock request id>``). Nothing of the case:
    no reference (for them the case no longer exists), and the link names the lock
    request, never the case. The ids of the agencies told, for the lock's audit entry."""
    holders = sorted(
        set(
            session.scalars(
                select(Action.owner_agency_id).where(
                    Action.case_id == case.id,
                    Action.status == ActionStatus.OPEN,
                    Action.owner_agency_id != case.agency_id,
                )
            )
        )
    )
    told = []
    for agency_id in holders:
        if queue(
            session,
            NoticeKind.ACTION_RESTRICTED,
            managers(session, agency_id),
            path=f"/actions?restricted={lock_request_id}#restricted-{lock_request_id}",
            now=now,
        ):
            told.append(agency_id)
    return told


def _where_seen_closed(session: Session, actor: Actor, action: Action, case: Case) -> str:
    """The page where the holder sees the action closed with its case: its conference's
    action plan, when they may open the conference; else their agency's actions list
    (one such notice for each case closed)."""
    conference = session.get(Conference, action.conference_id) if action.conference_id else None
    if conference is not None and visible(session, actor, conference):
        return f"/conferences/{conference.id}#actions"
    return f"/actions#closed-with-case-{case.id}"
