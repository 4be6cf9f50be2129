"""Two people acting on a partnership meeting or a conference at the same moment, on PostgreSQL: the chair
and a manager of the organising agency scheduling a sitting at the same time, a case's
officer and their manager bringing the same case to the same sitting. The first is
saved; the second waits for it, then is refused with the reason, with nothing written but
its refusal. Without the wait both read "not yet" and both save: the meeting sits twice
at one time, or the case is twice on one agenda (two conferences, two shares to each
agency, every member asked and told twice). Each race is run as in
``test_steps_taken_once``: no sleep decides the order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.meetings import (
    bringing_cases,
    conference_cancelling,
    conference_changes,
    conference_withdrawals,
    minutes,
    series,
    sitting_dates,
    sittings,
)
from sharing.models import Conference, MeetingSeries, MeetingSitting, MinuteItem, Notice, User
from sharing.vocabulary import ConferenceStatus, MinutesStatus, NoticeKind, Role
from tests.fixtures.demo import clashes, demo_actor, free_for_chair, open_cases
from tests.sharing.test_steps_taken_once import Step, _entries, _race, sessions

__all__ = ["sessions"]  # the fixture, for pytest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

GROUP = "Northshire ASB problem-solving group"


def _group(session: Session) -> MeetingSeries:
    return session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))


@pytest.mark.parametrize("apart", [timedelta(0), timedelta(hours=1)], ids=["same", "overlapping"])
def test_a_sitting_scheduled_twice_at_once_for_the_same_time_is_scheduled_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session], apart: timedelta
) -> None:
    """The chair and a manager schedule a sitting at once, at one time or an hour apart:
    the second waits, then is told when the meeting already sits."""
    with sessions() as session:
        group = _group(session)
        chair = Actor.of(group.chair)
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        assert series.may_schedule(manager, group)
        group_id = group.id
        when = sitting_dates.next_sitting(group) + timedelta(days=1)

    def by(actor: Actor, at: datetime) -> Step:
        def schedule(session: Session) -> None:
            series.schedule(session, actor, group_id, at)

        return schedule

    answers = _race(demo_database[0], sessions, by(chair, when), by(manager, when + apart))

    assert answers[0] == "done"
    assert answers[1].startswith(f"The meeting already sits on {clock.moment_text(when)}, ")
    with sessions() as session:
        at_that_time = session.scalar(
            select(func.count())
            .select_from(MeetingSitting)
            .where(
                MeetingSitting.series_id == group_id,
                MeetingSitting.starts_at.between(when - timedelta(hours=2), when + apart),
            )
        )
        assert at_that_time == 1


def test_a_case_brought_twice_at_once_to_the_same_sitting_is_on_its_agenda_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        sitting = next(s for s in _group(session).sittings if s.starts_at > clock.now())
        on_agenda = {c.case_id for c in sitting.conferences}
        case = next(c for c in open_cases(session, "northshire-homes") if c.id not in on_agenda)
        officer = Actor.of(session.get(User, case.officer_id))
        manager = demo_actor(session, "northshire-homes", Role.MANAGER)
        sitting_id, case_id = sitting.id, case.id

    def by(actor: Actor) -> Step:
        def bring(session: Session) -> None:
            bringing_cases.bring_case(
                session,
                authorise(session, actor, case_id, Act.CONVENE),
                sitting_id,
                "Agree who leads on the household",
                share_days=28,
            )

        return bring

    answers = _race(demo_database[0], sessions, by(officer), by(manager))

    assert answers == ["done", "The case is already on that sitting's agenda"]
    with sessions() as session:
        brought = session.scalar(
            select(func.count())
            .select_from(Conference)
            .where(Conference.sitting_id == sitting_id, Conference.case_id == case_id)
        )
        assert brought == 1


def _circulated(sessions: sessionmaker[Session]) -> tuple[int, Actor]:
    """A demo conference held, its minutes circulated and waiting for its chair to agree
    them (the demo's agreed minutes, taken back a step): its id and its chair."""
    with sessions() as session:
        conference = session.scalars(
            select(Conference)
            .where(Conference.minutes_status == MinutesStatus.AGREED)
            .order_by(Conference.id)
        ).first()
        conference.minutes_status = MinutesStatus.CIRCULATED
        conference.minutes_agreed_at = conference.minutes_agreed_by_id = None
        session.commit()
        return conference.id, Actor.of(conference.chair)


def test_minutes_agreed_twice_at_once_are_agreed_once_and_told_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The chair's "Agree the minutes" sent from two tabs (or a double click): the second
    waits, then is told they are agreed; one entry, each attendee told once."""
    conference_id, chair = _circulated(sessions)
    subject = ("conference", conference_id)
    with sessions() as session:
        agreed_before = _entries(session, acts.Action.MINUTES_AGREE, *subject)

    def agree(session: Session) -> None:
        minutes.agree(session, chair, conference_id)

    answers = _race(demo_database[0], sessions, agree, agree)

    assert answers == ["done", "The minutes are agreed, so they can no longer be changed"]
    with sessions() as session:
        assert _entries(session, acts.Action.MINUTES_AGREE, *subject) == agreed_before + 1
        told = session.scalars(
            select(Notice.user_id).where(
                Notice.kind == NoticeKind.MINUTES_AGREED,
                Notice.path == f"/conferences/{conference_id}",
            )
        ).all()
        assert told
        assert len(told) == len(set(told))


def test_a_minute_amended_as_the_minutes_are_agreed_is_refused(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The chair amends a minute in one tab as the minutes are agreed in another: the
    amendment waits for the agreement, then is refused, so the agreed minutes are the
    minutes that were agreed."""
    conference_id, chair = _circulated(sessions)
    with sessions() as session:
        item = session.get(Conference, conference_id).minutes[0]
        item_id, written_at = item.id, item.written_at

    def agree(session: Session) -> None:
        minutes.agree(session, chair, conference_id)

    def amend(session: Session) -> None:
        minutes.save_minute(
            session, chair, conference_id, "Actions", "Changed after agreement", item_id
        )

    answers = _race(demo_database[0], sessions, agree, amend)

    assert answers == ["done", "The minutes are agreed, so they can no longer be changed"]
    with sessions() as session:
        assert session.get(MinuteItem, item_id).written_at == written_at


def test_an_invitation_withdrawn_twice_at_once_is_withdrawn_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """ "Yes, withdraw the invitation" sent from two tabs (or a double click): the second
    waits for the first and changes nothing; the log records one withdrawal and one share
    revoked, where it recorded each twice."""
    with sessions() as session:
        conference = next(
            c
            for c in session.scalars(select(Conference).order_by(Conference.id))
            if c.starts_at > clock.now() and not c.case.locked
        )
        invitation = next(
            i
            for i in conference.invitations
            if i.stands(clock.today()) and not conference.chaired_from(i.agency_id)
        )
        convenor = Actor.of(conference.case.officer)
        conference_id, invitation_id = conference.id, invitation.id
        case_id = conference.case_id

    def withdraw(session: Session) -> None:
        conference_withdrawals.withdraw_invitation(session, convenor, conference_id, invitation_id)

    subject = ("conference", conference_id)
    with sessions() as session:
        revoked_before = _entries(session, acts.Action.SHARE_REVOKE, "case", case_id)
        withdrawn_before = _entries(session, acts.Action.CONFERENCE_WITHDRAW, *subject)
    answers = _race(demo_database[0], sessions, withdraw, withdraw)

    assert answers == ["done", "done"]
    with sessions() as session:
        withdrawn = _entries(session, acts.Action.CONFERENCE_WITHDRAW, *subject)
        assert withdrawn == withdrawn_before + 1
        revoked = _entries(session, acts.Action.SHARE_REVOKE, "case", case_id)
        assert revoked == revoked_before + 1


def _new_sitting(sessions: sessionmaker[Session], days: int) -> tuple[int, int, Actor]:
    """A sitting its chair schedules ``days`` from now, or the first day after free of
    their other meetings: the meeting's id, its id, the chair."""
    with sessions() as session:
        group = _group(session)
        chair = Actor.of(group.chair)
        when = free_for_chair(session, group.chair_id, days=days)
        sitting = series.schedule(session, chair, group.id, when)
        session.commit()
        return group.id, sitting.id, chair


def test_a_sitting_cancelled_twice_at_once_is_cancelled_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """ "Cancel the sitting" sent by its chair and a manager at once: the second waits, then
    is told it is cancelled; one entry, each member told once."""
    group_id, sitting_id, chair = _new_sitting(sessions, 5)
    with sessions() as session:
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        before = _entries(session, acts.Action.MEETING_CANCEL, "meeting_sitting", sitting_id)

    def by(actor: Actor) -> Step:
        def cancel(session: Session) -> None:
            sittings.cancel(session, actor, group_id, sitting_id, "scheduled_in_error")

        return cancel

    answers = _race(demo_database[0], sessions, by(chair), by(manager))

    assert answers == ["done", "The sitting is cancelled"]
    with sessions() as session:
        after = _entries(session, acts.Action.MEETING_CANCEL, "meeting_sitting", sitting_id)
        assert after == before + 1
        told = session.scalars(
            select(Notice.user_id).where(Notice.kind == NoticeKind.SITTING_CANCELLED)
        ).all()
        assert len(told) == len(set(told))


def test_a_case_brought_as_its_sitting_is_cancelled_is_refused(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """A sitting cancelled as an officer brings a case to it: the bringing waits, then is
    refused, so no conference (nor a share to each agency) stands on a cancelled sitting."""
    group_id, sitting_id, chair = _new_sitting(sessions, 6)
    with sessions() as session:
        case = open_cases(session, "northshire-homes")[0]
        officer = Actor.of(session.get(User, case.officer_id))
        case_id = case.id

    def cancel(session: Session) -> None:
        sittings.cancel(session, chair, group_id, sitting_id, "too_few")

    def bring(session: Session) -> None:
        bringing_cases.bring_case(
            session,
            authorise(session, officer, case_id, Act.CONVENE),
            sitting_id,
            "Agree who leads on the household",
            share_days=28,
        )

    answers = _race(demo_database[0], sessions, cancel, bring)

    assert answers == ["done", "That sitting is cancelled: select another"]
    with sessions() as session:
        on_it = session.scalar(
            select(func.count()).select_from(Conference).where(Conference.sitting_id == sitting_id)
        )
        assert on_it == 0


def test_a_sitting_moved_as_it_is_cancelled_is_not_moved(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The chair cancels a sitting as a manager moves it: the move waits, then is refused."""
    group_id, sitting_id, chair = _new_sitting(sessions, 7)
    with sessions() as session:
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        was = session.get(MeetingSitting, sitting_id).starts_at

    def cancel(session: Session) -> None:
        sittings.cancel(session, chair, group_id, sitting_id, "venue")

    def move(session: Session) -> None:
        sittings.move(session, manager, group_id, sitting_id, was + timedelta(hours=3))

    answers = _race(demo_database[0], sessions, cancel, move)

    assert answers == ["done", "The sitting is cancelled"]
    with sessions() as session:
        assert session.get(MeetingSitting, sitting_id).starts_at == was


def test_two_sittings_moved_onto_the_same_time_at_once_are_not_both_moved(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The chair moves one sitting and a manager another onto the same free time at once:
    the second waits, then is told the meeting already sits then, and stays where it
    was; the meeting never sits twice at one time."""
    group_id, first_id, chair = _new_sitting(sessions, 9)
    _, second_id, _ = _new_sitting(sessions, 10)
    with sessions() as session:
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        second_was = session.get(MeetingSitting, second_id).starts_at
        taken = {s.starts_at for s in _group(session).sittings}
    when = second_was + timedelta(days=2, hours=1)
    while clashes(when, taken):
        when += timedelta(hours=1)

    def by(actor: Actor, sitting_id: int) -> Step:
        def move(session: Session) -> None:
            sittings.move(session, actor, group_id, sitting_id, when)

        return move

    answers = _race(demo_database[0], sessions, by(chair, first_id), by(manager, second_id))

    assert answers[0] == "done"
    assert answers[1].startswith(f"The meeting already sits on {clock.moment_text(when)}, ")
    with sessions() as session:
        assert session.get(MeetingSitting, second_id).starts_at == second_was
        at_that_time = session.scalar(
            select(func.count())
            .select_from(MeetingSitting)
            .where(MeetingSitting.series_id == group_id, MeetingSitting.starts_at == when)
        )
        assert at_that_time == 1


def test_a_sitting_moved_to_another_place_as_a_case_is_brought_convenes_it_there(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The chair moves a sitting to another room as an officer brings a case to it: the
    bringing waits, then convenes the case's conference in the new room."""
    group_id, sitting_id, chair = _new_sitting(sessions, 11)
    place = "Northshire police station, briefing room"
    with sessions() as session:
        case = open_cases(session, "northshire-homes")[0]
        officer = Actor.of(session.get(User, case.officer_id))
        case_id = case.id

    def move(session: Session) -> None:
        was = session.get(MeetingSitting, sitting_id).starts_at
        sittings.move(session, chair, group_id, sitting_id, was, place=place)

    def bring(session: Session) -> None:
        bringing_cases.bring_case(
            session,
            authorise(session, officer, case_id, Act.CONVENE),
            sitting_id,
            "Agree a joint plan",
            share_days=28,
        )

    answers = _race(demo_database[0], sessions, move, bring)

    assert answers == ["done", "done"]
    with sessions() as session:
        conference = session.scalar(
            select(Conference).where(
                Conference.sitting_id == sitting_id, Conference.case_id == case_id
            )
        )
        assert conference is not None
        assert conference.place == place


def test_a_conference_cancelled_twice_at_once_is_cancelled_once_and_the_second_told(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The convening officer and their manager cancel the same conference at the same
    moment: the second waits for the first, then is told it is cancelled; one
    cancellation recorded, each share ended once, each person told once."""
    with sessions() as session:
        conference = next(
            c
            for c in session.scalars(
                select(Conference)
                .where(
                    Conference.status == ConferenceStatus.PLANNED,
                    Conference.minutes_status.is_(None),
                )
                .order_by(Conference.id)
            )
            if c.starts_at > clock.now() and not c.case.locked and c.case.officer is not None
        )
        officer = Actor.of(conference.case.officer)
        manager = demo_actor(session, conference.case.agency.code, Role.MANAGER)
        conference_id, case_id = conference.id, conference.case_id
        subject = ("conference", conference_id)
        cancelled_before = _entries(session, acts.Action.CONFERENCE_CANCEL, *subject)
        revoked_before = _entries(session, acts.Action.SHARE_REVOKE, "case", case_id)

    def by(actor: Actor) -> Step:
        def cancel(session: Session) -> None:
            conference_cancelling.cancel(session, actor, conference_id, "no_longer_needed")

        return cancel

    answers = _race(demo_database[0], sessions, by(officer), by(manager))

    assert answers == ["done", "The conference is cancelled"]
    with sessions() as session:
        assert _entries(session, acts.Action.CONFERENCE_CANCEL, *subject) == cancelled_before + 1
        refused = _entries(
            session, acts.Action.CONFERENCE_CANCEL, *subject, outcome=acts.Outcome.REFUSED
        )
        assert refused >= 1
        cancelled = session.get(Conference, conference_id)
        assert cancelled.cancelled_by_id == officer.user_id
        ended = [i for i in cancelled.invitations if i.share.revoked_by_id == officer.user_id]
        assert _entries(session, acts.Action.SHARE_REVOKE, "case", case_id) == (
            revoked_before + len(ended)
        )
        told = session.scalars(
            select(Notice.user_id).where(Notice.kind == NoticeKind.CONFERENCE_CANCELLED)
        ).all()
        assert told
        assert len(told) == len(set(told))


def _passed(sessions: sessionmaker[Session]) -> tuple[int, Actor]:
    """A demo conference still planned whose time passed yesterday with nobody recording
    it held or cancelling it: its id and its convening officer."""
    with sessions() as session:
        conference = next(
            c
            for c in session.scalars(
                select(Conference)
                .where(
                    Conference.status == ConferenceStatus.PLANNED,
                    Conference.minutes_status.is_(None),
                )
                .order_by(Conference.id)
            )
            if not c.case.locked and c.case.officer is not None
        )
        conference.starts_at = clock.now() - timedelta(days=1)
        session.commit()
        return conference.id, Actor.of(conference.case.officer)


def test_a_conference_cancelled_as_it_did_not_take_place_as_its_minutes_are_begun_is_not_both(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """Its date passed: the officer cancels it (it did not take place) in one tab as the
    chair begins its minutes (it was held) in another. The second waits for the first,
    then is refused: it is cancelled with no minutes, or held and not cancelled."""
    conference_id, officer = _passed(sessions)
    with sessions() as session:
        chair = Actor.of(session.get(Conference, conference_id).chair)

    def cancel(session: Session) -> None:
        conference_cancelling.cancel(session, officer, conference_id, "did_not_take_place")

    def minute(session: Session) -> None:
        minutes.save_minute(session, chair, conference_id, "Attendance", "All attended")

    assert _race(demo_database[0], sessions, cancel, minute) == [
        "done",
        "The conference was cancelled",
    ]
    with sessions() as session:
        cancelled = session.get(Conference, conference_id)
        assert cancelled.status is ConferenceStatus.CANCELLED
        assert cancelled.minutes_status is None
        assert not cancelled.minutes


def test_minutes_begun_as_the_conference_is_cancelled_as_it_did_not_take_place_keep_it_held(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    conference_id, officer = _passed(sessions)
    with sessions() as session:
        chair = Actor.of(session.get(Conference, conference_id).chair)
        subject = ("conference", conference_id)
        cancelled_before = _entries(session, acts.Action.CONFERENCE_CANCEL, *subject)

    def minute(session: Session) -> None:
        minutes.save_minute(session, chair, conference_id, "Attendance", "All attended")

    def cancel(session: Session) -> None:
        conference_cancelling.cancel(session, officer, conference_id, "did_not_take_place")

    assert _race(demo_database[0], sessions, minute, cancel) == [
        "done",
        "Minutes are recorded for the conference, so it has been held",
    ]
    with sessions() as session:
        held = session.get(Conference, conference_id)
        assert held.status is ConferenceStatus.HELD
        assert held.minutes_status is MinutesStatus.DRAFT
        assert _entries(session, acts.Action.CONFERENCE_CANCEL, *subject) == cancelled_before


def test_a_conference_changed_twice_at_once_from_forms_opened_together_is_changed_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The convening officer and their manager, each with the change form opened before
    either saved, move the same conference to two places at the same moment: the second
    waits for the first, then is told someone changed it; one change recorded, to the
    first's place, each person told once."""
    with sessions() as session:
        conference = next(
            c
            for c in session.scalars(
                select(Conference)
                .where(
                    Conference.status == ConferenceStatus.PLANNED,
                    Conference.minutes_status.is_(None),
                    Conference.sitting_id.is_(None),
                )
                .order_by(Conference.id)
            )
            if c.starts_at > clock.now() and not c.case.locked and c.case.officer is not None
        )
        officer = Actor.of(conference.case.officer)
        manager = demo_actor(session, conference.case.agency.code, Role.MANAGER)
        conference_id = conference.id
        subject = ("conference", conference_id)
        stamp = conference_changes.stamp(session, conference)
        changed_before = _entries(session, acts.Action.CONFERENCE_CHANGE, *subject)

    def by(actor: Actor, place: str) -> Step:
        def change(session: Session) -> None:
            conference_changes.change(
                session,
                actor,
                conference_id,
                conference_changes.ChangeInput(place=place),
                opened=stamp,
            )

        return change

    answers = _race(
        demo_database[0], sessions, by(officer, "Town Hall, room 1"), by(manager, "Depot")
    )

    assert answers == ["done", "Someone changed this after you opened it"]
    with sessions() as session:
        assert _entries(session, acts.Action.CONFERENCE_CHANGE, *subject) == changed_before + 1
        assert session.get(Conference, conference_id).place == "Town Hall, room 1"
        told = session.scalars(
            select(Notice.user_id).where(Notice.kind == NoticeKind.CONFERENCE_MOVED)
        ).all()
        assert told
        assert len(told) == len(set(told))
