"""A chair booked twice, as the demo's users meet it: a case conference is taken to last
two hours, as a partnership meeting's sitting is, so a conference convened to start less
than that from another conference its chair chairs, or from a sitting of a meeting they
chair, is refused at its time naming the day and time of the other (and the other
conference's case reference only to a convenor who may open that case), and the refusal
recorded; a sitting scheduled over a conference its chair chairs is refused the same way.
A conference brought onto a sitting is that sitting, no clash with it. Cancelled, either
leaves its time free."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise, decision_on
from sharing.access.decide import Act, Actor
from sharing.meetings import bringing_cases, conference_cancelling, series
from sharing.models import AuditEntry, Case, Conference, MeetingSeries, User
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user, free_for_chair
from tests.hub.test_conferences import _form, _open_case, _open_cases, _protocol_purpose
from tests.hub.test_sittings_that_overlap import _fields, _schedule

PANEL = "Larkmoor estates panel"


def _convene(
    client: FlaskClient, session: Session, case: Case, chair: User, when: datetime
) -> tuple[int, str]:
    """Convene a conference on ``case`` chaired by ``chair`` at ``when``: the answer's
    status and its page."""
    form = _form(client, session, case, chair=str(chair.id), **_fields("starts_at", when))
    answer = client.post(f"/cases/{case.id}/conferences/new", data=form)
    return answer.status_code, html.unescape(answer.get_data(as_text=True))


def _latest(session: Session, case: Case) -> Conference | None:
    session.expire_all()
    return session.scalar(
        select(Conference).where(Conference.case_id == case.id).order_by(Conference.id.desc())
    )


def _refusals(session: Session) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry.basis)
            .where(AuditEntry.action == "conference.convene", AuditEntry.outcome == "refused")
            .order_by(AuditEntry.seq)
        )
    )


def _two_cases_of_one_officer(session: Session) -> tuple[Case, Case]:
    first = _open_case(session)
    second = session.scalar(_open_cases(Case.officer_id == first.officer_id, Case.id != first.id))
    assert second is not None
    return first, second


def test_a_conference_over_another_its_chair_chairs_is_refused_naming_the_case_to_its_officer(
    demo_hub: Flask, demo_session: Session
) -> None:
    first, second = _two_cases_of_one_officer(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, first.officer_id))
    chair = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    when = free_for_chair(demo_session, chair.id, days=12)
    assert _convene(officer, demo_session, first, chair, when)[0] == 302
    refused_before = len(_refusals(demo_session))

    for moment in (when + timedelta(minutes=90), when - timedelta(hours=1)):
        status, page = _convene(officer, demo_session, second, chair, moment)
        assert status == 400
        assert (
            f"The conference's chair already chairs the case conference on {first.reference} "
            f"on {clock.moment_text(when)}, and a conference is taken to last 2 hours: enter "
            "a time at least 2 hours before or after it" in page
        )
        assert 'href="#starts_at' in page
    assert _latest(demo_session, second) is None
    assert _refusals(demo_session)[refused_before:] == ["refused input: starts_at"] * 2

    # Two hours after the first starts, it is over; another chair is free at any time.
    assert _convene(officer, demo_session, second, chair, when + timedelta(hours=2))[0] == 302
    other_chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    third = _open_case(demo_session)
    third_officer = demo_client(demo_hub, demo_session.get(User, third.officer_id))
    assert _convene(third_officer, demo_session, third, other_chair, when)[0] == 302


def test_the_other_conference_is_not_named_to_a_convenor_who_may_not_open_its_case(
    demo_hub: Flask, demo_session: Session
) -> None:
    first = _open_case(demo_session)
    chair = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    when = free_for_chair(demo_session, chair.id, days=14)
    officer = demo_client(demo_hub, demo_session.get(User, first.officer_id))
    assert _convene(officer, demo_session, first, chair, when)[0] == 302
    stranger_case = next(
        c
        for c in demo_session.scalars(_open_cases(Case.agency_id == first.agency_id))
        if not decision_on(
            demo_session, Actor.of(demo_session.get(User, c.officer_id)), first.id
        ).allowed
    )
    stranger = demo_client(demo_hub, demo_session.get(User, stranger_case.officer_id))

    status, page = _convene(stranger, demo_session, stranger_case, chair, when)
    assert status == 400
    assert (
        "The conference's chair already chairs another case conference on "
        f"{clock.moment_text(when)}" in page
    )
    assert first.reference not in page


def _panel(session: Session, chair: User, first_at: datetime) -> MeetingSeries:
    """A partnership meeting Larkmoor sets up, chaired by ``chair``, first sitting at
    ``first_at``."""
    manager = demo_user(session, "larkmoor-ha", Role.MANAGER)
    protocol_id, purpose = _protocol_purpose(session).split(":")
    panel = series.set_up(
        session,
        Actor.of(manager),
        series.SeriesInput(
            name=PANEL,
            cadence="monthly",
            protocol_id=int(protocol_id),
            purpose=purpose,
            chair_id=chair.id,
            member_ids=[
                manager.id,
                demo_user(session, "northshire-police", Role.MANAGER).id,
            ],
            first_at=first_at,
            place="Larkmoor House",
        ),
    )
    session.commit()
    return panel


def test_a_conference_during_a_sitting_its_chair_chairs_is_refused_but_one_brought_to_it_is_not(
    demo_hub: Flask, demo_session: Session
) -> None:
    chair = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    sits_at = free_for_chair(demo_session, chair.id, days=20)
    panel = _panel(demo_session, chair, sits_at)
    sitting = panel.sittings[0]
    first, second = _two_cases_of_one_officer(demo_session)
    officer_user = demo_session.get(User, first.officer_id)
    officer = demo_client(demo_hub, officer_user)

    status, page = _convene(officer, demo_session, first, chair, sits_at + timedelta(minutes=30))
    assert status == 400
    assert (
        f"The conference's chair already chairs {PANEL} on {clock.moment_text(sits_at)}, and a "
        "sitting is taken to last 2 hours" in page
    )
    assert _latest(demo_session, first) is None

    # Brought to the sitting, the case's conference takes its time and chair: no clash,
    # and a second case brought to it neither.
    for case in (first, second):
        brought = bringing_cases.bring_case(
            demo_session,
            authorise(demo_session, Actor.of(officer_user), case.id, Act.CONVENE),
            sitting.id,
            "Who leads on the household?",
            share_days=28,
        )
        demo_session.commit()
        assert brought.sitting_id == sitting.id
        assert brought.starts_at == sits_at
        assert brought.chair_id == chair.id


def test_a_sitting_over_a_conference_its_chair_chairs_is_refused_naming_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _open_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    chair = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    when = free_for_chair(demo_session, chair.id, days=40)
    assert _convene(officer, demo_session, case, chair, when)[0] == 302
    panel = demo_session.scalar(select(MeetingSeries).where(MeetingSeries.name == PANEL))
    if panel is None:
        panel = _panel(demo_session, chair, free_for_chair(demo_session, chair.id, days=60))

    answer = _schedule(demo_client(demo_hub, chair), panel, when + timedelta(hours=1))
    assert answer.status_code == 400
    assert (
        f"The meeting's chair already chairs the case conference on {case.reference} on "
        f"{clock.moment_text(when)}, and a conference is taken to last 2 hours"
        in html.unescape(answer.get_data(as_text=True))
    )


def test_a_cancelled_conference_leaves_its_chairs_time_free(
    demo_hub: Flask, demo_session: Session
) -> None:
    first, second = _two_cases_of_one_officer(demo_session)
    officer_user = demo_session.get(User, first.officer_id)
    officer = demo_client(demo_hub, officer_user)
    chair = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    when = free_for_chair(demo_session, chair.id, days=30)
    assert _convene(officer, demo_session, first, chair, when)[0] == 302
    assert _convene(officer, demo_session, second, chair, when)[0] == 400
    conference_cancelling.cancel(
        demo_session, Actor.of(officer_user), _latest(demo_session, first).id, "convening_again"
    )
    demo_session.commit()

    assert _convene(officer, demo_session, second, chair, when)[0] == 302
    assert _latest(demo_session, second).starts_at == when
