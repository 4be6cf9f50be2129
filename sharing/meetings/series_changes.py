"""Changing a partnership meeting: its name, cadence, protocol and purpose, chair,
standing members and where it usually meets, checked as setting one up checks them
(``series.checked_settings``), by the organising agency's managers and conference chairs.

A change applies from then on: cases brought to the meeting afterwards are convened with
its new chair and members, under its new protocol and purpose. The sittings already
scheduled keep their dates and places (a new cadence changes when the next sitting is
proposed), and the cases already brought keep their conferences as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import NotAllowed
from sharing.meetings import series, sitting_clashes
from sharing.models import MeetingSeries, SeriesMember, User


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
) -> list[str]:
    """Change the meeting to ``data`` (its ``first_at`` is not used), and say which of its
    settings changed, by name; none, and nothing recorded, if it is as it was. Refused
    with the field and the reason, before anything is written (and the refusal recorded),
    for anything setting one up would refuse, or a new chair already chairing something
    then at a sitting to come (``sitting_clashes.check_new_chair_free``); ``ChangedMeanwhile``, naming who changed
    it last and when, if its settings or members changed after the form was opened (its
    stamp ``opened``), so that a member someone removed is not added back. One entry
    records a change, naming the settings changed, never their values."""
    meeting = require_changer(session, actor, series_id)
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
    changed = _change(session, meeting, settings, place or None, link or None)
    if changed:
        meeting.changed_by_user(actor.user_id, clock.now())
        session.flush()
        session.expire(meeting, ["members", "chair", "protocol"])
        acts.record(
            session,
            acts.Action.MEETING_CHANGE,
            actor=actor,
            subject=acts.Subject("meeting_series", meeting.id),
            purpose=meeting.purpose,
            basis=f"changed {', '.join(changed)}",
        )
    return changed


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
