"""Whether a partnership meeting's sitting, or a case conference, at a time asked for,
would overlap something else its chair chairs: a sitting of the same meeting, a sitting
of another meeting with the same chair, or another case conference with the same chair.
Neither records when it ends: each is taken to last ``SITTING_LENGTH``, so two clash
when they start less than that apart. A cancelled sitting or conference clashes with
nothing; a conference on a sitting's agenda is that sitting, at its time and with its
chair, so it is no clash with it.

Two bookings for one chair at the same moment (two meetings, each under its own row's
lock, or a conference and a sitting) would each find the other's time free: the check
first holds the chair's diary (``hold_chair``), so the second waits, then sees the
first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import decision_on
from sharing.access.decide import Actor
from sharing.db import begin_writing
from sharing.errors import InputError
from sharing.models import Conference, MeetingSeries, MeetingSitting
from sharing.vocabulary import ConferenceStatus

#: How long a sitting (or a conference) is taken to last: each records when it starts,
#: not when it ends.
SITTING_LENGTH = timedelta(hours=2)
_HOURS = int(SITTING_LENGTH.total_seconds() // 3600)
#: The first key of the PostgreSQL advisory lock on a chair's diary (the second is the
#: chair's user id); the two-key locks are a space apart from the audit integrator's.
CHAIR_LOCK = 72


def hold_chair(session: Session, chair_id: int) -> None:
    """Hold the chair's diary until the transaction ends, before looking at it: anyone
    booking the same chair at the same moment waits for this transaction, then sees what
    it booked. A PostgreSQL advisory lock keyed by the chair (no row is locked, so the
    chair signing in or their account changing does not wait); on SQLite, the database's
    write lock (``begin_writing``)."""
    begin_writing(session)
    if session.connection().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(CHAIR_LOCK, chair_id)))


def check_free(
    session: Session,
    starts_at: datetime,
    *,
    series_id: int | None,
    chair_id: int,
    area_id: int,
    viewer: Actor,
    sitting_id: int | None = None,
) -> None:
    """``InputError`` on ``starts_at``, naming the day and time of what a sitting then
    would overlap: another of the meeting ``series_id`` (None for a meeting being set up),
    one of another meeting chaired by ``chair_id``, or a case conference they chair.
    ``sitting_id`` is the sitting being moved, which clashes with no earlier time of its
    own nor with the conferences on its agenda. ``viewer`` is who is told: a conference
    is named by its case's reference only if they may open the case."""
    hold_chair(session, chair_id)
    if series_id is not None:
        own = session.scalar(
            sittings_near(starts_at, sitting_id).where(MeetingSitting.series_id == series_id)
        )
        if own is not None:
            raise InputError(
                "starts_at",
                f"The meeting already sits on {clock.moment_text(own.starts_at)}, and a "
                f"sitting is taken to last {_HOURS} hours: enter a time at least {_HOURS} "
                "hours before or after it",
            )
    _check_chair(session, starts_at, chair_id, area_id, viewer, sitting_id, "The meeting's")


def check_chair_free(
    session: Session,
    starts_at: datetime,
    *,
    chair_id: int,
    area_id: int,
    viewer: Actor,
    sitting_id: int | None = None,
    conference_id: int | None = None,
) -> None:
    """``InputError`` on ``starts_at`` for a case conference then, chaired by
    ``chair_id``, that would overlap a sitting of a meeting they chair or another case
    conference they chair (``check_free``'s words). ``sitting_id`` is the sitting the
    conference is brought onto: it takes that sitting's time and chair;
    ``conference_id`` the conference being moved, which clashes with no earlier time of
    its own."""
    hold_chair(session, chair_id)
    clash = _chair_clash(
        session, starts_at, chair_id, area_id, viewer, sitting_id, conference_id=conference_id
    )
    if clash is not None:
        raise InputError("starts_at", _chairs_then("The conference's", *clash))


def check_conference_chair_free(
    session: Session, conference: Conference, chair_id: int, viewer: Actor
) -> None:
    """``InputError`` on ``chair_id`` if the chair a conference is to be given already
    chairs a sitting, or another case conference, overlapping it (``_chair_clash``, named
    for ``viewer``), naming that one's time. Holds the chair's diary first (``hold_chair``)."""
    hold_chair(session, chair_id)
    clash = _chair_clash(
        session,
        conference.starts_at,
        chair_id,
        conference.case.agency.area_id,
        viewer,
        None,
        conference_id=conference.id,
    )
    if clash is not None:
        name, starts_at, kind = clash
        raise InputError(
            "chair_id",
            f"The new chair already chairs {name} on {clock.moment_text(starts_at)}, and a "
            f"{kind} is taken to last {_HOURS} hours: select another chair, or move one of "
            "them first",
        )


def check_new_chair_free(
    session: Session, meeting: MeetingSeries, chair_id: int, viewer: Actor, now: datetime
) -> None:
    """``InputError`` on ``chair_id`` if the chair a meeting is to be given already chairs
    a sitting of another meeting, or a case conference, overlapping one of the meeting's
    sittings to come (not cancelled), naming both times; the conferences on that
    sitting's agenda are its own."""
    hold_chair(session, chair_id)
    to_come = session.scalars(
        select(MeetingSitting)
        .where(
            MeetingSitting.series_id == meeting.id,
            MeetingSitting.cancelled_at.is_(None),
            MeetingSitting.starts_at >= now,
        )
        .order_by(MeetingSitting.starts_at, MeetingSitting.id)
    )
    for sitting in to_come:
        clash = _chair_clash(
            session, sitting.starts_at, chair_id, meeting.area_id, viewer, sitting.id
        )
        if clash is not None:
            name, starts_at, _ = clash
            raise InputError(
                "chair_id",
                f"The new chair already chairs {name} on {clock.moment_text(starts_at)}, "
                f"within {_HOURS} hours of the meeting's sitting on "
                f"{clock.moment_text(sitting.starts_at)}: select another chair, or move "
                "that sitting first",
            )


def _check_chair(
    session: Session,
    starts_at: datetime,
    chair_id: int,
    area_id: int,
    viewer: Actor,
    sitting_id: int | None,
    whose: str,
) -> None:
    clash = _chair_clash(session, starts_at, chair_id, area_id, viewer, sitting_id)
    if clash is not None:
        raise InputError("starts_at", _chairs_then(whose, *clash))


def _chair_clash(
    session: Session,
    starts_at: datetime,
    chair_id: int,
    area_id: int,
    viewer: Actor,
    sitting_id: int | None,
    *,
    conference_id: int | None = None,
) -> tuple[str, datetime, str] | None:
    """What ``chair_id`` already chairs overlapping ``starts_at`` (but ``sitting_id`` and
    the conferences on its agenda, and ``conference_id``), named for ``viewer``, when,
    and whether a "sitting" or a "conference"; None if nothing."""
    sitting = session.scalar(
        sittings_near(starts_at, sitting_id).where(MeetingSeries.chair_id == chair_id)
    )
    if sitting is not None:
        other = sitting.series
        name = other.name if other.area_id == area_id else "another partnership meeting"
        return name, sitting.starts_at, "sitting"
    near = _conferences_near(starts_at, chair_id, sitting_id)
    if conference_id is not None:
        near = near.where(Conference.id != conference_id)
    conference = session.scalar(near)
    if conference is not None:
        seen = decision_on(session, viewer, conference.case_id)
        name = (
            f"the case conference on {conference.case.reference}"
            if seen is not None and seen.allowed
            else "another case conference"
        )
        return name, conference.starts_at, "conference"
    return None


def _chairs_then(whose: str, name: str, starts_at: datetime, kind: str) -> str:
    return (
        f"{whose} chair already chairs {name} on {clock.moment_text(starts_at)}, and a "
        f"{kind} is taken to last {_HOURS} hours: enter a time at least {_HOURS} hours "
        "before or after it"
    )


def sittings_near(starts_at: datetime, sitting_id: int | None) -> Select[MeetingSitting]:
    """The first sitting not cancelled (but ``sitting_id``) overlapping one at
    ``starts_at``."""
    near = (
        select(MeetingSitting)
        .join(MeetingSitting.series)
        .where(
            MeetingSitting.cancelled_at.is_(None),
            MeetingSitting.starts_at > starts_at - SITTING_LENGTH,
            MeetingSitting.starts_at < starts_at + SITTING_LENGTH,
        )
        .order_by(MeetingSitting.starts_at, MeetingSitting.id)
        .limit(1)
    )
    return near if sitting_id is None else near.where(MeetingSitting.id != sitting_id)


def _conferences_near(
    starts_at: datetime, chair_id: int, sitting_id: int | None
) -> Select[Conference]:
    """The first conference not cancelled that ``chair_id`` chairs (but those on the
    agenda of ``sitting_id``) overlapping one at ``starts_at``."""
    near = (
        select(Conference)
        .where(
            Conference.chair_id == chair_id,
            Conference.status != ConferenceStatus.CANCELLED,
            Conference.starts_at > starts_at - SITTING_LENGTH,
            Conference.starts_at < starts_at + SITTING_LENGTH,
        )
        .order_by(Conference.starts_at, Conference.id)
        .limit(1)
    )
    if sitting_id is None:
        return near
    return near.where((Conference.sitting_id != sitting_id) | Conference.sitting_id.is_(None))
