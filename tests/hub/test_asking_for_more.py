"""A partner asks a shared case's agency for more of it (demo partnership): the police
read a landlord's case through a live share and ask for what it does not give them; the
case's officer and managers see the request on their home page and the case page and
answer it once, declining with a reason or sharing more from the share form; the police
are told by e-mail and read the answer on the case page. Only a partner holding a live
share asks, only the case's agency answers, and the request's words reach no audit entry."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import share_ending, shares
from sharing.models import AuditEntry, Case, MoreRequest, Notice, ProtocolRecord, Share, User
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import NoticeKind, ProtocolStatus, Role, ShareOrigin
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

PURPOSE = "asb_case_management"
POLICE = "northshire-police"
WHY = "A neighbour reports the victim has stopped answering the door since the last attack"
REASON = "Our safeguarding lead will bring it to the case conference next week"


def _police_share(session: Session, landlord: str | None = None) -> Share:
    """A live ASB case-management share with the police of an open, unlocked case (of
    ``landlord``, if given) that no one has asked more of yet."""
    asked = select(MoreRequest.case_id)
    of = [Case.agency.has(code=landlord)] if landlord else []
    return session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
            Share.purpose == PURPOSE,
            Case.locked.is_(False),
            Case.status == "active",
            Case.id.not_in(asked),
            Share.agency.has(code=POLICE),
            *of,
        )
        .order_by(Share.id.desc())
    ).first()


def _due() -> date:
    return england_and_wales().add(clock.today(), 2)


def _form(due: date | None = None, **values: str | None) -> dict[str, str]:
    """The form as a browser sends it (a value None: not sent, as boxes left unticked)."""
    due = due or _due()
    sent = {
        "categories": "vulnerability",
        "why": WHY,
        "due_on-day": str(due.day),
        "due_on-month": str(due.month),
        "due_on-year": str(due.year),
        **values,
    }
    return {name: value for name, value in sent.items() if value is not None}


def _ask(police: FlaskClient, case_id: int, **values: str):  # type: ignore[no-untyped-def]
    path = f"/cases/{case_id}/more?purpose={PURPOSE}"
    return police.post(path, data={"csrf_token": csrf_token(police, path), **_form(**values)})


def _asked(
    demo_hub: Flask, session: Session, landlord: str | None = None
) -> tuple[Share, MoreRequest, FlaskClient]:
    share = _police_share(session, landlord)
    police = demo_client(demo_hub, demo_user(session, POLICE, Role.MANAGER))
    assert _ask(police, share.case_id).status_code == 302
    request = session.scalar(select(MoreRequest).where(MoreRequest.case_id == share.case_id))
    return share, request, police


def test_the_police_ask_for_what_their_share_does_not_give_and_the_case_officer_sees_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    share = _police_share(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
    page = police.get(f"/cases/{share.case_id}?purpose={PURPOSE}").get_data(as_text=True)
    assert f"/cases/{share.case_id}/more?purpose={PURPOSE}" in page
    form = police.get(f"/cases/{share.case_id}/more?purpose={PURPOSE}").get_data(as_text=True)
    assert 'value="vulnerability"' in form  # the ASB protocol gives the police none
    assert 'value="identity"' not in form  # their share gives it already

    assert _ask(police, share.case_id).status_code == 302

    demo_session.expire_all()
    request = demo_session.scalar(select(MoreRequest).where(MoreRequest.case_id == share.case_id))
    assert request.asked_for == ["vulnerability"]
    assert request.due_on == _due()
    assert request.share_id == share.id
    assert WHY.encode() not in (request.why or b"")  # sealed
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "share.ask_more")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.basis == (
        f"request {request.id}; share {share.id}; asked for vulnerability; due {_due().isoformat()}"
    )
    case = demo_session.get(Case, share.case_id)
    told = demo_session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.MORE_ASKED, Notice.reference == case.reference
        )
    ).all()
    assert case.officer_id in {n.user_id for n in told}
    assert {n.path for n in told} == {f"/more/{request.id}"}

    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    home = officer.get("/").get_data(as_text=True)
    assert f'href="/more/{request.id}"' in home
    assert f'asks for more of case <span class="hub-reference">{case.reference}' in home
    on_case = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'id="more-{request.id}"' in on_case
    answering = officer.get(f"/more/{request.id}").get_data(as_text=True)
    assert WHY in answering
    assert 'id="nothing-more"' in answering  # the protocol gives the police no vulnerability
    assert "already holds a live share of this case for ASB case management" in answering
    assert "Share more</a>" not in answering
    read = demo_session.scalar(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "share.more_read")
        .order_by(AuditEntry.seq.desc())
    )
    assert read == f"request {request.id} (narrative)"


def test_bad_input_is_refused_at_its_field_keeping_what_was_typed(
    demo_hub: Flask, demo_session: Session
) -> None:
    share = _police_share(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
    saturday = clock.today() + timedelta(days=(5 - clock.today().weekday()) % 7 or 7)
    cases = [
        ({"categories": None}, "Select what your agency needs of the case"),
        (
            {"categories": "identity"},
            "Select only what your agency&#39;s share does not already give it",
        ),
        ({"why": "  "}, "Say why your agency needs it: the case&#39;s agency reads it"),
        ({"why": "x" * 2001}, "The reason your agency needs it must be 2,000 characters or fewer"),
        ({"due_on-day": ""}, "The date your agency needs it by must include a day"),
        ({"due": clock.today() - timedelta(days=1)}, "must be today or later"),
        ({"due": saturday}, "must be a working day (not a weekend or a bank holiday)"),
    ]
    for values, message in cases:
        due = values.pop("due", None)
        path = f"/cases/{share.case_id}/more?purpose={PURPOSE}"
        answer = police.post(
            path, data={"csrf_token": csrf_token(police, path), **_form(due, **values)}
        )
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400, values
        assert message in page, (values, message)
        if values.get("why") is None:
            assert WHY in page  # what was typed is kept
    demo_session.expire_all()
    assert (
        demo_session.scalar(select(MoreRequest).where(MoreRequest.case_id == share.case_id)) is None
    )
    refused = demo_session.scalars(
        select(AuditEntry.basis).where(
            AuditEntry.action == "share.ask_more", AuditEntry.outcome == "refused"
        )
    ).all()
    assert len(refused) >= len(cases)
    assert not [b for b in refused if WHY in (b or "")]


def test_a_second_request_waits_for_the_first(demo_hub: Flask, demo_session: Session) -> None:
    share, _, police = _asked(demo_hub, demo_session)
    page = police.get(f"/cases/{share.case_id}?purpose={PURPOSE}").get_data(as_text=True)
    assert "You can ask again once the case's agency has answered" in page
    assert f"/cases/{share.case_id}/more?purpose" not in page
    again = _ask(police, share.case_id)
    assert again.status_code == 400
    assert "wait for the case&#39;s agency to answer it" in again.get_data(as_text=True)


def test_declining_says_why_once_and_the_police_read_it_and_are_told(
    demo_hub: Flask, demo_session: Session
) -> None:
    share, request, police = _asked(demo_hub, demo_session)
    case = demo_session.get(Case, share.case_id)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/more/{request.id}"

    empty = officer.post(path, data={"csrf_token": csrf_token(officer, path), "reason": " "})
    assert empty.status_code == 400
    assert "Say why your agency declines: the partner agency reads it" in empty.get_data(
        as_text=True
    )
    long = officer.post(path, data={"csrf_token": csrf_token(officer, path), "reason": "x" * 2001})
    assert long.status_code == 400
    assert "The reason for declining must be 2,000 characters or fewer (you entered 2,001)" in (
        long.get_data(as_text=True)
    )
    done = officer.post(path, data={"csrf_token": csrf_token(officer, path), "reason": REASON})
    assert done.status_code == 302
    again = officer.post(path, data={"csrf_token": csrf_token(officer, path), "reason": "Again"})
    assert again.status_code == 400
    assert "This request was answered by declining" in again.get_data(as_text=True)

    demo_session.expire_all()
    assert REASON.encode() not in (demo_session.get(MoreRequest, request.id).decline_reason or b"")
    told = demo_session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.MORE_ANSWERED, Notice.reference == case.reference
        )
    ).all()
    assert [(n.user_id, n.path) for n in told] == [
        (request.asked_by_id, f"/cases/{case.id}?purpose={PURPOSE}#more-{request.id}")
    ]
    assert not demo_session.scalar(  # the case's agency is no longer asked to answer
        select(Notice.id).where(Notice.path == f"/more/{request.id}", Notice.sent_at.is_(None))
    )
    page = police.get(f"/cases/{case.id}?purpose={PURPOSE}").get_data(as_text=True)
    assert f"Why: {REASON}" in page
    assert f'href="/more/{request.id}"' not in page  # the police do not answer it
    viewed = demo_session.scalar(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "case.view", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq.desc())
    )
    assert f"requests for more {request.id}" in viewed
    assert f'href="/more/{request.id}"' not in officer.get("/").get_data(as_text=True)
    bases = demo_session.scalars(
        select(AuditEntry.basis).where(AuditEntry.action.like("share.more%"))
    ).all()
    assert f"request {request.id}; declined" in bases
    assert not [b for b in bases if REASON in (b or "") or WHY in (b or "")]


def test_a_share_made_from_the_request_answers_it(demo_hub: Flask, demo_session: Session) -> None:
    """The police read the case through a conference's share only, then the case's
    officer shares it with them for ASB case management from the request."""
    share = _police_share(demo_session)
    case = share.case
    officer_user = demo_session.get(User, case.officer_id)
    share_ending.revoke_share(demo_session, Actor.of(officer_user), share.id)
    conference = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    shares.share_case(
        demo_session,
        authorise(demo_session, Actor.of(officer_user), case.id, Act.CONVENE),
        agency_id=share.agency_id,
        protocol_id=conference.id,
        purpose="case_conference",
        until=clock.today() + timedelta(days=28),
        origin=ShareOrigin.CONFERENCE,
    )
    demo_session.commit()
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
    path = f"/cases/{case.id}/more?purpose=case_conference"
    asked = police.post(path, data={"csrf_token": csrf_token(police, path), **_form()})
    assert asked.status_code == 302
    request = demo_session.scalar(select(MoreRequest).where(MoreRequest.case_id == case.id))

    officer = demo_client(demo_hub, officer_user)
    form_path = f"/cases/{case.id}/shares/new?agency={share.agency_id}&request={request.id}"
    form = officer.get(form_path).get_data(as_text=True)
    assert "answers its request" in form
    case_management = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.id == share.protocol_id)
    )
    until = clock.today() + timedelta(days=30)
    made = officer.post(
        form_path,
        data={
            "csrf_token": csrf_token(officer, form_path),
            "agency": str(share.agency_id),
            "protocol_purpose": f"{case_management.id}:{PURPOSE}",
            "until-day": str(until.day),
            "until-month": str(until.month),
            "until-year": str(until.year),
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)

    demo_session.expire_all()
    answered = demo_session.get(MoreRequest, request.id)
    assert answered.answered_by_id == officer_user.id
    assert answered.share_made_id is not None
    assert demo_session.scalar(
        select(Notice.id).where(
            Notice.kind == NoticeKind.MORE_ANSWERED, Notice.user_id == request.asked_by_id
        )
    )
    page = police.get(f"/cases/{case.id}?purpose=case_conference").get_data(as_text=True)
    assert "shared more." in page
    done = officer.get(f"/more/{request.id}").get_data(as_text=True)
    assert "This request was answered by sharing more" in done


def test_a_request_whose_share_ran_out_can_only_be_declined_until_the_daily_run_ends_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    """A share revoked ends its requests at once (``test_more_requests_ending``); one run
    out waits for the daily run, its page reached from an earlier e-mail meanwhile."""
    share, request, _ = _asked(demo_hub, demo_session)
    officer_user = demo_session.get(User, share.case.officer_id)
    share.until = clock.today() - timedelta(days=1)
    demo_session.commit()
    page = demo_client(demo_hub, officer_user).get(f"/more/{request.id}").get_data(as_text=True)
    assert 'id="share-ended"' in page
    assert "can no longer be answered by sharing" in page
    assert 'name="reason"' in page


def test_only_a_partner_holding_a_live_share_asks_and_only_the_cases_agency_answers(
    demo_hub: Flask, demo_session: Session
) -> None:
    share, request, police = _asked(demo_hub, demo_session, "larkmoor-ha")
    case = demo_session.get(Case, share.case_id)
    # The police cannot answer their own request, nor open its page.
    assert police.get(f"/more/{request.id}").status_code in (403, 404)
    # Another landlord has no share of the case: nothing to ask, nothing to answer.
    other = next(
        code
        for code in ("larkmoor-ha", "northshire-homes", "wealdbrook-ht")
        if code != case.agency.code
    )
    stranger = demo_client(demo_hub, demo_user(demo_session, other, Role.MANAGER))
    assert stranger.get(f"/cases/{case.id}/more?purpose={PURPOSE}").status_code in (403, 404)
    assert stranger.get(f"/more/{request.id}").status_code in (403, 404)
    # The case's own agency does not ask itself.
    owner = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    assert owner.get(f"/cases/{case.id}/more").status_code == 404
    # Its data protection officer reads no case, so answers none.
    dpo = demo_client(demo_hub, demo_user(demo_session, case.agency.code, Role.DPO))
    assert dpo.get(f"/more/{request.id}").status_code == 403
    assert (
        demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
        .get("/more/999999")
        .status_code
        == 404
    )


def test_the_demo_has_a_request_waiting_for_a_larkmoor_officer_and_one_declined(
    demo_hub: Flask, demo_session: Session
) -> None:
    sergeant = demo_user(demo_session, POLICE, Role.MANAGER)
    demo = demo_session.scalars(
        select(MoreRequest).where(MoreRequest.asked_by_id == sergeant.id).order_by(MoreRequest.id)
    ).all()[:2]
    declined, waiting = demo
    assert declined.answered_at is not None
    assert declined.share_made_id is None
    assert waiting.answered_at is None
    assert {r.case.agency.code for r in demo} == {"larkmoor-ha"}
    officer = demo_client(demo_hub, waiting.case.officer)
    assert f'href="/more/{waiting.id}"' in officer.get("/").get_data(as_text=True)
    police = demo_client(demo_hub, sergeant)
    page = police.get(f"/cases/{declined.case_id}?purpose={PURPOSE}").get_data(as_text=True)
    assert "Why: The protocol does not give the police vulnerability" in page
    assert not demo_session.scalar(
        select(Notice.id).where(
            Notice.kind.in_([NoticeKind.MORE_ASKED, NoticeKind.MORE_ANSWERED]),
            Notice.sent_at.is_(None),
            Notice.path.in_([f"/more/{r.id}" for r in demo]),
        )
    )


def test_asking_and_declining_read_the_same_on_postgresql(hub_on_postgres: Flask) -> None:
    """The request's queries (the home page's waiting requests, the case page's, holding
    the request to answer it) run on PostgreSQL as on SQLite."""
    with hub_on_postgres.extensions["hub.sessions"]() as session:
        share = _police_share(session)
        police = demo_client(hub_on_postgres, demo_user(session, POLICE, Role.MANAGER))
        officer = demo_client(hub_on_postgres, session.get(User, share.case.officer_id))
        case_id = share.case_id
    assert _ask(police, case_id).status_code == 302
    with hub_on_postgres.extensions["hub.sessions"]() as session:
        request = session.scalar(select(MoreRequest).where(MoreRequest.case_id == case_id))
    assert f'href="/more/{request.id}"' in officer.get("/").get_data(as_text=True)
    path = f"/more/{request.id}"
    done = officer.post(path, data={"csrf_token": csrf_token(officer, path), "reason": REASON})
    assert done.status_code == 302
    assert f'href="/more/{request.id}"' not in officer.get("/").get_data(as_text=True)
    page = police.get(f"/cases/{case_id}?purpose={PURPOSE}").get_data(as_text=True)
    assert f"Why: {REASON}" in page
