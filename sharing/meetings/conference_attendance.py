"""Who came to a case conference: the people expected, each marked present, absent or
sending a deputy of their agency, and others of the agencies at the table who came
without being named beforehand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.errors import InputError
from sharing.meetings import conference_eligibility, minute_writing
from sharing.models import Agency, Conference, ConferenceAttendee, User
from sharing.vocabulary import Attendance


@dataclass(frozen=True)
class AttendanceChoices:
    """Who may be marked: the people expected, who may deputise for each (their agency's
    active users, by agency id), and others of the agencies at the table."""

    expected: list[ConferenceAttendee]
    deputies: dict[int, list[User]]
    others: list[User]


def attendance_choices(session: Session, conference: Conference) -> AttendanceChoices:
    """The people who could have been named to attend
    (``conference_eligibility.refusals``) of the agencies at the table, as deputies and as
    others present."""
    found = session.scalars(
        select(User)
        .join(Agency, Agency.id == User.agency_id)
        .where(User.agency_id.in_(conference.at_the_table), User.active)
        .order_by(Agency.name, User.display_name, User.id)
    ).all()
    refused = conference_eligibility.refusals(session, conference.case, found, conference.chair_id)
    people = [u for u in found if u.id not in refused]
    named = {a.user_id for a in conference.expected}
    deputies: dict[int, list[User]] = {}
    for user in people:
        deputies.setdefault(user.agency_id, []).append(user)
    return AttendanceChoices(
        expected=conference.expected,
        deputies=deputies,
        others=[u for u in people if u.id not in named],
    )


@dataclass(frozen=True)
class Mark:
    """One expected person's attendance, and who came instead when they sent a deputy."""

    attendance: Attendance
    deputy_id: int | None = None


def record_attendance(
    session: Session,
    actor: Actor,
    conference_id: int,
    marks: Mapping[int, Mark],
    also_present: Sequence[int] = (),
    now: datetime | None = None,
) -> Conference:
    """Record who came: ``marks`` by attendee id, and people of the agencies at the table
    who came without being named beforehand. A deputy is an active user of the same
    agency as the person they stand in for; deputies and others present are people who
    could have been named to attend (``conference_eligibility.refusals``)."""
    conference = minute_writing.conference(session, actor, conference_id)
    authorised = minute_writing.writer(session, actor, conference, now=now)
    expected = {a.id: a for a in conference.expected}
    try:
        for attendee_id, mark in marks.items():
            attendee = expected.get(attendee_id)
            if attendee is None:
                raise InputError("attendance", "Mark only the people expected at this conference")
            deputy = session.get(User, mark.deputy_id) if mark.deputy_id else None
            if mark.attendance is Attendance.DEPUTY:
                if (
                    deputy is None
                    or not deputy.active
                    or deputy.agency_id != attendee.user.agency_id
                ):
                    raise InputError(
                        f"deputy_{attendee_id}",
                        f"Select who came for {attendee.user.display_name}, from "  # noqa: S608 - words
                        f"{attendee.user.agency.name}",
                    )
                if why := conference_eligibility.refusals(
                    session, conference.case, [deputy], conference.chair_id
                ).get(deputy.id):
                    raise InputError(
                        f"deputy_{attendee_id}",
                        f"{deputy.display_name} cannot come for {attendee.user.display_name}: "
                        f"{why}",
                    )
            elif deputy is not None:
                raise InputError(
                    f"deputy_{attendee_id}",
                    f"Select a deputy for {attendee.user.display_name} only if they sent one",
                )
        table = conference.at_the_table
        named = {a.user_id for a in conference.attendees}
        newcomers: list[User] = []
        for user_id in dict.fromkeys(also_present):
            user = session.get(User, user_id)
            if user is None or not user.active or user.agency_id not in table:
                raise InputError("also_present", "Select people of the agencies at the conference")
            if user_id not in named:
                newcomers.append(user)
        refused = conference_eligibility.refusals(
            session, conference.case, newcomers, conference.chair_id
        )
        for user in newcomers:
            if why := refused.get(user.id):
                raise InputError(
                    "also_present", f"{user.display_name} cannot be recorded as present: {why}"
                )
    except InputError as refused:
        minute_writing.refuse(session, actor, conference, f"refused input: {refused.field}")
        raise
    for attendee_id, mark in marks.items():
        expected[attendee_id].attendance = mark.attendance
        expected[attendee_id].deputy_id = mark.deputy_id
    for user in newcomers:
        session.add(
            ConferenceAttendee(
                conference=conference,
                user_id=user.id,
                attendance=Attendance.PRESENT,
            )
        )
    minute_writing.begin(conference)
    session.flush()
    minute_writing.recorded(
        session,
        authorised,
        conference,
        f"attendance of {len(marks) + len(newcomers)} people",
    )
    return conference
