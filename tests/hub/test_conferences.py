"""Case conferences as their users meet them (demo partnership): a landlord officer
convenes one on a case, inviting partner agencies; each invitation is a share for the
conference's purpose; the invited agencies open the conference; bad input is refused with
its field, nothing written and the refusal audited."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from hub.templating import UK
from sharing import clock, notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import actions, share_ending
from sharing.errors import InputError
from sharing.meetings import conference_actions, conferences
from sharing.models import (
    Action,
    Agency,
    AuditEntry,
    Case,
    CaseParty,
    Conference,
    ConferenceAttendee,
    Escalation,
    InformationRequest,
    LockMember,
    Notice,
    ProtocolRecord,
    Share,
    User,
)
from sharing.risk.disclose import escalations
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import (
    ActionKind,
    AgencyType,
    CaseStatus,
    ConferenceStatus,
    MinutesStatus,
    NoticeKind,
    PartyRole,
    Role,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import (
    demo_client,
    demo_copy,
    demo_user,
    free_for_chair,
    lock_demo_case,
)
from tests.fixtures.statements import walk_pages

PURPOSE = "case_conference"
QUESTION = "Agree the action plan, and whether to seek a civil injunction"


def _open_cases(*where: ColumnElement[bool]) -> Select[tuple[Case]]:
    """Active cases, not locked or erased, that no conference is about (and match
    ``where``), oldest first."""
    return (
        select(Case)
        .where(
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.id.not_in(select(Conference.case_id)),
            *where,
        )
        .order_by(Case.id)
    )


def _open_case(session: Session, *, with_victim: bool = False) -> Case:
    """Larkmoor's first active case that no demo conference is about (and, ``with_victim``,
    that has a victim on it: not every such case has, on every day's demo)."""
    where = [Case.agency.has(code="larkmoor-ha")]
    if with_victim:
        where.append(Case.parties.any(CaseParty.role == PartyRole.VICTIM))
    return session.scalar(_open_cases(*where))


def _agency(session: Session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _protocol_purpose(session: Session) -> str:
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference", ProtocolRecord.status == "active"
        )
    )
    return f"{protocol.id}:{PURPOSE}"


def _form(
    client: FlaskClient, session: Session, case: Case, *, when: datetime | None = None, **overrides
) -> dict[str, object]:
    chair = demo_user(session, "larkmoor-ha", Role.MANAGER)
    chosen = str(overrides.get("chair", chair.id))
    chair_id = int(chosen) if chosen.isdigit() else chair.id
    when = (when or free_for_chair(session, chair_id)).astimezone(UK)
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, f"/cases/{case.id}/conferences/new"),
        "question": QUESTION,
        "starts_at-day": str(when.day),
        "starts_at-month": str(when.month),
        "starts_at-year": str(when.year),
        "starts_at-hour": "10",
        "starts_at-minute": "30",
        "place": "Civic Centre, committee room 2",
        "protocol_purpose": _protocol_purpose(session),
        "agencies": [
            str(_agency(session, "northshire-police").id),
            str(_agency(session, "northshire-adults").id),
        ],
        "chair": str(chair.id),
        "agenda": "1. Incidents since the last review\n2. Risk\n3. Actions",
    }
    data.update(overrides)
    return data


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Conference)),
        session.scalar(select(func.count()).select_from(Share)),
    )


def _officer_client(app: Flask, session: Session, case: Case) -> FlaskClient:
    return demo_client(app, session.get(User, case.officer_id))


def test_an_officer_convenes_a_conference_and_the_invited_agencies_open_it(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    before = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Convene a case conference" in before
    assert "No conference has been convened on this case." in before
    response = officer.post(
        f"/cases/{case.id}/conferences/new", data=_form(officer, demo_session, case)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    conference_path = response.location
    page = officer.get(conference_path).get_data(as_text=True)
    assert QUESTION in page
    assert "Northshire Police" in page
    assert "Withdraw" in page
    # The case's page lists it, and convening again says the case already has one to come.
    case_page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Case conferences (1)" in case_page
    assert f'href="{conference_path}"' in case_page
    again = officer.get(f"/cases/{case.id}/conferences/new").get_data(as_text=True)
    assert "This case already has a conference to come" in again
    assert f'href="{conference_path}"' in again

    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).order_by(Conference.id.desc()))
    assert {i.agency.code for i in conference.invitations} == {
        "northshire-police",
        "northshire-adults",
    }
    for invitation in conference.invitations:
        share = invitation.share
        assert (share.purpose, share.origin.value) == (PURPOSE, "conference")
        # 28 days after the meeting, or the protocol's end if that comes first.
        assert share.until == min(
            clock.day_of(conference.starts_at) + timedelta(days=28), conference.protocol.end_on
        )

    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    listing = police.get("/conferences").get_data(as_text=True)
    assert case.reference in listing
    police_page = police.get(conference_path).get_data(as_text=True)
    assert QUESTION in police_page
    assert re.search(
        r'Why you can see this: <a class="govuk-link" href="/protocols/\d+#clause-5\.1">'
        r"Northshire multi-agency ASB case conference information sharing protocol "
        r"\(version 1\), clause 5\.1</a>, purpose: Multi-agency ASB case conference; shared "
        r"with your agency until \d{1,2} [A-Z][a-z]+ 20\d\d",
        police_page,
    )
    assert "Withdraw" not in police_page
    police_case_page = police.get(f"/cases/{case.id}?purpose={PURPOSE}")
    assert police_case_page.status_code == 200
    assert f'href="{conference_path}"' in police_case_page.get_data(as_text=True)

    eh = demo_client(
        demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER)
    )  # not invited
    assert eh.get(conference_path).status_code == 404
    assert case.reference not in eh.get("/conferences").get_data(as_text=True)

    # The chair's home page lists it among their conferences coming up; the police
    # officer, invited but neither chairing nor expected, has it on the list alone.
    chair = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    coming_up = chair.get("/").get_data(as_text=True).partition('id="conferences-coming-up"')[2]
    mine = coming_up.partition("</ul>")[0]
    assert f'href="{conference_path}"' in mine
    assert "you chair it" in mine
    police_home = police.get("/").get_data(as_text=True)
    police_coming_up = police_home.partition('id="conferences-coming-up"')[2].partition("</ul>")[0]
    assert f'href="{conference_path}"' not in police_coming_up


def test_withdrawing_an_invitation_ends_that_agencys_access(demo_hub, demo_session) -> None:
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    path = officer.post(
        f"/cases/{case.id}/conferences/new", data=_form(officer, demo_session, case)
    ).location
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).order_by(Conference.id.desc()))
    police_invitation = next(
        i for i in conference.invitations if i.agency.code == "northshire-police"
    )
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    asked = demo_session.scalar(
        select(InformationRequest).where(
            InformationRequest.conference_id == conference.id,
            InformationRequest.agency_id == police_invitation.agency_id,
        )
    )
    answer_form = f"/conferences/{conference.id}/requests/{asked.id}"
    assert police.get(answer_form).status_code == 200
    withdrawn = officer.post(
        f"{path}/invitations/{police_invitation.id}/withdraw",
        data={"csrf_token": csrf_token(officer, path)},
    )
    assert withdrawn.status_code == 302
    assert "invitation withdrawn" in officer.get(path).get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Share, police_invitation.share_id).revoked_at is not None
    assert police.get(path).status_code == 404
    assert police.get(answer_form).status_code == 404  # nor when it sits, from the form


def _of_another_team(session: Session, case: Case) -> User:
    """A case officer of the case's agency, not a manager, of a team that does not work it."""
    return next(
        u
        for u in session.scalars(
            select(User).where(User.agency_id == case.agency_id, User.active).order_by(User.id)
        )
        if u.roles == {Role.CASE_OFFICER}
        and u.team is not None
        and u.team != case.officer.team
        and u.id != case.officer_id
    )


def test_a_case_officer_of_another_team_is_neither_offered_nor_accepted_as_expected(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    elsewhere = _of_another_team(demo_session, case)
    form = officer.get(f"/cases/{case.id}/conferences/new").get_data(as_text=True)
    offered = set(re.findall(r'name="attendees" type="checkbox" value="(\d+)"', form))
    assert str(case.officer_id) in offered
    assert str(elsewhere.id) not in offered
    before = _counts(demo_session)

    def told() -> list[int]:  # the demo may have told them of other things
        return demo_session.scalars(select(Notice.id).where(Notice.user_id == elsewhere.id)).all()

    told_before = told()
    refused = officer.post(
        f"/cases/{case.id}/conferences/new",
        data=_form(officer, demo_session, case, attendees=[str(elsewhere.id)]),
    )
    assert refused.status_code == 400
    assert (
        f"{elsewhere.display_name} cannot be expected: they cannot open this case: it is "
        "neither theirs nor their team&#39;s" in refused.get_data(as_text=True)
    )
    assert _counts(demo_session) == before
    assert told() == told_before


def _chaired_by_the_police(demo_hub, demo_session):  # type: ignore[no-untyped-def]
    """A conference convened on an open case and chaired by a police manager, at a time
    when neither they nor those the tests hand the chair to (community safety's chair, a
    Larkmoor manager) chair anything else: the convening officer's client, the chair, the
    conference's address and record."""
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    handed_to = [
        demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR).id,
        demo_user(demo_session, "larkmoor-ha", Role.MANAGER).id,
    ]
    when = free_for_chair(demo_session, chair.id, next_chairs=handed_to)
    form = _form(officer, demo_session, case, when=when, chair=str(chair.id))
    path = officer.post(f"/cases/{case.id}/conferences/new", data=form).location
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).order_by(Conference.id.desc()))
    return officer, chair, path, conference


def test_the_invitation_of_the_chairs_agency_cannot_be_withdrawn(demo_hub, demo_session) -> None:
    officer, chair, path, conference = _chaired_by_the_police(demo_hub, demo_session)
    police = next(i for i in conference.invitations if i.agency_id == chair.agency_id)
    withdraw = f"{path}/invitations/{police.id}/withdraw"
    why = (
        f"{chair.display_name} of Northshire Police chairs this conference, and could then "
        "neither open it nor agree its minutes"
    )
    asked = officer.get(withdraw).get_data(as_text=True)
    assert "You cannot withdraw the invitation to Northshire Police" in asked
    assert why in asked
    assert "Yes, withdraw the invitation" not in asked
    last = demo_session.scalar(select(func.max(AuditEntry.seq)))
    refused = officer.post(withdraw, data={"csrf_token": csrf_token(officer, path)})
    assert refused.status_code == 400
    assert why in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert police.withdrawn_at is None
    assert demo_session.get(Share, police.share_id).revoked_at is None
    entries = demo_session.scalars(select(AuditEntry).where(AuditEntry.seq > last)).all()
    assert [(e.action, e.outcome) for e in entries if e.action == "conference.withdraw"] == [
        ("conference.withdraw", "refused")
    ]
    chair_client = demo_client(demo_hub, chair)
    assert chair_client.get(path).status_code == 200
    # Once the minutes are agreed the conference is over: it may be withdrawn then.
    conference.minutes_status = MinutesStatus.AGREED
    demo_session.commit()
    assert "Yes, withdraw the invitation" in officer.get(withdraw).get_data(as_text=True)
    conference.minutes_status = None
    demo_session.commit()
    # Another agency's invitation is withdrawn as before.
    adults = next(i for i in conference.invitations if i.agency.code == "northshire-adults")
    assert (
        officer.post(
            f"{path}/invitations/{adults.id}/withdraw",
            data={"csrf_token": csrf_token(officer, path)},
        ).status_code
        == 302
    )


def test_the_conference_share_of_the_chairs_agency_cannot_be_revoked_from_the_case(
    demo_hub, demo_session
) -> None:
    """Revoking it from the case's shares would leave the chair as the withdrawal would:
    unable to open the conference or agree its minutes; so it is refused the same way."""
    officer, chair, path, conference = _chaired_by_the_police(demo_hub, demo_session)
    police = next(i for i in conference.invitations if i.agency_id == chair.agency_id)
    revoke = f"/shares/{police.share_id}/revoke"
    why = (
        f"{chair.display_name} of Northshire Police chairs the case conference it was made "
        "for, and could then neither open the conference nor agree its minutes"
    )

    asked = officer.get(revoke).get_data(as_text=True)
    refused = officer.post(revoke, data={"csrf_token": csrf_token(officer, path)})

    assert "You cannot revoke the share with Northshire Police" in asked
    assert why in asked
    assert refused.status_code == 400
    assert why in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Share, police.share_id).revoked_at is None
    assert demo_client(demo_hub, chair).get(path).status_code == 200
    adults = next(i for i in conference.invitations if i.agency.code == "northshire-adults")
    other = officer.post(
        f"/shares/{adults.share_id}/revoke", data={"csrf_token": csrf_token(officer, path)}
    )
    assert other.status_code == 302  # another agency's conference share is revoked as before


def test_a_partner_whose_conference_share_was_revoked_is_no_longer_at_the_table(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    invitation = next(i for i in conference.invitations if i.agency.code == "northshire-police")
    police_user = demo_user(demo_session, "northshire-police", Role.MANAGER)
    police = demo_client(demo_hub, police_user)
    asked = next(r for r in conference.requests if r.agency_id == invitation.agency_id)
    answer_form = f"/conferences/{conference.id}/requests/{asked.id}"
    form = police.get(answer_form)
    assert form.status_code == 200
    # The request names the case and points to the pack, to look the people up.
    assert f"Case {conference.case.reference}: conference on" in form.get_data(as_text=True)
    assert f'href="/conferences/{conference.id}/pack"' in form.get_data(as_text=True)
    assert police.get(f"/conferences/{conference.id}/pack").status_code == 200
    assert f'href="{answer_form}"' in police.get("/").get_data(as_text=True)
    # Revoked from the case's list of shares, not with "Withdraw".
    share_ending.revoke_share(demo_session, Actor.of(conference.case.officer), invitation.share_id)
    conference.attendees.append(ConferenceAttendee(user_id=police_user.id))
    demo_session.commit()

    assert f'href="{answer_form}"' not in police.get("/").get_data(as_text=True)
    assert police.get(f"/conferences/{conference.id}").status_code == 404
    assert police.get(answer_form).status_code == 404
    token = csrf_token(police, "/")
    answered = police.post(answer_form, data={"csrf_token": token, "known": "no"})
    assert answered.status_code == 404
    demo_session.expire_all()
    assert demo_session.get(InformationRequest, asked.id).answered_at is None
    assert invitation.agency_id not in conference.at_the_table
    assert police_user.id not in [a.user_id for a in conference.expected]
    assert "No: invitation withdrawn" in officer.get(f"/conferences/{conference.id}").get_data(
        as_text=True
    )


def test_convening_from_an_escalation_prompt_records_it_as_acted_on(demo_hub, demo_session) -> None:
    escalation = demo_session.scalar(
        select(Escalation)
        .join(Case, Case.id == Escalation.case_id)
        .where(
            Escalation.considered_at.is_(None),
            Case.locked.is_(False),
            Case.status == CaseStatus.ACTIVE,
            Case.agency.has(type=AgencyType.LANDLORD),
        )
        .order_by(Escalation.id)
    )
    assert escalation is not None, "the demo has no open escalation prompt on a landlord case"
    case = escalation.case
    officer = _officer_client(demo_hub, demo_session, case)
    case_page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    link = f"/cases/{case.id}/conferences/new?escalation={escalation.id}"
    assert link in case_page
    # The chair comes from the convening agency (the escalation's case may be any
    # landlord's): a chair must be from an agency at the table.
    chair = demo_user(demo_session, case.agency.code, Role.MANAGER)
    response = officer.post(link, data=_form(officer, demo_session, case, chair=str(chair.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Escalation, escalation.id).considered_at is not None


def test_an_agency_not_party_to_the_protocol_cannot_be_invited(demo_hub, demo_session) -> None:
    case = _open_case(demo_session)
    outsider = Agency(
        code="northshire-fire",
        name="Northshire Fire and Rescue",
        type=AgencyType.OTHER,
        area_id=case.agency.area_id,
        case_prefix="NFR",
    )
    demo_session.add(outsider)
    demo_session.commit()
    officer = _officer_client(demo_hub, demo_session, case)
    form_page = officer.get(f"/cases/{case.id}/conferences/new").get_data(as_text=True)
    assert "Northshire Fire and Rescue is not a party to an active case conference protocol" in (
        form_page
    )
    before = _counts(demo_session)
    refused = officer.post(
        f"/cases/{case.id}/conferences/new",
        data=_form(officer, demo_session, case, agencies=[str(outsider.id)]),
    )
    assert refused.status_code == 400
    assert "is not a party to an active case conference protocol" in refused.get_data(as_text=True)
    assert _counts(demo_session) == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"when": "past"}, "The conference must be in the future"),
        ({"question": ""}, "Enter the question to decide"),
        ({"question": "x" * 501}, "The question must be 500 characters or fewer (you entered 501)"),
        ({"question": "Agree\x00 the plan"}, "must not contain control characters"),
        ({"place": ""}, "Enter where the conference meets, or a video link"),
        ({"video_link": "http://meet.example/abc"}, "Enter a video link starting https://"),
        ({"agencies": []}, "Invite at least one partner agency"),
        ({"chair": ""}, "Select the chair"),
        ({"protocol_purpose": ""}, "Select an active protocol and purpose"),
    ],
    ids=[
        "past",
        "no-question",
        "long-question",
        "nul",
        "nowhere",
        "http",
        "nobody",
        "chair",
        "protocol",
    ],
)
def test_bad_input_is_refused_with_its_field_nothing_written_and_the_refusal_audited(
    demo_hub, demo_session, overrides: dict[str, object], message: str
) -> None:
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    when = clock.now() - timedelta(days=1) if overrides.pop("when", None) == "past" else None
    before = _counts(demo_session)
    last = demo_session.scalar(select(func.max(AuditEntry.seq)))
    refused = officer.post(
        f"/cases/{case.id}/conferences/new",
        data=_form(officer, demo_session, case, when=when, **overrides),
    )
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert _counts(demo_session) == before
    entries = demo_session.scalars(select(AuditEntry).where(AuditEntry.seq > last)).all()
    assert [(e.action, e.outcome) for e in entries][-1:] == [("conference.convene", "refused")]


def test_a_locked_case_cannot_have_a_conference(demo_hub, demo_session) -> None:
    locked = lock_demo_case(demo_session)
    member = demo_client(demo_hub, demo_session.get(User, locked.officer_id))
    assert member.get(f"/cases/{locked.id}/conferences/new").status_code == 403
    colleague = demo_session.scalar(
        select(User)
        .where(
            User.agency_id == locked.agency_id,
            User.id != locked.officer_id,
            User.id.not_in(select(LockMember.user_id).where(LockMember.case_id == locked.id)),
            User.role_grants.any(role=Role.CASE_OFFICER),
        )
        .order_by(User.id)
    )
    assert (
        demo_client(demo_hub, colleague).get(f"/cases/{locked.id}/conferences/new").status_code
        == 404
    )
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert police.get(f"/cases/{locked.id}/conferences/new").status_code == 404


def _convened(
    app: Flask, session: Session, *, with_victim: bool = False
) -> tuple[Conference, FlaskClient]:
    case = _open_case(session, with_victim=with_victim)
    officer = _officer_client(app, session, case)
    response = officer.post(f"/cases/{case.id}/conferences/new", data=_form(officer, session, case))
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    return session.scalar(select(Conference).order_by(Conference.id.desc())), officer


def test_invited_agencies_answer_what_they_hold_and_attendees_see_it_by_their_clauses(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    assert {r.agency.code for r in conference.requests} == {
        "northshire-police",
        "northshire-adults",
    }
    police_request = next(r for r in conference.requests if r.agency.code == "northshire-police")
    # Due two working days before the conference.
    assert police_request.due_on == england_and_wales().before(
        clock.day_of(conference.starts_at), 2
    )

    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    home = police.get("/").get_data(as_text=True)
    to_answer = home.partition("Conference information requests to answer")[2].partition("</ul>")[0]
    # Two conferences on the same morning read apart by their cases' references.
    assert f'<span class="hub-reference">{conference.case.reference}</span>' in to_answer
    path = f"/conferences/{conference.id}/requests/{police_request.id}"
    token = csrf_token(police, path)
    missing = police.post(path, data={"csrf_token": token, "known": "yes"})
    assert missing.status_code == 400
    assert "Say what your agency holds" in missing.get_data(as_text=True)
    answered = police.post(
        path,
        data={
            "csrf_token": token,
            "known": "yes",
            "incidents_note": "Three calls about shouting in the stairwell since October",
            "offending_note": "Reported person has a caution for criminal damage",
            "actions_note": "Neighbourhood team patrols on Friday evenings",
        },
    )
    assert answered.status_code == 302, answered.get_data(as_text=True)
    again = police.post(path, data={"csrf_token": token, "known": "no"})
    assert again.status_code == 400
    assert "already answered" in again.get_data(as_text=True)

    page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Three calls about shouting in the stairwell since October" in page
    assert "Reported person has a caution for criminal damage" in page
    # A part the police left blank reads as that, not as withheld from the convenor.
    left_blank = re.search(
        r"Other concerns for the conference\s*</dt>\s*<dd[^>]*>([^<]*)</dd>", page
    )
    assert left_blank is not None
    assert left_blank[1].strip() == "Nothing given"
    adults = demo_client(
        demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    )
    adults_page = adults.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Three calls about shouting in the stairwell since October" in adults_page
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "information.answer")
        .order_by(AuditEntry.seq.desc())
    )
    assert "stairwell" not in (entry.basis or "")

    eh = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    assert eh.get(path).status_code == 404
    assert eh.post(path, data={"csrf_token": csrf_token(eh, "/"), "known": "no"}).status_code == 404


def test_vulnerability_and_offending_in_answers_reach_only_the_agencies_their_clauses_name(
    demo_hub, demo_session
) -> None:
    """Clause 5.2 gives vulnerability to the safeguarding and health leads, 5.4 offending
    to the police and community safety: what an agency answers in those parts reaches no
    one else, and whether the case is known to an agency is for the convenor only."""
    conference, officer = _convened(demo_hub, demo_session)
    by_code = {r.agency.code: r for r in conference.requests}
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    adults = demo_client(
        demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    )
    for client, code, answer in (
        (police, "northshire-police", {"offending_note": "Cautioned for criminal damage in 2024"}),
        (adults, "northshire-adults", {"vulnerability_note": "Has a care package, lives alone"}),
    ):
        path = f"/conferences/{conference.id}/requests/{by_code[code].id}"
        sent = client.post(
            path, data={"csrf_token": csrf_token(client, path), "known": "yes", **answer}
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)

    convenor_page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Cautioned for criminal damage in 2024" in convenor_page
    assert "Has a care package, lives alone" in convenor_page
    assert convenor_page.count("Known to them.") == 2

    adults_page = adults.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Has a care package, lives alone" in adults_page
    assert "Cautioned for criminal damage" not in adults_page
    assert "Not shared with your agency" in adults_page
    assert adults_page.count("Known to them.") == 1  # their own answer only
    adults_pack = adults.get(f"/conferences/{conference.id}/pack").get_data(as_text=True)
    assert "Cautioned for criminal damage" not in adults_pack
    assert adults_pack.count("Known to them.") == 1

    police_page = police.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Cautioned for criminal damage in 2024" in police_page
    assert "Has a care package" not in police_page
    assert police_page.count("Known to them.") == 1


def test_the_convenor_sees_overdue_requests_on_their_home_page(demo_hub, demo_session) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    for request in conference.requests:
        request.due_on = clock.today() - timedelta(days=1)
    demo_session.commit()
    home = officer.get("/").get_data(as_text=True)
    assert "Information requests overdue for your conferences" in home
    assert "Northshire Police" in home


def test_overdue_requests_are_listed_only_to_those_who_may_open_the_conference(
    demo_hub, demo_session
) -> None:
    """A case officer of another team of the convening agency, who may not open the case
    nor its conference, is not told of its overdue requests: the home page listed them
    under "your conferences", each linking to a page that answered "Page not found"."""
    conference, officer = _convened(demo_hub, demo_session)
    for request in conference.requests:
        request.due_on = clock.today() - timedelta(days=1)
    demo_session.commit()
    team = conference.case.officer.team
    other_team = next(
        u
        for u in demo_session.scalars(
            select(User).where(User.agency_id == conference.case.agency_id).order_by(User.id)
        )
        if u.roles == {Role.CASE_OFFICER} and u.team != team
    )
    other = demo_client(demo_hub, other_team)
    path = f"/conferences/{conference.id}"
    assert other.get(path).status_code == 404
    assert f'href="{path}"' not in other.get("/").get_data(as_text=True)
    assert f'href="{path}"' in officer.get("/").get_data(as_text=True)


def test_a_withdrawn_agencys_request_is_no_longer_listed_as_overdue(demo_hub, demo_session) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    for request in conference.requests:
        request.due_on = clock.today() - timedelta(days=1)
    demo_session.commit()
    path = f"/conferences/{conference.id}"

    def overdue() -> list[str]:
        home = officer.get("/").get_data(as_text=True)
        listed = home.partition("Information requests overdue for your conferences")[2]
        rows = listed.partition("</ul>")[0].split("<li>")
        return sorted(r.split("</span>): ")[1].split(",")[0] for r in rows if f'href="{path}"' in r)

    assert overdue() == ["Northshire Adult Safeguarding", "Northshire Police"]
    police = next(i for i in conference.invitations if i.agency.code == "northshire-police")
    adults = next(i for i in conference.invitations if i.agency.code == "northshire-adults")
    withdrawn = officer.post(
        f"{path}/invitations/{police.id}/withdraw", data={"csrf_token": csrf_token(officer, path)}
    )
    assert withdrawn.status_code == 302
    assert overdue() == ["Northshire Adult Safeguarding"]
    # A share revoked from the case's shares ends the invitation too.
    share_ending.revoke_share(demo_session, Actor.of(conference.case.officer), adults.share_id)
    demo_session.commit()
    assert overdue() == []


def test_actions_agreed_at_the_conference_go_to_the_case_and_the_agency_at_the_table(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    police = _agency(demo_session, "northshire-police")
    path = f"/conferences/{conference.id}/actions/new"
    due = clock.today() + timedelta(days=14)
    added = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "kind": "perpetrator_visit",
            "description": "Joint visit to the household with the neighbourhood officer",
            "owner_agency": str(police.id),
            "due_on-day": str(due.day),
            "due_on-month": str(due.month),
            "due_on-year": str(due.year),
        },
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Joint visit to the household with the neighbourhood officer" in page
    case_page = officer.get(f"/cases/{conference.case_id}").get_data(as_text=True)
    assert "Joint visit to the household with the neighbourhood officer" in case_page
    police_client = demo_client(
        demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    )
    actions = "".join(walk_pages(police_client, "/actions"))
    assert "Joint visit to the household with the neighbourhood officer" in actions
    assert police_client.get(path).status_code == 403  # only the convening agency adds
    demo_session.expire_all()
    agreed = demo_session.scalar(select(Action).where(Action.conference_id == conference.id))
    agreed.due_on = clock.today() - timedelta(days=1)
    demo_session.commit()
    assert "Overdue" in officer.get(f"/conferences/{conference.id}").get_data(as_text=True)


def test_an_action_for_an_agency_not_at_the_table_is_refused_and_audited(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    eh = _agency(demo_session, "northshire-eh")
    path = f"/conferences/{conference.id}/actions/new"
    refused = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "kind": "perpetrator_visit",
            "description": "Noise monitoring",
            "owner_agency": str(eh.id),
        },
    )
    assert refused.status_code == 400
    assert "Select the agency responsible" in refused.get_data(as_text=True)
    case = demo_session.get(Case, conference.case_id)
    actor = Actor.of(demo_session.get(User, case.officer_id))
    before = demo_session.scalar(select(func.count()).select_from(Action))
    with pytest.raises(InputError, match="Northshire Council Environmental Health is not invited"):
        conference_actions.add_action(
            demo_session,
            actor,
            conference.id,
            actions.ActionInput(
                kind=ActionKind.PERPETRATOR_VISIT,
                description="Noise monitoring",
                owner_agency_id=eh.id,
            ),
        )
    acts.roll_back_keeping_refusals(demo_session)
    assert demo_session.scalar(select(func.count()).select_from(Action)) == before
    last = demo_session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert (last.action, last.outcome) == ("case.record", "refused")
    assert "owner_agency_id" in last.basis


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DPO])
def test_only_people_who_take_part_in_conferences_are_offered_or_accepted_as_expected(
    demo_hub, demo_session, role: Role
) -> None:
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    police = demo_user(demo_session, "northshire-police", role)
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    form = officer.get(f"/cases/{case.id}/conferences/new").get_data(as_text=True)
    assert f'value="{sergeant.id}"' in form
    assert f'value="{police.id}"' not in form
    before = _counts(demo_session)
    last = demo_session.scalar(select(func.max(AuditEntry.seq)))
    refused = officer.post(
        f"/cases/{case.id}/conferences/new",
        data=_form(officer, demo_session, case, attendees=[str(police.id)]),
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f"{police.display_name} cannot be expected: their roles do not take part" in page
    assert 'href="#attendees' in page
    assert _counts(demo_session) == before
    entries = demo_session.scalars(select(AuditEntry).where(AuditEntry.seq > last)).all()
    assert [(e.action, e.outcome, e.basis) for e in entries][-1:] == [
        ("conference.convene", "refused", "refused input: attendees")
    ]
    # The core refuses them too, whoever calls it.
    authorised = authorise(demo_session, Actor.of(case.officer), case.id, Act.CONVENE)
    chair = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    data = conferences.ConferenceInput(
        question=QUESTION,
        # A time the chair is free at: whatever the hour the test runs, no clash is said
        # before the attendees' refusal.
        starts_at=free_for_chair(demo_session, chair.id),
        protocol_id=int(_protocol_purpose(demo_session).split(":")[0]),
        purpose=PURPOSE,
        agency_ids=[_agency(demo_session, "northshire-police").id],
        chair_id=chair.id,
        place="Civic Centre",
        attendee_ids=[police.id],
    )
    with pytest.raises(InputError, match="their roles do not take part in conferences"):
        conferences.convene(demo_session, authorised, data, share_days=28)
    demo_session.rollback()


def test_a_conference_after_its_protocol_ends_is_refused_saying_when_it_ends(
    demo_files: Path, tmp_path: Path
) -> None:
    """A conference convened for a day after its protocol ends: the invitations' shares
    end with the protocol, so the invited agencies could open neither the conference nor
    their packs at the meeting, nor answer what they hold. It is refused at its date, with
    when the protocol ends, and nothing is written."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        protocol = session.get(ProtocolRecord, int(_protocol_purpose(session).split(":")[0]))
        protocol.end_on = clock.today() + timedelta(days=20)
        session.commit()
        case = _open_case(session)
        officer = _officer_client(app, session, case)
        before = _counts(session)
        when = clock.now() + timedelta(days=30)
        response = officer.post(
            f"/cases/{case.id}/conferences/new", data=_form(officer, session, case, when=when)
        )
        assert response.status_code == 400
        assert f"ends on {protocol.end_on.day} {protocol.end_on:%B %Y}" in response.get_data(
            as_text=True
        )
        assert _counts(session) == before
    app.extensions["hub.engine"].dispose()


def test_a_prompt_acted_on_by_a_conference_after_midnight_in_summer_gives_its_day_in_england(
    demo_files: Path, tmp_path: Path
) -> None:
    """The escalation prompt a conference answers records the day it is for as a day in
    England: one at half past midnight British Summer Time was recorded for the day
    before (the day in UTC)."""
    app = demo_copy(demo_files, tmp_path)
    with app.extensions["hub.sessions"]() as session:
        escalation = session.scalar(
            select(Escalation)
            .join(Case, Case.id == Escalation.case_id)
            .where(
                Escalation.considered_at.is_(None),
                Case.locked.is_(False),
                Case.status == CaseStatus.ACTIVE,
                Case.agency.has(type=AgencyType.LANDLORD),
            )
            .order_by(Escalation.id)
        )
        case = escalation.case
        officer = Actor.of(case.officer)
        half_past_eleven = datetime.combine(clock.today(), time(23, 30), UTC)
        starts_at = next(
            moment
            for days in range(2, 300)
            if (moment := half_past_eleven + timedelta(days=days)).astimezone(UK).dst()
        )
        protocol_id, purpose = _protocol_purpose(session).split(":")
        conferences.convene(
            session,
            authorise(session, officer, case.id, Act.CONVENE),
            conferences.ConferenceInput(
                question=QUESTION,
                starts_at=starts_at,
                protocol_id=int(protocol_id),
                purpose=purpose,
                agency_ids=[_agency(session, "northshire-police").id],
                chair_id=demo_user(session, case.agency.code, Role.MANAGER).id,
                place="Civic Centre, committee room 2",
                escalation_id=escalation.id,
            ),
            share_days=28,
        )
        decision = authorise(session, officer, case.id, Act.VIEW).decision
        note = next(
            e.decision_note for e in escalations(session, case, decision) if e.id == escalation.id
        )
        day = starts_at.astimezone(UK)
        assert note == f"Case conference convened for {day.day} {day:%B %Y}."
        session.rollback()
    app.extensions["hub.engine"].dispose()


def test_a_health_lead_sees_the_conference_they_are_expected_at_and_no_offer_to_convene(
    demo_hub, demo_session
) -> None:
    """The demo invites the care board's safeguarding lead to a conference to come: their
    list shows it, with no offer to convene one (their role does no casework); a case
    officer's list makes the offer."""
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-icb", Role.PARTNER_VIEWER))
    listed = lead.get("/conferences")
    assert listed.status_code == 200
    page = listed.get_data(as_text=True)
    assert "Coming up" in page
    assert "Convene a conference" not in page
    # The agenda keeps its lines (one item a line), as its convenor wrote it.
    shown = re.search(r'href="(/conferences/\d+)"', page)
    assert shown is not None
    conference_page = lead.get(shown.group(1)).get_data(as_text=True)
    assert '<p class="govuk-body hub-text">1. What each agency holds\n2.' in conference_page
    officer = demo_client(
        demo_hub, demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER)
    ).get("/conferences")
    assert "Convene a conference from a case's page" in officer.get_data(as_text=True)


def _eh_case(session: Session) -> Case:
    return session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="northshire-eh"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.officer_id.is_not(None),
        )
        .order_by(Case.id)
    )


def test_an_invitation_share_refused_as_a_conference_is_convened_is_recorded_once(
    demo_hub, demo_session
) -> None:
    """Environmental health is not a party to the Community Trigger protocol, so it cannot
    share its case under it. Its form does not offer the protocol; posted anyway (an old
    page), it is refused at that field, one refusal in the log. The core, called directly,
    refuses at the invitation's share: one refusal, the share's, naming the rule, not a
    second for the conference."""
    case = _eh_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    trigger = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-community-trigger", ProtocolRecord.status == "active"
        )
    )
    path = f"/cases/{case.id}/conferences/new"
    chair = demo_user(demo_session, "northshire-eh", Role.MANAGER)
    when = free_for_chair(demo_session, chair.id)
    police = _agency(demo_session, "northshire-police")
    last = demo_session.scalar(select(func.max(AuditEntry.seq)))
    response = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "question": QUESTION,
            "starts_at-day": str(when.day),
            "starts_at-month": str(when.month),
            "starts_at-year": str(when.year),
            "starts_at-hour": "10",
            "starts_at-minute": "30",
            "place": "Civic Centre, committee room 2",
            "protocol_purpose": f"{trigger.id}:community_trigger",
            "agencies": [str(police.id)],
            "chair": str(chair.id),
        },
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "is not a party to" in html.unescape(response.get_data(as_text=True))

    def refused_since(seq: int) -> list[tuple[str, str]]:
        demo_session.expire_all()
        return [
            (e.action, e.basis)
            for e in demo_session.scalars(
                select(AuditEntry).where(AuditEntry.seq > seq, AuditEntry.outcome == "refused")
            )
        ]

    assert refused_since(last) == [("conference.convene", "refused input: protocol_purpose")]

    last = demo_session.scalar(select(func.max(AuditEntry.seq)))
    authorised = authorise(demo_session, Actor.of(case.officer), case.id, Act.CONVENE)
    data = conferences.ConferenceInput(
        question=QUESTION,
        starts_at=when,
        protocol_id=trigger.id,
        purpose="community_trigger",
        agency_ids=[police.id],
        chair_id=chair.id,
        place="Civic Centre",
    )
    with pytest.raises(InputError, match="is not a party to"):
        conferences.convene(demo_session, authorised, data, share_days=28)
    demo_session.commit()  # the refusal stays recorded
    refused = refused_since(last)
    assert [action for action, _ in refused] == ["share.create"]
    assert f"agency {case.agency_id} is not a party to protocol" in refused[0][1]


def test_the_convening_form_offers_only_protocols_the_case_agency_is_a_party_to(
    demo_hub, demo_session
) -> None:
    """Environmental health has not signed the Community Trigger protocol: its officer is
    not offered it to convene under, where a landlord's officer, a party to it, is."""
    case = _eh_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    form = html.unescape(officer.get(f"/cases/{case.id}/conferences/new").get_data(as_text=True))
    assert ":case_conference" in form
    assert ":community_trigger" not in form
    landlord_case = _open_case(demo_session)
    landlord = demo_client(demo_hub, demo_session.get(User, landlord_case.officer_id))
    offered = landlord.get(f"/cases/{landlord_case.id}/conferences/new").get_data(as_text=True)
    assert ":community_trigger" in offered


def test_someone_expected_at_a_conference_to_come_finds_it_on_their_home_page(
    demo_hub, demo_session
) -> None:
    coming = demo_session.scalars(
        select(Conference)
        .where(
            Conference.starts_at >= clock.now(),
            Conference.status == ConferenceStatus.PLANNED,
        )
        .order_by(Conference.starts_at)
    ).all()
    expected = next((c, a.user) for c in coming for a in c.attendees if a.user_id != c.chair_id)
    conference, person = expected
    home = demo_client(demo_hub, person).get("/").get_data(as_text=True)
    mine = home.partition('id="conferences-coming-up"')[2].partition("</ul>")[0]
    assert f'href="/conferences/{conference.id}"' in mine
    assert conference.case.reference in mine


def test_a_chair_from_an_agency_not_ticked_invites_that_agency_with_the_conference(
    demo_hub, demo_session
) -> None:
    """The chair list offers the chairs of every agency that may take part, each under
    its agency's name, and says that choosing one whose agency is not ticked invites it:
    convening then invites it as if ticked (its share, its request, its managers told),
    where it was refused before."""
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    path = f"/cases/{case.id}/conferences/new"
    police = _agency(demo_session, "northshire-police")
    adults = _agency(demo_session, "northshire-adults")
    form_page = html.unescape(officer.get(path).get_data(as_text=True))
    chairs = form_page.split('name="chair"', 1)[1].split("</select>", 1)[0]
    assert f'<optgroup label="{police.name}">' in chairs
    assert (
        "A chair from an agency you have not ticked invites that agency with the conference"
        in form_page
    )
    chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    last = demo_session.scalar(select(func.max(AuditEntry.seq)))
    told_before = demo_session.scalar(select(func.max(Notice.id))) or 0

    response = officer.post(
        path,
        data=_form(officer, demo_session, case, chair=str(chair.id), agencies=[str(adults.id)]),
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).order_by(Conference.id.desc()))
    assert conference.chair_id == chair.id
    invited = {i.agency_id: i for i in conference.invitations}
    assert set(invited) == {adults.id, police.id}
    share = invited[police.id].share
    assert (share.purpose, share.until, share.revoked_at) == (
        PURPOSE,
        conference.shares_end,
        None,
    )
    assert {r.agency_id for r in conference.requests} == {adults.id, police.id}
    police_request = next(r for r in conference.requests if r.agency_id == police.id)
    told = demo_session.scalars(select(Notice).where(Notice.id > told_before)).all()
    asked = {n.user_id for n in told if n.path.endswith(f"/requests/{police_request.id}")}
    assert asked == {u.id for u in notices.managers(demo_session, police.id)}
    assert (chair.id, NoticeKind.INVITATION) in {(n.user_id, n.kind) for n in told}
    entries = demo_session.scalars(select(AuditEntry).where(AuditEntry.seq > last)).all()
    convened = [e for e in entries if e.action == "conference.convene"]
    assert [e.outcome for e in convened] == ["allowed"]
    assert f"agencies {','.join(map(str, sorted([adults.id, police.id])))}" in convened[0].basis
    shared = [e for e in entries if e.action == "share.create"]
    assert len(shared) == 2
    assert chair.display_name not in " ".join(e.basis for e in entries)
    assert demo_client(demo_hub, chair).get(f"/conferences/{conference.id}").status_code == 200
