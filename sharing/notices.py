"""Notices by e-mail, queued in the same transaction as the act they tell of: a
conference's invitation and information requests, its circulated and agreed minutes,
actions falling due, a partner's actions closed with their case or now on a restricted
case. A notice names what it is about, the case reference (none where the case is now
restricted to its reader) and a page of the hub; never personal data (the reader
signs in to see the case). The web layer delivers queued notices after the request that
queued them (``QUEUED`` in the session's info), and ``hub notices send`` delivers any
still waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import decision_on
from sharing.access.decide import Act
from sharing.access.facts import Actor, facts_of
from sharing.access.scope import Lock
from sharing.db import begin_writing
from sharing.meetings.conference_listing import CANCELLED_ANCHOR, visible
from sharing.meetings.requests import ANSWERING_ROLES
from sharing.models import (
    Action,
    Case,
    Conference,
    MeetingSitting,
    Notice,
    Referral,
    TriggerApplication,
    TriggerLetter,
    User,
)
from sharing.vocabulary import ActionStatus, Attendance, NoticeKind, Role

#: Set in a session's info when it queued notices, for the web layer to deliver them.
QUEUED = "hub.notices_queued"
#: Attempts before a notice is left for an operator to look at.
MAX_ATTEMPTS = 5


def queue(
    session: Session,
    kind: NoticeKind,
    users: Iterable[User],
    *,
    reference: str | None = None,
    sitting_id: int | None = None,
    path: str,
    about: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Queue a notice of ``kind`` about ``path`` for each active user not already told;
    how many were queued. It names what it is about: a case's ``reference`` (an
    application's, for a recommendation), or a sitting (``sitting_id``)."""
    told = set(
        session.scalars(select(Notice.user_id).where(Notice.kind == kind, Notice.path == path))
    )
    queued = 0
    for user in {u.id: u for u in users}.values():
        if not user.active or user.id in told:
            continue
        session.add(
            Notice(
                kind=kind,
                user_id=user.id,
                reference=reference,
                sitting_id=sitting_id,
                path=path,
                about=about,
                created_at=now or clock.now(),
            )
        )
        queued += 1
    if queued:
        session.info[QUEUED] = True
    return queued


def managers(session: Session, agency_id: int) -> list[User]:
    """The agency's active managers, in the order they were added."""
    users = session.scalars(
        select(User).where(User.agency_id == agency_id, User.active).order_by(User.id)
    )
    return [u for u in users if Role.MANAGER in u.roles]


def conference_convened(session: Session, conference: Conference, now: datetime) -> None:
    """Tell the people expected and the chair they are invited (not the convenor), and
    each agency invited what it is asked: its people expected who may answer, else its
    managers."""
    path = f"/conferences/{conference.id}"
    reference = conference.case.reference
    expected = [a.user for a in conference.attendees]
    queue(
        session,
        NoticeKind.INVITATION,
        [u for u in [*expected, conference.chair] if u.id != conference.convened_by_id],
        reference=reference,
        path=path,
        about=conference.starts_at,
        now=now,
    )
    for request in conference.requests:
        queue(
            session,
            NoticeKind.INFORMATION_REQUEST,
            _asked(session, request.agency_id, expected),
            reference=reference,
            path=f"{path}/requests/{request.id}",
            about=conference.starts_at,
            now=now,
        )


def conference_joined(
    session: Session,
    conference: Conference,
    people: Iterable[User],
    asked: Iterable[int],
    by: int,
    now: datetime,
) -> None:
    """Tell the people a change of the conference expects they are invited, and each
    agency it invited (``asked``, by id) what it is asked, as convening tells them; and
    each of those people whose agency was asked before and has not answered yet, what it
    is asked, as those expected then were told; not ``by``, who changed it, nor anyone
    told before (an agency withdrawn meanwhile is never asked again)."""
    people = list(people)
    path = f"/conferences/{conference.id}"
    reference = conference.case.reference
    queue(
        session,
        NoticeKind.INVITATION,
        [u for u in people if u.id != by],
        reference=reference,
        path=path,
        about=conference.starts_at,
        now=now,
    )
    expected = [a.user for a in conference.expected]
    newly = [u for u in people if u.active and u.has_role(*ANSWERING_ROLES)]
    table = conference.at_the_table
    for request in conference.requests:
        if request.agency_id in asked:
            told = _asked(session, request.agency_id, expected)
        elif request.answered_at is None and request.agency_id in table:
            told = [u for u in newly if u.agency_id == request.agency_id]
        else:
            continue
        queue(
            session,
            NoticeKind.INFORMATION_REQUEST,
            [u for u in told if u.id != by],
            reference=reference,
            path=f"{path}/requests/{request.id}",
            about=conference.starts_at,
            now=now,
        )


def _asked(session: Session, agency_id: int, expected: list[User]) -> list[User]:
    """Who is told what an invited agency is asked: its people expected who may answer,
    else (none, or none whose account is still active) its managers."""
    answerers = [
        u
        for u in expected
        if u.agency_id == agency_id and u.active and u.has_role(*ANSWERING_ROLES)
    ]
    return answerers or managers(session, agency_id)


def _told_of_convening(session: Session, conference: Conference) -> list[User]:
    """Who the conference's convening told, as things stand: the people expected, the
    chair, and for each agency asked and still at the table, those told what it is asked
    (``_asked``: its managers where none of its people expected may answer)."""
    expected = [a.user for a in conference.expected]
    table = conference.at_the_table
    asked = [r.agency_id for r in conference.requests if r.agency_id in table]
    return [*expected, conference.chair, *(u for a in asked for u in _asked(session, a, expected))]


def minutes_ready(
    session: Session, conference: Conference, kind: NoticeKind, by: int, now: datetime
) -> None:
    """Tell the attendees, the chair and the convenor (not ``by``, who did it) that the
    minutes are circulated or agreed: the people expected, and the deputy who came for
    one (both are told: the person named stays their agency's attendee). Only those who
    may open the conference are told: nobody outside a locked case's lock, nor anyone whose
    agency's invitation no longer stands."""
    attendees = [a.user for a in conference.expected] + [
        a.deputy
        for a in conference.expected
        if a.attendance is Attendance.DEPUTY and a.deputy is not None
    ]
    people = [*attendees, conference.chair, conference.convened_by]
    queue(
        session,
        kind,
        [u for u in people if u.id != by and visible(session, Actor.of(u), conference)],
        reference=conference.case.reference,
        path=f"/conferences/{conference.id}",
        about=conference.starts_at,
        now=now,
    )


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


def sitting_changed(
    session: Session,
    sitting: MeetingSitting,
    kind: NoticeKind,
    by: int,
    now: datetime,
) -> int:
    """Tell of a sitting moved or cancelled (``kind``) its standing members and, for each
    case on its agenda, who brought it and whoever its convening told (``_told_of_convening``:
    the people expected, the chair, and the managers of an agency asked what it holds
    with none of its people expected to answer); not ``by``, who did it: each once, with
    a link to the sitting's page, never a case. A move is told each time (its notice's
    page names the moment of the move); a notice of an earlier move still waiting is
    dropped, as the sitting's page, which its message reads where it now meets from, has
    moved on. How many were told."""
    _drop_waiting(session, Notice.kind == NoticeKind.SITTING_MOVED, Notice.sitting_id == sitting.id)
    page = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    path = f"{page}#{moved_anchor(now)}" if kind is NoticeKind.SITTING_MOVED else page
    people = [m.user for m in sitting.series.members]
    for conference in sitting.conferences:
        people += [*_told_of_convening(session, conference), conference.convened_by]
    return queue(
        session,
        kind,
        [u for u in people if u.id != by],
        sitting_id=sitting.id,
        path=path,
        about=sitting.starts_at,
        now=now,
    )


def conference_cancelled(
    session: Session, conference: Conference, people: Iterable[User], now: datetime
) -> None:
    """Tell ``people`` (its chair and the people expected) the conference is cancelled,
    naming the case and its day: those who may still open it with a link to its page,
    which says why; the others, whose agency's share ended with it, to their list of
    conferences."""
    _tell_about(
        session,
        NoticeKind.CONFERENCE_CANCELLED,
        conference,
        people,
        page=f"/conferences/{conference.id}",
        elsewhere=f"{CANCELLED_ANCHOR}{conference.id}",
        now=now,
    )


def chair_changed(
    session: Session,
    conference: Conference,
    people: Iterable[User],
    by: int,
    now: datetime,
    kind: NoticeKind = NoticeKind.CHAIR_CHANGED,
) -> None:
    """Tell ``people`` (its old and new chair; not ``by``, who changed it) that the
    conference has a new chair, as its partnership meeting's chair changed (or, with
    ``kind`` ``NEW_CHAIR``, as it was changed on the conference's page), naming the case
    and its time: those who may open it with a link to its page, the others to their
    list of conferences. Told each time it changes (the page's link names the moment),
    so that a chair given it back is told again."""
    moment = f"#{chair_anchor(now)}"
    _tell_about(
        session,
        kind,
        conference,
        [u for u in people if u.id != by],
        page=f"/conferences/{conference.id}{moment}",
        elsewhere=f"/conferences{moment}-{conference.id}",
        now=now,
    )


def moved_anchor(moved_at: datetime) -> str:
    """Where the time and place of a sitting or conference moved at ``moved_at`` is given on
    its page (``moved-`` and the moment), which the notice of the move links to."""
    return f"moved-{int(moved_at.timestamp())}"


def taken_off_anchor(conference_id: int) -> str:
    """Where a sitting's page says the case conference was taken off its agenda, which
    the notice of it links to."""
    return f"taken-off-{conference_id}"


def chair_anchor(changed_at: datetime) -> str:
    """Where a change of chair made at ``changed_at`` is listed on its conference's page
    (``chair-`` and the moment), which the notice of it links to."""
    return f"chair-{int(changed_at.timestamp())}"


def chair_replaced(session: Session, conference: Conference, was_chair: User) -> int:
    """Drop the invitation still waiting to go to the conference's old chair as it has a
    new one: it would tell them they chair a conference they no longer do (they are told
    of the new chair instead). Kept where they are also among the people expected, who
    are invited all the same. How many were dropped."""
    if was_chair.id in {a.user_id for a in conference.expected}:
        return 0
    return _drop_waiting(
        session,
        Notice.kind == NoticeKind.INVITATION,
        Notice.user_id == was_chair.id,
        Notice.path == f"/conferences/{conference.id}",
    )


def _tell_about(
    session: Session,
    kind: NoticeKind,
    conference: Conference,
    people: Iterable[User],
    *,
    page: str,
    elsewhere: str,
    now: datetime,
) -> None:
    """Queue a notice about the conference, naming its case and time: to those of
    ``people`` who may open it, linking to ``page``; to the others (whose agency may no
    longer open it), linking to ``elsewhere`` on their list of conferences."""
    people = list(people)
    opening = [u for u in people if visible(session, Actor.of(u), conference)]
    others = [u for u in people if u not in opening]
    for told, path in ((opening, page), (others, elsewhere)):
        queue(
            session,
            kind,
            told,
            reference=conference.case.reference,
            path=path,
            about=conference.starts_at,
            now=now,
        )


def conference_moved(session: Session, conference: Conference, by: int, now: datetime) -> int:
    """Tell of a conference changed to another time, place or video link whoever its
    convening told (``_told_of_convening``: the people expected, the chair, and the
    managers of an agency asked what it holds with none of its people expected to
    answer), not ``by``, who changed it: each with a link to its page, naming the case
    and its time now. Each change is told (its link names the moment of the change); a
    notice of an earlier change still waiting is dropped. How many were told."""
    page = f"/conferences/{conference.id}"
    _drop_waiting(
        session, Notice.kind == NoticeKind.CONFERENCE_MOVED, Notice.path.startswith(f"{page}#")
    )
    return queue(
        session,
        NoticeKind.CONFERENCE_MOVED,
        [u for u in _told_of_convening(session, conference) if u.id != by],
        reference=conference.case.reference,
        path=f"{page}#{moved_anchor(now)}",
        about=conference.starts_at,
        now=now,
    )


def _about(conference: Conference) -> ColumnElement[bool]:
    """Whether a notice is about the conference: it links to its page, a place on it (a
    change: ``#chair-…``, ``#moved-…``) or a page below it (its requests), not to
    another's (``/conferences/70`` for ``/conferences/7``)."""
    path = f"/conferences/{conference.id}"
    return (
        (Notice.path == path)
        | Notice.path.startswith(f"{path}/")
        | Notice.path.startswith(f"{path}#")
    )


def about_moved(session: Session, conference: Conference) -> None:
    """Move the moment the notices about the conference still waiting to be sent name (its
    invitation, its requests) to its time now."""
    waiting = session.scalars(select(Notice).where(Notice.sent_at.is_(None), _about(conference)))
    for notice in waiting:
        notice.about = conference.starts_at


def drop_about_conference(session: Session, conference: Conference) -> int:
    """Drop the notices about the conference still waiting to be sent, as it is cancelled
    (its invitation, its requests): no one is asked to come, nor what they hold. How many."""
    return _drop_waiting(session, _about(conference))


def withdraw_unsent(session: Session, agency_id: int, conference: Conference) -> int:
    """Drop the notices about the conference still waiting to go to an agency whose
    invitation was withdrawn (its invitation, its information request); how many."""
    return _drop_waiting(
        session,
        Notice.user_id.in_(select(User.id).where(User.agency_id == agency_id)),
        _about(conference),
    )


def drop_outside_lock(session: Session, reference: str, members: Iterable[int]) -> int:
    """Drop the notices about a case still waiting to go to anyone outside its lock, as it
    is locked: for them the case no longer exists (``Lock``). How many."""
    return _drop_waiting(
        session, Notice.reference == reference, Notice.user_id.not_in(list(members))
    )


def give_up_about(session: Session, reference: str) -> int:
    """Drop the notices about a case still waiting to be sent, as it is erased: nothing
    about an erased case is sent (its pages answer no one). How many."""
    return _drop_waiting(session, Notice.reference == reference)


def give_up_about_application(session: Session, application_id: int) -> int:
    """Drop the notices still waiting that ask agencies about a Community Trigger
    application's counted complaints, as it is closed (withdrawn, or a duplicate): no
    agency is asked about it any more. How many."""
    return _drop_waiting(
        session,
        Notice.kind == NoticeKind.TRIGGER_REVIEW,
        Notice.path.endswith(f"#trigger-{application_id}"),
    )


def give_up_about_erased_application(session: Session, application: TriggerApplication) -> int:
    """Drop the notices still waiting about a Community Trigger application, as it is
    erased: those telling agencies of its recommendations (they name its reference and link
    to them) and those asking agencies about its counted complaints. Nothing about an
    erased application is sent. How many."""
    recommendations = _drop_waiting(
        session,
        Notice.kind.in_([NoticeKind.RECOMMENDATION, NoticeKind.RECOMMENDATION_CANCELLED]),
        Notice.reference == application.reference,
    )
    return recommendations + give_up_about_application(session, application.id)


def recommendation_cancelled(
    session: Session, agency_id: int, reference: str, path: str, now: datetime
) -> int:
    """Tell the agency's managers that a Community Trigger recommendation (``path``, of
    application ``reference``) is cancelled. A manager whose notice of the recommendation
    was still waiting is told neither: it is dropped. How many were queued."""
    waiting = session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.RECOMMENDATION, Notice.path == path, Notice.sent_at.is_(None)
        )
    ).all()
    never_told = {notice.user_id for notice in waiting}
    for notice in waiting:
        session.delete(notice)
    return queue(
        session,
        NoticeKind.RECOMMENDATION_CANCELLED,
        [u for u in managers(session, agency_id) if u.id not in never_told],
        reference=reference,
        path=path,
        now=now,
    )


def _drop_waiting(session: Session, *where: ColumnElement[bool]) -> int:
    """Drop the notices still waiting to be sent that meet ``where``; how many."""
    waiting = session.scalars(select(Notice).where(Notice.sent_at.is_(None), *where)).all()
    for notice in waiting:
        session.delete(notice)
    return len(waiting)


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
    _drop_waiting(
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


def drop_for_disabled(session: Session) -> int:
    """Drop the notices still waiting for accounts disabled since they were queued (a
    leaver gets nothing more from the hub, as nothing is queued for them); how many. One
    statement, so that two deliveries dropping them at once each drop what is left."""
    dropped: int = session.execute(  # type: ignore[attr-defined]  # a DELETE's CursorResult
        delete(Notice)
        .where(
            Notice.sent_at.is_(None),
            Notice.user_id.in_(select(User.id).where(User.active.is_(False))),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return dropped


def pending(session: Session, limit: int = 200) -> list[Notice]:
    """Notices not yet sent and not given up on, oldest first."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.sent_at.is_(None), Notice.attempts < MAX_ATTEMPTS)
            .order_by(Notice.id)
            .limit(limit)
        )
    )


class Queued(Protocol):
    """Mail waiting to go: a notice, or a letter to a Community Trigger applicant."""

    sent_at: datetime | None
    attempts: int
    failed_why: str | None
    claimed_at: datetime | None


def sent(mail: Queued, now: datetime | None = None) -> None:
    mail.sent_at = now or clock.now()
    mail.attempts += 1
    mail.failed_why = None
    mail.claimed_at = None


#: How long a delivery may hold a mail it has taken before another may take it: far longer
#: than sending one message takes (the mail server is given 15 seconds), so a mail taken
#: longer ago was taken by a delivery that died before it could say what became of it.
CLAIM_LEASE = timedelta(minutes=10)


def claim(session: Session, mail: Notice | TriggerLetter, now: datetime | None = None) -> bool:
    """Take ``mail`` to send it now, by a write one delivery alone can make: it succeeds
    while the mail is unsent, not given up, and not taken by another delivery within
    ``CLAIM_LEASE``. The caller commits at once (so that no lock is held while the mail
    server answers), sends, then records what became of it (``sent``, ``refused``,
    ``waits``) and commits again. Of two deliveries at the same moment one takes it and the
    other passes it by; a delivery that dies after taking it leaves it to the first
    delivery after the lease (so a mail goes twice only if its process died in the moment
    between sending it and recording it sent). Whether it was taken (not if sent, given
    up, taken or deleted meanwhile)."""
    now = now or clock.now()
    begin_writing(session)
    table = type(mail)
    taken: int = session.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        update(table)
        .where(
            table.id == mail.id,
            table.sent_at.is_(None),
            table.attempts < MAX_ATTEMPTS,
            or_(table.claimed_at.is_(None), table.claimed_at < now - CLAIM_LEASE),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return False
    session.refresh(mail)
    return True


def refused(mail: Queued, why: str) -> None:
    """Record that the mail server refused the mail taken (``claim``) for good (this
    recipient or message), by the failure's type alone (never a message that might quote
    an address): it waits again, its attempt counted; after ``MAX_ATTEMPTS`` it is given
    up."""
    mail.attempts += 1
    mail.failed_why = why[:80]
    mail.claimed_at = None


def waits(mail: Queued, why: str) -> None:
    """Record why the mail server could not be used at all (not there, the hub's login
    refused, a temporary failure): not the mail's fault, so no attempt is counted, and a
    mail taken (``claim``) waits again as it was."""
    mail.failed_why = why[:80]
    mail.claimed_at = None


def gave_up(mail: Queued) -> bool:
    """Whether the mail is left unsent for good."""
    return mail.sent_at is None and mail.attempts >= MAX_ATTEMPTS


def given_up(mail: Queued, why: str) -> None:
    """Leave the mail unsent for good (nothing to send), saying why."""
    mail.attempts = MAX_ATTEMPTS
    mail.failed_why = why[:80]
