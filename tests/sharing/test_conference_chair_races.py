"""Two people changing a case conference's chair at the same moment, on PostgreSQL: the
convening officer and their manager, from forms opened together, give it two different
new chairs; or two conferences at one time are each given the same new chair. The first
is saved; the second waits for it (the conference's row lock, the chair's diary), then is
refused with the reason, with nothing written but its refusal. Without the wait both
save: the conference is re-chaired twice and told twice, its new chairs' agencies both
invited, or one person chairs two conferences at once. Each race is run as in
``test_steps_taken_once``: no sleep decides the order."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.meetings import conference_chairs, conference_changes, conferences
from sharing.models import (
    Agency,
    Case,
    ChairChange,
    Conference,
    ConferenceInvitation,
    Notice,
    ProtocolRecord,
    User,
)
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_user, free_for_chair, open_cases
from tests.sharing.test_steps_taken_once import Step, _entries, _race, sessions

__all__ = ["sessions"]  # the fixture, for pytest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


def _convened(session: Session, case: Case, chair: User, starts_at: datetime) -> Conference:
    """A conference on ``case`` convened by its officer, chaired by ``chair``, at
    ``starts_at``, the police invited."""
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference", ProtocolRecord.status == "active"
        )
    )
    police = session.scalar(select(Agency.id).where(Agency.code == "northshire-police"))
    data = conferences.ConferenceInput(
        question="Who leads on the household?",
        starts_at=starts_at,
        protocol_id=protocol.id,
        purpose="case_conference",
        agency_ids=[police],
        chair_id=chair.id,
        place="Civic Centre, committee room 2",
    )
    officer = Actor.of(session.get(User, case.officer_id))
    conference = conferences.convene(
        session, authorise(session, officer, case.id, Act.CONVENE), data, share_days=28
    )
    session.commit()
    return conference


def _by(actor: Actor, conference_id: int, chair_id: int, stamp: str | None) -> Step:
    def rechair(session: Session) -> None:
        conference_chairs.change_chair(
            session, actor, conference_id, chair_id, "cannot_attend", opened=stamp
        )

    return rechair


def test_a_chair_changed_twice_at_once_from_forms_opened_together_is_changed_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The officer gives it community safety's chair, their manager a police manager, at
    the same moment: the second waits, then is told someone changed it; one change
    recorded, one agency invited, each chair told once."""
    with sessions() as session:
        csp = demo_user(session, "northshire-csp", Role.CONFERENCE_CHAIR)
        police = demo_user(session, "northshire-police", Role.MANAGER)
        case = open_cases(session, "larkmoor-ha")[0]
        chair = demo_user(session, "larkmoor-ha", Role.MANAGER)
        when = free_for_chair(session, csp.id, days=100)
        conference_id = _convened(session, case, chair, when).id
    with sessions() as session:  # read as a form's page reads it
        conference = session.get(Conference, conference_id)
        officer = Actor.of(conference.case.officer)
        manager = Actor.of(chair)
        candidates = {u.id for u in conference_chairs.offered(session, conference)}
        assert {csp.id, police.id} <= candidates
        conference_id, was = conference.id, conference.chair_id
        invitations = len(conference.invitations)
        stamp = conference_changes.stamp(session, conference)
        changed_before = _entries(
            session, acts.Action.CONFERENCE_CHANGE, "conference", conference_id
        )

    answers = _race(
        demo_database[0],
        sessions,
        _by(officer, conference_id, csp.id, stamp),
        _by(manager, conference_id, police.id, stamp),
    )

    assert answers == ["done", "Someone changed this after you opened it"]
    with sessions() as session:
        assert (
            _entries(session, acts.Action.CONFERENCE_CHANGE, "conference", conference_id)
            == changed_before + 1
        )
        rechaired = session.get(Conference, conference_id)
        assert rechaired.chair_id == csp.id
        kept = session.scalars(
            select(ChairChange).where(ChairChange.conference_id == conference_id)
        ).all()
        assert [(c.chair_from_id, c.chair_to_id) for c in kept] == [(was, csp.id)]
        agencies = [i.agency_id for i in rechaired.invitations]
        assert len(agencies) == len(set(agencies))
        assert len(agencies) <= invitations + 1
        told = session.scalars(
            select(Notice.user_id).where(
                Notice.kind == NoticeKind.NEW_CHAIR,
                Notice.path.startswith(f"/conferences/{conference_id}#"),
            )
        ).all()
        assert sorted(told) == sorted({was, csp.id} - {officer.user_id})


def test_two_conferences_at_one_time_given_the_same_new_chair_at_once_get_them_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """Two officers each give their conference, at the same time as the other's, the same
    new chair at the same moment: the chair's diary keeps them apart; the second waits,
    then is refused at the chair, naming the first."""
    with sessions() as session:
        chair = demo_user(session, "northshire-csp", Role.CONFERENCE_CHAIR)
        when = free_for_chair(session, chair.id, days=120)
        cases = open_cases(session, "larkmoor-ha")[:2]
        first = _convened(session, cases[0], demo_user(session, "larkmoor-ha", Role.MANAGER), when)
        police = demo_user(session, "northshire-police", Role.MANAGER)
        second = _convened(session, cases[1], police, when)
        ids = first.id, second.id
    with sessions() as session:  # read as a form's page reads it
        first, second = (session.get(Conference, i) for i in ids)
        officers = Actor.of(first.case.officer), Actor.of(second.case.officer)
        stamps = [conference_changes.stamp(session, c) for c in (first, second)]
        invited_before = session.scalar(select(func.count()).select_from(ConferenceInvitation))

    answers = _race(
        demo_database[0],
        sessions,
        _by(officers[0], ids[0], chair.id, stamps[0]),
        _by(officers[1], ids[1], chair.id, stamps[1]),
    )

    assert answers[0] == "done"
    assert answers[1].startswith("The new chair already chairs ")
    with sessions() as session:
        chairs = [session.get(Conference, i).chair_id for i in ids]
        assert chairs[0] == chair.id
        assert chairs[1] != chair.id
        invited = session.scalar(select(func.count()).select_from(ConferenceInvitation))
        assert invited - invited_before <= 1
        assert (
            _entries(
                session,
                acts.Action.CONFERENCE_CHANGE,
                "conference",
                ids[1],
                acts.Outcome.REFUSED,
            )
            >= 1
        )
        assert session.get(User, chair.id).active
