"""Partnership meetings as their users meet them (demo partnership): community safety sets
up the ASB problem-solving group with standing members from several agencies; its chair
schedules the next sitting on the date its cadence proposes; a landlord officer brings a
case to a sitting, which convenes the case's conference for it with the members'
agencies invited; each reader's sitting page lists only the cases their agency may open.
Bad input is refused with its field and reason, nothing written, the refusal audited."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.templating import UK, uk_datetime
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.erasure import erase_case
from sharing.errors import InputError
from sharing.meetings import bringing_cases, conference_listing, series, sitting_dates
from sharing.models import (
    Action,
    AuditEntry,
    Case,
    Conference,
    MeetingSeries,
    MeetingSitting,
    ProtocolRecord,
    User,
)
from sharing.vocabulary import ActionKind, Cadence, CaseStatus, MinutesStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import (
    demo_client,
    demo_copy,
    demo_user,
    free_for_chair,
    shared_with_agency,
)

GROUP = "Northshire ASB problem-solving group"
QUESTION = "Agree who leads on the household and a joint plan with the police"


def _protocol_purpose(session: Session, key: str, purpose: str) -> str:
    protocol = session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == key, ProtocolRecord.status == "active")
    )
    return f"{protocol.id}:{purpose}"


def _when(days: int) -> dict[str, str]:
    moment = (clock.now() + timedelta(days=days)).astimezone(UK)
    return {
        "first_at-day": str(moment.day),
        "first_at-month": str(moment.month),
        "first_at-year": str(moment.year),
        "first_at-hour": "14",
        "first_at-minute": "00",
    }


def _set_up_form(client: FlaskClient, session: Session, **overrides: object) -> dict[str, object]:
    chair = demo_user(session, "northshire-csp", Role.CONFERENCE_CHAIR)
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, "/meetings/new"),
        "name": "Northshire CSP tasking meeting",
        "cadence": "fortnightly",
        "protocol_purpose": _protocol_purpose(
            session, "northshire-case-conference", "case_conference"
        ),
        "chair": str(chair.id),
        "members": [
            str(demo_user(session, "northshire-police", Role.MANAGER).id),
            str(demo_user(session, "wealdbrook-ht", Role.MANAGER).id),
        ],
        "place": "Civic Centre, committee room 1",
        **_when(10),
    }
    data.update(overrides)
    return data


def _group(session: Session) -> MeetingSeries:
    return session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _series_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(MeetingSeries))


def test_community_safety_sets_up_a_meeting_with_members_of_several_agencies(
    demo_hub, demo_session
) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    listing = manager.get("/meetings").get_data(as_text=True)
    assert GROUP in listing
    assert "Set up a partnership meeting" in listing
    before = _series_count(demo_session)
    response = manager.post("/meetings/new", data=_set_up_form(manager, demo_session))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = manager.get(response.location).get_data(as_text=True)
    assert "Northshire CSP tasking meeting" in page
    assert "Every two weeks" in page
    assert "Wealdbrook" in page
    assert "Northshire Police" in page
    assert "Coming up" in page
    assert _series_count(demo_session) == before + 1
    made = demo_session.scalar(
        select(MeetingSeries).where(MeetingSeries.name == "Northshire CSP tasking meeting")
    )
    # The chair is a standing member even when not ticked.
    assert made.chair_id in {m.user_id for m in made.members}
    entry = _entries(demo_session, "meeting.set_up")[-1]
    assert entry.object_id == str(made.id)
    assert "Northshire CSP tasking meeting" not in (entry.basis or "")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter the meeting"),
        ({"name": "x" * 121}, "name", "120 characters or fewer"),
        ({"cadence": "yearly"}, "cadence", "Select how often it meets"),
        ({"chair": ""}, "chair", "Select the chair"),
        (
            {"members": []},
            "members",
            "at least two agencies",
        ),
        ({"place": ""}, "place", "Enter where it meets, or a video link"),
        ({"video_link": "http://meet.example/x"}, "video_link", "starting https://"),
    ],
)
def test_a_meeting_with_bad_input_is_refused_with_its_field_and_nothing_is_written(
    demo_hub, demo_session, overrides, field, message
) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    before = _series_count(demo_session)
    form = _set_up_form(manager, demo_session)
    form.update(overrides)
    if field == "members":
        # Only the chair (community safety) and another community safety member.
        form["members"] = [str(demo_user(demo_session, "northshire-csp", Role.MANAGER).id)]
    response = manager.post("/meetings/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'href="#{field}' in page  # the error summary links to the field
    assert _series_count(demo_session) == before


def test_a_member_whose_agency_is_not_a_party_to_the_protocol_is_refused_and_audited(
    demo_hub, demo_session
) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    adults = demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    refused_before = len(
        [e for e in _entries(demo_session, "meeting.set_up") if e.outcome == "refused"]
    )
    before = _series_count(demo_session)
    form = _set_up_form(
        manager,
        demo_session,
        # The ASB case management protocol has no safeguarding party.
        protocol_purpose=_protocol_purpose(
            demo_session, "northshire-asb-case-management", "asb_case_management"
        ),
        # A chair it gives a case: it gives conference chairs nothing.
        chair=str(demo_user(demo_session, "northshire-csp", Role.MANAGER).id),
    )
    form["members"] = [*form["members"], str(adults.id)]
    response = manager.post("/meetings/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Northshire Adult Safeguarding is not a party to that protocol" in page
    assert _series_count(demo_session) == before
    refused = [e for e in _entries(demo_session, "meeting.set_up") if e.outcome == "refused"]
    assert len(refused) == refused_before + 1
    assert refused[-1].basis == "refused input: member_ids"


def test_only_managers_and_conference_chairs_set_up_meetings(demo_hub, demo_session) -> None:
    officer = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    assert officer.get("/meetings").status_code == 200
    assert "Set up a partnership meeting" not in officer.get("/meetings").get_data(as_text=True)
    assert officer.get("/meetings/new").status_code == 403
    before = _series_count(demo_session)
    response = officer.post("/meetings/new", data=_set_up_form(officer, demo_session))
    assert response.status_code == 403
    assert _series_count(demo_session) == before
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    assert dpo.get("/meetings").status_code == 403


def test_the_chair_schedules_the_sitting_the_cadence_proposes_and_others_may_not(
    demo_hub, demo_session
) -> None:
    group = _group(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    form = chair.get(f"/meetings/{group.id}/sittings/new").get_data(as_text=True)
    proposed = sitting_dates.next_sitting(group).astimezone(UK)
    assert f'value="{proposed.day}"' in form
    assert f'value="{proposed:%M}"' in form
    sittings = len(group.sittings)
    data = {
        "csrf_token": csrf_token(chair, f"/meetings/{group.id}/sittings/new"),
        "starts_at-day": str(proposed.day),
        "starts_at-month": str(proposed.month),
        "starts_at-year": str(proposed.year),
        "starts_at-hour": str(proposed.hour),
        "starts_at-minute": str(proposed.minute),
        "place": "",
        "video_link": "",
    }
    response = chair.post(f"/meetings/{group.id}/sittings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    assert len(group.sittings) == sittings + 1
    assert group.sittings[-1].place == group.place  # its usual place
    # The same time again is refused, saying why.
    again = chair.post(f"/meetings/{group.id}/sittings/new", data=data)
    assert again.status_code == 400
    assert "The meeting already sits on" in again.get_data(as_text=True)
    past = chair.post(
        f"/meetings/{group.id}/sittings/new",
        data={**data, "starts_at-year": str(proposed.year - 1)},
    )
    assert "The sitting must be in the future" in past.get_data(as_text=True)
    demo_session.expire_all()
    assert len(group.sittings) == sittings + 1
    # A standing member who is neither the chair nor of the organising agency may not.
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert sergeant.get(f"/meetings/{group.id}/sittings/new").status_code == 403
    refused = sergeant.post(
        f"/meetings/{group.id}/sittings/new",
        data={**data, "csrf_token": csrf_token(sergeant, "/"), "starts_at-hour": "9"},
    )
    assert refused.status_code == 403
    assert _entries(demo_session, "meeting.schedule")[-1].outcome == "refused"


def _to_come(session: Session) -> MeetingSitting:
    group = _group(session)
    return next(s for s in group.sittings if s.starts_at > clock.now())


def _homes_case(
    session: Session, sitting: MeetingSitting, not_shared_with: str | None = None
) -> Case:
    """A Northshire Homes case not yet on the sitting's agenda (nor shared with the agency
    ``not_shared_with``, if given: which cases are shared differs with the demo's day)."""
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
        and not (not_shared_with and shared_with_agency(session, case, not_shared_with))
    )


def _bring(client: FlaskClient, case: Case, sitting_id: object, question: str = QUESTION):
    path = f"/cases/{case.id}/meetings/bring"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "sitting": str(sitting_id),
            "question": question,
            "agenda": "",
        },
    )


def test_an_officer_brings_a_case_to_a_sitting_and_the_members_agencies_are_invited(
    demo_hub, demo_session
) -> None:
    sitting = _to_come(demo_session)
    case = _homes_case(demo_session, sitting)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    assert "Bring to a partnership meeting" in officer.get(f"/cases/{case.id}").get_data(
        as_text=True
    )
    form = officer.get(f"/cases/{case.id}/meetings/bring").get_data(as_text=True)
    assert GROUP in form
    response = _bring(officer, case, sitting.id)
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    conference = demo_session.scalar(
        select(Conference).where(Conference.case_id == case.id, Conference.sitting_id == sitting.id)
    )
    group = sitting.series
    assert conference.starts_at == sitting.starts_at
    assert conference.chair_id == group.chair_id
    members = {m.user_id for m in group.members}
    assert {a.user_id for a in conference.attendees} == members | {case.officer_id}
    member_agencies = {m.user.agency_id for m in group.members} - {case.agency_id}
    assert {i.agency_id for i in conference.invitations} == member_agencies
    assert all(i.share.purpose == group.purpose for i in conference.invitations)
    page = officer.get(response.location).get_data(as_text=True)
    sitting_path = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    assert f'<a class="govuk-link" href="{sitting_path}">{GROUP}</a>' in page  # "On the agenda of"
    entry = _entries(demo_session, "meeting.bring")[-1]
    assert entry.object_type == "meeting_sitting"
    assert entry.object_id == str(sitting.id)
    assert QUESTION not in (entry.basis or "")
    # A standing member's agency sees it on the sitting, and opens its conference.
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    listed = sergeant.get(f"/meetings/{group.id}/sittings/{sitting.id}").get_data(as_text=True)
    assert case.reference in listed
    assert sergeant.get(f"/conferences/{conference.id}").status_code == 200
    # The form no longer offers that sitting, and says the case is on its agenda.
    form = officer.get(f"/cases/{case.id}/meetings/bring").get_data(as_text=True)
    assert f'<option value="{sitting.id}"' not in form
    assert (
        f"The case is already on the agenda of {GROUP} on {uk_datetime(sitting.starts_at)}." in form
    )
    # Bringing it again to the same sitting anyway (a form opened before) is refused at
    # the sitting, saying the case is on its agenda, and recorded.
    again = _bring(officer, case, sitting.id)
    assert again.status_code == 400
    assert 'href="#sitting"' in again.get_data(as_text=True)
    assert "The case is already on the agenda of" in again.get_data(as_text=True)
    last = _entries(demo_session, "conference.convene")[-1]
    assert last.outcome == "refused"
    assert last.basis == "refused input: sitting"


def test_a_sitting_lists_to_each_agency_only_the_cases_it_may_open(demo_hub, demo_session) -> None:
    sitting = _to_come(demo_session)
    group = sitting.series
    on_agenda = list(sitting.conferences)
    assert {c.case.agency.code for c in on_agenda} >= {"larkmoor-ha", "northshire-homes"}
    larkmoor = demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER)
    page = (
        demo_client(demo_hub, larkmoor)
        .get(f"/meetings/{group.id}/sittings/{sitting.id}")
        .get_data(as_text=True)
    )
    actor = Actor.of(larkmoor)
    hidden = [c for c in on_agenda if not conference_listing.visible(demo_session, actor, c)]
    assert hidden
    for conference in on_agenda:
        assert (conference.case.reference in page) == (conference not in hidden)
    assert f"{len(hidden)} case" in page
    # Some may be the agency's own, another team's: "not shared" alone would be untrue.
    assert (
        "not open to you: not shared with your agency for this meeting, or another team's" in page
    )


def test_a_past_sitting_shows_its_agreed_minutes_and_cannot_take_a_case(
    demo_hub, demo_session
) -> None:
    group = _group(demo_session)
    past = group.sittings[0]
    assert past.starts_at < clock.now()
    [conference] = past.conferences
    assert conference.minutes_status is MinutesStatus.AGREED
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    page = sergeant.get(f"/meetings/{group.id}/sittings/{past.id}").get_data(as_text=True)
    assert "Agreed" in page
    case = _homes_case(demo_session, past)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    before = demo_session.scalar(select(func.count()).select_from(Conference))
    # The form offers only sittings to come; the core refuses a past one all the same.
    response = _bring(officer, case, past.id)
    assert response.status_code == 400
    assert "Select the sitting to bring it to" in response.get_data(as_text=True)
    authorised = authorise(demo_session, Actor.of(case.officer), case.id, Act.CONVENE)
    for sitting_id, message in (
        (past.id, "That sitting has taken place"),
        (999_999, "Select a sitting of one of the partnership"),
    ):
        with pytest.raises(InputError, match=message):
            bringing_cases.bring_case(demo_session, authorised, sitting_id, QUESTION, share_days=28)
    demo_session.rollback()
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).select_from(Conference)) == before


def test_only_the_owning_agency_brings_its_case(demo_hub, demo_session) -> None:
    sitting = _to_come(demo_session)
    case = _homes_case(demo_session, sitting, not_shared_with="northshire-police")
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert not shared_with_agency(demo_session, case, "northshire-police")
    assert sergeant.get(f"/cases/{case.id}/meetings/bring").status_code == 404
    assert _bring(sergeant, case, sitting.id).status_code == 404


def test_a_meeting_of_another_area_or_none_answers_not_found(demo_hub, demo_session) -> None:
    officer = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    assert officer.get("/meetings/999999").status_code == 404
    group = _group(demo_session)
    assert officer.get(f"/meetings/{group.id}/sittings/999999").status_code == 404


def _series(cadence: Cadence, last: datetime) -> MeetingSeries:
    return MeetingSeries(
        cadence=cadence, sittings=[MeetingSitting(starts_at=last.replace(tzinfo=UTC))]
    )


@pytest.mark.parametrize(
    ("cadence", "last", "expected"),
    [
        (Cadence.WEEKLY, datetime(2027, 1, 5, 10), datetime(2027, 1, 12, 10)),
        (Cadence.FORTNIGHTLY, datetime(2027, 1, 5, 10), datetime(2027, 1, 19, 10)),
        # The second Tuesday stays the second Tuesday.
        (Cadence.MONTHLY, datetime(2027, 1, 12, 10), datetime(2027, 2, 9, 10)),
        # A fifth Friday becomes the last Friday of a month with four.
        (Cadence.MONTHLY, datetime(2027, 1, 29, 10), datetime(2027, 2, 26, 10)),
        # Across the year's end, and three months on.
        (Cadence.MONTHLY, datetime(2027, 12, 1, 10), datetime(2028, 1, 5, 10)),
        # 10am in January (GMT) is 10am in April (BST): 9am UTC.
        (Cadence.QUARTERLY, datetime(2027, 1, 12, 10), datetime(2027, 4, 13, 9)),
    ],
)
def test_the_next_sitting_follows_the_cadence(cadence, last, expected) -> None:
    after = datetime(2026, 1, 1, tzinfo=UTC)
    assert sitting_dates.next_sitting(_series(cadence, last), after=after) == expected.replace(
        tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("cadence", "last", "expected"),
    [
        # Set up for 10am in October (summer time): November's sitting is at 10am too.
        (Cadence.MONTHLY, datetime(2026, 10, 13, 10), datetime(2026, 11, 10, 10)),
        (Cadence.WEEKLY, datetime(2026, 10, 20, 10), datetime(2026, 10, 27, 10)),
        # From winter into summer time.
        (Cadence.MONTHLY, datetime(2026, 3, 10, 10), datetime(2026, 4, 14, 10)),
        # Half past midnight in summer is still the first Tuesday, in winter.
        (Cadence.MONTHLY, datetime(2026, 10, 6, 0, 30), datetime(2026, 11, 3, 0, 30)),
    ],
)
def test_the_next_sitting_keeps_its_uk_time_across_the_clocks_changing(
    cadence, last, expected
) -> None:
    group = MeetingSeries(
        cadence=cadence,
        sittings=[MeetingSitting(starts_at=last.replace(tzinfo=UK).astimezone(UTC))],
    )
    proposed = sitting_dates.next_sitting(group, after=datetime(2026, 1, 1, tzinfo=UTC))
    assert proposed.astimezone(UK).replace(tzinfo=None) == expected


def test_the_next_sitting_is_after_today_when_sittings_were_missed() -> None:
    group = _series(Cadence.WEEKLY, datetime(2027, 1, 5, 10))
    after = datetime(2027, 2, 1, tzinfo=UTC)
    assert sitting_dates.next_sitting(group, after=after) == datetime(2027, 2, 2, 10, tzinfo=UTC)


def test_demo_group_sits_with_cases_of_two_landlords(demo_session: Session) -> None:
    group = _group(demo_session)
    assert group.cadence is Cadence.MONTHLY
    assert len({m.user.agency_id for m in group.members}) >= 3
    assert len(group.sittings) >= 2


def test_a_case_brought_is_on_the_sittings_agenda_at_once_in_the_same_session(
    demo_session,
) -> None:
    sitting = _to_come(demo_session)
    agenda_before = list(sitting.conferences)  # the agenda, loaded before the case comes
    case = _homes_case(demo_session, sitting)
    authorised = authorise(demo_session, Actor.of(case.officer), case.id, Act.CONVENE)
    conference = bringing_cases.bring_case(
        demo_session, authorised, sitting.id, QUESTION, share_days=28
    )
    assert sitting.conferences == [*agenda_before, conference]
    demo_session.rollback()


def test_an_analyst_is_neither_offered_nor_accepted_as_a_standing_member(
    demo_hub, demo_session
) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    analyst = demo_user(demo_session, "northshire-police", Role.ANALYST)
    assert f'value="{analyst.id}"' not in manager.get("/meetings/new").get_data(as_text=True)
    before = _series_count(demo_session)
    form = _set_up_form(manager, demo_session)
    form["members"] = [*form["members"], str(analyst.id)]
    response = manager.post("/meetings/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"{analyst.display_name} cannot be a member: their roles do not take part" in page
    assert 'href="#members' in page
    assert _series_count(demo_session) == before
    # The core refuses them too.
    data = series.SeriesInput(
        name="Tasking",
        cadence="monthly",
        protocol_id=int(str(form["protocol_purpose"]).split(":")[0]),
        purpose="case_conference",
        chair_id=int(str(form["chair"])),
        member_ids=[int(m) for m in form["members"]],
        first_at=free_for_chair(demo_session, int(str(form["chair"])), days=10),
        place="Civic Centre",
    )
    with pytest.raises(InputError, match="cannot be a member: their roles do not take part"):
        series.set_up(
            demo_session, Actor.of(demo_user(demo_session, "northshire-csp", Role.MANAGER)), data
        )
    demo_session.rollback()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cadence": "yearly"}, "cadence"),
        ({"name": "Tasking\x00"}, "name"),
        ({"chair": "1"}, "chair"),
    ],
)
def test_a_set_up_the_form_itself_refuses_is_recorded_naming_the_field(
    demo_hub, demo_session, overrides, field
) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    refused_before = len(_entries(demo_session, "meeting.set_up"))
    response = manager.post("/meetings/new", data=_set_up_form(manager, demo_session, **overrides))
    assert response.status_code == 400
    refused = _entries(demo_session, "meeting.set_up")[refused_before:]
    assert [(e.outcome, e.basis) for e in refused] == [("refused", f"refused input: {field}")]


def test_someone_refused_the_set_up_or_schedule_form_is_recorded(demo_hub, demo_session) -> None:
    officer = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    set_up = len(_entries(demo_session, "meeting.set_up"))
    assert officer.get("/meetings/new").status_code == 403
    assert [e.outcome for e in _entries(demo_session, "meeting.set_up")[set_up:]] == ["refused"]
    group = _group(demo_session)
    scheduled = len(_entries(demo_session, "meeting.schedule"))
    assert officer.get(f"/meetings/{group.id}/sittings/new").status_code == 403
    refused = _entries(demo_session, "meeting.schedule")[scheduled:]
    assert [(e.outcome, e.basis) for e in refused] == [
        ("refused", "not the chair or the organising agency")
    ]


def test_a_sitting_says_a_case_on_its_agenda_was_erased_not_that_it_is_not_shared(
    demo_files: Path, tmp_path: Path
) -> None:
    """Once a case brought to a sitting is erased, the sitting's page says so to everyone,
    the meeting's chair of another agency too: not that it is not shared with them."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        group = _group(session)
        sitting, conference = next(
            (s, c) for s in group.sittings for c in s.conferences if not c.case.locked
        )
        case = conference.case
        manager = Actor.of(demo_user(session, case.agency.code, Role.MANAGER))
        close_for_erasure(session, manager, case.id)
        erase_case(session, authorise(session, manager, case.id, Act.ERASE))
        session.commit()
        path = f"/meetings/{group.id}/sittings/{sitting.id}"
        erased = sum(1 for c in sitting.conferences if c.case.erased_at is not None)
        chair = Actor.of(group.chair)
        hidden = sum(
            1
            for c in sitting.conferences
            if c.case.erased_at is None and not conference_listing.visible(session, chair, c)
        )
        page = demo_client(app, group.chair).get(path).get_data(as_text=True)
    assert case.reference not in page
    said = "case on the agenda has" if erased == 1 else "cases on the agenda have"
    assert f"{erased} {said} since been erased: nothing of" in page
    assert ("not shared with your agency for this meeting" in page) == bool(hidden)
    app.extensions["hub.engine"].dispose()


def test_the_agency_whose_case_was_erased_reads_its_sitting_as_everyone_does(
    demo_files: Path, tmp_path: Path
) -> None:
    """The agency that brought a case erased since reads the sitting as everyone else:
    one case erased, and nothing of it listed, where the erased case was listed with a
    pack to open and the page said "-1 cases on the agenda are not open to you"; the
    meeting's page counts it among the other cases, not among those it can open."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        group = _group(session)
        sitting = next(s for s in group.sittings if s.starts_at < clock.now())
        assert len(sitting.conferences) == 1
        case = sitting.conferences[0].case
        manager = demo_user(session, case.agency.code, Role.MANAGER)
        close_for_erasure(session, Actor.of(manager), case.id)
        erase_case(session, authorise(session, Actor.of(manager), case.id, Act.ERASE))
        session.commit()
        client = demo_client(app, manager)
        page = client.get(f"/meetings/{group.id}/sittings/{sitting.id}").get_data(as_text=True)
        meeting = client.get(f"/meetings/{group.id}").get_data(as_text=True)
    assert case.reference not in page
    assert "Your pack" not in page
    assert "not open to you" not in page
    assert "1 case on the agenda has since been erased: nothing of it can be read" in page
    past = meeting.split("Past sittings", 1)[1]
    cells = [c.strip() for c in re.findall(r'cell--numeric">([^<]*)<', past)[:2]]
    assert cells == ["0", "1"]
    app.extensions["hub.engine"].dispose()


def test_a_member_of_the_agency_who_may_not_open_the_case_is_left_out_not_a_refusal(
    demo_files: Path, tmp_path: Path
) -> None:
    """A standing member of the case's own agency who may not open it (a case officer of
    another team) is left out of its conference and named, as a member who can no longer
    take part is: bringing the case was refused, saying they cannot be expected, and its
    officer could neither change the members nor bring the case at all."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        west = next(
            u
            for u in session.scalars(select(User).where(User.agency.has(code="northshire-homes")))
            if u.team == "West estates"
        )
        chair = demo_user(session, "northshire-csp", Role.CONFERENCE_CHAIR)
        police = demo_user(session, "northshire-police", Role.MANAGER)
        protocol_id, purpose = _protocol_purpose(
            session, "northshire-case-conference", "case_conference"
        ).split(":")
        group = series.set_up(
            session,
            Actor.of(chair),
            series.SeriesInput(
                name="East and west estates tasking",
                cadence="monthly",
                protocol_id=int(protocol_id),
                purpose=purpose,
                chair_id=chair.id,
                member_ids=[police.id, west.id],
                first_at=free_for_chair(session, chair.id, days=9),
                place="Civic Centre, committee room 2",
            ),
        )
        session.commit()
        case = next(
            c
            for c in session.scalars(
                select(Case)
                .where(
                    Case.agency.has(code="northshire-homes"),
                    Case.status == CaseStatus.ACTIVE,
                    Case.locked.is_(False),
                )
                .order_by(Case.id)
            )
            if c.officer.team == "East estates"
        )
        sitting_id = group.sittings[0].id
        officer = demo_client(app, case.officer)
        response = _bring(officer, case, sitting_id)
        assert response.status_code == 302, response.get_data(as_text=True)
        page = officer.get(response.location).get_data(as_text=True)
        conference = session.scalar(select(Conference).where(Conference.sitting_id == sitting_id))
        expected = {a.user_id for a in conference.attendees}
    assert expected == {case.officer_id, chair.id, police.id}
    assert f"cannot take part: {west.display_name}, Northshire Homes (they cannot open" in page
    app.extensions["hub.engine"].dispose()


def test_a_sitting_just_after_midnight_in_summer_is_titled_by_its_day_in_england(
    demo_files: Path, tmp_path: Path
) -> None:
    """A sitting at half past midnight British Summer Time is on that day in England: its
    page's title gave the day before (the day in UTC), under a heading that gave the day."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        group = _group(session)
        half_past_eleven = datetime.combine(clock.today(), time(23, 30), UTC)
        starts_at = next(
            moment
            for days in range(2, 366)
            if (moment := half_past_eleven + timedelta(days=days)).astimezone(UK).dst()
        )
        sitting = series.schedule(session, Actor.of(group.chair), group.id, starts_at)
        session.commit()
        page = (
            demo_client(app, group.chair)
            .get(f"/meetings/{group.id}/sittings/{sitting.id}")
            .get_data(as_text=True)
        )
    day = starts_at.astimezone(UK)
    title = re.search(r"<title>([^<]*)</title>", page).group(1)
    assert f"{group.name}, {day.day} {day:%B %Y}" in title
    app.extensions["hub.engine"].dispose()


def test_an_empty_set_up_form_names_every_field_missing_at_once(demo_hub, demo_session) -> None:
    """Sent empty, the form says at each field what is missing, all at once, in the error
    summary linking to each, rather than one field at a time; nothing is written, and one
    refusal is recorded naming the fields."""
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    before, refused = _series_count(demo_session), len(_entries(demo_session, "meeting.set_up"))
    response = manager.post(
        "/meetings/new",
        data={
            "csrf_token": csrf_token(manager, "/meetings/new"),
            "protocol_purpose": "",
            "name": "",
            "chair": "",
            "place": "",
            "video_link": "",
        },
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    summary = page.split('class="govuk-error-summary', 1)[1].split("</ul>", 1)[0]
    for anchor, message in (
        ("name", "Enter the meeting's name"),
        ("cadence", "Select how often it meets"),
        ("protocol_purpose", "Select an active protocol and purpose"),
        ("chair", "Select the chair"),
        ("members", "Select standing members from at least two agencies"),
        ("first_at-day", "Enter the date and time of the first sitting"),
        ("place", "Enter where it meets, or a video link"),
    ):
        assert f'href="#{anchor}' in summary, anchor
        assert message in summary, message
    assert _series_count(demo_session) == before
    entries = _entries(demo_session, "meeting.set_up")[refused:]
    assert [(e.outcome, e.basis) for e in entries] == [
        (
            "refused",
            "refused input: cadence, chair, first_at, members, name, place, protocol_purpose",
        )
    ]


def test_a_sitting_at_an_hour_or_minute_that_does_not_exist_is_refused_at_that_box(
    demo_hub, demo_session
) -> None:
    """25:00 or 10:61 on a real day: the error summary links to the hour or the minute,
    the box to mend, not to the day; a day that does not exist still links to the day."""
    group = _group(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = f"/meetings/{group.id}/sittings/new"
    day = (clock.now() + timedelta(days=20)).astimezone(UK)
    for hour, minute, month, box in (
        ("25", "00", day.month, "hour"),
        ("10", "61", day.month, "minute"),
        ("10", "00", 13, "day"),
    ):
        response = chair.post(
            path,
            data={
                "csrf_token": csrf_token(chair, path),
                "starts_at-day": str(day.day),
                "starts_at-month": str(month),
                "starts_at-year": str(day.year),
                "starts_at-hour": hour,
                "starts_at-minute": minute,
                "place": "",
                "video_link": "",
            },
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "The date and time of the sitting must be a real date and time" in page
        assert f'href="#starts_at-{box}"' in page, box


def test_a_sitting_says_how_many_actions_each_case_agreed_and_which_are_still_open(
    demo_hub, demo_session
) -> None:
    """After a sitting, its page says for each case the actions agreed, how many are still
    open and how many of those are overdue (counts only, as its conference lists them), so
    the next sitting sees what is outstanding; a case to come has none yet."""
    group = _group(demo_session)
    held = next(s for s in group.sittings if s.starts_at < clock.now() and s.conferences)
    conference = held.conferences[0]
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = f"/meetings/{group.id}/sittings/{held.id}"

    def cell() -> str:
        page = chair.get(path).get_data(as_text=True)
        row = page.split(f"{conference.case.reference}</a>", 1)[1].split("</tr>", 1)[0]
        return " ".join(re.sub(r"<[^>]+>", " ", row).split())

    agreed = len([a for a in conference.case.actions if a.conference_id == conference.id])
    assert agreed
    assert f"{agreed} agreed, none still open" in cell()
    today = clock.today()
    for due in (today - timedelta(days=3), today + timedelta(days=10)):
        demo_session.add(
            Action(
                case_id=conference.case_id,
                kind=ActionKind.PERPETRATOR_VISIT,
                owner_agency_id=conference.case.agency_id,
                due_on=due,
                created_by_id=group.chair_id,
                conference_id=conference.id,
            )
        )
    demo_session.commit()

    assert f"{agreed + 2} agreed, 2 still open 1 overdue" in cell()
    to_come = _to_come(demo_session)
    page = chair.get(f"/meetings/{group.id}/sittings/{to_come.id}").get_data(as_text=True)
    assert "None yet" in page.split("Actions agreed", 1)[1]
