"""Case conferences that end in the ways their users meet (demo partnership): one still
planned once its date has passed says so ("Date passed") on its page, in the conferences
list and on its convenor's home page, to those who may record it held or cancel it, and
may be cancelled because it did not take place; one cancelled with its partnership
meeting's sitting, or taken off the sitting's agenda, says why on its page, in the list
and in its audit entry. Convening refused for an invitation's share is recorded once."""

from __future__ import annotations

import html
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.meetings import sittings
from sharing.models import Conference, Notice, User
from sharing.vocabulary import (
    CaseStatus,
    ConferenceCancelReason,
    ConferenceStatus,
    MinutesStatus,
    NoticeKind,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client
from tests.hub.test_cancelling_conferences import (
    _cancel,
    _close,
    _convene,
    _entries,
    _path,
    _reloaded,
)
from tests.hub.test_moving_sittings import _chair, _sitting_with_a_case
from tests.hub.test_moving_sittings import _form as _sitting_form
from tests.hub.test_moving_sittings import _path as _sitting_path

PASSED = "record it held or cancel it"


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def _passed(app: Flask, session: Session) -> tuple[FlaskClient, Conference]:
    """A conference convened, whose time then passed (yesterday) with nobody recording it
    held or cancelling it: the convening officer's client and the conference."""
    officer, conference = _convene(app, session)
    passed = _reloaded(session, conference)
    passed.starts_at = clock.now() - timedelta(days=1)
    session.commit()
    return officer, passed


def _row(page: str, path: str) -> str:
    """The table row of a conferences list that links to ``path`` (it is there)."""
    start = page.index(f'href="{path}"')
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def _listed_as_passed(client: FlaskClient, conference: Conference) -> bool:
    """Whether the home page lists the conference among the user's conferences whose date
    has passed (where an earlier test's conference may stay)."""
    home = _text(client, "/")
    passed = home.partition("Your conferences whose date has passed")[2].partition("</ul>")[0]
    return f'href="/conferences/{conference.id}"' in passed


def test_a_conference_whose_date_passed_says_so_to_those_who_may_record_it_held_or_cancel_it(
    demo_hub, demo_session
) -> None:
    officer, conference = _passed(demo_hub, demo_session)
    page_path = f"/conferences/{conference.id}"

    page = _text(officer, page_path)
    assert "Date passed" in page
    assert PASSED in page
    assert "record who attended" in page
    assert "Cancel this conference" in page
    listed = _text(officer, "/conferences")
    assert "Date passed" in listed
    assert PASSED in listed
    home = _text(officer, "/")
    assert "Your conferences whose date has passed" in home
    assert page_path in home
    assert conference.case.reference in home

    # The chair (of the convening agency) is told too, on the page and at home.
    chair = demo_client(demo_hub, conference.chair)
    assert "Date passed" in _text(chair, page_path)
    assert page_path in _text(chair, "/")

    # An invited agency reads it as planned: it may neither record it held nor cancel it
    # (its own conferences whose date passed, such as a Community Trigger panel's on one
    # of its cases, are another matter).
    pcso = demo_client(demo_hub, conference.attendees[0].user)
    invited = _text(pcso, page_path)
    assert "Date passed" not in invited
    assert "Cancel this conference" not in invited
    assert "Date passed" not in _row(_text(pcso, "/conferences"), page_path)
    assert not _listed_as_passed(pcso, conference)


def test_a_conference_whose_date_passed_long_ago_stays_on_the_convenors_list(
    demo_hub, demo_session
) -> None:
    """The conferences list goes back 30 days; one whose date passed before that, with
    nobody recording it held or cancelling it, stays on its convening agency's list
    under its own heading until settled, and on no invited agency's."""
    officer, conference = _passed(demo_hub, demo_session)
    conference.starts_at = clock.now() - timedelta(days=45)
    demo_session.commit()
    earlier = "Earlier, with their date passed: record them held or cancel them"

    listed = _text(officer, "/conferences")
    assert earlier in listed
    assert f'href="/conferences/{conference.id}"' in listed[listed.index(earlier) :]
    pcso = demo_client(demo_hub, conference.attendees[0].user)
    assert f'href="/conferences/{conference.id}"' not in _text(pcso, "/conferences")

    cancelled = _reloaded(demo_session, conference)
    cancelled.status = ConferenceStatus.CANCELLED
    demo_session.commit()
    assert f'href="/conferences/{conference.id}"' not in _text(officer, "/conferences")


def test_a_conference_that_did_not_take_place_is_cancelled_saying_so(
    demo_hub, demo_session
) -> None:
    officer, conference = _passed(demo_hub, demo_session)
    asked = _text(officer, _path(conference))
    assert "Are you sure you want to cancel this conference?" in asked
    assert "Its date has passed" in asked
    assert "It did not take place" in asked

    response = _cancel(officer, conference, reason="did_not_take_place")

    assert response.status_code == 302, response.get_data(as_text=True)
    cancelled = _reloaded(demo_session, conference)
    assert cancelled.status is ConferenceStatus.CANCELLED
    assert cancelled.cancel_reason is ConferenceCancelReason.DID_NOT_TAKE_PLACE
    assert all(i.share.revoked_at is not None for i in cancelled.invitations)
    page = _text(officer, f"/conferences/{conference.id}")
    assert "This conference was cancelled" in page
    assert ": it did not take place." in page
    assert "Date passed" not in page
    assert "Cancelled: it did not take place" in _text(officer, "/conferences")
    assert not _listed_as_passed(officer, conference)
    entry = _entries(demo_session, "conference.cancel")[-1]
    assert entry.basis.startswith(f"case {conference.case_id}; reason did_not_take_place")
    # Its chair and the people expected are told it is cancelled, as for any.
    told = demo_session.scalars(
        select(Notice.user_id).where(
            Notice.kind == NoticeKind.CONFERENCE_CANCELLED,
            Notice.reference == cancelled.case.reference,
        )
    ).all()
    assert set(told) == {cancelled.chair_id, cancelled.attendees[0].user_id}


def test_did_not_take_place_is_neither_offered_nor_accepted_before_its_time(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    asked = _text(officer, _path(conference))
    assert "It did not take place" not in asked
    assert "Its date has passed" not in asked
    before = len(_entries(demo_session, "conference.cancel"))

    response = _cancel(officer, conference, reason="did_not_take_place")

    assert response.status_code == 400
    assert "Select why the conference is cancelled" in html.unescape(
        response.get_data(as_text=True)
    )
    assert _reloaded(demo_session, conference).status is ConferenceStatus.PLANNED
    refused = _entries(demo_session, "conference.cancel")[before:]
    assert [(e.outcome, e.basis) for e in refused] == [("refused", "refused input: reason")]


def test_a_conference_recorded_held_after_its_date_is_not_said_to_have_passed(
    demo_hub, demo_session
) -> None:
    officer, conference = _passed(demo_hub, demo_session)
    held = _reloaded(demo_session, conference)
    held.status, held.minutes_status = ConferenceStatus.HELD, MinutesStatus.DRAFT
    demo_session.commit()
    page = _text(officer, f"/conferences/{conference.id}")
    assert "Date passed" not in page
    assert "Cancel this conference" not in page
    assert not _listed_as_passed(officer, conference)
    sent = {"csrf_token": csrf_token(officer, "/"), "reason": "did_not_take_place"}
    response = officer.post(_path(conference), data=sent)
    assert response.status_code == 400
    assert "Minutes are recorded for the conference, so it has been held" in (
        response.get_data(as_text=True)
    )
    assert _reloaded(demo_session, conference).status is ConferenceStatus.HELD


def test_an_invited_agency_may_not_cancel_a_conference_whose_date_passed(
    demo_hub, demo_session
) -> None:
    _, conference = _passed(demo_hub, demo_session)
    before = len(_entries(demo_session, "conference.cancel"))
    pcso = demo_client(demo_hub, conference.attendees[0].user)
    sent = {"csrf_token": csrf_token(pcso, "/"), "reason": "did_not_take_place"}
    assert pcso.post(_path(conference), data=sent).status_code == 403
    assert _reloaded(demo_session, conference).status is ConferenceStatus.PLANNED
    refused = _entries(demo_session, "conference.cancel")[before:]
    assert [e.outcome for e in refused] == ["refused"]


def test_closing_a_case_leaves_a_conference_whose_date_passed_for_its_minutes(
    demo_hub, demo_session
) -> None:
    """Closing cancels only conferences still to come: one whose date passed may have been
    held, its minutes still to write; it stays on the convenor's home page to settle."""
    officer, conference = _passed(demo_hub, demo_session)
    response = _close(officer, conference.case)
    assert response.status_code == 302, response.get_data(as_text=True)
    left = _reloaded(demo_session, conference)
    assert left.case.status is CaseStatus.CLOSED
    assert left.status is ConferenceStatus.PLANNED


def test_a_conference_cancelled_with_its_sitting_says_why_of_its_own(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    chair = _chair(demo_hub, demo_session)
    path = _sitting_path(sitting, "cancel")
    response = chair.post(path, data={**_sitting_form(chair, path), "reason": "venue"})
    assert response.status_code == 302, response.get_data(as_text=True)

    cancelled = _reloaded(demo_session, conference)
    assert cancelled.status is ConferenceStatus.CANCELLED
    assert cancelled.cancel_reason is ConferenceCancelReason.SITTING_CANCELLED
    assert cancelled.cancelled_at is not None
    assert cancelled.cancel_note is None
    officer = demo_client(demo_hub, demo_session.get(User, cancelled.case.officer_id))
    page = _text(officer, f"/conferences/{conference.id}")
    assert "This conference was cancelled" in page
    assert ": its partnership meeting's sitting was cancelled." in page
    assert "the place is no longer available" in page  # the sitting's own reason
    listed = _text(officer, "/conferences")
    assert "Cancelled: its partnership meeting's sitting was cancelled" in listed
    # Its own entry, on the conference: its case, its reason, the sitting, its shares.
    entry = _entries(demo_session, "conference.cancel")[-1]
    shares = ",".join(
        str(i.share_id) for i in sorted(cancelled.invitations, key=lambda i: i.share_id)
    )
    assert (entry.object_type, entry.object_id) == ("conference", str(conference.id))
    assert entry.basis == (
        f"case {cancelled.case_id}; reason sitting_cancelled; with sitting {sitting.id}; "
        f"shares {shares} ended"
    )
    assert entry.actor_user_id == sitting.series.chair_id


def test_a_conference_taken_off_its_sitting_says_why_of_its_own(demo_hub, demo_session) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    chair = Actor.of(sitting.series.chair)

    sittings.take_off(demo_session, chair, conference, now=clock.now(), because="for the test")
    demo_session.commit()

    cancelled = _reloaded(demo_session, conference)
    assert cancelled.cancel_reason is ConferenceCancelReason.TAKEN_OFF
    assert cancelled.sitting_id is None
    officer = demo_client(demo_hub, demo_session.get(User, cancelled.case.officer_id))
    page = _text(officer, f"/conferences/{conference.id}")
    assert ": it was taken off its partnership meeting's agenda." in page
    entry = _entries(demo_session, "meeting.cancel")[-1]
    assert entry.basis.startswith(
        f"conference {conference.id} taken off sitting {sitting.id}; reason taken_off; "
    )
    # Told as a panel takes a case off (the agenda changed), not as a cancellation.
    told = demo_session.scalars(
        select(Notice.kind).where(Notice.reference == cancelled.case.reference)
    ).all()
    assert NoticeKind.TAKEN_OFF in told
    assert NoticeKind.CONFERENCE_CANCELLED not in told
