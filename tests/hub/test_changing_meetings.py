"""Changing a partnership meeting as its users do (demo partnership): community safety's
manager replaces the problem-solving group's chair and a member who have left, or moves
the group to another protocol and purpose; the next case brought follows the change,
while the sittings already scheduled and the cases already brought stay as they were
(but for their chair: see ``test_meeting_chair_changes``).
Only the organising agency's managers and conference chairs may change it; bad input is
refused at its field with nothing changed; each change is audited by the settings it
changed, never a name."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import accounts, clock
from sharing.meetings import sitting_dates
from sharing.models import (
    Agency,
    Area,
    AuditEntry,
    Case,
    Conference,
    MeetingSeries,
    MeetingSitting,
    ProtocolRecord,
    User,
)
from sharing.vocabulary import AgencyType, Cadence, CaseStatus, ProtocolStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

GROUP = "Northshire ASB problem-solving group"
QUESTION = "Agree who leads on the household and a joint plan with the police"


def _group(session: Session) -> MeetingSeries:
    session.expire_all()
    return session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))


def _path(group: MeetingSeries) -> str:
    return f"/meetings/{group.id}/change"


def _protocol_purpose(session: Session, key: str, purpose: str) -> str:
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == key, ProtocolRecord.status == ProtocolStatus.ACTIVE
        )
    )
    return f"{protocol.id}:{purpose}"


def _as_it_is(session: Session, group: MeetingSeries) -> dict[str, object]:
    """The change form as the meeting stands (its active members), to change from."""
    return {
        "name": group.name,
        "cadence": group.cadence.value,
        "protocol_purpose": _protocol_purpose(session, group.protocol.key, group.purpose),
        "chair": str(group.chair_id),
        "members": [str(m.user_id) for m in group.members if m.user.active],
        "place": group.place or "",
        "video_link": group.video_link or "",
    }


def _change(client: FlaskClient, session: Session, **overrides: object):
    group = _group(session)
    data = {"csrf_token": csrf_token(client, _path(group)), **_as_it_is(session, group)}
    data.update(overrides)
    return client.post(_path(group), data=data)


def _settings(group: MeetingSeries) -> tuple[object, ...]:
    return (
        group.name,
        group.cadence,
        group.protocol_id,
        group.purpose,
        group.chair_id,
        sorted(m.user_id for m in group.members),
        group.place,
        group.video_link,
    )


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _to_come(session: Session) -> MeetingSitting:
    return next(s for s in _group(session).sittings if s.starts_at > clock.now())


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


def _bring(session: Session, demo_hub, case: Case, sitting: MeetingSitting) -> Conference:
    officer = demo_client(demo_hub, session.get(User, case.officer_id))
    path = f"/cases/{case.id}/meetings/bring"
    response = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "sitting": str(sitting.id),
            "question": QUESTION,
            "agenda": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    return session.scalar(
        select(Conference).where(Conference.case_id == case.id, Conference.sitting_id == sitting.id)
    )


def _manager(demo_hub, session: Session) -> FlaskClient:
    """Community safety's manager: of the group's organising agency."""
    return demo_client(demo_hub, demo_user(session, "northshire-csp", Role.MANAGER))


def test_the_route_is_for_the_organising_agencys_managers_and_conference_chairs(
    demo_hub, demo_session
) -> None:
    group = _group(demo_session)
    manager = _manager(demo_hub, demo_session)
    assert "Change this meeting" in manager.get(f"/meetings/{group.id}").get_data(as_text=True)
    assert manager.get(_path(group)).status_code == 200
    chair = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR))
    assert chair.get(_path(group)).status_code == 200
    before = _settings(group)
    for code, role in (("northshire-csp", Role.CASE_OFFICER), ("northshire-police", Role.MANAGER)):
        client = demo_client(demo_hub, demo_user(demo_session, code, role))
        assert "Change this meeting" not in client.get(f"/meetings/{group.id}").get_data(
            as_text=True
        )
        refused = len(_entries(demo_session, "meeting.change"))
        assert client.get(_path(group)).status_code == 403
        response = client.post(
            _path(group),
            data={
                "csrf_token": csrf_token(client, "/meetings"),
                **_as_it_is(demo_session, group),
                "name": "Taken over",
            },
        )
        assert response.status_code == 403
        entries = _entries(demo_session, "meeting.change")[refused:]
        assert [(e.outcome, e.object_id) for e in entries] == [("refused", str(group.id))] * 2
        assert all(
            e.basis == "not a manager or conference chair of the organising agency" for e in entries
        )
    assert _settings(_group(demo_session)) == before
    # Someone of another area is told it does not exist; someone signed out, to sign in.
    area = Area(code="elsewhere", name="Elsewhere")
    agency = Agency(
        code="elsewhere-csp",
        name="Elsewhere Community Safety",
        type=AgencyType.COMMUNITY_SAFETY,
        area=area,
        case_prefix="ECS",
    )
    demo_session.add(agency)
    outsider = accounts.create_user(
        demo_session,
        agency=agency,
        email="manager@elsewhere.example",
        display_name="Elsewhere Manager",
        roles={Role.MANAGER},
        password_hash="x",
        totp_secret=pyotp.random_base32(),
    )
    demo_session.commit()
    assert demo_client(demo_hub, outsider).get(_path(group)).status_code == 404
    signed_out = demo_hub.test_client().get(_path(group))
    assert signed_out.status_code == 302
    assert signed_out.location.startswith("/sign-in")


def test_a_manager_replaces_a_chair_and_a_member_who_have_left_and_the_next_case_follows(
    demo_hub, demo_session
) -> None:
    group = _group(demo_session)
    old_chair = group.chair
    leaver = next(m.user for m in group.members if m.user.agency.code == "northshire-eh")
    old_chair.active = False
    leaver.active = False
    demo_session.commit()
    sitting = _to_come(demo_session)
    already = {c.id: c.chair_id for c in sitting.conferences}
    assert set(already.values()) == {old_chair.id}
    starts = [s.starts_at for s in _group(demo_session).sittings]
    # Until the meeting is changed, a case brought to it is refused, saying who can mend it.
    case = _homes_case(demo_session, sitting)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/meetings/bring"
    refused = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "sitting": str(sitting.id),
            "question": QUESTION,
        },
    )
    assert refused.status_code == 400
    assert f"or ask {group.agency.name} to change the meeting" in refused.get_data(as_text=True)
    manager = _manager(demo_hub, demo_session)
    form = manager.get(_path(group)).get_data(as_text=True)
    # Those who can no longer take part are named, with why, and not kept unless ticked.
    assert f"{old_chair.display_name}, {old_chair.agency.name}" in form
    assert f"{leaver.display_name}, {leaver.agency.name}" in form
    assert "their account is no longer active" in form
    new_chair = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    newcomer = demo_user(demo_session, "northshire-eh", Role.MANAGER)
    members = [m.user_id for m in group.members if m.user.active]
    response = _change(
        manager,
        demo_session,
        chair=str(new_chair.id),
        members=[str(m) for m in [*members, newcomer.id]],
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = manager.get(response.location).get_data(as_text=True)
    assert "Meeting changed" in page
    group = _group(demo_session)
    assert group.chair_id == new_chair.id
    assert {m.user_id for m in group.members} == {*members, new_chair.id, newcomer.id}
    entry = _entries(demo_session, "meeting.change")[-1]
    assert (entry.outcome, entry.object_id) == ("allowed", str(group.id))
    assert entry.basis.startswith(
        f"changed chair, members; conferences {','.join(map(str, sorted(already)))} re-chaired "
        "(chair changes "
    )
    for person in (old_chair, leaver, new_chair, newcomer):
        assert person.display_name not in (entry.basis or "")
    # The sittings keep their dates; the case already brought keeps its conference, now
    # chaired by the new chair, who chairs the sitting.
    assert [s.starts_at for s in group.sittings] == starts
    assert {c.id: c.chair_id for c in _to_come(demo_session).conferences} == dict.fromkeys(
        already, new_chair.id
    )
    # The next case brought has the new chair and member, and neither of those who left.
    conference = _bring(demo_session, demo_hub, case, sitting)
    assert conference.chair_id == new_chair.id
    expected = {a.user_id for a in conference.attendees}
    assert {new_chair.id, newcomer.id} <= expected
    assert not {old_chair.id, leaver.id} & expected
    assert newcomer.agency_id in {i.agency_id for i in conference.invitations}


def test_a_new_protocol_and_purpose_is_used_by_the_next_case_brought(
    demo_hub, demo_session
) -> None:
    manager = _manager(demo_hub, demo_session)
    group = _group(demo_session)
    trigger = _protocol_purpose(demo_session, "northshire-community-trigger", "community_trigger")
    lead = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    police = demo_user(demo_session, "northshire-police", Role.MANAGER)
    homes = demo_user(demo_session, "northshire-homes", Role.MANAGER)
    response = _change(
        manager,
        demo_session,
        protocol_purpose=trigger,
        chair=str(lead.id),
        members=[str(police.id), str(homes.id)],
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    group = _group(demo_session)
    assert (group.protocol.key, group.purpose) == (
        "northshire-community-trigger",
        "community_trigger",
    )
    # Its chair is changed too, unless an earlier test made the same manager chair.
    assert _entries(demo_session, "meeting.change")[-1].basis in {
        "changed protocol, purpose, chair, members",
        "changed protocol, purpose, members",
    }
    sitting = _to_come(demo_session)
    conference = _bring(demo_session, demo_hub, _homes_case(demo_session, sitting), sitting)
    assert conference.protocol.key == "northshire-community-trigger"
    assert conference.purpose == "community_trigger"
    assert {i.share.purpose for i in conference.invitations} == {"community_trigger"}
    assert {i.agency_id for i in conference.invitations} == {lead.agency_id, police.agency_id}


def test_a_new_cadence_changes_the_sitting_proposed_not_those_scheduled(
    demo_hub, demo_session
) -> None:
    manager = _manager(demo_hub, demo_session)
    group = _group(demo_session)
    starts = [s.starts_at for s in group.sittings]
    assert group.cadence is Cadence.MONTHLY
    response = _change(manager, demo_session, cadence="weekly", place="Civic Centre, room 4")
    assert response.status_code == 302, response.get_data(as_text=True)
    group = _group(demo_session)
    assert [s.starts_at for s in group.sittings] == starts
    assert sitting_dates.next_sitting(group, after=clock.now()) == starts[-1] + timedelta(days=7)
    assert "Civic Centre, room 4" not in {s.place for s in group.sittings}
    entry = _entries(demo_session, "meeting.change")[-1]
    assert entry.basis == "changed cadence, place"
    assert "Civic Centre" not in (entry.basis or "")


def test_a_change_that_changes_nothing_says_so_and_records_no_act(demo_hub, demo_session) -> None:
    manager = _manager(demo_hub, demo_session)
    before = len(_entries(demo_session, "meeting.change"))
    group = _group(demo_session)
    settings = _settings(group)
    response = _change(manager, demo_session)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Nothing changed" in manager.get(response.location).get_data(as_text=True)
    assert len(_entries(demo_session, "meeting.change")) == before
    assert _settings(_group(demo_session)) == settings


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter the meeting"),
        ({"chair": ""}, "chair", "Select the chair"),
        ({"chair": "999999"}, "chair", "Select the chair"),
        ({"members": []}, "members", "at least two agencies"),
        ({"members": ["999999"]}, "members", "Select the standing members from those offered"),
        ({"place": "", "video_link": ""}, "place", "Enter where it meets, or a video link"),
        ({"cadence": "yearly"}, "cadence", "Select how often it meets"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_the_meeting_is_unchanged(
    demo_hub, demo_session, overrides, field, message
) -> None:
    manager = _manager(demo_hub, demo_session)
    settings = _settings(_group(demo_session))
    refused = len(_entries(demo_session, "meeting.change"))
    response = _change(manager, demo_session, **overrides)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'href="#{field}' in page
    assert _settings(_group(demo_session)) == settings
    entries = _entries(demo_session, "meeting.change")[refused:]
    assert [e.outcome for e in entries] == ["refused"]
    assert entries[0].basis.startswith("refused input: ")


def test_a_chair_or_member_who_may_not_take_part_is_refused_saying_why(
    demo_hub, demo_session
) -> None:
    manager = _manager(demo_hub, demo_session)
    settings = _settings(_group(demo_session))
    analyst = demo_user(demo_session, "northshire-police", Role.ANALYST)
    officer = demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER)
    as_chair = _change(manager, demo_session, chair=str(officer.id))
    assert as_chair.status_code == 400
    assert "Select the chair" in as_chair.get_data(as_text=True)
    group = _group(demo_session)
    as_member = _change(
        manager, demo_session, members=[*_as_it_is(demo_session, group)["members"], str(analyst.id)]
    )
    assert as_member.status_code == 400
    assert f"{analyst.display_name} cannot be a member: their roles do not take part" in (
        as_member.get_data(as_text=True)
    )
    assert _settings(_group(demo_session)) == settings
