"""Changing a partnership meeting: its name, cadence, protocol and purpose, chair,
standing members and where it usually meets, checked as setting one up checks them
(``series.checked_settings``), by the organising agency's managers and conference chairs.

A change applies from then on: cases brought to the meeting afterwards are convened with
its new chair and members, under its new protocol and purpose. The sittings already
scheduled keep their dates and places (a new cadence changes when the next sitting is
proposed), and the cases already brought keep their conferences as they are but for
their chair: a new chair takes over the conferences on the meeting's sittings to come
(``_conferences_follow``), each one they may chair as convening would let them, so that
whoever chairs a sitting chairs its cases and agrees their minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, meeting_notices, stamps, waiting_meeting_notices
from sharing.access.authorise import decision_on
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import NotAllowed
from sharing.meetings import (
    chair_history,
    chair_invitations,
    conference_eligibility,
    series,
    sitting_chairs,
    sitting_clashes,
    sittings,
)
from sharing.models import Conference, MeetingSeries, MeetingSitting, SeriesMember, User
from sharing.vocabulary import ChairChangeReason, ConferenceStatus


@dataclass(frozen=True)
class Changed:
    """What a change did."""

    #: The settings it changed, by name; none, and nothing recorded, if it was as it was.
    settings: list[str]
    #: The conferences on its sittings to come that its new chair took over, by id.
    rechaired: list[int] = field(default_factory=list)
    #: Those of them its new chair's agency was invited to as they took them over, by id.
    invited: list[int] = field(default_factory=list)
    #: The new chair's agency, by name, where it was invited to any.
    invited_agency: str | None = None
    #: Each conference to come that its new chair may not chair, which keeps its chair: a
    #: sentence naming it (by its case's reference only to someone who may open the case)
    #: and why, for whoever changed the meeting.
    kept: list[str] = field(default_factory=list)


def may_change(actor: Actor, meeting: MeetingSeries) -> bool:
    """The organising agency's managers and conference chairs."""
    return actor.agency_id == meeting.agency_id and actor.has(*series.ORGANISERS)


def require_changer(session: Session, actor: Actor, series_id: int) -> MeetingSeries:
    """The meeting, for someone who may change it; anyone else of its area is refused
    (recorded, ``NotAllowed``), and ``NotFound`` outside its area."""
    meeting = series.meeting(session, actor, series_id)
    if not may_change(actor, meeting):
        raise acts.refused(
            session,
            acts.Action.MEETING_CHANGE,
            actor=actor,
            subject=acts.Subject("meeting_series", meeting.id),
            reason="not a manager or conference chair of the organising agency",
            answer=NotAllowed(
                "only the organising agency's managers and conference chairs change a "
                "partnership meeting"
            ),
        )
    return meeting


def standing_members(
    session: Session, meeting: MeetingSeries, protocol_id: int | None, purpose: str
) -> list[tuple[User, str | None]]:
    """The meeting's standing members, each with why they could no longer be one under
    this protocol and purpose (their account no longer active, or as ``members_eligible``
    says), if they could not."""
    why_not = dict(series.members_eligible(session, meeting.area_id, protocol_id, purpose))
    return [
        (m.user, why_not.get(m.user, "their account is no longer active")) for m in meeting.members
    ]


def stamp(session: Session, meeting: MeetingSeries) -> str:
    """The stamp of the meeting's settings and members, for the form that changes them."""
    return stamps.of(session, meeting, also=_member_ids(session, meeting))


def _member_ids(session: Session, meeting: MeetingSeries) -> list[int]:
    session.expire(meeting, ["members"])
    return sorted(m.user_id for m in meeting.members)


def change(
    session: Session,
    actor: Actor,
    series_id: int,
    data: series.SeriesInput,
    *,
    opened: str | None = None,
) -> Changed:
    """Change the meeting to ``data`` (its ``first_at`` is not used), and say which of its
    settings changed, by name; none, and nothing recorded, if it is as it was. A new
    chair takes over the conferences on its sittings to come that they may chair, and
    those they may not are named with why (``_conferences_follow``). Refused
    with the field and the reason, before anything is written (and the refusal recorded),
    for anything setting one up would refuse, or a new chair already chairing something
    then at a sitting to come (``sitting_clashes.check_new_chair_free``); ``ChangedMeanwhile``, naming who changed
    it last and when, if its settings or members changed after the form was opened (its
    stamp ``opened``), so that a member someone removed is not added back. One entry
    records a change, naming the settings changed and the conferences re-chaired (ids),
    never their values."""
    meeting = require_changer(session, actor, series_id)
    # Changed as its sittings are scheduled or moved, or changed twice at once: the
    # second waits, then is checked against the first.
    read_for_change(session, meeting)
    stamps.check(session, opened, meeting, also=lambda: _member_ids(session, meeting))
    with acts.refusing_input(
        session,
        acts.Action.MEETING_CHANGE,
        actor=actor,
        subject=acts.Subject("meeting_series", meeting.id),
    ):
        settings = series.checked_settings(session, meeting.area_id, data)
        place, link = series.usual_place(data.place, data.video_link)
        if settings.chair.id != meeting.chair_id:
            sitting_clashes.check_new_chair_free(
                session, meeting, settings.chair.id, actor, clock.now()
            )
    was_chair = meeting.chair
    changed = _change(session, meeting, settings, place or None, link or None)
    if not changed:
        return Changed(changed)
    now = clock.now()
    meeting.changed_by_user(actor.user_id, now)
    session.flush()
    session.expire(meeting, ["members", "chair", "protocol"])
    followed = _Followed()
    if "chair" in changed:
        followed = _conferences_follow(session, actor, meeting, was_chair, settings.chair, now)
    rechaired, kept, invited = followed.rechaired, followed.kept, followed.invited
    acts.record(
        session,
        acts.Action.MEETING_CHANGE,
        actor=actor,
        subject=acts.Subject("meeting_series", meeting.id),
        purpose=meeting.purpose,
        basis=f"changed {', '.join(changed)}"
        + (
            f"; conferences {acts.ids(sorted(c.id for c in rechaired))} re-chaired "
            f"(chair changes {acts.ids(sorted(followed.changes))})"
            if rechaired
            else ""
        )
        + (
            f"; conferences {acts.ids(sorted(invited))} invited agency {settings.chair.agency_id}"
            if invited
            else ""
        )
        + (
            f"; conferences {acts.ids(sorted(k.id for k in kept))} kept their chair" if kept else ""
        ),
    )
    return Changed(
        changed,
        rechaired=[c.id for c in rechaired],
        invited=invited,
        invited_agency=settings.chair.agency.name if invited else None,
        kept=[k.sentence for k in kept],
    )


def _conferences_follow(
    session: Session,
    actor: Actor,
    meeting: MeetingSeries,
    was_chair: User,
    chair: User,
    now: datetime,
) -> _Followed:
    """Give ``chair`` the conferences ``was_chair`` chairs on the meeting's sittings to
    come (not cancelled, not held, their time not passed), each one they may chair as
    convening would let them (``_may_not_chair``), inviting their agency to one it is not
    invited to where it may be (``chair_invitations``), and tell them both of each
    (``meeting_notices.chair_changed``; the old chair's invitation still waiting is dropped),
    keeping each change on its conference (``chair_history``) for its page. The
    sittings to come are held first, so that a case brought to one at the same moment is
    brought first (and taken over here) or after (with the new chair). Each conference is read again under its lock, so that minutes
    its old chair begins at the same moment are either begun first (it was held: it keeps
    its chair) or after (they no longer chair it, and are refused). The conferences
    re-chaired, those their agency was invited to, and each that keeps its chair with a
    sentence naming it for ``actor`` and saying why."""
    sittings = list(
        session.scalars(
            select(MeetingSitting)
            .where(
                MeetingSitting.series_id == meeting.id,
                MeetingSitting.cancelled_at.is_(None),
                MeetingSitting.starts_at > now,
            )
            .order_by(MeetingSitting.id)
        )
    )
    # A case brought to one of them at the same moment is brought first (its conference
    # then taken over here), or waits and is brought with the new chair.
    read_for_change(session, *sittings)
    to_come = list(
        session.scalars(
            select(Conference)
            .join(MeetingSitting, MeetingSitting.id == Conference.sitting_id)
            .where(
                MeetingSitting.series_id == meeting.id,
                MeetingSitting.cancelled_at.is_(None),
                Conference.chair_id == was_chair.id,
                Conference.starts_at > now,
            )
            .order_by(Conference.starts_at, Conference.id)
        )
    )
    followed = _Followed()
    for conference in to_come:
        read_for_change(session, conference)
        # Its agencies as they are now: one invited from its page at the same moment
        # was invited first, and is not invited twice.
        session.expire(conference, ["invitations", "requests"])
        if not _to_come(conference, was_chair, now):
            continue
        invite = chair.active and chair.agency_id not in conference.at_the_table
        if why := _may_not_chair(session, chair, conference, now):
            followed.kept.append(
                _Kept(
                    conference.id,
                    f"{_named_for(session, actor, conference)} on "
                    f"{clock.moment_text(conference.starts_at)} keeps its chair, "
                    f"{was_chair.display_name}, as {why}",
                )
            )
            continue
        if invite:
            chair_invitations.invite(session, actor, meeting, conference, chair.agency, now)
            followed.invited.append(conference.id)
        conference.chair_id = chair.id
        conference.changed_by_user(actor.user_id, now)
        session.flush()
        session.expire(conference, ["chair"])
        change = chair_history.record(
            session,
            conference,
            was_chair,
            actor.user_id,
            ChairChangeReason.MEETING_CHAIR,
            now,
            meeting=meeting,
        )
        meeting_notices.chair_changed(session, conference, [was_chair, chair], actor.user_id, now)
        waiting_meeting_notices.chair_replaced(session, conference, was_chair)
        followed.rechaired.append(conference)
        followed.changes.append(change.id)
    return followed


@dataclass
class _Followed:
    """What a new chair's taking over did: the conferences re-chaired, those their agency
    was invited to (by id), and those that keep their chair."""

    rechaired: list[Conference] = field(default_factory=list)
    #: The changes of chair kept on them (``chair_history``), by id.
    changes: list[int] = field(default_factory=list)
    invited: list[int] = field(default_factory=list)
    kept: list[_Kept] = field(default_factory=list)


@dataclass(frozen=True)
class _Kept:
    """A conference to come that keeps its chair: its id (for the audit entry) and the
    sentence that names it for whoever changed the meeting."""

    id: int
    sentence: str


def _to_come(conference: Conference, was_chair: User, now: datetime) -> bool:
    """Whether the conference, read under its lock, is still to come and chaired by
    ``was_chair``: not cancelled, no minutes recorded, its time not passed."""
    return (
        conference.status is ConferenceStatus.PLANNED
        and conference.minutes_status is None
        and conference.starts_at > now
        and conference.chair_id == was_chair.id
    )


def _may_not_chair(
    session: Session, chair: User, conference: Conference, now: datetime
) -> str | None:
    """Why ``chair`` may not chair the conference, as convening it would say: their
    account is not active, their roles or their agency's clauses under its protocol give
    them nothing for its purpose (``conference_eligibility.chair_refusal``), or their
    agency is not at its table and cannot be invited to it (``chair_invitations.why_not``);
    None if they may."""
    if not chair.active:
        return f"{chair.display_name}'s account is no longer active"
    why = conference_eligibility.chair_refusal(
        session, chair, conference.protocol_id, conference.purpose, conference.case
    )
    if why:
        return why
    if chair.agency_id not in conference.at_the_table and (
        not_invited := chair_invitations.why_not(session, conference, chair.agency, now)
    ):
        return (
            f"{chair.display_name} is from {chair.agency.name}, which is not invited to it "
            f"and cannot be: {not_invited}"
        )
    return None


def _named_for(session: Session, actor: Actor, conference: Conference) -> str:
    """The conference, named by its case's reference only if ``actor`` may open the case
    (as ``sitting_clashes`` names one)."""
    seen = decision_on(session, actor, conference.case_id)
    if seen is not None and seen.allowed:
        return f"The case conference on {conference.case.reference}"
    return "Another case conference"


def _change(
    session: Session,
    meeting: MeetingSeries,
    settings: series.Settings,
    place: str | None,
    link: str | None,
) -> list[str]:
    """Give the meeting its new settings, and name those that differ from before. A
    version of the same protocol is no change: cases are shared under its active version
    anyway."""
    members = [m.id for m in settings.members]
    was_and_is = {
        "name": (meeting.name, settings.name),
        "cadence": (meeting.cadence, settings.cadence),
        "protocol": (meeting.protocol.key, settings.protocol.key),
        "purpose": (meeting.purpose, settings.purpose),
        "chair": (meeting.chair_id, settings.chair.id),
        "members": ({m.user_id for m in meeting.members}, set(members)),
        "place": (meeting.place, place),
        "video_link": (meeting.video_link, link),
    }
    changed = [field for field, (was, now) in was_and_is.items() if was != now]
    if "chair" in changed or "members" in changed:  # each sitting held keeps its own
        for sitting in meeting.sittings:
            if sittings.why_fixed(sitting):
                sitting_chairs.keep(sitting)
    if "protocol" in changed:
        meeting.protocol_id = settings.protocol.id
    meeting.name, meeting.cadence, meeting.purpose = (
        settings.name,
        settings.cadence,
        settings.purpose,
    )
    meeting.chair_id, meeting.place, meeting.video_link = settings.chair.id, place, link
    if "members" in changed:
        _make_members(session, meeting, members)
    return changed


def _make_members(session: Session, meeting: MeetingSeries, user_ids: Sequence[int]) -> None:
    standing = {m.user_id: m for m in meeting.members}
    for user_id, member in standing.items():
        if user_id not in user_ids:
            session.delete(member)
    for user_id in user_ids:
        if user_id not in standing:
            session.add(SeriesMember(series_id=meeting.id, user_id=user_id))


def refuse_input(session: Session, actor: Actor, series_id: int, fields: Sequence[str]) -> None:
    """Record a change that the form refused before it came here, naming the fields,
    never their values."""
    acts.refuse(
        session,
        acts.Action.MEETING_CHANGE,
        actor=actor,
        subject=acts.Subject("meeting_series", series_id),
        reason=f"refused input: {', '.join(sorted(fields))}",
    )
