"""The meeting of a case conference and its packs, as their users meet them (demo
partnership): the convening officer records who came, the minutes and the decisions, and
circulates them; the chair agrees them and from then on nobody can change them; each
attendee reads a pack (on the page and as a PDF) holding exactly what their agency's
clauses allow; every refusal is clear, writes nothing and is audited."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.templating import css_string
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import locks
from sharing.crypto.sealing import unseal
from sharing.errors import InputError
from sharing.meetings import (
    conference_attendance,
    conference_eligibility,
    conference_listing,
    series,
)
from sharing.models import (
    AuditEntry,
    Case,
    Conference,
    ConferenceDecision,
    MinuteItem,
    Notice,
    ProtocolRecord,
    User,
)
from sharing.vocabulary import Attendance, CaseStatus, LockReason, MinutesStatus, NoticeKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, free_for_chair
from tests.hub.test_conferences import _agency, _convened, _form, _open_case

DISCUSSION = "The victim reported twelve incidents since the last review; patrols reduced them"
DECISION = "Apply for a civil injunction against the reported person"
PROPORTIONALITY = "Warnings and an acceptable behaviour contract did not stop the behaviour"
VULNERABILITY = (
    "The victim has a learning disability; the reported person has support from a key worker"
)


def _held(app: Flask, session: Session) -> tuple[Conference, FlaskClient]:
    """A conference convened on a Larkmoor case, inviting the police and adult
    safeguarding, that began an hour ago; and the convening officer's client."""
    conference, officer = _convened(app, session)
    conference.starts_at = clock.now() - timedelta(hours=1)
    session.commit()
    return conference, officer


def _chair(app: Flask, session: Session, conference: Conference) -> FlaskClient:
    return demo_client(app, session.get(User, conference.chair_id))


def _post(client: FlaskClient, path: str, **data: object):
    return client.post(path, data={"csrf_token": csrf_token(client, "/"), **data})


def _legal_action(session: Session, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "legal_action",
        "decision": DECISION,
        "tool": "injunction",
        "acting_agency": str(_agency(session, "larkmoor-ha").id),
        "proportionality": PROPORTIONALITY,
        "evidence": "Diary sheets, two witness statements and noise recordings",
        "vulnerability": VULNERABILITY,
        "dissenting_agency": "",
        "dissent": "",
    }
    data.update(overrides)
    return data


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(MinuteItem)),
        session.scalar(select(func.count()).select_from(ConferenceDecision)),
    )


def test_minutes_are_drafted_circulated_agreed_by_the_chair_and_then_read_only(
    demo_hub, demo_session
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))

    attendee = conference.attendees[0] if conference.attendees else None
    marks = {f"attendance_{attendee.id}": "present"} if attendee else {}
    police_officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    recorded = _post(officer, f"{base}/attendance", also_present=str(police_officer.id), **marks)
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    added = _post(
        officer,
        f"{base}/minutes/new",
        heading="1. Incidents since the review",
        discussion=DISCUSSION,
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    decided = _post(officer, f"{base}/decisions/new", **_legal_action(demo_session))
    assert decided.status_code == 302, decided.get_data(as_text=True)

    # A draft is for its writers: the police see that minutes are being written, not them.
    draft = police.get(base).get_data(as_text=True)
    assert DISCUSSION not in draft
    assert "You will see them when they are circulated" in draft
    assert DISCUSSION in officer.get(base).get_data(as_text=True)

    demo_session.expire_all()
    item = demo_session.scalar(select(MinuteItem).where(MinuteItem.conference_id == conference.id))
    assert item.discussion != DISCUSSION.encode()  # sealed under the case
    assert unseal(item, "discussion") == DISCUSSION

    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    circulated = police.get(base).get_data(as_text=True)
    assert DISCUSSION in circulated
    assert DECISION in circulated
    assert "Civil injunction" in circulated
    # Vulnerability is special category data: clause 5.1 does not give it to the police.
    assert VULNERABILITY not in circulated
    adults = demo_client(
        demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    )
    assert VULNERABILITY in adults.get(base).get_data(as_text=True)

    # Circulated minutes: only the chair may amend them now.
    refused = _post(
        officer, f"{base}/minutes/{item.id}", heading="1. Incidents", discussion="Changed"
    )
    assert refused.status_code == 400
    assert "only the chair may amend them now" in refused.get_data(as_text=True)
    opened = officer.get(f"{base}/minutes/{item.id}", follow_redirects=True).get_data(as_text=True)
    assert "only the chair may amend them now" in opened
    chair = _chair(demo_hub, demo_session, conference)
    assert _post(police, f"{base}/minutes/agree").status_code == 403
    amended = _post(
        chair,
        f"{base}/minutes/{item.id}",
        heading="1. Incidents since the review",
        discussion=DISCUSSION + ". Amended by the chair.",
    )
    assert amended.status_code == 302, amended.get_data(as_text=True)
    assert _post(chair, f"{base}/minutes/agree").status_code == 302
    demo_session.expire_all()
    assert conference.minutes_status is MinutesStatus.AGREED
    assert conference.minutes_agreed_by_id == conference.chair_id
    page = police.get(base).get_data(as_text=True)
    assert "Amended by the chair" in page
    assert "Agreed" in page

    # Agreed minutes are read-only for everyone, the chair too: refused, nothing written,
    # the refusal audited.
    before = _counts(demo_session)
    refusals = len(_entries(demo_session, "minutes.record"))
    for client in (chair, officer):
        _post(client, f"{base}/minutes/{item.id}", heading="Rewritten", discussion="Rewritten")
        _post(client, f"{base}/minutes/new", heading="Another", discussion="Another item")
        _post(client, f"{base}/decisions/new", **_legal_action(demo_session))
    assert _counts(demo_session) == before
    demo_session.expire_all()
    assert unseal(demo_session.get(MinuteItem, item.id), "discussion").endswith(
        "Amended by the chair."
    )
    entries = _entries(demo_session, "minutes.record")[refusals:]
    assert len(entries) == 6
    assert all(
        e.outcome == "refused" and e.basis == "refused input: minutes agreed" for e in entries
    )
    form = chair.get(f"{base}/minutes/{item.id}", follow_redirects=True).get_data(as_text=True)
    assert "The minutes are agreed, so they can no longer be changed" in form
    for entry in _entries(demo_session, "minutes.record") + _entries(demo_session, "minutes.agree"):
        assert "injunction" not in (entry.basis or "").lower()
        assert DISCUSSION[:20] not in (entry.basis or "")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"tool": ""}, "tool", "Select the legal tool"),
        ({"acting_agency": ""}, "acting_agency", "Select the agency that takes the action"),
        ({"proportionality": " "}, "proportionality", "most proportionate intervention"),
        ({"vulnerability": ""}, "vulnerability", "Record the vulnerabilities"),
        ({"kind": "continue"}, "tool", "only for a decision to take legal action"),
        ({"dissenting_agency": "", "dissent": "Police disagree"}, "dissenting_agency", "dissented"),
    ],
)
def test_a_decision_missing_what_legal_action_needs_is_refused_with_its_field(
    demo_hub, demo_session, overrides, field, message
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    before = _counts(demo_session)
    refusals = len(_entries(demo_session, "minutes.record"))
    response = _post(
        officer,
        f"/conferences/{conference.id}/decisions/new",
        **_legal_action(demo_session, **overrides),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'href="#{field}"' in page
    assert _counts(demo_session) == before
    refused = _entries(demo_session, "minutes.record")[refusals:]
    assert [e.outcome for e in refused] == ["refused"]


def test_each_box_of_a_decision_says_its_limit_before_anything_is_typed(
    demo_hub, demo_session
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    page = officer.get(f"/conferences/{conference.id}/decisions/new").get_data(as_text=True)
    for name in ("decision", "proportionality", "evidence", "vulnerability", "dissent"):
        # Without JavaScript, the hint under the box; with it, GOV.UK's character count.
        assert re.search(rf'id="{name}-info"[^>]*>\s*You can enter up to 5,000 characters', page), (
            name
        )
        assert re.search(rf'aria-describedby="[^"]*{name}-info', page), name
    assert page.count('data-module="govuk-character-count" data-maxlength="5000"') == 5


def test_a_decision_with_every_box_too_long_names_each_box_at_once_and_saves_nothing(
    demo_hub, demo_session
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    before = _counts(demo_session)
    path = f"/conferences/{conference.id}/decisions/new"
    boxes = {
        "decision": "The decision",
        "proportionality": "Why this is the most proportionate intervention",
        "evidence": "The evidence available",
        "vulnerability": "The vulnerabilities of the people involved",
        "dissent": "The dissenting view",
    }
    too_long = {name: "x" * (5_001 + i) for i, name in enumerate(boxes)}
    police = str(_agency(demo_session, "northshire-police").id)
    response = _post(
        officer, path, **_legal_action(demo_session, dissenting_agency=police, **too_long)
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page.split("govuk-error-summary__list")[1].split("</ul>")[0]
    for i, (name, what) in enumerate(boxes.items()):
        message = f"{what} must be 5,000 characters or fewer (you entered {5_001 + i:,})"
        assert f'href="#{name}">{message}</a>' in summary
        assert re.search(
            rf'id="{name}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span> '
            + re.escape(message),
            page,
        ), name
    assert _counts(demo_session) == before


def test_an_agency_not_at_the_table_cannot_act_or_dissent(demo_hub, demo_session) -> None:
    conference, officer = _held(demo_hub, demo_session)
    before = _counts(demo_session)
    eh = str(_agency(demo_session, "northshire-eh").id)
    for overrides in ({"acting_agency": eh}, {"dissenting_agency": eh, "dissent": "No"}):
        response = _post(
            officer,
            f"/conferences/{conference.id}/decisions/new",
            **_legal_action(demo_session, **overrides),
        )
        assert response.status_code == 400
        assert "Select the agency that" in response.get_data(as_text=True)
    assert _counts(demo_session) == before


def test_minutes_wait_for_the_meeting_and_only_its_writers_write_them(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)  # a week ahead
    base = f"/conferences/{conference.id}"
    before = _counts(demo_session)
    early = _post(officer, f"{base}/minutes/new", heading="1. Incidents", discussion=DISCUSSION)
    assert early.status_code == 400
    assert "Minutes are written once the conference has begun" in early.get_data(as_text=True)
    assert _counts(demo_session) == before
    assert "Record who attended" not in officer.get(base).get_data(as_text=True)

    conference.starts_at = clock.now() - timedelta(minutes=5)
    demo_session.commit()
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert police.get(f"{base}/minutes/new").status_code == 403
    assert _post(police, f"{base}/minutes/new", heading="x", discussion="y").status_code == 403
    assert _post(police, f"{base}/minutes/circulate").status_code == 403
    eh = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.MANAGER))
    assert eh.get(f"{base}/attendance").status_code == 404
    # Nothing to circulate yet: said plainly.
    _post(officer, f"{base}/minutes/circulate")
    assert "Add the minute of at least one agenda item" in officer.get(base).get_data(as_text=True)
    assert _counts(demo_session) == before


def test_a_deputy_comes_from_the_same_agency(demo_hub, demo_session) -> None:
    conference, officer = _held(demo_hub, demo_session)
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)
    adults = demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    response = _post(
        officer, f"/conferences/{conference.id}/attendance", also_present=str(adults.id)
    )
    assert response.status_code == 302
    demo_session.expire_all()
    attendee = next(a for a in conference.attendees if a.user_id == adults.id)
    wrong = _post(
        officer,
        f"/conferences/{conference.id}/attendance",
        **{f"attendance_{attendee.id}": "deputy", f"deputy_{attendee.id}": str(police_manager.id)},
    )
    assert wrong.status_code == 400
    assert "Select who came for" in wrong.get_data(as_text=True)


def _pdf_pages(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]


def test_each_attendee_reads_a_pack_of_exactly_what_their_clauses_allow(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    case = conference.case
    victim = next(p.person for p in case.parties if p.role.value == "victim")
    name = " ".join(v for v in (unseal(victim, "given_names"), unseal(victim, "family_name")) if v)
    support = unseal(victim, "support_needs")
    base = f"/conferences/{conference.id}"
    police_user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    adults_user = demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    packs = {}
    for user in (police_user, adults_user):
        client = demo_client(demo_hub, user)
        page = client.get(f"{base}/pack")
        assert page.status_code == 200
        packs[user.agency.code] = page.get_data(as_text=True)
    police, adults = packs["northshire-police"], packs["northshire-adults"]
    assert name in police  # identity: clause 5.1 for both
    assert name in adults
    assert "clause 5.1" in police
    assert "clause 5.2" in adults
    assert "clause 5.2" not in police
    if support:
        assert support in adults  # vulnerability: clause 5.2 alone
        assert support not in police
    assert "Not shared with your agency for this conference: vulnerability" in police
    assert "offending" in adults.split("Not shared with your agency for this conference:")[1][:200]

    # The PDF holds the same pack, marked and named on every page; one entry per read.
    before = len(_entries(demo_session, "conference.pack"))
    pages = _pdf_pages(demo_client(demo_hub, adults_user).get(f"{base}/pack.pdf"))
    assert len(pages) >= 2
    for text in pages:
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Prepared for {adults_user.display_name}" in text
    whole = " ".join("\n".join(pages).split())  # the PDF wraps lines in table cells
    assert name in whole
    assert "clause 5.2" in whole
    entries = _entries(demo_session, "conference.pack")[before:]
    assert len(entries) == 1
    assert entries[0].actor_user_id == adults_user.id
    assert "; pdf; " in entries[0].basis
    assert "vulnerability" in entries[0].basis
    assert name not in entries[0].basis

    # An agency not at the table has no pack: refused and recorded.
    eh = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    assert eh.get(f"{base}/pack").status_code == 404
    assert eh.get(f"{base}/pack.pdf").status_code == 404
    assert _entries(demo_session, "conference.pack")[-1].outcome == "refused"


def test_a_pack_never_fetches_anything_outside_itself(demo_hub, demo_session) -> None:
    conference, officer = _held(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    hostile = (
        '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    )
    assert (
        _post(officer, f"{base}/minutes/new", heading=hostile, discussion=hostile).status_code
        == 302
    )
    pages = _pdf_pages(officer.get(f"{base}/pack.pdf"))
    assert "file:///etc/passwd" in "\n".join(pages)  # shown as the text it is
    assert "root:" not in "\n".join(pages)


@pytest.mark.parametrize(
    "name",
    ['Jo "O\\Brien"', "</style><script>alert(1)</script>", "Ana; } body { display: none", "Zoë\nÑ"],
)
def test_a_name_in_the_pdf_margins_cannot_end_its_string_or_style(name) -> None:
    written = str(css_string(name))
    inner = written[1:-1]
    assert written[0] == written[-1] == '"'
    assert not set(inner.replace("\\", "")) & set('"<>;{}\n')  # each an escape
    decoded = re.sub(r"\\([0-9a-f]+) ", lambda m: chr(int(m.group(1), 16)), inner)
    assert decoded == name


def _chaired_by_a_colleague(app: Flask, session: Session) -> tuple[Conference, FlaskClient]:
    """A conference on a community safety case, inviting the police, chaired by community
    safety's conference chair (who works no cases), begun an hour ago; and the convening
    officer's client."""
    case = session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="northshire-csp"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.id.not_in(select(Conference.case_id)),
        )
        .order_by(Case.id)
    )
    officer = demo_client(app, case.officer)
    chair = demo_user(session, "northshire-csp", Role.CONFERENCE_CHAIR)
    assert chair.roles == frozenset({Role.CONFERENCE_CHAIR})
    form = _form(
        officer,
        session,
        case,
        agencies=[str(_agency(session, "northshire-police").id)],
        chair=str(chair.id),
    )
    assert f'value="{chair.id}"' in officer.get(f"/cases/{case.id}/conferences/new").get_data(
        as_text=True
    )
    convened = officer.post(f"/cases/{case.id}/conferences/new", data=form)
    assert convened.status_code == 302, convened.get_data(as_text=True)
    session.expire_all()
    conference = session.scalar(select(Conference).where(Conference.case_id == case.id))
    conference.starts_at = clock.now() - timedelta(hours=1)
    session.commit()
    return conference, officer


def test_a_chair_of_the_convening_agency_reads_amends_and_agrees_the_minutes(
    demo_hub, demo_session
) -> None:
    conference, officer = _chaired_by_a_colleague(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    came = str(conference.chair_id)
    assert _post(officer, f"{base}/attendance", also_present=came).status_code == 302
    assert (
        _post(officer, f"{base}/minutes/new", heading="1. Review", discussion=DISCUSSION)
    ).status_code == 302
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302

    chair = _chair(demo_hub, demo_session, conference)
    assert f'href="{base}"' in chair.get("/conferences").get_data(as_text=True)
    page = chair.get(base)
    assert page.status_code == 200
    assert DISCUSSION in page.get_data(as_text=True)
    assert "Agree the minutes" in page.get_data(as_text=True)
    assert chair.get(f"{base}/pack").status_code == 200
    assert f'href="/cases/{conference.case_id}' not in page.get_data(
        as_text=True
    )  # the pack has it
    item = conference.minutes[0]
    amended = _post(
        chair, f"{base}/minutes/{item.id}", heading="1. Review", discussion=DISCUSSION + "."
    )
    assert amended.status_code == 302, amended.get_data(as_text=True)
    assert _post(chair, f"{base}/minutes/agree").status_code == 302
    demo_session.expire_all()
    assert conference.minutes_status is MinutesStatus.AGREED
    assert conference.minutes_agreed_by_id == conference.chair_id
    agreed = _entries(demo_session, "minutes.agree")[-1]
    assert (agreed.outcome, agreed.actor_user_id) == ("allowed", conference.chair_id)
    assert agreed.purpose == conference.purpose


def test_only_someone_who_could_open_the_conference_is_offered_or_accepted_as_chair(
    demo_hub, demo_session
) -> None:
    """The Community Trigger protocol gives conference chairs nothing: community safety's
    conference chair may chair its case conferences, not its ASB Case Review panel."""
    conference_chair = demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    manager = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    trigger = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-community-trigger", ProtocolRecord.status == "active"
        )
    )
    area = manager.agency.area_id
    offered = conference_eligibility.chairs(demo_session, area, trigger.id, "community_trigger")
    assert manager in offered
    assert conference_chair not in offered
    with pytest.raises(InputError) as refused:
        series.set_up(
            demo_session,
            Actor.of(manager),
            series.SeriesInput(
                name="Panel",
                cadence="monthly",
                protocol_id=trigger.id,
                purpose="community_trigger",
                chair_id=conference_chair.id,
                member_ids=[demo_user(demo_session, "northshire-police", Role.MANAGER).id],
                first_at=free_for_chair(demo_session, conference_chair.id),
                place="Civic Centre",
            ),
        )
    assert refused.value.field == "chair_id"
    assert "could not open the conference" in refused.value.message
    demo_session.rollback()


def test_a_chair_who_may_not_read_vulnerability_amends_a_decision_without_erasing_it(
    demo_hub, demo_session
) -> None:
    """The police get no vulnerability (clause 5.2): a police chair amends the decisions
    without the vulnerability field, and what the convenor recorded there stays."""
    case = _open_case(demo_session)
    officer = demo_client(demo_hub, case.officer)
    police_chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    convened = officer.post(
        f"/cases/{case.id}/conferences/new",
        data=_form(officer, demo_session, case, chair=str(police_chair.id)),
    )
    assert convened.status_code == 302, convened.get_data(as_text=True)
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).where(Conference.case_id == case.id))
    conference.starts_at = clock.now() - timedelta(hours=1)
    demo_session.commit()
    base = f"/conferences/{conference.id}"
    _post(officer, f"{base}/attendance", also_present=str(police_chair.id))
    _post(officer, f"{base}/minutes/new", heading="1. Risk", discussion=DISCUSSION)
    continuing = {
        **_legal_action(demo_session),
        "kind": "continue",
        "decision": "Continue the plon",
        "tool": "",
        "acting_agency": "",
    }
    assert _post(officer, f"{base}/decisions/new", **continuing).status_code == 302
    assert _post(officer, f"{base}/decisions/new", **_legal_action(demo_session)).status_code == 302
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    demo_session.expire_all()
    decisions = list(conference.decisions)

    chair = demo_client(demo_hub, police_chair)
    for record in decisions:
        form = chair.get(f"{base}/decisions/{record.id}").get_data(as_text=True)
        assert 'name="vulnerability"' not in form
        sent = {
            "kind": record.kind.value,
            "decision": unseal(record, "decision").replace("plon", "plan"),
            "tool": record.tool.value if record.tool else "",
            "acting_agency": str(record.acting_agency_id or ""),
            "proportionality": unseal(record, "proportionality") or "",
            "evidence": unseal(record, "evidence") or "",
            "dissenting_agency": "",
            "dissent": "",
        }
        amended = _post(chair, f"{base}/decisions/{record.id}", **sent)
        assert amended.status_code == 302, amended.get_data(as_text=True)
    demo_session.expire_all()
    assert unseal(decisions[0], "decision") == "Continue the plan"
    assert [unseal(d, "vulnerability") for d in decisions] == [VULNERABILITY, VULNERABILITY]

    # A new decision to take legal action needs the vulnerabilities this chair may not
    # see: said on a field on their page, nothing written.
    before = _counts(demo_session)
    legal = _legal_action(demo_session)
    del legal["vulnerability"]
    refused = _post(chair, f"{base}/decisions/new", **legal)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'href="#kind"' in page
    assert "vulnerabilities" in page
    assert _counts(demo_session) == before


def test_someone_who_may_not_see_a_conference_is_told_it_does_not_exist_by_its_minutes(
    demo_hub, demo_session
) -> None:
    """Circulating or agreeing the minutes answers an agency not at the table, or an
    officer of the convening agency who may not see the case, exactly as for a conference
    that does not exist: not found, nothing said of the minutes."""
    conference, officer = _held(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    _post(officer, f"{base}/minutes/new", heading="1. Review", discussion=DISCUSSION)
    other_team = next(
        u
        for u in demo_session.scalars(
            select(User).where(User.agency_id == conference.case.agency_id).order_by(User.id)
        )
        if u.roles == {Role.CASE_OFFICER}
        and not conference_listing.visible(demo_session, Actor.of(u), conference)
    )
    outsiders = [demo_user(demo_session, "northshire-eh", Role.MANAGER), other_team]
    for user in outsiders:
        client = demo_client(demo_hub, user)
        for step in ("circulate", "agree"):
            assert _post(client, f"{base}/minutes/{step}").status_code == 404
            assert _post(client, f"/conferences/999999/minutes/{step}").status_code == 404
    demo_session.expire_all()
    assert conference.minutes_status is MinutesStatus.DRAFT


def test_a_choice_not_offered_is_refused_with_the_persons_name_as_written(
    demo_hub, demo_session
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    base = f"/conferences/{conference.id}"
    assert _post(officer, f"{base}/attendance", also_present=str(sergeant.id)).status_code == 302
    demo_session.expire_all()
    attendee = next(a for a in conference.attendees if a.user_id == sergeant.id)
    name = attendee.user.display_name
    assert name != name.lower()
    response = _post(
        officer,
        f"{base}/attendance",
        **{f"attendance_{attendee.id}": "deputy", f"deputy_{attendee.id}": "999999"},
    )
    assert response.status_code == 400
    assert f"Select who came for {name}" in response.get_data(as_text=True)


def test_minutes_wait_for_attendance_even_when_nobody_was_named(demo_hub, demo_session) -> None:
    conference, officer = _held(demo_hub, demo_session)
    assert conference.attendees == []
    base = f"/conferences/{conference.id}"
    _post(officer, f"{base}/minutes/new", heading="1. Review", discussion=DISCUSSION)
    _post(officer, f"{base}/minutes/circulate")
    assert "Record who attended before circulating" in officer.get(base).get_data(as_text=True)
    demo_session.expire_all()
    assert conference.minutes_status is MinutesStatus.DRAFT


def _with_police_and_adult_safeguarding(demo_hub, demo_session):  # type: ignore[no-untyped-def]
    """A conference convened on an open case expecting a police officer and an adult
    safeguarding partner viewer: the convening officer's client, the two, the record."""
    case = _open_case(demo_session)
    officer = demo_client(demo_hub, case.officer)
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    viewer = demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    form = _form(officer, demo_session, case, attendees=[str(pcso.id), str(viewer.id)])
    assert officer.post(f"/cases/{case.id}/conferences/new", data=form).status_code == 302
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).where(Conference.case_id == case.id))
    return officer, pcso, viewer, conference


def test_an_agency_whose_invitation_was_withdrawn_is_no_longer_expected_nor_told(
    demo_hub, demo_session
) -> None:
    officer, pcso, viewer, conference = _with_police_and_adult_safeguarding(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    police = next(i for i in conference.invitations if i.agency_id == pcso.agency_id)
    assert _post(officer, f"{base}/invitations/{police.id}/withdraw").status_code == 302
    conference.starts_at = clock.now() - timedelta(hours=1)
    demo_session.commit()

    form_page = officer.get(f"{base}/attendance").get_data(as_text=True)
    assert pcso.display_name not in form_page
    adults = next(a for a in conference.attendees if a.user_id == viewer.id)
    assert (
        _post(officer, f"{base}/attendance", **{f"attendance_{adults.id}": "present"}).status_code
        == 302
    )
    _post(officer, f"{base}/minutes/new", heading="1. Review", discussion=DISCUSSION)
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    demo_session.expire_all()
    assert conference.minutes_status is MinutesStatus.CIRCULATED
    told = demo_session.scalars(
        select(Notice).where(Notice.user_id == pcso.id, Notice.path.startswith(base))
    ).all()
    assert [n.kind for n in told if n.sent_at is None] == []
    assert NoticeKind.MINUTES_CIRCULATED not in [n.kind for n in told]
    assert NoticeKind.MINUTES_CIRCULATED in [
        n.kind for n in demo_session.scalars(select(Notice).where(Notice.user_id == viewer.id))
    ]


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DPO])
def test_only_someone_who_could_have_been_expected_is_recorded_as_present_or_as_a_deputy(
    demo_hub, demo_session, role: Role
) -> None:
    case = _open_case(demo_session)
    officer = demo_client(demo_hub, case.officer)
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    cannot = demo_user(demo_session, "northshire-police", role)
    form = _form(officer, demo_session, case, attendees=[str(sergeant.id)])
    assert officer.post(f"/cases/{case.id}/conferences/new", data=form).status_code == 302
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).where(Conference.case_id == case.id))
    conference.starts_at = clock.now() - timedelta(hours=1)
    demo_session.commit()
    base = f"/conferences/{conference.id}"
    named = conference.attendees[0]

    page = officer.get(f"{base}/attendance").get_data(as_text=True)
    assert cannot.display_name not in page
    assert pcso.display_name in page
    present = _post(
        officer,
        f"{base}/attendance",
        also_present=str(cannot.id),
        **{f"attendance_{named.id}": "present"},
    )
    assert present.status_code == 400
    assert "Select who else was present from those offered" in present.get_data(as_text=True)
    deputy = _post(
        officer,
        f"{base}/attendance",
        **{f"attendance_{named.id}": "deputy", f"deputy_{named.id}": str(cannot.id)},
    )
    assert deputy.status_code == 400
    assert f"Select who came for {sergeant.display_name}" in deputy.get_data(as_text=True)
    # The core refuses them too, whoever calls it.
    actor = Actor.of(case.officer)
    why = "their roles do not take part in conferences"
    with pytest.raises(
        InputError, match=f"{cannot.display_name} cannot be recorded as present: {why}"
    ):
        conference_attendance.record_attendance(demo_session, actor, conference.id, {}, [cannot.id])
    demo_session.rollback()
    mark = conference_attendance.Mark(Attendance.DEPUTY, cannot.id)
    with pytest.raises(
        InputError, match=f"{cannot.display_name} cannot come for {sergeant.display_name}: {why}"
    ):
        conference_attendance.record_attendance(
            demo_session, actor, conference.id, {named.id: mark}
        )
    demo_session.rollback()
    demo_session.expire_all()
    assert [(a.user_id, a.attendance) for a in conference.attendees] == [(sergeant.id, None)]

    # The deputy who came is told of the minutes, as is the person they came for.
    came = _post(
        officer,
        f"{base}/attendance",
        **{f"attendance_{named.id}": "deputy", f"deputy_{named.id}": str(pcso.id)},
    )
    assert came.status_code == 302
    _post(officer, f"{base}/minutes/new", heading="1. Review", discussion=DISCUSSION)
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    demo_session.expire_all()
    told = demo_session.scalars(
        select(Notice.user_id).where(
            Notice.kind == NoticeKind.MINUTES_CIRCULATED, Notice.path == base
        )
    ).all()
    assert {pcso.id, sergeant.id} <= set(told)
    assert cannot.id not in told


def test_agreed_minutes_keep_who_attended_after_an_invitation_is_withdrawn(
    demo_hub, demo_session
) -> None:
    officer, pcso, viewer, conference = _with_police_and_adult_safeguarding(demo_hub, demo_session)
    conference.starts_at = clock.now() - timedelta(hours=1)
    demo_session.commit()
    base = f"/conferences/{conference.id}"
    marks = {
        f"attendance_{a.id}": "present" if a.user_id == pcso.id else "apologies"
        for a in conference.attendees
    }
    assert _post(officer, f"{base}/attendance", **marks).status_code == 302
    _post(officer, f"{base}/minutes/new", heading="1. Review", discussion=DISCUSSION)
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302

    def attendance() -> str:
        page = officer.get(base).get_data(as_text=True)
        return page.partition('<h3 class="govuk-heading-s">Attendance</h3>')[2].partition(
            "</table>"
        )[0]

    before = attendance()
    assert viewer.display_name in before
    assert "Sent apologies" in before
    adults = next(i for i in conference.invitations if i.agency_id == viewer.agency_id)
    assert _post(officer, f"{base}/invitations/{adults.id}/withdraw").status_code == 302
    assert attendance() == before
    chair = _chair(demo_hub, demo_session, conference)
    assert _post(chair, f"{base}/minutes/agree").status_code == 302
    assert attendance() == before
    demo_session.expire_all()

    def told(user: User) -> list[NoticeKind]:
        return list(
            demo_session.scalars(
                select(Notice.kind).where(Notice.user_id == user.id, Notice.path == base)
            )
        )

    assert NoticeKind.MINUTES_AGREED not in told(viewer)
    assert NoticeKind.MINUTES_AGREED in told(pcso)


def test_nobody_outside_a_locked_cases_lock_is_told_of_its_conference(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    officer = demo_client(demo_hub, case.officer)
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    form = _form(officer, demo_session, case, chair=str(chair.id), attendees=[str(pcso.id)])
    assert officer.post(f"/cases/{case.id}/conferences/new", data=form).status_code == 302
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).where(Conference.case_id == case.id))
    base = f"/conferences/{conference.id}"

    def waiting(user: User) -> list[NoticeKind]:
        demo_session.expire_all()
        return list(
            demo_session.scalars(
                select(Notice.kind).where(
                    Notice.user_id == user.id,
                    Notice.reference == case.reference,
                    Notice.sent_at.is_(None),
                )
            )
        )

    assert NoticeKind.INVITATION in waiting(pcso)
    assert NoticeKind.INVITATION in waiting(chair)
    request = locks.request_lock(
        demo_session,
        authorise(demo_session, Actor.of(case.officer), case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "The reported person is a member of staff",
    )
    manager = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    locks.decide_lock(demo_session, Actor.of(manager), request.id, approve=True)
    conference.starts_at = clock.now() - timedelta(hours=1)
    demo_session.commit()
    assert waiting(pcso) == []  # the invitation and information request still waiting
    assert waiting(chair) == []

    named = conference.attendees[0]
    assert (
        _post(officer, f"{base}/attendance", **{f"attendance_{named.id}": "present"}).status_code
        == 302
    )
    _post(officer, f"{base}/minutes/new", heading="1. Review", discussion=DISCUSSION)
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    assert waiting(pcso) == []
    assert waiting(chair) == []
    assert demo_client(demo_hub, pcso).get(base).status_code == 404


def _refused_since(session: Session, seq: int) -> list[tuple[str, str, str]]:
    session.expire_all()
    return [
        (e.action, e.outcome, e.basis or "")
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)
        )
    ]


def _last_seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.seq)))


@pytest.mark.parametrize(
    "form", ["deputy", "acting_agency", "dissenting_agency", "kind", "discussion", "tool"]
)
def test_a_meeting_form_the_form_itself_refuses_is_recorded_naming_the_field(
    demo_hub, demo_session, form: str
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    eh = str(_agency(demo_session, "northshire-eh").id)
    secret = "Control\x00 characters in what the neighbour said"
    if form == "deputy":
        adults = demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
        _post(officer, f"{base}/attendance", also_present=str(adults.id))
        demo_session.expire_all()
        attendee = next(a for a in conference.attendees if a.user_id == adults.id)
        police = demo_user(demo_session, "northshire-police", Role.MANAGER)
        path, data, field = (
            f"{base}/attendance",
            {f"attendance_{attendee.id}": "deputy", f"deputy_{attendee.id}": str(police.id)},
            f"deputy_{attendee.id}",
        )
    elif form == "discussion":
        path, data, field = f"{base}/minutes/new", {"heading": "1.", "discussion": secret}, form
    elif form == "kind":
        path, data, field = f"{base}/decisions/new", _legal_action(demo_session, kind="x"), form
    elif form == "tool":
        path, data, field = f"{base}/decisions/new", _legal_action(demo_session, tool="x"), form
    else:
        data = _legal_action(demo_session, **{form: eh, "dissent": "No"})
        path, field = f"{base}/decisions/new", form
    before, seq = _counts(demo_session), _last_seq(demo_session)
    response = _post(officer, path, **data)
    assert response.status_code == 400
    assert f'href="#{field}' in response.get_data(as_text=True)
    assert _counts(demo_session) == before
    recorded = _refused_since(demo_session, seq)
    assert recorded[-1:] == [("minutes.record", "refused", f"refused input: {field}")]
    assert all("neighbour" not in basis for _, _, basis in recorded)


@pytest.mark.parametrize(
    ("method", "page"),
    [
        ("GET", "actions/new"),
        ("POST", "actions/new"),
        ("GET", "attendance"),
        ("GET", "minutes/new"),
    ],
)
def test_an_invited_partner_refused_a_convenors_page_is_recorded(
    demo_hub, demo_session, method: str, page: str
) -> None:
    conference, _officer = _held(demo_hub, demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    path = f"/conferences/{conference.id}/{page}"
    seq = _last_seq(demo_session)
    if method == "GET":
        response = police.get(path)
    else:
        response = _post(police, path, kind="perpetrator_visit", description="Patrols")
    assert response.status_code == 403
    recorded = _refused_since(demo_session, seq)
    assert recorded
    assert recorded[-1][1] == "refused"
    assert recorded[-1][0] == ("case.record" if page == "actions/new" else "minutes.record")


def test_an_action_the_form_refuses_is_recorded_naming_the_field(demo_hub, demo_session) -> None:
    conference, officer = _held(demo_hub, demo_session)
    path = f"/conferences/{conference.id}/actions/new"
    seq = _last_seq(demo_session)
    refused = _post(
        officer,
        path,
        kind="perpetrator_visit",
        description="Noise monitoring",
        owner_agency=str(_agency(demo_session, "northshire-eh").id),
    )
    assert refused.status_code == 400
    recorded = _refused_since(demo_session, seq)
    assert recorded[-1][:2] == ("case.record", "refused")
    assert "refused input: owner_agency" in recorded[-1][2]
    assert "Noise monitoring" not in recorded[-1][2]
