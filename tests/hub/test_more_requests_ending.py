"""A partner's request for more of a case ends by itself when nothing can answer it any
more (demo partnership): the police ask for more of a landlord's case, and before anyone
answers the case is closed, locked, or the police's share ends (revoked, or run out). The
request leaves the landlord's home page, its page and the case page say it ended and why,
the police's home page says so too, and they are told once by e-mail: naming the case for
a case closed or a share ended, nothing of it for a case locked. A request answered
already is left as it was."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.notice_messages import compose
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import locks, more_ending, share_ending, shares
from sharing.cases.erasure import erase_case
from sharing.models import AuditEntry, Case, MoreRequest, Notice, ProtocolRecord, Share, User
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import (
    LockReason,
    MoreRequestEnd,
    NoticeKind,
    ProtocolStatus,
    Role,
    ShareOrigin,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_client, demo_user, share_not_asked_for_more

POLICE = "northshire-police"
PURPOSE = "asb_case_management"
ENDING = (NoticeKind.MORE_CLOSED, NoticeKind.MORE_SHARE_ENDED, NoticeKind.MORE_RESTRICTED)


def _asked(demo_hub: Flask, session: Session) -> tuple[Share, MoreRequest, FlaskClient]:
    """The police sergeant asks for more of a landlord's case shared with the police."""
    share = share_not_asked_for_more(session, POLICE)
    police = demo_client(demo_hub, demo_user(session, POLICE, Role.MANAGER))
    path = f"/cases/{share.case_id}/more?purpose={PURPOSE}"
    due = england_and_wales().add(clock.today(), 2)
    asked = police.post(
        path,
        data={
            "csrf_token": csrf_token(police, path),
            "categories": "vulnerability",
            "why": "The victim has stopped answering the door",
            "due_on-day": str(due.day),
            "due_on-month": str(due.month),
            "due_on-year": str(due.year),
        },
    )
    assert asked.status_code == 302
    session.expire_all()
    request = session.scalar(select(MoreRequest).where(MoreRequest.case_id == share.case_id))
    return share, request, police


def _told(session: Session, request: MoreRequest) -> list[Notice]:
    """The notices telling the asking agency the request ended."""
    return list(
        session.scalars(
            select(Notice).where(
                Notice.kind.in_(ENDING), Notice.path == f"/#more-asked-{request.id}"
            )
        )
    )


def _ended_entries(session: Session, request: MoreRequest) -> list[str | None]:
    return list(
        session.scalars(
            select(AuditEntry.basis).where(
                AuditEntry.action == "share.more_ended",
                AuditEntry.basis.like(f"request {request.id};%"),
            )
        )
    )


def _home_line(page: str, request: MoreRequest) -> str:
    start = page.index(f'id="more-asked-{request.id}"')
    return page[start : page.index("</li>", start)]


def test_a_request_ends_as_its_case_is_closed_and_the_asker_is_told_once(
    demo_hub: Flask, demo_session: Session
) -> None:
    share, request, police = _asked(demo_hub, demo_session)
    case = share.case
    officer_user = demo_session.get(User, case.officer_id)
    officer = demo_client(demo_hub, officer_user)
    assert f'href="/more/{request.id}"' in officer.get("/").get_data(as_text=True)
    # The close form says closing ends it.
    form = officer.get(f"/cases/{case.id}/close").get_data(as_text=True)
    assert "Closing the case ends this request for more of it unanswered" in form
    assert f'href="/more/{request.id}">{share.agency.name}</a>' in form

    close_for_erasure(demo_session, Actor.of(officer_user), case.id)
    demo_session.commit()
    demo_session.expire_all()

    ended = demo_session.get(MoreRequest, request.id)
    assert ended.ended_because is MoreRequestEnd.CASE_CLOSED
    assert ended.ended_at == demo_session.get(Case, case.id).closed_at
    assert ended.answered_at is None
    # It leaves the landlord's home page, and its notice there still waiting is dropped.
    assert f'href="/more/{request.id}"' not in officer.get("/").get_data(as_text=True)
    assert not demo_session.scalar(
        select(Notice.id).where(Notice.path == f"/more/{request.id}", Notice.sent_at.is_(None))
    )
    # Its page says why it needs no answer, and a decline is refused saying so.
    page = officer.get(f"/more/{request.id}").get_data(as_text=True)
    assert 'id="ended"' in page
    assert "the case was closed before the request was answered, so it needs no answer" in page
    assert 'name="reason"' not in page
    path = f"/more/{request.id}"
    late = officer.post(path, data={"csrf_token": csrf_token(officer, path), "reason": "No"})
    assert late.status_code == 400
    assert "This request ended unanswered on" in late.get_data(as_text=True)
    assert "Ended unanswered on" in officer.get(f"/cases/{case.id}").get_data(as_text=True)
    # The police are told once, naming the case, and their home page says so; the closing
    # ended their share, so the case is no longer linked.
    told = _told(demo_session, request)
    assert [(n.kind, n.user_id, n.reference) for n in told] == [
        (NoticeKind.MORE_CLOSED, request.asked_by_id, case.reference)
    ]
    line = _home_line(police.get("/").get_data(as_text=True), request)
    assert case.reference in line
    assert "ended unanswered on" in line
    assert "the case was closed before your request was answered" in line
    assert "href=" not in line
    assert _ended_entries(demo_session, request) == [
        f"request {request.id}; share {share.id}; ended: case_closed"
    ]
    # Nothing ends it again, nor tells anyone twice.
    assert more_ending.end_stale(demo_session) == 0
    demo_session.commit()
    assert len(_told(demo_session, request)) == 1
    assert len(_ended_entries(demo_session, request)) == 1


def test_a_request_answered_before_its_case_closes_is_left_as_it_was(
    demo_hub: Flask, demo_session: Session
) -> None:
    share, request, police = _asked(demo_hub, demo_session)
    officer_user = demo_session.get(User, share.case.officer_id)
    officer = demo_client(demo_hub, officer_user)
    path = f"/more/{request.id}"
    declined = officer.post(
        path, data={"csrf_token": csrf_token(officer, path), "reason": "A conference will"}
    )
    assert declined.status_code == 302

    close_for_erasure(demo_session, Actor.of(officer_user), share.case_id)
    demo_session.commit()
    demo_session.expire_all()

    answered = demo_session.get(MoreRequest, request.id)
    assert answered.ended_at is None
    assert answered.ended_because is None
    assert _told(demo_session, request) == []
    assert _ended_entries(demo_session, request) == []
    assert "This request was answered by declining" in officer.get(path).get_data(as_text=True)


def test_a_request_ends_as_its_case_is_locked_telling_the_asker_nothing_of_the_case(
    demo_hub: Flask, demo_session: Session
) -> None:
    share, request, police = _asked(demo_hub, demo_session)
    case = share.case
    officer = Actor.of(demo_session.get(User, case.officer_id))
    lock = locks.request_lock(
        demo_session,
        authorise(demo_session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "Staff member",
    )
    manager = demo_actor(demo_session, case.agency.code, Role.MANAGER)
    locks.decide_lock(demo_session, manager, lock.id, approve=True)
    demo_session.commit()
    demo_session.expire_all()

    assert demo_session.get(MoreRequest, request.id).ended_because is MoreRequestEnd.CASE_LOCKED
    told = _told(demo_session, request)
    assert [(n.kind, n.user_id, n.reference) for n in told] == [
        (NoticeKind.MORE_RESTRICTED, request.asked_by_id, None)
    ]
    message = compose(told[0], demo_hub.config["HUB_SETTINGS"].mail, "Partnership hub")
    assert case.reference not in str(message)
    assert str(case.id) not in message["Subject"]
    # For the police the case no longer exists: their home page says nothing of it.
    home = police.get("/").get_data(as_text=True)
    assert f'id="more-asked-{request.id}"' not in home
    assert case.reference not in home
    assert police.get(f"/cases/{case.id}?purpose={PURPOSE}").status_code == 404
    # The lock's members read why it ended.
    page = demo_client(demo_hub, demo_session.get(User, case.officer_id)).get(f"/more/{request.id}")
    assert "the case was locked before the request was answered" in page.get_data(as_text=True)
    assert _ended_entries(demo_session, request) == [
        f"request {request.id}; share {share.id}; ended: case_locked"
    ]


def test_a_request_ends_as_the_share_it_was_asked_through_is_revoked(
    demo_hub: Flask, demo_session: Session
) -> None:
    share, request, police = _asked(demo_hub, demo_session)
    officer_user = demo_session.get(User, share.case.officer_id)
    share_ending.revoke_share(demo_session, Actor.of(officer_user), share.id)
    demo_session.commit()
    demo_session.expire_all()

    assert demo_session.get(MoreRequest, request.id).ended_because is MoreRequestEnd.SHARE_ENDED
    told = _told(demo_session, request)
    assert [(n.kind, n.reference) for n in told] == [
        (NoticeKind.MORE_SHARE_ENDED, share.case.reference)
    ]
    line = _home_line(police.get("/").get_data(as_text=True), request)
    assert "the share your agency asked through has ended" in line
    officer = demo_client(demo_hub, officer_user)
    assert f'href="/more/{request.id}"' not in officer.get("/").get_data(as_text=True)
    page = officer.get(f"/more/{request.id}").get_data(as_text=True)
    assert "the share the request was asked through has ended, so it needs no answer" in page


def test_a_request_whose_share_ran_out_leaves_the_home_page_and_ends_in_the_daily_run(
    demo_hub: Flask, demo_session: Session
) -> None:
    share, request, _ = _asked(demo_hub, demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, share.case.officer_id))
    share.until = clock.today() - timedelta(days=1)  # as if its last day were yesterday
    demo_session.commit()
    # Before the daily run ends it, no longer on the home page as a request to answer.
    assert f'href="/more/{request.id}"' not in officer.get("/").get_data(as_text=True)

    assert more_ending.end_stale(demo_session) == 1  # what ``hub notices due`` runs daily
    demo_session.commit()
    assert more_ending.end_stale(demo_session) == 0
    demo_session.commit()
    demo_session.expire_all()
    assert demo_session.get(MoreRequest, request.id).ended_because is MoreRequestEnd.SHARE_ENDED
    assert len(_told(demo_session, request)) == 1
    assert _ended_entries(demo_session, request) == [
        f"request {request.id}; share {share.id}; ended: share_ended"
    ]


def test_ending_requests_reads_the_same_on_postgresql(hub_on_postgres: Flask) -> None:
    """Closing a case ends its request under the request's row lock, and the daily run's
    query (a share run out, or a case closed, locked or erased) finds the rest, on
    PostgreSQL as on SQLite."""
    sessions = hub_on_postgres.extensions["hub.sessions"]
    with sessions() as session:
        closed_share, closed, _ = _asked(hub_on_postgres, session)
        close_for_erasure(
            session, Actor.of(session.get(User, closed_share.case.officer_id)), closed_share.case_id
        )
        session.commit()
        run_out, stale, _ = _asked(hub_on_postgres, session)
        run_out.until = clock.today() - timedelta(days=1)
        session.commit()
        assert more_ending.end_stale(session) == 1
        session.commit()
        session.expire_all()
        assert session.get(MoreRequest, closed.id).ended_because is MoreRequestEnd.CASE_CLOSED
        assert session.get(MoreRequest, stale.id).ended_because is MoreRequestEnd.SHARE_ENDED
        assert len(_told(session, closed)) == len(_told(session, stale)) == 1


def test_a_closed_case_is_not_asked_for_more(demo_hub: Flask, demo_session: Session) -> None:
    """The police still read a closed case through a case conference's share (its
    protocol keeps it after closing), but a closed case is shared no further: the case
    page offers no request, and the form says why, writing nothing."""
    share = share_not_asked_for_more(demo_session, POLICE)
    case = share.case
    officer = Actor.of(demo_session.get(User, case.officer_id))
    protocol = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    shares.share_case(
        demo_session,
        authorise(demo_session, officer, case.id, Act.CONVENE),
        agency_id=share.agency_id,
        protocol_id=protocol.id,
        purpose="case_conference",
        until=clock.today() + timedelta(days=28),
        origin=ShareOrigin.CONFERENCE,
    )
    close_for_erasure(demo_session, officer, case.id)
    demo_session.commit()
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
    page = police.get(f"/cases/{case.id}?purpose=case_conference")
    assert page.status_code == 200
    assert f"/cases/{case.id}/more" not in page.get_data(as_text=True)
    path = f"/cases/{case.id}/more?purpose=case_conference"
    form = police.get(path).get_data(as_text=True)
    assert "This case is closed: its agency no longer shares more of it" in form
    sent = police.post(path, data={"csrf_token": csrf_token(police, path), "why": "More"})
    assert "This case is closed" in sent.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.scalar(select(MoreRequest).where(MoreRequest.case_id == case.id)) is None


def test_a_request_left_waiting_on_a_closed_case_ends_as_it_is_erased_telling_no_one(
    demo_hub: Flask, demo_session: Session
) -> None:
    """One left waiting on a case closed before requests ended with their case (as the
    hub's older closings left them): erasing the case ends it, and nothing about an erased
    case is sent."""
    share, request, _ = _asked(demo_hub, demo_session)
    case = share.case
    manager = demo_actor(demo_session, case.agency.code, Role.MANAGER)
    close_for_erasure(demo_session, manager, case.id)
    demo_session.execute(
        update(MoreRequest)
        .where(MoreRequest.id == request.id)
        .values(ended_at=None, ended_because=None)
    )
    demo_session.execute(delete(Notice).where(Notice.path == f"/#more-asked-{request.id}"))
    demo_session.commit()

    erase_case(demo_session, authorise(demo_session, manager, case.id, Act.ERASE))
    demo_session.commit()
    demo_session.expire_all()

    assert demo_session.get(MoreRequest, request.id).ended_because is MoreRequestEnd.CASE_ERASED
    assert _told(demo_session, request) == []
    assert f"request {request.id}; share {share.id}; ended: case_erased" in _ended_entries(
        demo_session, request
    )
