"""Bringing a case to a sitting of a partnership meeting (DESIGN.md §3): the case's
owning agency convenes a conference on it for the sitting's date and place, chaired by
the meeting's chair, inviting its members' agencies under the meeting's protocol and
purpose; the members who can no longer take part are left out (``members_left_out``).
Also the sittings a case may be brought to (``sittings_to_bring``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.meetings import conference_eligibility, conferences
from sharing.meetings.series import members_eligible, protocol_now
from sharing.models import (
    Case,
    Conference,
    MeetingSeries,
    MeetingSitting,
    ProtocolRecord,
    TriggerApplication,
    TriggerCaseRequest,
    User,
)


def members_left_out(
    session: Session, series: MeetingSeries, protocol: ProtocolRecord, case: Case
) -> list[tuple[User, str]]:
    """The standing members who cannot take part in the conference of the meeting on
    ``case`` under ``protocol`` (the active version of its protocol), each with why: their
    account is no longer active, their roles do not take part in conferences, their agency
    is not a party to it for the meeting's purpose, or, of the case's own agency, they may
    not open the case (a case officer of another team)."""
    why_not = dict(members_eligible(session, series.area_id, protocol.id, series.purpose))
    left_out = []
    for member in series.members:
        user = member.user
        if not user.active:
            left_out.append((user, "their account is no longer active"))
        elif why := why_not.get(user):
            left_out.append((user, why))
    out = {u.id for u, _ in left_out}
    staying = [m.user for m in series.members if m.user_id not in out]
    refused = conference_eligibility.refusals(session, case, staying, series.chair_id)
    return left_out + [(u, why) for u in staying if (why := refused.get(u.id))]


def bring_case(
    session: Session,
    authorised: AuthorisedCase,
    sitting_id: int | None,
    question: str,
    *,
    agenda: str = "",
    share_days: int,
    now: datetime | None = None,
) -> Conference:
    """Bring the case (authorised for ``Act.CONVENE``) to a sitting of a partnership
    meeting: a conference on it at the sitting's time and place, under the active version
    of the meeting's protocol, chaired by the meeting's chair, inviting its members'
    agencies and expecting its members and the actor; members who can no longer take part
    are left out (``members_left_out``). Refused, with the reason and nothing written, for
    a sitting of another area, one past, one the case is already on, a review panel's
    sitting the case was asked to only for applications closed since (withdrawn, or
    duplicates: ``_asked_only_for_closed_applications``), a meeting whose
    protocol has no active version or whose chair can no longer chair, or one with no
    partner agency among the members who can take part."""
    authorised.require(Act.CONVENE)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    sitting = session.get(MeetingSitting, sitting_id) if sitting_id else None
    try:
        if sitting is None or sitting.series.area_id != case.agency.area_id:
            raise InputError("sitting_id", "Select a sitting of one of the partnership's meetings")
        if sitting.starts_at <= now:
            raise InputError("sitting_id", "That sitting has taken place: select one to come")
        # Brought twice at once (its officer and their manager): the second waits, then
        # sees it on the agenda; brought as the sitting is cancelled or moved: it waits,
        # then sees it cancelled, or is convened for its new time.
        read_for_change(session, case, sitting)
        # Its meeting's chair as it is now: one changed as the case was brought takes over
        # the conferences on its sittings to come, so the case is brought with them.
        session.refresh(sitting.series)
        if sitting.cancelled:
            raise InputError("sitting_id", "That sitting is cancelled: select another")
        if _asked_only_for_closed_applications(session, sitting, case):
            raise InputError(
                "sitting_id",
                "That sitting was to review the case for a Community Trigger application "
                "that has since been closed: the panel no longer reviews it. Select another "
                "sitting, or convene a case conference on the case",
            )
        if session.scalar(
            select(Conference.id).where(
                Conference.sitting_id == sitting.id, Conference.case_id == case.id
            )
        ):
            raise InputError("sitting_id", "The case is already on that sitting's agenda")
        series = sitting.series
        protocol = _protocol_to_bring(session, series)
        _check_chair(session, series, protocol, case)
        left_out = {u.id for u, _ in members_left_out(session, series, protocol, case)}
        members = [m.user for m in series.members if m.user_id not in left_out]
        partners = [a for a in dict.fromkeys(u.agency_id for u in members) if a != case.agency_id]
        if not partners:
            raise InputError(
                "sitting_id",
                f"No other agency among the members of {series.name} can take part: "
                "convene a case conference on the case instead, or ask "
                f"{series.agency.name} to change the meeting's members",
            )
    except InputError as refused:
        conferences.refuse_input(session, authorised, [refused.field])
        raise
    data = conferences.ConferenceInput(
        question=question,
        starts_at=sitting.starts_at,
        protocol_id=protocol.id,
        purpose=series.purpose,
        agency_ids=partners,
        chair_id=series.chair_id,
        place=sitting.place or "",
        video_link=sitting.video_link or "",
        agenda=agenda,
        attendee_ids=[actor.user_id, *(u.id for u in members)],
        sitting_id=sitting.id,
    )
    conference = conferences.convene(session, authorised, data, share_days=share_days, now=now)
    conference.sitting = sitting  # the sitting's agenda, already loaded, sees it too
    session.flush()
    acts.record(
        session,
        acts.Action.MEETING_BRING,
        actor=actor,
        subject=acts.Subject("meeting_sitting", sitting.id),
        purpose=series.purpose,
        basis=f"case {case.id}; conference {conference.id}"
        + (f"; members left out {acts.ids(sorted(left_out))}" if left_out else ""),
    )
    return conference


def _asked_only_for_closed_applications(
    session: Session, sitting: MeetingSitting, case: Case
) -> bool:
    """Whether the case's agency was asked to bring it to the sitting, as the review panel
    of Community Trigger applications, only for applications closed since (withdrawn, or
    duplicates) or erased: nothing about it is left for the panel to review, and its
    holders are no longer asked (their notices were dropped). Read from the database, as
    the sitting's lock has let an application closing at the same moment finish."""
    asked = session.execute(
        select(TriggerApplication.closed_at, TriggerApplication.erased_at)
        .join(TriggerCaseRequest, TriggerCaseRequest.application_id == TriggerApplication.id)
        .where(
            TriggerApplication.review_sitting_id == sitting.id,
            TriggerCaseRequest.case_id == case.id,
        )
    ).all()
    return bool(asked) and all(
        closed_at is not None or erased_at is not None for closed_at, erased_at in asked
    )


def _protocol_to_bring(session: Session, series: MeetingSeries) -> ProtocolRecord:
    protocol = protocol_now(session, series)
    if protocol is None:
        raise InputError(
            "sitting_id",
            f"{series.name} shares its cases under {series.protocol.title}, which has no "
            "active version for its purpose now: convene a case conference on the case "
            f"instead, under an active protocol, or ask {series.agency.name} to change the "
            "meeting's protocol",
        )
    return protocol


def _check_chair(
    session: Session, series: MeetingSeries, protocol: ProtocolRecord, case: Case
) -> None:
    chair = series.chair
    why = (
        "their account is no longer active"
        if not chair.active
        else conference_eligibility.chair_refusal(session, chair, protocol.id, series.purpose, case)
    )
    if why:
        raise InputError(
            "sitting_id",
            f"{series.name} cannot take the case: its chair, {chair.display_name}, can no "
            f"longer chair it ({why}); convene a case conference on the case instead, or "
            f"ask {series.agency.name} to change the meeting's chair",
        )


def sittings_to_bring(
    session: Session, case_area_id: int, case_id: int | None = None
) -> list[MeetingSitting]:
    """The sittings to come of the area's partnership meetings, soonest first, but those
    cancelled (to bring a case to); with ``case_id``, also but those that case is already
    on the agenda of (it cannot be brought to one twice)."""
    query = (
        select(MeetingSitting)
        .join(MeetingSeries, MeetingSeries.id == MeetingSitting.series_id)
        .where(
            MeetingSeries.area_id == case_area_id,
            MeetingSitting.starts_at > clock.now(),
            MeetingSitting.cancelled_at.is_(None),
        )
        .order_by(MeetingSitting.starts_at, MeetingSitting.id)
    )
    if case_id is not None:
        on_it = select(Conference.id).where(
            Conference.sitting_id == MeetingSitting.id, Conference.case_id == case_id
        )
        query = query.where(~on_it.exists())
    return list(session.scalars(query))
