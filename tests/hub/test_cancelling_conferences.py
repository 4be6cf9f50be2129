"""Cancelling a case conference as its users do (demo partnership): the convening officer
(or the chair) asks on a page of its own, with a reason, and the conference is cancelled:
off its sitting's agenda, its waiting notices dropped, its invitations' shares ended, its
chair and the people expected told by an e-mail naming the case reference and its day
alone; one audit entry naming the reason and the shares, never the note. Bad input is
refused at its field; an invited agency, another agency and a conference held may not.
Closing a case cancels its planned conferences, and the close form says so first;
erasing a closed case cancels any left the same way."""

from __future__ import annotations

import html
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.erasure import erase_case
from sharing.meetings import bringing_cases, series
from sharing.models import AuditEntry, Case, Conference, MeetingSeries, Notice, User
from sharing.vocabulary import (
    CaseStatus,
    ConferenceCancelReason,
    ConferenceStatus,
    MinutesStatus,
    NoticeKind,
    Role,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.demo_mail import BASE_URL, mail_hub  # noqa: F401 - a fixture
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_conferences import _chaired_by_the_police, _form, _open_case
from tests.hub.test_notices import _personal_values

NOTE = "Mrs Okonkwo moved to her sister's in Leeds last week"


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _convene(
    app: Flask, session: Session, case: Case | None = None, **overrides: object
) -> tuple[FlaskClient, Conference]:
    """A conference convened on ``case`` (else an open Larkmoor case) by its officer, a
    police case officer expected: the officer's client and the conference."""
    case = case or _open_case(session)
    officer = demo_client(app, session.get(User, case.officer_id))
    pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    data = _form(officer, session, case, attendees=[str(pcso.id)], **overrides)
    response = officer.post(f"/cases/{case.id}/conferences/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()
    session.expire_all()
    return officer, session.scalar(select(Conference).order_by(Conference.id.desc()))


def _path(conference: Conference) -> str:
    return f"/conferences/{conference.id}/cancel"


def _cancel(client: FlaskClient, conference: Conference, **given: str):
    """Send the cancel form as its page gives it (its stamp), with ``given``."""
    path = _path(conference)
    page = client.get(path).get_data(as_text=True)
    stamp = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": csrf_token(client, path), "opened": stamp, **given}
    return client.post(path, data=data)


def _reloaded(session: Session, conference: Conference) -> Conference:
    session.expire_all()
    return session.get(Conference, conference.id)


def test_the_convenor_cancels_a_conference_and_the_chair_and_people_expected_are_told(
    mail_hub,  # noqa: F811
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        officer, conference = _convene(mail_hub, session)
        pcso = conference.attendees[0].user
        chair, convenor = conference.chair, session.get(User, conference.convened_by_id)
        reference, day = conference.case.reference, uk_date(conference.starts_at)
        page_path = f"/conferences/{conference.id}"
        assert "Cancel this conference" in officer.get(page_path).get_data(as_text=True)
        asked = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
        assert "Are you sure you want to cancel this conference?" in asked
        assert "Yes, cancel the conference" in asked
        assert "Someone it is about has moved away" in asked
        assert "The case was closed" not in asked  # said by closing, not chosen
        before = len(inbox.messages)

        response = _cancel(officer, conference, reason="moved_away", note=NOTE)

        assert response.status_code == 302, response.get_data(as_text=True)
        response.close()
        shown = html.unescape(officer.get(response.location).get_data(as_text=True))
        assert "Conference cancelled" in shown
        assert "This conference was cancelled" in shown
        assert "someone it is about has moved away" in shown
        assert NOTE in shown  # to the convening agency
        assert "Cancel this conference" not in shown
        listed = html.unescape(officer.get("/conferences").get_data(as_text=True))
        assert "Cancelled: someone it is about has moved away" in listed

        cancelled = _reloaded(session, conference)
        assert cancelled.status is ConferenceStatus.CANCELLED
        assert cancelled.cancelled_by_id == convenor.id
        assert cancelled.cancelled_at is not None
        assert cancelled.cancel_reason is ConferenceCancelReason.MOVED_AWAY
        assert cancelled.cancel_note == NOTE
        shares = sorted(i.share_id for i in cancelled.invitations)
        assert all(i.share.revoked_at is not None for i in cancelled.invitations)
        police = demo_client(mail_hub, pcso)
        assert police.get(page_path).status_code == 404  # their share ended with it

        # The chair and the person expected are told; not the one who cancelled.
        received = inbox.wait_for(before + 2)[before:]
        told = {m["To"]: m for m in received}
        assert set(told) == {pcso.email, chair.email}
        for message in received:
            assert message["Subject"] == f"A case conference is cancelled: case {reference}"
            text = message.get_content()
            assert f"The case conference on case {reference} of {day} is cancelled" in text
            for value in [*_personal_values(cancelled), NOTE]:
                assert value not in message.as_string()
        links = {to: m.get_content().splitlines() for to, m in told.items()}
        assert f"{BASE_URL}/conferences#cancelled-{conference.id}" in links[pcso.email]
        assert f"{BASE_URL}/conferences/{conference.id}" in links[chair.email]

        # One entry: the conference, its reason and the shares ended; never the note.
        entry = _entries(session, "conference.cancel")[-1]
        assert (entry.object_type, entry.object_id) == ("conference", str(conference.id))
        assert entry.basis == (
            f"case {conference.case_id}; reason moved_away; shares "
            f"{','.join(map(str, shares))} ended"
        )
        assert "Leeds" not in entry.basis

        # Cancelling again is refused, recorded.
        again = officer.post(
            _path(conference),
            data={"csrf_token": csrf_token(officer, "/"), "reason": "other", "note": "again"},
        )
        assert again.status_code == 400
        assert "The conference is cancelled, so it can no longer be cancelled" in (
            again.get_data(as_text=True)
        )
        refused = _entries(session, "conference.cancel")[-1]
        assert (refused.outcome, refused.basis) == (
            "refused",
            "refused: the conference is cancelled",
        )


def _group(session: Session) -> MeetingSeries:
    session.expire_all()
    return session.scalar(
        select(MeetingSeries).where(MeetingSeries.name == "Northshire ASB problem-solving group")
    )


def _on_a_sitting(session: Session) -> Conference:
    """A Northshire Homes case brought by its officer to a new sitting of the group."""
    group = _group(session)
    taken = {s.starts_at for s in group.sittings}
    when = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=4)
    while when in taken:
        when += timedelta(hours=5)
    sitting = series.schedule(session, Actor.of(group.chair), group.id, when)
    session.commit()
    case = session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="northshire-homes"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.id.not_in(select(Conference.case_id)),
        )
        .order_by(Case.id)
    )
    officer = Actor.of(session.get(User, case.officer_id))
    conference = bringing_cases.bring_case(
        session,
        authorise(session, officer, case.id, Act.CONVENE),
        sitting.id,
        "Agree who leads on the household",
        share_days=28,
    )
    session.commit()
    return conference


def test_a_conference_cancelled_leaves_its_sittings_agenda_and_its_waiting_notices_are_dropped(
    demo_hub, demo_session
) -> None:
    conference = _on_a_sitting(demo_session)
    sitting = conference.sitting
    page = f"/conferences/{conference.id}"
    waiting = demo_session.scalars(
        select(Notice.id).where(
            (Notice.path == page) | Notice.path.startswith(f"{page}/"), Notice.sent_at.is_(None)
        )
    ).all()
    assert waiting
    officer = demo_client(demo_hub, demo_session.get(User, conference.case.officer_id))
    asked = officer.get(_path(conference)).get_data(as_text=True)
    assert f"It is taken off the agenda of {sitting.series.name}" in html.unescape(asked)

    response = _cancel(officer, conference, reason="convening_again")

    assert response.status_code == 302, response.get_data(as_text=True)
    cancelled = _reloaded(demo_session, conference)
    assert cancelled.status is ConferenceStatus.CANCELLED
    assert cancelled.sitting_id is None
    assert conference.id not in {
        c.id for c in demo_session.get(type(sitting), sitting.id).conferences
    }
    # Its invitation and requests not yet sent are not sent (SQLite gives their ids to
    # the notices of the cancellation); the cancellation is.
    left = demo_session.scalars(select(Notice).where(Notice.id.in_(waiting))).all()
    assert {n.kind for n in left} <= {NoticeKind.CONFERENCE_CANCELLED}
    told = demo_session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.CONFERENCE_CANCELLED)
    ).all()
    assert cancelled.chair_id in {n.user_id for n in told}
    entry = _entries(demo_session, "conference.cancel")[-1]
    assert f"reason convening_again; taken off sitting {sitting.id}; shares" in entry.basis


def test_a_cancellation_needs_a_reason_and_a_note_for_another_reason(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    before = len(_entries(demo_session, "conference.cancel"))
    for given, message in (
        ({"reason": ""}, "Select why the conference is cancelled"),
        ({"reason": "case_closed"}, "Select why the conference is cancelled"),
        ({"reason": "other", "note": "  "}, "Say why the conference is cancelled"),
        ({"reason": "moved_away", "note": "x" * 501}, "500 characters or fewer"),
    ):
        response = _cancel(officer, conference, **given)
        assert response.status_code == 400
        assert message in html.unescape(response.get_data(as_text=True)), message
    assert _reloaded(demo_session, conference).status is ConferenceStatus.PLANNED
    refusals = _entries(demo_session, "conference.cancel")[before:]
    assert [(e.outcome, e.basis) for e in refusals] == [
        ("refused", "refused input: reason"),
        ("refused", "refused input: reason"),
        ("refused", "refused input: note"),
        ("refused", "refused input: note"),
    ]


def test_only_the_convening_agency_and_the_chair_may_cancel_a_conference(
    demo_hub, demo_session
) -> None:
    officer, chair, path, conference = _chaired_by_the_police(demo_hub, demo_session)
    before = len(_entries(demo_session, "conference.cancel"))
    invited = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert "Cancel this conference" not in invited.get(path).get_data(as_text=True)
    assert invited.get(_path(conference)).status_code == 403
    sent = {"csrf_token": csrf_token(invited, "/"), "reason": "moved_away"}
    assert invited.post(_path(conference), data=sent).status_code == 403
    other = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    assert other.get(_path(conference)).status_code == 404
    sent = {"csrf_token": csrf_token(other, "/"), "reason": "moved_away"}
    assert other.post(_path(conference), data=sent).status_code == 404
    assert _reloaded(demo_session, conference).status is ConferenceStatus.PLANNED
    refused = _entries(demo_session, "conference.cancel")[before:]
    assert [e.outcome for e in refused] == ["refused"] * 4

    # The chair, of another agency, may.
    chairing = demo_client(demo_hub, chair)
    assert "Cancel this conference" in chairing.get(path).get_data(as_text=True)
    response = _cancel(chairing, conference, reason="no_longer_needed")
    assert response.status_code == 302, response.get_data(as_text=True)
    cancelled = _reloaded(demo_session, conference)
    assert cancelled.status is ConferenceStatus.CANCELLED
    assert cancelled.cancelled_by_id == chair.id
    # The invited agency no longer sees the note, nor the conference.
    assert invited.get(path).status_code == 404


def test_a_conference_held_can_no_longer_be_cancelled(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    held = _reloaded(demo_session, conference)
    held.status, held.minutes_status = ConferenceStatus.HELD, MinutesStatus.DRAFT
    demo_session.commit()
    page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Cancel this conference" not in page
    shown = officer.get(_path(conference)).get_data(as_text=True)
    assert "Minutes are recorded for the conference, so it has been held" in shown
    assert "Yes, cancel the conference" not in shown
    sent = {"csrf_token": csrf_token(officer, "/"), "reason": "moved_away"}
    response = officer.post(_path(conference), data=sent)
    assert response.status_code == 400
    assert _reloaded(demo_session, conference).status is ConferenceStatus.HELD
    refused = _entries(demo_session, "conference.cancel")[-1]
    assert (refused.outcome, refused.basis) == (
        "refused",
        "refused: minutes are recorded for the conference, so it has been held",
    )


def test_a_form_opened_before_the_conference_moved_is_refused_saying_so(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    page = officer.get(_path(conference)).get_data(as_text=True)
    stale = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    moved = _reloaded(demo_session, conference)
    moved.starts_at += timedelta(days=1)
    demo_session.commit()
    response = officer.post(
        _path(conference),
        data={"csrf_token": csrf_token(officer, "/"), "opened": stale, "reason": "moved_away"},
    )
    assert response.status_code == 400
    assert "Someone changed this after you opened it" in html.unescape(
        response.get_data(as_text=True)
    )
    assert _reloaded(demo_session, conference).status is ConferenceStatus.PLANNED


def _close(client: FlaskClient, case: Case):
    path = f"/cases/{case.id}/close"
    page = client.get(path).get_data(as_text=True)
    stamp = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    data = {
        "csrf_token": csrf_token(client, path),
        "reason": "no_contact",
        "outcome": "not_resolved",
        "opened": stamp,
    }
    return client.post(path, data=data)


def test_closing_a_case_cancels_its_planned_conferences_and_the_form_says_so_first(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    case = conference.case
    form = html.unescape(officer.get(f"/cases/{case.id}/close").get_data(as_text=True))
    assert "Closing the case cancels this conference with it" in form
    assert f"/conferences/{conference.id}" in form

    response = _close(officer, case)

    assert response.status_code == 302, response.get_data(as_text=True)
    cancelled = _reloaded(demo_session, conference)
    assert cancelled.case.status is CaseStatus.CLOSED
    assert cancelled.status is ConferenceStatus.CANCELLED
    assert cancelled.cancel_reason is ConferenceCancelReason.CASE_CLOSED
    assert all(i.share.revoked_at is not None for i in cancelled.invitations)
    told = demo_session.scalars(
        select(Notice.user_id).where(
            Notice.kind == NoticeKind.CONFERENCE_CANCELLED,
            Notice.reference == case.reference,
        )
    ).all()
    assert set(told) == {cancelled.chair_id, cancelled.attendees[0].user_id}
    closed = _entries(demo_session, "case.close")[-1]
    assert closed.basis.endswith(f"; conferences {conference.id} cancelled")
    entry = _entries(demo_session, "conference.cancel")[-1]
    assert entry.object_id == str(conference.id)
    assert "reason case_closed" in entry.basis
    page = html.unescape(officer.get(f"/conferences/{conference.id}").get_data(as_text=True))
    assert "This conference was cancelled" in page
    assert "the case was closed" in page


def test_erasing_a_closed_case_cancels_a_conference_left_planned_as_cancelling_does(
    demo_hub, demo_session
) -> None:
    _, conference = _convene(demo_hub, demo_session)
    case = _reloaded(demo_session, conference).case
    # Closed before closing cancelled its conferences: one is left planned.
    case.status = CaseStatus.CLOSED
    case.closed_at = clock.now()
    demo_session.commit()
    manager = Actor.of(demo_user(demo_session, "larkmoor-ha", Role.MANAGER))

    erase_case(demo_session, authorise(demo_session, manager, case.id, Act.ERASE))
    demo_session.commit()

    cancelled = _reloaded(demo_session, conference)
    assert cancelled.status is ConferenceStatus.CANCELLED
    assert cancelled.cancel_reason is ConferenceCancelReason.CASE_ERASED
    assert cancelled.cancelled_by_id == manager.user_id
    assert all(i.share.revoked_at is not None for i in cancelled.invitations)
    entry = _entries(demo_session, "conference.cancel")[-1]
    assert entry.basis.startswith(f"case {case.id}; reason case_erased; shares ")
    # Nothing about an erased case is sent.
    assert not demo_session.scalars(
        select(Notice).where(Notice.reference == case.reference, Notice.sent_at.is_(None))
    ).all()
