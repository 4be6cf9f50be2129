"""The case conferences a reader may open, the list of those their agency convened or is
invited to, soonest first, and those whose date has passed that a reader convened or
chairs and nobody has recorded held or cancelled (no audit entry: a list names the
conferences, their pages record the view), and the cancellations a reader was told of
whose conferences they may no longer open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from sharing import clock
from sharing.access.authorise import CaseDecisions
from sharing.access.decide import Act, Actor
from sharing.meetings import minute_writing
from sharing.models import (
    Case,
    Conference,
    ConferenceAttendee,
    ConferenceInvitation,
    MeetingSitting,
    Notice,
)
from sharing.vocabulary import Attendance, ConferenceStatus, MinutesStatus, NoticeKind

#: Where the notice of a cancellation sends those whose agency's share ended with the
#: conference (followed by its id): their list of conferences, at the conference.
CANCELLED_ANCHOR = "/conferences#cancelled-"
#: Where the notice of a new chair sends an old chair who may no longer open the
#: conference (followed by the moment of the change and the conference's id).
CHAIR_ANCHOR = "/conferences#chair-"


def visible(
    session: Session,
    actor: Actor,
    conference: Conference,
    *,
    decisions: CaseDecisions | None = None,
) -> bool:
    """Whether the actor may open the conference: the owning agency's staff who may see
    the case, its chair, or an invited agency's through the invitation's share (no audit entry: a
    listing names the conference, the page records the view). A list passes the actor's
    decisions on all its conferences' cases (``CaseDecisions``), gathered at once."""
    own = conference.case.agency_id == actor.agency_id
    if not own and actor.agency_id not in conference.at_the_table:
        return False
    if decisions is None:
        decisions = CaseDecisions(session, actor, [conference.case_id])
    if own and minute_writing.is_chair(actor, conference):
        decision = decisions.chair_on(
            conference.case_id, conference.purpose, conference.chair_reads_until
        )
    else:
        purpose = None if own else conference.purpose
        decision = decisions.on(conference.case_id, Act.VIEW, purpose)
    return decision is not None and decision.allowed


def may_change(actor: Actor, conference: Conference) -> bool:
    """Whether the actor (who may open the conference) may record it held or cancel it:
    its convening agency's people and its chair."""
    return conference.case.agency_id == actor.agency_id or minute_writing.is_chair(
        actor, conference
    )


def date_passed(conference: Conference, now: datetime) -> bool:
    """Whether the conference is still planned though its time has passed: nobody has
    recorded it held (its attendance, minutes or decisions) nor cancelled it."""
    return (
        conference.status is ConferenceStatus.PLANNED
        and conference.minutes_status is None
        and conference.starts_at <= now
    )


def _unsettled() -> ColumnElement[bool]:
    """SQL: the conference is still planned, nobody having recorded it held nor
    cancelled it (``date_passed`` but for its time)."""
    return and_(Conference.status == ConferenceStatus.PLANNED, Conference.minutes_status.is_(None))


@dataclass(frozen=True)
class ConferenceRow:
    id: int
    case_id: int
    case_reference: str
    starts_at: datetime
    convening_agency: str
    where: str
    status: ConferenceStatus
    #: Who chairs it now, and their agency, as its page names them.
    chair: str = ""
    #: Why it was cancelled on its own or with its case, and the canceller's note for
    #: the convening agency alone.
    cancel_reason: str | None = None
    cancel_note: str | None = None
    #: Still planned though its time has passed, for a reader who may record it held or
    #: cancel it (``date_passed``, ``may_change``).
    date_passed: bool = False
    #: The partnership meeting whose sitting it was brought to, and the sitting's time
    #: (every reader of the conference sees which meeting, as its page says).
    meeting: str | None = None
    sitting_at: datetime | None = None
    #: On the case's page, to a reader who may read its minutes (as its page shows them):
    #: their state, and what it decided ("Take legal action: Civil injunction").
    minutes: MinutesStatus | None = None
    decided: tuple[str, ...] = ()


def conferences_for(session: Session, actor: Actor, *, since: datetime) -> list[ConferenceRow]:
    """Conferences from ``since`` that the actor's agency convened or is invited to (with
    the invitation standing), and earlier ones whose date passed that the actor is to
    record held or cancel (``date_passed``, ``may_change``), soonest first; each one the
    actor may see the case of."""
    invited = select(ConferenceInvitation.conference_id).where(
        ConferenceInvitation.agency_id == actor.agency_id,
        ConferenceInvitation.standing(clock.today()),
    )
    found = session.scalars(
        select(Conference)
        .join(Case, Case.id == Conference.case_id)
        .where(
            (Conference.starts_at >= since) | _unsettled(),
            (Case.agency_id == actor.agency_id) | Conference.id.in_(invited),
        )
        .options(
            contains_eager(Conference.case).joinedload(Case.agency),  # the case joined above
            selectinload(Conference.invitations),
            selectinload(Conference.sitting).joinedload(MeetingSitting.series),
        )
        .order_by(Conference.starts_at, Conference.id)
    ).all()
    decisions = CaseDecisions(session, actor, {c.case_id for c in found})
    now = clock.now()
    rows = []
    for conference in found:
        row = _row(actor, conference, now)
        if conference.starts_at < since and not row.date_passed:
            continue  # before ``since``: only those the reader is to record held or cancel
        if not visible(session, actor, conference, decisions=decisions):
            continue
        rows.append(row)
    return rows


@dataclass(frozen=True)
class ToldOf:
    """A conference the reader was told of by a notice sending them to their list, as it
    may no longer open it, as the notice named it: the case reference, the conference's
    day and what happened (cancelled, or a new chair), nothing more."""

    #: The id the notice's link lands on (``cancelled-…`` or ``chair-…``).
    anchor: str
    conference_id: int
    case_reference: str
    starts_at: datetime
    cancelled: bool


#: The notices that send the reader to their list, and where each lands there.
_SENT_TO_THE_LIST = (
    (NoticeKind.CONFERENCE_CANCELLED, CANCELLED_ANCHOR),
    (NoticeKind.CHAIR_CHANGED, CHAIR_ANCHOR),
    (NoticeKind.NEW_CHAIR, CHAIR_ANCHOR),
)


def told_of(
    session: Session, actor: Actor, *, since: datetime, shown: Iterable[int] = ()
) -> list[ToldOf]:
    """What the actor was told since ``since`` of conferences they may no longer open, by
    the notices that send them to their list (``CANCELLED_ANCHOR``: their agency's share
    ended with the conference; ``CHAIR_ANCHOR``: an old chair whose agency can no longer
    open it), soonest conference first, but for the conferences ``shown`` (those the list
    has, which the reader may open): what each notice named. None on a case since erased
    or locked (for a partner, a locked case no longer exists)."""
    told = session.scalars(
        select(Notice)
        .join(Case, Case.reference == Notice.reference)
        .where(
            Notice.user_id == actor.user_id,
            or_(
                *(
                    and_(Notice.kind == kind, Notice.path.startswith(anchor))
                    for kind, anchor in _SENT_TO_THE_LIST
                )
            ),
            Notice.created_at >= since,
            Case.erased_at.is_(None),
            Case.locked.is_(False),
        )
    ).all()
    skipped = set(shown)
    found = [found for n in told if (found := _told(n)) is not None]
    return sorted(
        (t for t in found if t.conference_id not in skipped),
        key=lambda t: (t.starts_at, t.conference_id, t.anchor),
    )


def _told(notice: Notice) -> ToldOf | None:
    """What a notice sending its reader to their list named (None for a path not made
    by ``sharing.meeting_notices``)."""
    anchor = notice.path.partition("#")[2]
    conference_id = anchor.rpartition("-")[2]
    if notice.about is None or not conference_id.isdigit():
        return None
    return ToldOf(
        anchor,
        int(conference_id),
        notice.reference or "",
        notice.about,
        notice.kind is NoticeKind.CONFERENCE_CANCELLED,
    )


def of_case(session: Session, actor: Actor, case_id: int) -> list[ConferenceRow]:
    """Every conference on the case that the actor may open, newest first, whatever its
    date or state: for the case's page, where a conference held long ago is still found."""
    found = session.scalars(
        select(Conference)
        .where(Conference.case_id == case_id)
        .options(
            selectinload(Conference.case).joinedload(Case.agency),
            selectinload(Conference.invitations),
            selectinload(Conference.sitting).joinedload(MeetingSitting.series),
            selectinload(Conference.decisions),
        )
        .order_by(Conference.starts_at.desc(), Conference.id.desc())
    ).all()
    if not found:
        return []
    decisions = CaseDecisions(session, actor, {case_id})
    now = clock.now()
    return [
        _with_outcome(actor, conference, _row(actor, conference, now))
        for conference in found
        if visible(session, actor, conference, decisions=decisions)
    ]


def _with_outcome(actor: Actor, conference: Conference, row: ConferenceRow) -> ConferenceRow:
    """The row with the state of the conference's minutes and what it decided, where the
    reader may read them: a draft by the convening agency and the chair, circulated or
    agreed minutes by every agency at the table (as the conference's page shows them)."""
    status = conference.minutes_status
    writers = actor.agency_id == conference.case.agency_id or minute_writing.is_chair(
        actor, conference
    )
    if status is None or not (writers or status is not MinutesStatus.DRAFT):
        return row
    decided = tuple(
        f"{d.kind.label}: {d.tool.label}" if d.tool else d.kind.label for d in conference.decisions
    )
    return replace(row, minutes=status, decided=decided)


def chair_named(conference: Conference) -> str:
    """Who chairs the conference, and their agency, with "(has left)" once their account
    is disabled, so a chair who has left is not taken for one who will come."""
    chair = conference.chair
    return f"{chair.display_name}, {chair.agency.name}" + ("" if chair.active else " (has left)")


def _row(actor: Actor, conference: Conference, now: datetime) -> ConferenceRow:
    """The conference as a list shows it to the actor (who may open it)."""
    own = conference.case.agency_id == actor.agency_id
    return ConferenceRow(
        id=conference.id,
        case_id=conference.case_id,
        case_reference=conference.case.reference,
        starts_at=conference.starts_at,
        convening_agency=conference.case.agency.name,
        where=conference.place or "Video call",
        status=conference.status,
        chair=chair_named(conference),
        cancel_reason=conference.cancel_reason.label if conference.cancel_reason else None,
        cancel_note=conference.cancel_note if own else None,
        date_passed=date_passed(conference, now) and may_change(actor, conference),
        meeting=conference.sitting.series.name if conference.sitting else None,
        sitting_at=conference.sitting.starts_at if conference.sitting else None,
    )


@dataclass(frozen=True)
class PassedRow:
    id: int
    case_reference: str
    starts_at: datetime


def passed_for(session: Session, actor: Actor) -> list[PassedRow]:
    """For the home page: the conferences the actor convened or chairs whose date has
    passed with nobody recording them held or cancelling them (``date_passed``), longest
    passed first; each one the actor may still open (not a locked case's, unless they are
    in its lock; never an erased case's)."""
    now = clock.now()
    found = session.scalars(
        select(Conference)
        .join(Case, Case.id == Conference.case_id)
        .where(
            (Conference.convened_by_id == actor.user_id) | (Conference.chair_id == actor.user_id),
            _unsettled(),
            Conference.starts_at <= now,
            Case.erased_at.is_(None),
        )
        .options(contains_eager(Conference.case), selectinload(Conference.invitations))
        .order_by(Conference.starts_at, Conference.id)
    ).all()
    decisions = CaseDecisions(session, actor, {c.case_id for c in found})
    return [
        PassedRow(c.id, c.case.reference, c.starts_at)
        for c in found
        if visible(session, actor, c, decisions=decisions) and may_change(actor, c)
    ]


@dataclass(frozen=True)
class ComingUpRow:
    id: int
    case_reference: str
    starts_at: datetime
    where: str
    #: The reader chairs it (otherwise they are expected at it).
    chairs: bool
    #: The reader has sent their apologies for it.
    apologies: bool = False


def coming_up_for(session: Session, actor: Actor) -> list[ComingUpRow]:
    """For the home page: the planned conferences to come that the actor chairs or is
    expected at, soonest first; each one the actor may open (an erased case's never)."""
    expected = select(ConferenceAttendee.conference_id).where(
        ConferenceAttendee.user_id == actor.user_id
    )
    found = session.scalars(
        select(Conference)
        .join(Case, Case.id == Conference.case_id)
        .where(
            (Conference.chair_id == actor.user_id) | Conference.id.in_(expected),
            Conference.status == ConferenceStatus.PLANNED,
            Conference.starts_at >= clock.now(),
            Case.erased_at.is_(None),
        )
        .options(contains_eager(Conference.case), selectinload(Conference.invitations))
        .order_by(Conference.starts_at, Conference.id)
    ).all()
    decisions = CaseDecisions(session, actor, {c.case_id for c in found})
    apologised = set(
        session.scalars(
            select(ConferenceAttendee.conference_id).where(
                ConferenceAttendee.user_id == actor.user_id,
                ConferenceAttendee.attendance == Attendance.APOLOGIES,
                ConferenceAttendee.conference_id.in_([c.id for c in found]),
            )
        )
    )
    return [
        ComingUpRow(
            c.id,
            c.case.reference,
            c.starts_at,
            c.place or "Video call",
            c.chair_id == actor.user_id,
            c.id in apologised,
        )
        for c in found
        if visible(session, actor, c, decisions=decisions)
    ]
