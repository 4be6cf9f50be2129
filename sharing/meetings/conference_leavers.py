"""The people expected at a case conference who have since left their agency (their
accounts disabled, shown "(has left)"), and taking them off as the conference is changed
(``conference_changes``): their place goes, so the conference no longer counts on them,
and the notices that follow are those of a place that goes (``meeting_notices
.leaver_taken_off``). Only a leaver is taken off this way: someone still at their agency
sends their apologies, and a whole agency's people go with its invitation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock, meeting_notices
from sharing.errors import InputError
from sharing.models import Conference, ConferenceAttendee, MeetingSeries, User
from sharing.vocabulary import ConferenceStatus

#: The field a refusal names.
FIELD = "leaver_ids"
#: What is said of a choice that is not someone expected who has left.
SELECT_LEAVERS = "Select people expected who have left their agency"


def chaired_by(session: Session, user: User) -> tuple[int, list[str]]:
    """How many case conferences still to meet ``user`` chairs, and the names of the
    partnership meetings they chair: what disabling their account leaves for others to
    give a new chair."""
    conferences = session.scalar(
        select(func.count())
        .select_from(Conference)
        .where(
            Conference.chair_id == user.id,
            Conference.status == ConferenceStatus.PLANNED,
            Conference.starts_at > clock.now(),
        )
    )
    meetings = session.scalars(
        select(MeetingSeries.name)
        .where(MeetingSeries.chair_id == user.id)
        .order_by(MeetingSeries.name)
    )
    return conferences or 0, list(meetings)


def leavers(conference: Conference) -> list[ConferenceAttendee]:
    """The places of the people expected whose accounts are disabled, in the order they
    were added."""
    return [a for a in conference.expected if not a.user.active]


def checked(conference: Conference, user_ids: Sequence[int]) -> list[ConferenceAttendee]:
    """The places of the people to take off (by user id): ``InputError`` at ``FIELD`` for
    anyone not expected, or expected and still at their agency (an account enabled again
    meanwhile is someone back: they stay)."""
    places = {a.user_id: a for a in leavers(conference)}
    off = []
    for user_id in dict.fromkeys(user_ids):
        place = places.get(user_id)
        if place is None:
            raise InputError(FIELD, SELECT_LEAVERS)
        off.append(place)
    return off


def take_off(
    session: Session,
    conference: Conference,
    places: Sequence[ConferenceAttendee],
    by: int,
    now: datetime,
) -> int:
    """Take the places off the conference and tell what follows; how many were told."""
    gone = [(p.id, p.user.agency_id) for p in places]
    for place in places:
        session.delete(place)
    session.flush()
    session.expire(conference, ["attendees"])
    return sum(
        meeting_notices.leaver_taken_off(session, conference, place_id, agency_id, by, now)
        for place_id, agency_id in gone
    )
