"""One chair booked twice at the same moment, on PostgreSQL: two different partnership
meetings with the same chair scheduled into one slot, or a sitting scheduled as a
conference with the same chair is convened then; and a meeting's chair changed as the old
chair begins a conference's minutes, or as a case is brought to one of its sittings. Each meeting's own row lock does not
keep them apart; the chair's diary does (``sitting_clashes.hold_chair``): the first is
saved, the second waits for it, then is refused naming it, with nothing written but its
refusal. Each race is run as in ``test_steps_taken_once``: no sleep decides the order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.crypto.keys import LocalKeyring
from sharing.errors import InputError, NotAllowed
from sharing.meetings import (
    bringing_cases,
    conference_changes,
    conferences,
    minutes,
    series,
    series_changes,
)
from sharing.models import (
    Agency,
    Conference,
    MeetingSeries,
    MeetingSitting,
    ProtocolRecord,
    Share,
    User,
)
from sharing.vocabulary import ConferenceStatus, Role
from tests.fixtures.demo import demo_actor, demo_user, free_for_chair, open_cases
from tests.hub.test_sittings_that_overlap import GROUP, TASKING, _tasking
from tests.sharing.test_steps_taken_once import Step, _race, sessions

__all__ = ["sessions"]  # the fixture, for pytest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


def _chaired_at(session: Session, chair_id: int, when: datetime) -> int:
    """How many sittings and conferences ``chair_id`` chairs starting at ``when``."""
    sittings = session.scalar(
        select(func.count())
        .select_from(MeetingSitting)
        .join(MeetingSitting.series)
        .where(MeetingSeries.chair_id == chair_id, MeetingSitting.starts_at == when)
    )
    held = session.scalar(
        select(func.count())
        .select_from(Conference)
        .where(
            Conference.chair_id == chair_id,
            Conference.starts_at == when,
            Conference.sitting_id.is_(None),
        )
    )
    return sittings + held


def test_two_meetings_with_one_chair_scheduled_into_one_slot_at_once_are_not_both(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The problem-solving group's chair also chairs the tasking meeting: they schedule
    the group's sitting as a manager schedules the tasking meeting's at the same time.
    The second waits, then is told the chair already chairs the group then."""
    with sessions() as session:
        group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
        chair = Actor.of(group.chair)
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        first_at = free_for_chair(session, chair.user_id, days=70)
        tasking = series.set_up(session, manager, _tasking(session, group.chair, first_at))
        session.commit()
        group_id, tasking_id = group.id, tasking.id
        when = free_for_chair(session, chair.user_id, days=80)

    def scheduling(actor: Actor, series_id: int) -> Step:
        def schedule(session: Session) -> None:
            series.schedule(session, actor, series_id, when)

        return schedule

    answers = _race(
        demo_database[0], sessions, scheduling(chair, group_id), scheduling(manager, tasking_id)
    )

    assert answers[0] == "done"
    assert answers[1].startswith(
        f"The meeting's chair already chairs {GROUP} on {clock.moment_text(when)}, "
    )
    with sessions() as session:
        assert _chaired_at(session, chair.user_id, when) == 1
        tasking = session.get(MeetingSeries, tasking_id)
        assert tasking.name == TASKING
        assert [s.starts_at for s in tasking.sittings] == [first_at]


def test_a_sitting_scheduled_as_a_conference_with_its_chair_is_convened_then_is_refused(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """An officer convenes a conference chaired by the group's chair as the chair
    schedules a sitting of the group at the same time: the sitting waits for the
    conference, then is refused naming it."""
    with sessions() as session:
        group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
        chair = Actor.of(group.chair)
        case = open_cases(session, "larkmoor-ha")[0]
        officer = Actor.of(demo_user(session, "larkmoor-ha", Role.MANAGER))
        protocol = session.scalar(
            select(ProtocolRecord).where(
                ProtocolRecord.key == "northshire-case-conference",
                ProtocolRecord.status == "active",
            )
        )
        invited = [
            session.scalar(select(Agency.id).where(Agency.code == code))
            for code in ("northshire-police", group.chair.agency.code)
        ]
        data = conferences.ConferenceInput(
            question="Who leads on the household?",
            starts_at=free_for_chair(session, chair.user_id, days=90),
            protocol_id=protocol.id,
            purpose="case_conference",
            agency_ids=[a for a in dict.fromkeys(invited) if a != case.agency_id],
            chair_id=chair.user_id,
            place="Civic Centre, committee room 2",
        )
        group_id, case_id, reference = group.id, case.id, case.reference

    def convening(session: Session) -> None:
        conferences.convene(
            session, authorise(session, officer, case_id, Act.CONVENE), data, share_days=28
        )

    def scheduling(session: Session) -> None:
        series.schedule(session, chair, group_id, data.starts_at)

    answers = _race(demo_database[0], sessions, convening, scheduling)

    assert answers[0] == "done"
    # Named by its case's reference if the chair may open the case, else not.
    assert answers[1].startswith(
        tuple(
            f"The meeting's chair already chairs {name} on "
            f"{clock.moment_text(data.starts_at)}, and a conference is taken to last 2 hours"
            for name in (f"the case conference on {reference}", "another case conference")
        )
    )
    with sessions() as session:
        assert _chaired_at(session, chair.user_id, data.starts_at) == 1


def _changing_chair(
    session: Session, group: MeetingSeries, new_chair_id: int
) -> series.SeriesInput:
    """The group as it is, with ``new_chair_id`` its chair (and a member)."""
    protocol = series.protocol_now(session, group)
    members = [m.user_id for m in group.members if m.user.active]
    return series.SeriesInput(
        name=group.name,
        cadence=group.cadence.value,
        protocol_id=protocol.id if protocol else None,
        purpose=group.purpose,
        chair_id=new_chair_id,
        member_ids=[*members, new_chair_id],
        place=group.place or "",
        video_link=group.video_link or "",
    )


def _to_come_on_group(session: Session) -> tuple[MeetingSeries, Conference]:
    """The group and a conference on its next sitting, chaired by its chair, no minutes."""
    group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    conference = next(
        c
        for s in group.sittings
        if s.starts_at > clock.now() and not s.cancelled
        for c in s.conferences
        if c.chair_id == group.chair_id and c.minutes_status is None
    )
    return group, conference


@pytest.mark.parametrize("first", ["minutes", "change"])
def test_a_chair_change_as_the_old_chair_begins_a_conferences_minutes_is_one_or_the_other(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
    first: str,
) -> None:
    """The group's chair begins the minutes of a case on its sitting (its time come) as
    community safety's manager gives the group a new chair. Minutes first: the change
    waits for them, then leaves the conference, held, with the chair who began them.
    Change first: the old chair's minute waits, then is refused, as they no longer chair
    it. Without the conference's lock the change gave a conference being minuted to a
    chair who was not there."""
    with sessions() as session:
        group, conference = _to_come_on_group(session)
        old_chair = Actor.of(group.chair)
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        new_chair = demo_user(session, "northshire-police", Role.MANAGER)
        data = _changing_chair(session, group, new_chair.id)
        group_id, conference_id, new_chair_id = group.id, conference.id, new_chair.id
        met = conference.starts_at + timedelta(minutes=30)

    def minute(session: Session) -> None:
        try:
            minutes.save_minute(
                session, old_chair, conference_id, "Who leads", "Agreed the police lead", now=met
            )
        except NotAllowed as refused:
            raise InputError("minutes", str(refused)) from None

    def change(session: Session) -> None:
        series_changes.change(session, manager, group_id, data)

    steps = (minute, change) if first == "minutes" else (change, minute)
    answers = _race(demo_database[0], sessions, *steps)

    with sessions() as session:
        conference = session.get(Conference, conference_id)
        assert session.get(MeetingSeries, group_id).chair_id == new_chair_id
        if first == "minutes":
            assert answers == ["done", "done"]
            assert conference.chair_id == old_chair.user_id
            assert conference.status is ConferenceStatus.HELD
            assert len(conference.minutes) == 1
        else:
            assert answers[0] == "done"
            assert "chair" in answers[1]
            assert conference.chair_id == new_chair_id
            assert conference.minutes_status is None
            assert not conference.minutes


def test_a_case_brought_as_the_chair_changes_is_chaired_by_the_new_chair(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """An officer brings a case to the group's next sitting as community safety's manager
    gives the group a new chair: the change waits for the case, then takes its conference
    over with the others, so that no case on a sitting to come keeps the old chair."""
    with sessions() as session:
        group, conference = _to_come_on_group(session)
        sitting_id, group_id = conference.sitting_id, group.id
        taken = {c.case_id for c in conference.sitting.conferences}
        case = next(
            c for c in open_cases(session, "northshire-homes") if c.id not in taken and not c.locked
        )
        officer = Actor.of(session.get(User, case.officer_id))
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        new_chair = demo_user(session, "northshire-police", Role.MANAGER)
        data = _changing_chair(session, group, new_chair.id)
        case_id, new_chair_id = case.id, new_chair.id

    def bring(session: Session) -> None:
        bringing_cases.bring_case(
            session,
            authorise(session, officer, case_id, Act.CONVENE),
            sitting_id,
            "Who leads on the household?",
            share_days=28,
        )

    def change(session: Session) -> None:
        series_changes.change(session, manager, group_id, data)

    answers = _race(demo_database[0], sessions, bring, change)

    assert answers == ["done", "done"]
    with sessions() as session:
        on_sitting = session.scalars(
            select(Conference).where(Conference.sitting_id == sitting_id)
        ).all()
        assert case_id in {c.case_id for c in on_sitting}
        assert {c.chair_id for c in on_sitting if c.minutes_status is None} == {new_chair_id}


@pytest.mark.parametrize("first", ["invite", "change"])
def test_a_new_chairs_agency_invited_from_the_conference_as_the_chair_changes_is_invited_once(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
    first: str,
) -> None:
    """The convening officer invites Larkmoor to a Northshire Homes conference on the
    group's next sitting, from a form opened before, as community safety's manager gives
    the group a Larkmoor chair, which invites Larkmoor with the change. Invitation first:
    the change waits for it, then takes the conference over with Larkmoor as invited.
    Change first: the officer's form waits, then is told the conference changed meanwhile.
    Either way Larkmoor is invited once, with one share, and the new chair chairs it."""
    with sessions() as session:
        group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
        new_chair = demo_user(session, "larkmoor-ha", Role.MANAGER)
        larkmoor = new_chair.agency_id
        conference = next(
            c
            for s in group.sittings
            if s.starts_at > clock.now() and not s.cancelled
            for c in s.conferences
            if c.chair_id == group.chair_id
            and c.minutes_status is None
            and larkmoor not in c.at_the_table
            and c.case.agency.code == "northshire-homes"
        )
        officer = Actor.of(session.get(User, conference.case.officer_id))
        manager = demo_actor(session, "northshire-csp", Role.MANAGER)
        data = _changing_chair(session, group, new_chair.id)
        opened = conference_changes.stamp(session, conference)
        group_id, conference_id, new_chair_id = group.id, conference.id, new_chair.id

    def invite(session: Session) -> None:
        conference_changes.change(
            session,
            officer,
            conference_id,
            conference_changes.ChangeInput(agency_ids=[larkmoor]),
            opened=opened,
        )

    def change(session: Session) -> None:
        series_changes.change(session, manager, group_id, data)

    steps = (invite, change) if first == "invite" else (change, invite)
    answers = _race(demo_database[0], sessions, *steps)

    assert answers[0] == "done"
    assert answers[1] == (
        "done" if first == "invite" else "Someone changed this after you opened it"
    )
    with sessions() as session:
        conference = session.get(Conference, conference_id)
        assert conference.chair_id == new_chair_id
        assert [i.agency_id for i in conference.invitations].count(larkmoor) == 1
        assert [r.agency_id for r in conference.requests].count(larkmoor) == 1
        shares = session.scalars(
            select(Share).where(
                Share.case_id == conference.case_id,
                Share.agency_id == larkmoor,
                Share.purpose == conference.purpose,
            )
        ).all()
        assert len(shares) == 1
