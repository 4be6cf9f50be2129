"""Moving or cancelling a partnership meeting's sitting, from the sitting's own page, by
whoever may schedule its sittings (its chair, its organising agency's managers and
conference chairs), until it is held: its time passed, or minutes recorded for a case on
its agenda.

A sitting moved (to another time, place or video link) takes the conferences on its
agenda with it: each meets at its new time and place and, at a new time, its
invitations' shares end as convening sets them (``Conference.shares_end``) and its
information requests fall due as asking sets them. A sitting cancelled cancels them, each
for that reason of its own ("Its partnership meeting's sitting was cancelled", its own
``conference.cancel`` entry): each invitation's share ends at once and the notices still
waiting about it are dropped.
Either way its members, and the people of each case on its agenda, are told by notice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices, notices, stamps, waiting_meeting_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import reason_and_note
from sharing.meetings import (
    conference_cancelling,
    conferences,
    requests,
    series,
    sitting_chairs,
    sitting_clashes,
)
from sharing.models import Conference, MeetingSitting
from sharing.vocabulary import (
    ConferenceCancelReason,
    ConferenceStatus,
    NoticeKind,
    SittingCancelReason,
)

MAX_NOTE = 500
#: The field a refusal names when the sitting can no longer be moved or cancelled at all.
NO_LONGER = "sitting"


def sitting_of(session: Session, actor: Actor, series_id: int, sitting_id: int) -> MeetingSitting:
    """The sitting, if it is of the meeting and the meeting of the actor's area; else
    ``NotFound``."""
    meeting = series.meeting(session, actor, series_id)
    sitting = session.get(MeetingSitting, sitting_id)
    if sitting is None or sitting.series_id != meeting.id:
        raise NotFound(sitting_id)
    return sitting


def may_change(actor: Actor, sitting: MeetingSitting) -> bool:
    """Whether the actor may move or cancel the sitting (``series.may_schedule``)."""
    return series.may_schedule(actor, sitting.series)


def require_changer(
    session: Session, actor: Actor, series_id: int, sitting_id: int, action: acts.Action
) -> MeetingSitting:
    """The sitting, for someone who may move or cancel it; anyone else of the area is
    refused (recorded as ``action``, ``NotAllowed``), and ``NotFound`` outside it."""
    sitting = sitting_of(session, actor, series_id, sitting_id)
    if not may_change(actor, sitting):
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("meeting_sitting", sitting.id),
            reason="not the chair or the organising agency",
            answer=NotAllowed("only the chair and the organising agency move or cancel a sitting"),
        )
    return sitting


def why_fixed(sitting: MeetingSitting, now: datetime | None = None) -> str | None:
    """Why the sitting can no longer be moved or cancelled (cancelled, or held: its time
    passed or minutes recorded for a case on its agenda), or None."""
    if sitting.cancelled:
        return "The sitting is cancelled"
    if sitting.starts_at <= (now or clock.now()):
        return "The sitting has taken place"
    if any(c.minutes_status is not None for c in sitting.conferences):
        return "Minutes are recorded for a case on its agenda, so it has been held"
    return None


def stamp(session: Session, sitting: MeetingSitting) -> str:
    """The stamp of the sitting, for the forms that move or cancel it."""
    return stamps.of(session, sitting)


def _ready(
    session: Session,
    actor: Actor,
    sitting: MeetingSitting,
    action: acts.Action,
    opened: str | None,
    now: datetime,
) -> list[Conference]:
    """Lock the sitting (moved or cancelled twice at once, or as a case is brought to it:
    the second waits, then sees the first), refuse a form opened before it changed
    (``ChangedMeanwhile``) and a sitting no longer to change (recorded); its planned
    conferences, as they are now."""
    read_for_change(session, sitting)
    stamps.check(session, opened, sitting)
    session.expire(sitting, ["conferences"])
    if why := why_fixed(sitting, now):
        acts.refuse(
            session,
            action,
            actor=actor,
            subject=acts.Subject("meeting_sitting", sitting.id),
            reason=f"refused: {why.lower()}",
        )
        raise InputError(NO_LONGER, why)
    return [c for c in sitting.conferences if c.status is ConferenceStatus.PLANNED]


def move(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    starts_at: datetime | None,
    *,
    place: str | None = None,
    video_link: str | None = None,
    opened: str | None = None,
    now: datetime | None = None,
) -> MeetingSitting:
    """Move the sitting to ``starts_at`` and to ``place`` and ``video_link`` (None keeps
    them as they are), with the conferences on its agenda. Refused with the field and the
    reason (recorded, nothing written) for a time missing, past, more than a year ahead,
    when the meeting already sits, or after the protocol of a case on its agenda ends (its
    shares end with it); for nowhere to meet or a link not https://; for nothing changed;
    for a sitting cancelled or held; and (``ChangedMeanwhile``) for a form opened before
    it was moved or cancelled."""
    now = now or clock.now()
    action = acts.Action.MEETING_MOVE
    sitting = require_changer(session, actor, series_id, sitting_id, action)
    subject = acts.Subject("meeting_sitting", sitting.id)
    read_for_change(session, sitting.series)  # moved to one time at once: the second waits
    planned = _ready(session, actor, sitting, action, opened, now)
    with acts.refusing_input(session, action, actor=actor, subject=subject):
        where = _checked_place(sitting, place, video_link)
        changed = _changes(sitting, starts_at, where)
        if "time" in changed:
            sitting.starts_at = _checked_time(session, actor, sitting, planned, starts_at, now)
    sitting.place, sitting.video_link = (w or None for w in where)
    sitting.changed_by_user(actor.user_id, now)
    for conference in planned:
        _move_conference(session, actor, conference, sitting, changed, now)
    session.flush()
    meeting_notices.sitting_changed(session, sitting, NoticeKind.SITTING_MOVED, actor.user_id, now)
    acts.record(
        session,
        action,
        actor=actor,
        subject=subject,
        basis=f"moved ({', '.join(changed)})"
        + (f"; conferences {acts.ids(sorted(c.id for c in planned))} moved" if planned else ""),
    )
    return sitting


def _checked_place(
    sitting: MeetingSitting, place: str | None, video_link: str | None
) -> tuple[str, str]:
    """Where the sitting is to meet: as given, or as it is where not given; somewhere,
    and a link starting https:// (``series.usual_place``)."""
    return series.usual_place(
        sitting.place or "" if place is None else place,
        sitting.video_link or "" if video_link is None else video_link,
    )


def _changes(
    sitting: MeetingSitting, starts_at: datetime | None, where: tuple[str, str]
) -> list[str]:
    """What the move changes (``time``, ``place``, ``video_link``); refused when nothing."""
    if starts_at is None:
        raise InputError("starts_at", "Enter the date and time the sitting moves to")
    changed = [
        name
        for name, was, new in (
            ("time", sitting.starts_at, starts_at),
            ("place", sitting.place or "", where[0]),
            ("video_link", sitting.video_link or "", where[1]),
        )
        if was != new
    ]
    if not changed:
        raise InputError(
            "starts_at",
            "The sitting is already then and there: enter the time or the place it moves to",
        )
    return changed


def _checked_time(
    session: Session,
    actor: Actor,
    sitting: MeetingSitting,
    planned: list[Conference],
    starts_at: datetime | None,
    now: datetime,
) -> datetime:
    if starts_at is None:
        raise InputError("starts_at", "Enter the date and time the sitting moves to")
    if starts_at <= now:
        raise InputError("starts_at", "The sitting must move to a time in the future")
    if starts_at > now + conferences.FURTHEST_AHEAD:
        raise InputError("starts_at", "The sitting must be within a year from today")
    sitting_clashes.check_free(
        session,
        starts_at,
        series_id=sitting.series_id,
        chair_id=sitting.series.chair_id,
        area_id=sitting.series.area_id,
        viewer=actor,
        sitting_id=sitting.id,
    )
    for conference in planned:
        protocol = conference.protocol
        if clock.day_of(starts_at) > protocol.end_on:
            raise InputError(
                "starts_at",
                f"{protocol.title}, which a case on its agenda is shared under, ends on "
                f"{protocol.end_on:%-d %B %Y}, and its invitations' shares end with it: "
                "move the sitting to a day by then",
            )
    return starts_at


def _move_conference(
    session: Session,
    actor: Actor,
    conference: Conference,
    sitting: MeetingSitting,
    changed: list[str],
    now: datetime,
) -> None:
    """The conference at the sitting's new time and place. At a new time its standing
    invitations' shares end as convening sets them, its open requests fall due as asking
    sets them, and its notices still waiting name the new time. It keeps who moved it
    and when (its own change form names them); recorded on its case, naming what changed
    and the shares."""
    conference.place, conference.video_link = sitting.place, sitting.video_link
    conference.changed_by_user(actor.user_id, now)
    moved = []
    end = conference.shares_end
    if "time" in changed:
        conference.starts_at = sitting.starts_at
        end = conference.shares_end
        for invitation in conference.invitations:
            if invitation.withdrawn_at is None and invitation.share.revoked_at is None:
                invitation.share.until = end
                moved.append(invitation.share_id)
        for request in conference.requests:
            if request.answered_at is None:
                request.due_on = requests.due_on(conference.starts_at, clock.day_of(now))
        waiting_meeting_notices.about_moved(session, conference)
    acts.record(
        session,
        acts.Action.MEETING_MOVE,
        actor=actor,
        subject=acts.Subject("case", conference.case_id),
        purpose=conference.purpose,
        basis=f"conference {conference.id} moved ({', '.join(changed)}) with sitting {sitting.id}"
        + (f"; shares {acts.ids(sorted(moved))} until {end.isoformat()}" if moved else ""),
    )


def cancel(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    reason: str,
    note: str = "",
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> MeetingSitting:
    """Cancel the sitting, and the conferences on its agenda with it (each invitation's
    share ended, each notice still waiting about it dropped). Refused with the field and
    the reason (recorded, nothing written) for a reason not offered, "another reason"
    with no note, a note too long; for a sitting cancelled or held; and
    (``ChangedMeanwhile``) for a form opened before it was moved or cancelled. The note
    is kept for the sitting's page, never in the audit log."""
    now = now or clock.now()
    action = acts.Action.MEETING_CANCEL
    sitting = require_changer(session, actor, series_id, sitting_id, action)
    subject = acts.Subject("meeting_sitting", sitting.id)
    planned = _ready(session, actor, sitting, action, opened, now)
    with acts.refusing_input(session, action, actor=actor, subject=subject):
        why, note = reason_and_note(
            SittingCancelReason,
            reason,
            note,
            other=SittingCancelReason.OTHER,
            limit=MAX_NOTE,
            what="the sitting",
        )
    call_off(session, actor, sitting, planned, why, note, now=now)
    return sitting


def call_off(
    session: Session,
    actor: Actor,
    sitting: MeetingSitting,
    planned: list[Conference],
    why: SittingCancelReason,
    note: str,
    *,
    now: datetime,
    because: str = "",
) -> None:
    """Cancel the sitting (held for change, not yet held) with its ``planned``
    conferences, keeping who chairs it and its members (``sitting_chairs``), telling its
    members and the people of each case on its agenda; one
    ``meeting.cancel`` entry naming the reason, ``because`` (ids only), the conferences
    cancelled and the shares ended, never the note; and one ``conference.cancel`` entry a
    conference, naming its case, its own reason (its sitting was cancelled) and its
    shares ended."""
    meeting_notices.sitting_changed(
        session, sitting, NoticeKind.SITTING_CANCELLED, actor.user_id, now
    )
    sitting_chairs.keep(sitting)
    sitting.cancelled_at, sitting.cancelled_by_id = now, actor.user_id
    sitting.cancel_reason, sitting.cancel_note = why, note or None
    sitting.changed_by_user(actor.user_id, now)
    ended = []
    for conference in planned:
        its = conference_cancelling.end(
            session, actor, conference, ConferenceCancelReason.SITTING_CANCELLED, now=now
        )
        session.flush()
        conference_cancelling.record(session, actor, conference, its, f"with sitting {sitting.id}")
        ended += its
    session.flush()
    acts.record(
        session,
        acts.Action.MEETING_CANCEL,
        actor=actor,
        subject=acts.Subject("meeting_sitting", sitting.id),
        basis=f"reason {why.value}"
        + (f"; {because}" if because else "")
        + (f"; conferences {acts.ids(sorted(c.id for c in planned))} cancelled" if planned else "")
        + (f"; shares {acts.ids(sorted(ended))} ended" if ended else ""),
    )


def take_off(
    session: Session, actor: Actor, conference: Conference, *, now: datetime, because: str
) -> list[int]:
    """Take a planned conference off its sitting's agenda (the sitting goes on with the
    rest): it is cancelled for that reason of its own ("It was taken off its partnership
    meeting's agenda"), keeping the sitting it was taken off (whose page says so, where
    the notice links), its invitations' shares end at once and the notices still waiting
    about it are dropped, and the people it expected and who brought it are told the
    sitting's agenda changed. One ``meeting.cancel`` entry on its case, naming the
    conference, its reason, ``because`` (ids only) and the shares ended; the shares
    ended."""
    sitting = conference.sitting
    people = [a.user for a in conference.expected] + [conference.convened_by]
    why = ConferenceCancelReason.TAKEN_OFF
    ended = conference_cancelling.end(session, actor, conference, why, now=now)
    conference.sitting, conference.taken_off_sitting = None, sitting
    if sitting is not None:
        notices.queue(
            session,
            NoticeKind.TAKEN_OFF,
            [u for u in people if u.id != actor.user_id],
            reference=conference.case.reference,
            path=f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
            f"#{meeting_notices.taken_off_anchor(conference.id)}",
            about=sitting.starts_at,
            now=now,
        )
    session.flush()
    acts.record(
        session,
        acts.Action.MEETING_CANCEL,
        actor=actor,
        subject=acts.Subject("case", conference.case_id),
        purpose=conference.purpose,
        basis=f"conference {conference.id} taken off sitting "
        f"{sitting.id if sitting else None}; reason {why.value}; {because}"
        + (f"; shares {acts.ids(sorted(ended))} ended" if ended else ""),
    )
    return ended


def refuse_input(
    session: Session, actor: Actor, action: acts.Action, sitting_id: int, fields: list[str]
) -> None:
    """Record a move or cancellation that the form refused before it came here, naming
    the fields, never their values."""
    acts.refuse(
        session,
        action,
        actor=actor,
        subject=acts.Subject("meeting_sitting", sitting_id),
        reason=f"refused input: {', '.join(sorted(fields))}",
    )
