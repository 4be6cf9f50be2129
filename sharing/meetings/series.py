"""Partnership meetings (DESIGN.md §3): a standing group of the area, such as the monthly
ASB problem-solving group or a CSP tasking meeting, with a chair, standing members and
regular sittings. A case's owning agency brings the case to a sitting: that convenes a
case conference on it for the sitting's date and place, chaired by the group's chair,
inviting the members' agencies (each invitation a share under the group's protocol and
purpose) and expecting the members. Packs, minutes, decisions and actions are then the
conference's own, per case.

This module sets a meeting up (its settings checked: ``checked_settings``, also for a
change), finds it for a reader of its area, schedules its further sittings and says
which version of its protocol it shares under now (``protocol_now``). Bringing a case to
a sitting is ``sharing.meetings.bringing_cases``; when it next sits by its cadence,
``sharing.meetings.sitting_dates``; what readers see of the meetings and their sittings,
``sharing.meetings.series_pages``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, directory
from sharing.access.decide import Actor
from sharing.access.facts import policy
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.meetings import conference_eligibility, conferences, sitting_clashes
from sharing.models import (
    Agency,
    MeetingSeries,
    MeetingSitting,
    ProtocolRecord,
    SeriesMember,
    User,
)
from sharing.protocols import records
from sharing.protocols.records import shareable_purposes
from sharing.vocabulary import Cadence, Role

MAX_NAME = 120
#: Roles that set up a partnership meeting and schedule its sittings.
ORGANISERS = frozenset({Role.MANAGER, Role.CONFERENCE_CHAIR})


@dataclass(frozen=True)
class SeriesInput:
    """What the organiser gives: the group's name, how often it sits, the protocol and
    purpose its cases are shared under, its chair and standing members, where it usually
    meets and its first sitting."""

    name: str
    cadence: str
    protocol_id: int | None
    purpose: str
    chair_id: int | None
    member_ids: Sequence[int]
    #: Its first sitting (setting one up only: a change leaves its sittings as they are).
    first_at: datetime | None = None
    place: str = ""
    video_link: str = ""


@dataclass(frozen=True)
class Settings:
    """A meeting's settings as checked (``checked_settings``), but where it meets."""

    name: str
    cadence: Cadence
    protocol: ProtocolRecord
    purpose: str
    chair: User
    #: The chair first, then the others chosen, each once.
    members: list[User]


def require_organiser(session: Session, actor: Actor) -> None:
    """Refuse (recorded) anyone but a manager or conference chair setting up a meeting."""
    if not actor.has(*ORGANISERS):
        raise acts.refused(
            session,
            acts.Action.MEETING_SET_UP,
            actor=actor,
            subject=acts.Subject("meeting_series"),
            reason="not a manager or conference chair",
            answer=NotAllowed("only managers and conference chairs set up partnership meetings"),
        )


def _when_and_where(
    starts_at: datetime | None, place: str, video_link: str, now: datetime
) -> tuple[str, str]:
    """The sitting's place and link, checked like a conference's (``InputError`` names
    the field): in the future, within a year, somewhere to meet."""
    place, link = _texts_of_place(place, video_link)
    if starts_at is None:
        raise InputError("starts_at", "Enter the date and time of the sitting")
    if starts_at <= now:
        raise InputError("starts_at", "The sitting must be in the future")
    if starts_at > now + conferences.FURTHEST_AHEAD:
        raise InputError("starts_at", "The sitting must be within a year from today")
    _somewhere(place, link)
    return place, link


def usual_place(place: str, video_link: str) -> tuple[str, str]:
    """Where a meeting usually meets, checked as a sitting's place is: somewhere to meet,
    a link starting https:// (``InputError`` names the field)."""
    place, link = _texts_of_place(place, video_link)
    _somewhere(place, link)
    return place, link


def _texts_of_place(place: str, video_link: str) -> tuple[str, str]:
    return (
        checked_text("place", place, limit=conferences.MAX_PLACE, what="the place"),
        checked_text("video_link", video_link, limit=conferences.MAX_LINK, what="the video link"),
    )


def _somewhere(place: str, link: str) -> None:
    if not place and not link:
        raise InputError("place", "Enter where it meets, or a video link")
    if link and not link.startswith("https://"):
        raise InputError("video_link", "Enter a video link starting https://")


def members_eligible(
    session: Session, area_id: int, protocol_id: int | None, purpose: str
) -> list[tuple[User, str | None]]:
    """The active people of the area, each with why they cannot be a standing member
    under this protocol and purpose (their roles do not take part in conferences, or their
    agency is not a party to it), if they cannot."""
    compiled = policy(session)
    parties: dict[int, bool] = {}
    found = []
    for user in directory.people(session, area_id):
        if user.agency_id not in parties:
            parties[user.agency_id] = any(
                g.protocol_id == protocol_id for g in compiled.grants(user.agency_id, purpose)
            )
        why = conference_eligibility.part_refusal(user)
        if why is None and not parties[user.agency_id]:
            why = f"{user.agency.name} is not a party to that protocol for this purpose"
        found.append((user, why))
    return found


def set_up(
    session: Session, actor: Actor, data: SeriesInput, *, now: datetime | None = None
) -> MeetingSeries:
    """Set up a partnership meeting of the actor's area, with its first sitting. Refused
    with the field and the reason, before anything is written (and the refusal recorded),
    for a name missing or too long, a cadence or protocol not offered, a chair who may not
    chair, a member whose agency is not a party to the protocol, or a first sitting not in
    the coming year or with nowhere to meet."""
    require_organiser(session, actor)
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.MEETING_SET_UP, actor=actor, subject=acts.Subject("meeting_series")
    ):
        series = _set_up(session, actor, data, now)
    acts.record(
        session,
        acts.Action.MEETING_SET_UP,
        actor=actor,
        subject=acts.Subject("meeting_series", series.id),
        purpose=series.purpose,
        basis=(
            f"protocol {series.protocol.key} version {series.protocol.version}; members "
            f"{acts.ids(sorted(m.user_id for m in series.members))}; sitting "
            f"{series.sittings[0].id}"
        ),
    )
    return series


def refuse_input(
    session: Session, actor: Actor, fields: Sequence[str], *, series_id: int | None = None
) -> None:
    """Record a meeting set up (or, with ``series_id``, a sitting scheduled) that a form
    refused before it came here, naming the fields, never their values."""
    acts.refuse(
        session,
        acts.Action.MEETING_SET_UP if series_id is None else acts.Action.MEETING_SCHEDULE,
        actor=actor,
        subject=acts.Subject("meeting_series", series_id),
        reason=f"refused input: {', '.join(fields)}",
    )


def checked_settings(session: Session, area_id: int, data: SeriesInput) -> Settings:
    """The meeting's name, cadence, protocol and purpose, chair and standing members, as
    setting one up or changing one checks them (``InputError`` names the field, before
    anything is written): a name given and not too long, a cadence and an active protocol
    and purpose offered, a chair of the area who may chair under it, members of the area
    from at least two agencies who may take part under it (``members_eligible``). The
    chair is always a member."""
    name = checked_text(
        "name",
        data.name,
        limit=MAX_NAME,
        what="the meeting's name",
        required="Enter the meeting's name",
    )
    cadence = Cadence.of(data.cadence)
    if cadence is None:
        raise InputError("cadence", "Select how often it meets")
    protocols = {(r.id, p.id): r for r, p in shareable_purposes(session)}
    protocol = protocols.get((data.protocol_id or 0, data.purpose))
    if protocol is None:
        raise InputError("protocol_purpose", "Select an active protocol and purpose")
    eligible = {
        u.id: (u, why) for u, why in members_eligible(session, area_id, protocol.id, data.purpose)
    }
    chair, why = eligible.get(data.chair_id or 0, (None, None))
    if chair is None:
        raise InputError("chair_id", "Select the chair")
    if why := why or conference_eligibility.chair_refusal(
        session, chair, protocol.id, data.purpose
    ):
        raise InputError("chair_id", why)
    members = []
    for user_id in dict.fromkeys([chair.id, *data.member_ids]):
        user, why = eligible.get(user_id, (None, None))
        if user is None:
            raise InputError("member_ids", "Select standing members from the partnership")
        if why:
            raise InputError("member_ids", f"{user.display_name} cannot be a member: {why}")
        members.append(user)
    if len({m.agency_id for m in members}) < 2:
        raise InputError("member_ids", "Select standing members from at least two agencies")
    return Settings(name, cadence, protocol, data.purpose, chair, members)


def _set_up(session: Session, actor: Actor, data: SeriesInput, now: datetime) -> MeetingSeries:
    agency = session.get(Agency, actor.agency_id)
    if agency is None:
        raise NotAllowed("the actor's agency is not of the partnership")
    settings = checked_settings(session, agency.area_id, data)
    place, link = _when_and_where(data.first_at, data.place, data.video_link, now)
    sitting_clashes.check_free(
        session,
        data.first_at,  # type: ignore[arg-type]  # checked by _when_and_where
        series_id=None,
        chair_id=settings.chair.id,
        area_id=agency.area_id,
        viewer=actor,
    )
    series = MeetingSeries(
        area_id=agency.area_id,
        agency_id=agency.id,
        name=settings.name,
        cadence=settings.cadence,
        protocol_id=settings.protocol.id,
        purpose=settings.purpose,
        chair_id=settings.chair.id,
        place=place or None,
        video_link=link or None,
        set_up_by_id=actor.user_id,
        set_up_at=now,
    )
    session.add(series)
    for member in settings.members:
        session.add(SeriesMember(series=series, user_id=member.id))
    session.add(
        MeetingSitting(
            series=series,
            starts_at=data.first_at,
            place=series.place,
            video_link=series.video_link,
            scheduled_by_id=actor.user_id,
            scheduled_at=now,
        )
    )
    session.flush()
    session.refresh(series)
    return series


def meeting(session: Session, actor: Actor, series_id: int) -> MeetingSeries:
    """The meeting, if it is of the actor's area; else ``NotFound``."""
    series = session.get(MeetingSeries, series_id)
    agency = session.get(Agency, actor.agency_id)
    if series is None or agency is None or series.area_id != agency.area_id:
        raise NotFound(series_id)
    return series


def person(user: User) -> str:
    """Someone as a meeting's pages name them: their name and agency, and "(has left)"
    once their account is disabled."""
    return f"{user.display_name}, {user.agency.name}" + ("" if user.active else " (has left)")


def may_schedule(actor: Actor, series: MeetingSeries) -> bool:
    """The chair, and the organising agency's managers and conference chairs."""
    return actor.user_id == series.chair_id or (
        actor.agency_id == series.agency_id and actor.has(*ORGANISERS)
    )


def require_scheduler(session: Session, actor: Actor, series_id: int) -> MeetingSeries:
    """The meeting, for someone who may schedule its sittings; anyone else is refused
    (recorded, ``NotAllowed``), and ``NotFound`` outside its area."""
    series = meeting(session, actor, series_id)
    if not may_schedule(actor, series):
        raise acts.refused(
            session,
            acts.Action.MEETING_SCHEDULE,
            actor=actor,
            subject=acts.Subject("meeting_series", series.id),
            reason="not the chair or the organising agency",
            answer=NotAllowed("only the chair and the organising agency schedule sittings"),
        )
    return series


def schedule(
    session: Session,
    actor: Actor,
    series_id: int,
    starts_at: datetime | None,
    *,
    place: str = "",
    video_link: str = "",
    now: datetime | None = None,
) -> MeetingSitting:
    """A further sitting of the meeting (by its chair or its organising agency's managers
    and chairs); its place and link default to the meeting's own."""
    series = require_scheduler(session, actor, series_id)
    now = now or clock.now()
    with acts.refusing_input(
        session,
        acts.Action.MEETING_SCHEDULE,
        actor=actor,
        subject=acts.Subject("meeting_series", series.id),
    ):
        if not place and not video_link:
            place, video_link = series.place or "", series.video_link or ""
        place, link = _when_and_where(starts_at, place, video_link, now)
        # Scheduled twice at once (the chair and a manager): the second waits, then sees it.
        read_for_change(session, series)
        sitting_clashes.check_free(
            session,
            starts_at,  # type: ignore[arg-type]  # checked by _when_and_where
            series_id=series.id,
            chair_id=series.chair_id,
            area_id=series.area_id,
            viewer=actor,
        )
    sitting = MeetingSitting(
        series=series,
        starts_at=starts_at,
        place=place or None,
        video_link=link or None,
        scheduled_by_id=actor.user_id,
        scheduled_at=now,
    )
    session.add(sitting)
    session.flush()
    acts.record(
        session,
        acts.Action.MEETING_SCHEDULE,
        actor=actor,
        subject=acts.Subject("meeting_series", series.id),
        basis=f"sitting {sitting.id}",
    )
    return sitting


def protocol_now(session: Session, series: MeetingSeries) -> ProtocolRecord | None:
    """The active version of the meeting's protocol, if one is and still serves its
    purpose through a share."""
    protocol = records.active_version(session, series.protocol.key)
    if protocol is None or (protocol.id, series.purpose) not in {
        (r.id, p.id) for r, p in shareable_purposes(session)
    }:
        return None
    return protocol
