"""A partnership meeting goes on taking cases as the partnership changes around it (demo
partnership): a standing member leaves (their account disabled), the case conference
protocol moves to a new version signed by every party. Bringing a case follows the
meeting's protocol to its active version, leaves out the members who can no longer take
part and tells the officer who and why; what cannot be mended from the bring form is
refused with what to do instead."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.models import (
    AuditEntry,
    Case,
    Conference,
    MeetingSeries,
    MeetingSitting,
    Notice,
    ProtocolRecord,
    SeriesMember,
    User,
)
from sharing.protocols import lifecycle, records
from sharing.vocabulary import CaseStatus, ProtocolStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, next_version

GROUP = "Northshire ASB problem-solving group"
QUESTION = "Agree who leads on the household and a joint plan with the police"


def _sitting(session: Session) -> MeetingSitting:
    session.expire_all()
    group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    return next(s for s in group.sittings if s.starts_at > clock.now())


def _homes_case(session: Session, sitting: MeetingSitting) -> Case:
    """A Northshire Homes case not yet on the sitting's agenda."""
    taken = {c.case_id for c in sitting.conferences}
    return next(
        case
        for case in session.scalars(
            select(Case)
            .where(
                Case.agency.has(code="northshire-homes"),
                Case.status == CaseStatus.ACTIVE,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(Case.id)
        )
        if case.id not in taken
    )


def _bring(client: FlaskClient, case: Case, sitting: MeetingSitting):
    path = f"/cases/{case.id}/meetings/bring"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "sitting": str(sitting.id),
            "question": QUESTION,
            "agenda": "",
        },
    )


def _conference(session: Session, case: Case, sitting: MeetingSitting) -> Conference:
    session.expire_all()
    return session.scalar(
        select(Conference).where(Conference.case_id == case.id, Conference.sitting_id == sitting.id)
    )


def _sign_new_version(session: Session, key: str) -> ProtocolRecord:
    """Version 2 of a shipped protocol, imported by a DPO and signed by every party."""
    dpo = next(u for u in session.scalars(select(User).order_by(User.id)) if Role.DPO in u.roles)
    text = next_version(session, key)
    record = lifecycle.import_protocol(session, Actor.of(dpo), text, source="version 2")
    for agency_id, role in sorted(records.party_agencies(session, record).items()):
        signatory = next(
            u
            for u in session.scalars(
                select(User).where(User.agency_id == agency_id).order_by(User.id)
            )
            if role in u.roles
        )
        lifecycle.sign(session, Actor.of(signatory), record.id)
    session.commit()
    assert record.status is ProtocolStatus.ACTIVE
    return record


def test_a_member_who_has_left_is_not_expected_and_the_officer_is_told(
    demo_hub, demo_session
) -> None:
    sitting = _sitting(demo_session)
    group = sitting.series
    leaver = next(m.user for m in group.members if m.user.agency.code == "northshire-eh")
    leaver.active = False  # they have left environmental health
    demo_session.commit()
    case = _homes_case(demo_session, sitting)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    response = _bring(officer, case, sitting)
    assert response.status_code == 302, response.get_data(as_text=True)
    conference = _conference(demo_session, case, sitting)
    expected = {a.user_id for a in conference.attendees}
    assert leaver.id not in expected
    assert expected == {m.user_id for m in group.members if m.user.active} | {case.officer_id}
    # Their agency has no one else on the meeting, so it is not invited either.
    assert leaver.agency_id not in {i.agency_id for i in conference.invitations}
    page = officer.get(response.location).get_data(as_text=True)
    assert f"{leaver.display_name}, {leaver.agency.name}" in page
    assert "their account is no longer active" in page
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "meeting.bring").order_by(AuditEntry.seq)
    ).all()[-1]
    assert f"left out {leaver.id}" in (entry.basis or "")
    assert leaver.display_name not in (entry.basis or "")


def test_a_case_is_brought_under_the_new_version_of_the_meetings_protocol(
    demo_hub, demo_session
) -> None:
    sitting = _sitting(demo_session)
    pinned = sitting.series.protocol
    version_2 = _sign_new_version(demo_session, pinned.key)
    demo_session.refresh(pinned)
    assert pinned.status is ProtocolStatus.SUPERSEDED
    case = _homes_case(demo_session, sitting)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    response = _bring(officer, case, sitting)
    assert response.status_code == 302, response.get_data(as_text=True)
    conference = _conference(demo_session, case, sitting)
    assert conference.protocol_id == version_2.id
    assert {i.share.protocol_id for i in conference.invitations} == {version_2.id}
    listed = officer.get(f"/meetings/{sitting.series_id}").get_data(as_text=True)
    assert f"(version {version_2.version})" in listed


def test_a_meeting_whose_protocol_is_suspended_or_chair_has_left_says_what_to_do(
    demo_hub, demo_session
) -> None:
    sitting = _sitting(demo_session)
    group = sitting.series
    case = _homes_case(demo_session, sitting)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    group.chair.active = False
    demo_session.commit()
    refused = _bring(officer, case, sitting)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f"its chair, {group.chair.display_name}, can no longer chair it" in page
    assert "convene a case conference on the case instead" in page
    group.chair.active = True
    active = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == group.protocol.key,
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    active.status = ProtocolStatus.SUSPENDED
    demo_session.commit()
    refused = _bring(officer, case, sitting)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f"{active.title}, which has no active version" in page
    assert "convene a case conference on the case instead" in page
    assert _conference(demo_session, case, sitting) is None
    active.status = ProtocolStatus.ACTIVE  # for the tests after
    demo_session.commit()


def test_an_analyst_made_a_member_before_is_left_out_and_is_not_asked_what_police_hold(
    demo_hub, demo_session
) -> None:
    sitting = _sitting(demo_session)
    group = sitting.series
    police = next(m.user.agency for m in group.members if m.user.agency.code == "northshire-police")
    analyst = next(
        u
        for u in demo_session.scalars(select(User).where(User.agency_id == police.id))
        if Role.ANALYST in u.roles
    )
    demo_session.add(SeriesMember(series=group, user_id=analyst.id))
    demo_session.commit()
    case = _homes_case(demo_session, sitting)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    response = _bring(officer, case, sitting)
    assert response.status_code == 302, response.get_data(as_text=True)
    conference = _conference(demo_session, case, sitting)
    assert analyst.id not in {a.user_id for a in conference.attendees}
    page = officer.get(response.location).get_data(as_text=True)
    assert f"{analyst.display_name}, {police.name} (their roles do not take part" in page
    # Neither the invitation nor the police's information request goes to her.
    [request] = [r for r in conference.requests if r.agency_id == police.id]
    told = demo_session.scalars(
        select(Notice).where(Notice.path.startswith(f"/conferences/{conference.id}"))
    ).all()
    asked = {n.user_id for n in told if n.path.endswith(f"/requests/{request.id}")}
    assert asked
    assert analyst.id not in {n.user_id for n in told}
