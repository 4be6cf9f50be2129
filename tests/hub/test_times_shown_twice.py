"""A conference or a sitting set for 1am to 2am on the last Sunday in October, the hour UK
clocks show twice (in summer time, then again in winter time), would meet at a time the
people told of it could not place: convening, setting up a meeting, scheduling a sitting
and moving one refuse it at its hour and minute, naming the field, nothing written and the
refusal recorded, as a conference's change form does; the same day at 2:30am is taken."""

from __future__ import annotations

import html
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.templating import UK
from sharing import clock
from sharing.models import AuditEntry, Conference, MeetingSeries, MeetingSitting, User
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conferences import _form as _convene_form
from tests.hub.test_conferences import _officer_client, _open_case
from tests.hub.test_moving_sittings import _chair, _form, _group, _path, _sitting_with_a_case
from tests.hub.test_partnership_meetings import _set_up_form
from tests.hub.test_sittings_moved_elsewhere import _last_sunday_of_october_after

SAID = (
    "must be a time the clocks show once: they go back an hour at 2am that day "
    "(from 1am to 2am comes twice)"
)


def _october() -> date:
    """The next last Sunday in October, the day the clocks go back."""
    return clock.day_of(_last_sunday_of_october_after(clock.now()))


def _at(day: date, hour: int, field: str = "starts_at") -> dict[str, str]:
    """The date and time boxes as a user types them: ``hour``:30 on ``day``."""
    return {
        f"{field}-day": str(day.day),
        f"{field}-month": str(day.month),
        f"{field}-year": str(day.year),
        f"{field}-hour": str(hour),
        f"{field}-minute": "30",
    }


def _refusals(session: Session, action: str) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry.basis)
            .where(AuditEntry.action == action, AuditEntry.outcome == "refused")
            .order_by(AuditEntry.seq)
        )
    )


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _refused_at_the_hour(response, subject: str) -> None:
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400, page
    assert f"{subject} {SAID}" in page
    # The error summary links to the hour, the box to mend.
    assert 'href="#' in page
    assert "-hour" in page.split('class="govuk-error-summary', 1)[1].split("</ul>", 1)[0]


def test_convening_at_a_time_the_clocks_show_twice_is_refused_at_its_field(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    officer = _officer_client(demo_hub, demo_session, case)
    day = _october()
    conferences, refused = (
        _count(demo_session, Conference),
        len(_refusals(demo_session, "conference.convene")),
    )

    response = officer.post(
        f"/cases/{case.id}/conferences/new",
        data={**_convene_form(officer, demo_session, case), **_at(day, 1)},
    )

    _refused_at_the_hour(response, "The date and time of the conference")
    assert _count(demo_session, Conference) == conferences
    assert _refusals(demo_session, "conference.convene")[refused:] == ["refused input: starts_at"]
    # The same day at 2:30am, which the clocks show once, is convened.
    response = officer.post(
        f"/cases/{case.id}/conferences/new",
        data={**_convene_form(officer, demo_session, case), **_at(day, 2)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    made = demo_session.scalars(
        select(Conference).where(Conference.case_id == case.id).order_by(Conference.id.desc())
    ).first()
    assert made.starts_at.astimezone(UK).hour == 2


def test_a_first_sitting_at_a_time_the_clocks_show_twice_is_refused_at_its_field(
    demo_hub, demo_session
) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    meetings = _count(demo_session, MeetingSeries)
    refused = len(_refusals(demo_session, "meeting.set_up"))

    response = manager.post(
        "/meetings/new",
        data=_set_up_form(manager, demo_session, **_at(_october(), 1, "first_at")),
    )

    _refused_at_the_hour(response, "The date and time of the first sitting")
    assert _count(demo_session, MeetingSeries) == meetings
    assert _refusals(demo_session, "meeting.set_up")[refused:] == ["refused input: first_at"]


def test_scheduling_a_sitting_at_a_time_the_clocks_show_twice_is_refused_at_its_field(
    demo_hub, demo_session
) -> None:
    group = _group(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = f"/meetings/{group.id}/sittings/new"
    sittings = _count(demo_session, MeetingSitting)
    refused = len(_refusals(demo_session, "meeting.schedule"))
    data = {"csrf_token": csrf_token(chair, path), "place": "", "video_link": ""}

    response = chair.post(path, data={**data, **_at(_october(), 1)})

    _refused_at_the_hour(response, "The date and time of the sitting")
    assert _count(demo_session, MeetingSitting) == sittings
    assert _refusals(demo_session, "meeting.schedule")[refused:] == ["refused input: starts_at"]


def test_moving_a_sitting_to_a_time_the_clocks_show_twice_is_refused_at_its_field(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    was: datetime = sitting.starts_at
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "move")
    refused = len(_refusals(demo_session, "meeting.move"))

    response = chair.post(path, data={**_form(chair, path), **_at(_october(), 1)})

    _refused_at_the_hour(response, "The date and time the sitting moves to")
    demo_session.expire_all()
    assert demo_session.get(MeetingSitting, sitting.id).starts_at == was
    assert demo_session.get(Conference, conference.id).starts_at == was
    assert [b.rsplit(": ", 1)[-1] for b in _refusals(demo_session, "meeting.move")[refused:]] == [
        "starts_at"
    ]
    # The same day at 2:30am moves it, and its case's conference with it.
    response = chair.post(path, data={**_form(chair, path), **_at(_october(), 2)})
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    moved = demo_session.get(MeetingSitting, sitting.id).starts_at
    assert moved.astimezone(UK).hour == 2
    assert not clock.shown_twice(moved)
    assert demo_session.get(Conference, conference.id).starts_at == moved
