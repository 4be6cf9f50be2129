"""The partnership meetings as their readers see them: the area's list, a meeting's page
with its sittings, and a sitting's page with its agenda (the read side of
``sharing.meetings.series``).

The group itself (its name, dates and members) is about the partnership's staff, so
anyone at an agency of the area sees it; each case on a sitting's agenda is listed only to
readers whose agency may open that case's conference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sharing import clock, meeting_notices
from sharing.access.decide import Actor
from sharing.meetings import (
    conference_listing,
    series,
    series_changes,
    sitting_chairs,
    sitting_dates,
    sittings,
)
from sharing.models import Action, Agency, Conference, MeetingSeries, MeetingSitting
from sharing.protocols.records import shareable_purposes
from sharing.vocabulary import ActionStatus, ConferenceStatus, MinutesStatus


@dataclass(frozen=True)
class SittingRow:
    id: int
    starts_at: datetime
    where: str
    #: Cases on its agenda the reader's agency may open, and the others.
    cases: int
    others: int
    cancelled: bool


@dataclass(frozen=True)
class SeriesRow:
    id: int
    name: str
    cadence: str
    chair: str
    organiser: str
    next_at: datetime | None


@dataclass(frozen=True)
class ActionCounts:
    agreed: int
    open: int
    overdue: int


def _action_counts(
    session: Session, conference_ids: list[int], today: date
) -> dict[int, ActionCounts]:
    """The actions each conference agreed, counted (``AgendaCase.actions``)."""
    still_open = Action.status == ActionStatus.OPEN
    rows = session.execute(
        select(
            Action.conference_id,
            func.count(),
            func.sum(case((still_open, 1), else_=0)),
            func.sum(case((still_open & (Action.due_on < today), 1), else_=0)),
        )
        .where(Action.conference_id.in_(conference_ids))
        .group_by(Action.conference_id)
    )
    return {c: ActionCounts(n, int(o or 0), int(d or 0)) for c, n, o, d in rows}


@dataclass(frozen=True)
class AgendaCase:
    """A case on a sitting's agenda, as its conference (the reader may open it)."""

    conference_id: int
    case_id: int
    case_reference: str
    brought_by: str
    status: ConferenceStatus
    minutes: MinutesStatus | None
    #: The actions its conference agreed, as the conference page lists them (counts and
    #: statuses only): how many, how many are still open, and of those how many are past
    #: their due date, so the next sitting sees what is outstanding.
    actions: ActionCounts = ActionCounts(0, 0, 0)


@dataclass(frozen=True)
class SeriesPage:
    id: int
    name: str
    cadence: str
    chair: str
    organiser: str
    protocol: str
    purpose: str
    place: str | None
    video_link: str | None
    members: list[str]
    upcoming: list[SittingRow]
    past: list[SittingRow]
    may_schedule: bool
    #: Whether the reader may change it (its name, cadence, protocol, chair, members, place).
    may_change: bool
    #: When it would next sit by its cadence (proposed on the form).
    proposed: datetime
    #: "name has left agency" when its chair has (their account disabled).
    chair_left: str | None = None


@dataclass(frozen=True)
class TakenOff:
    """A case conference taken off the sitting's agenda (cancelled, the sitting going on
    without it), where the notice of it links: its case's reference only to a reader who
    may open the case (the agency that brought it), else none."""

    conference_id: int
    case_reference: str | None
    brought_by: str
    taken_off_at: datetime


@dataclass(frozen=True)
class SittingPage:
    id: int
    series_id: int
    series_name: str
    starts_at: datetime
    place: str | None
    video_link: str | None
    chair: str
    members: list[str]
    agenda: list[AgendaCase]
    #: Cases on the agenda the reader's agency may not open (a count, nothing more).
    others: int
    #: Cases on the agenda since erased (a count: nothing of them can be read).
    erased: int
    taken_place: bool
    #: Whether the reader may move or cancel it now (it is neither cancelled nor held).
    may_change: bool
    #: Why it can no longer be moved or cancelled, for those who may schedule sittings.
    fixed: str | None
    #: Why it was cancelled, the canceller's note, who cancelled it and when (if it was).
    cancel_reason: str | None = None
    cancel_note: str | None = None
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None
    #: How many apologies were sent for the sitting itself (``sitting_apologies``).
    apologies: int = 0
    #: Where its time and place are given, which the notice of its last move links to.
    moved_anchor: str | None = None
    #: The case conferences taken off its agenda, in the order they were taken off.
    taken_off: tuple[TakenOff, ...] = ()


def series_for(session: Session, actor: Actor) -> list[SeriesRow]:
    """The partnership meetings of the actor's area, by name, with when each next sits."""
    agency = session.get(Agency, actor.agency_id)
    if agency is None:
        return []
    now = clock.now()
    rows = []
    for meeting in session.scalars(
        select(MeetingSeries)
        .where(MeetingSeries.area_id == agency.area_id)
        .order_by(MeetingSeries.name)
    ):
        upcoming = [s.starts_at for s in meeting.sittings if s.starts_at >= now and not s.cancelled]
        rows.append(
            SeriesRow(
                id=meeting.id,
                name=meeting.name,
                cadence=meeting.cadence.label,
                chair=series.person(meeting.chair),
                organiser=meeting.agency.name,
                next_at=upcoming[0] if upcoming else None,
            )
        )
    return rows


def _open_on_agenda(
    session: Session, actor: Actor, sitting: MeetingSitting
) -> tuple[list[Conference], int, int]:
    """The conferences on the sitting's agenda the reader may open, how many others (not
    open to them), and how many of the agenda's cases have since been erased (counted as
    erased to every reader, the agency that brought one too: nothing of it can be read)."""
    live = [c for c in sitting.conferences if c.case.erased_at is None]
    shown = [c for c in live if conference_listing.visible(session, actor, c)]
    erased = len(sitting.conferences) - len(live)
    return shown, len(live) - len(shown), erased


def series_page(session: Session, actor: Actor, series_id: int) -> SeriesPage:
    """The meeting as the reader sees it: its members and sittings, each sitting with how
    many of its cases the reader's agency may open; ``NotFound`` outside its area."""
    meeting = series.meeting(session, actor, series_id)
    now = clock.now()
    rows = []
    for sitting in meeting.sittings:
        shown, others, erased = _open_on_agenda(session, actor, sitting)
        rows.append(
            SittingRow(
                id=sitting.id,
                starts_at=sitting.starts_at,
                where=sitting.place or "Video call",
                cases=len(shown),
                others=others + erased,
                cancelled=sitting.cancelled,
            )
        )
    protocol = series.protocol_now(session, meeting) or meeting.protocol
    purposes = {p.id: p.title for r, p in shareable_purposes(session) if r.id == protocol.id}
    return SeriesPage(
        id=meeting.id,
        name=meeting.name,
        cadence=meeting.cadence.label,
        chair=series.person(meeting.chair),
        organiser=meeting.agency.name,
        protocol=f"{protocol.title} (version {protocol.version})",
        purpose=purposes.get(meeting.purpose, meeting.purpose),
        place=meeting.place,
        video_link=meeting.video_link,
        members=[series.person(m.user) for m in meeting.members],
        upcoming=[r for r in rows if r.starts_at >= now],
        past=[r for r in rows if r.starts_at < now][::-1],
        may_schedule=series.may_schedule(actor, meeting),
        may_change=series_changes.may_change(actor, meeting),
        proposed=sitting_dates.next_sitting(meeting, after=now),
        chair_left=None
        if meeting.chair.active
        else f"{meeting.chair.display_name} has left {meeting.chair.agency.name}",
    )


def sitting_page(session: Session, actor: Actor, series_id: int, sitting_id: int) -> SittingPage:
    """One sitting: when and where, its members, and the cases on its agenda the reader's
    agency may open (each by reference, linking to its conference); others only counted."""
    sitting = sittings.sitting_of(session, actor, series_id, sitting_id)
    meeting = sitting.series
    shown, others, erased = _open_on_agenda(session, actor, sitting)
    counts = _action_counts(session, [c.id for c in shown], clock.today())
    may_schedule = series.may_schedule(actor, meeting)
    fixed = sittings.why_fixed(sitting)
    cancelled_by = sitting.cancelled_by
    return SittingPage(
        id=sitting.id,
        series_id=meeting.id,
        series_name=meeting.name,
        starts_at=sitting.starts_at,
        place=sitting.place,
        video_link=sitting.video_link,
        chair=series.person(sitting_chairs.chair_of(sitting)),
        members=[series.person(m) for m in sitting_chairs.members_of(sitting)],
        agenda=[
            AgendaCase(
                conference_id=c.id,
                case_id=c.case_id,
                case_reference=c.case.reference,
                brought_by=c.case.agency.name,
                status=c.status,
                minutes=c.minutes_status,
                actions=counts.get(c.id, ActionCounts(0, 0, 0)),
            )
            for c in shown
        ],
        others=others,
        erased=erased,
        apologies=len(sitting.apologies),
        taken_place=sitting.starts_at < clock.now(),
        may_change=may_schedule and fixed is None,
        fixed=fixed if may_schedule else None,
        cancel_reason=sitting.cancel_reason.label if sitting.cancel_reason else None,
        cancel_note=sitting.cancel_note,
        cancelled_by=series.person(cancelled_by) if cancelled_by else None,
        cancelled_at=sitting.cancelled_at,
        moved_anchor=meeting_notices.moved_anchor(sitting.changed_at)
        if sitting.changed_at and not sitting.cancelled
        else None,
        taken_off=_taken_off(session, actor, sitting),
    )


def _taken_off(session: Session, actor: Actor, sitting: MeetingSitting) -> tuple[TakenOff, ...]:
    """The conferences taken off the sitting's agenda, each named by its case's reference
    only to a reader who may open the case."""
    taken = session.scalars(
        select(Conference)
        .where(Conference.taken_off_sitting_id == sitting.id)
        .order_by(Conference.cancelled_at, Conference.id)
    )
    return tuple(
        TakenOff(
            conference_id=c.id,
            case_reference=c.case.reference
            if c.case.erased_at is None and conference_listing.visible(session, actor, c)
            else None,
            brought_by=c.case.agency.name,
            taken_off_at=c.cancelled_at or sitting.starts_at,
        )
        for c in taken
    )
