"""Case conferences (DESIGN.md §3): the case's owning agency convenes a multi-agency meeting
about a case; each agency invited gets a share of the case under the conference's
protocol and purpose, lasting until a number of days after the meeting; withdrawing an
invitation revokes its share. Here: convening a conference. Who may be invited, chair
and be expected is ``sharing.meetings.conference_eligibility``; withdrawing an
invitation ``sharing.meetings.conference_withdrawals``.

Attendees read the conference, like the case, through the one decision and reveal: one
conference's page is ``sharing.meetings.conference_pages``; the conferences a reader may
open, and their list, ``sharing.meetings.conference_listing``; the actions a conference
agrees ``sharing.meetings.conference_actions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import shares
from sharing.crypto.sealing import seal_many
from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.meetings import requests, sitting_clashes
from sharing.meetings.conference_eligibility import chair_refusal, invitable, refusals
from sharing.models import Conference, ConferenceAttendee, ConferenceInvitation, User
from sharing.protocols.records import shareable_purposes
from sharing.risk import escalation as escalation_prompts
from sharing.vocabulary import ConferenceStatus, ShareOrigin

MAX_QUESTION = 500
MAX_AGENDA = 5_000
MAX_PLACE = 200
MAX_LINK = 500
#: How far ahead a conference may be convened.
FURTHEST_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class ConferenceInput:
    """What the convenor gives: the question, when and where, the chair, the protocol and
    purpose, the agencies invited and the people expected."""

    question: str
    starts_at: datetime | None
    protocol_id: int | None
    purpose: str
    agency_ids: Sequence[int]
    chair_id: int | None
    place: str = ""
    video_link: str = ""
    agenda: str = ""
    attendee_ids: Sequence[int] = ()
    #: The escalation prompt this answers, if convened from one.
    escalation_id: int | None = None
    #: The partnership meeting's sitting it is brought onto, if it is: it takes the
    #: sitting's time and chair, so it is no clash with that sitting.
    sitting_id: int | None = None


def convene(
    session: Session,
    authorised: AuthorisedCase,
    data: ConferenceInput,
    *,
    share_days: int,
    now: datetime | None = None,
) -> Conference:
    """Convene a conference on the case (authorised for ``Act.CONVENE``): each invited
    agency gets a share for the conference's purpose until ``share_days`` after it.
    Refused with the field and the reason, before anything is written, for a question
    missing or too long, a time past, too far ahead or after the protocol ends (the
    invitations' shares end with it), no place or link, a chair who may not chair or
    who already chairs a sitting or another conference then
    (``sitting_clashes.check_chair_free``), an agency the protocol does not cover, or an
    attendee of an agency not at the table. A chair from an agency not among those
    invited invites it with the conference (its share and request as for any agency
    invited), or is refused naming why it cannot be invited; each refusal recorded once
    (``conference.convene``, or ``share.create`` for an invitation's share refused)."""
    authorised.require(Act.CONVENE)
    try:
        return _convene(session, authorised, data, share_days, now or clock.now())
    except InputError as refused:
        # An invitation's share refused has recorded its own refusal (``share.create``,
        # naming the agency, the protocol and the rule): one refusal, one entry.
        if not acts.refused_in(session):
            refuse_input(session, authorised, [refused.field])
        raise


def refuse_input(session: Session, authorised: AuthorisedCase, fields: Sequence[str]) -> None:
    """Record a conference refused for its input (the fields named, never their values)."""
    acts.refuse(
        session,
        acts.Action.CONFERENCE_CONVENE,
        actor=authorised.actor,
        subject=authorised.subject,
        reason=f"refused input: {', '.join(fields)}",
    )


def _convene(
    session: Session,
    authorised: AuthorisedCase,
    data: ConferenceInput,
    share_days: int,
    now: datetime,
) -> Conference:
    case, actor = authorised.case, authorised.actor
    question = checked_text(
        "question",
        data.question,
        limit=MAX_QUESTION,
        what="the question",
        required="Enter the question to decide",
    )
    agenda = checked_text("agenda", data.agenda, limit=MAX_AGENDA, what="the agenda")
    place = checked_text("place", data.place, limit=MAX_PLACE, what="the place")
    link = checked_text("video_link", data.video_link, limit=MAX_LINK, what="the video link")
    if data.starts_at is None:
        raise InputError("starts_at", "Enter the date and time of the conference")
    if data.starts_at <= now:
        raise InputError("starts_at", "The conference must be in the future")
    if data.starts_at > now + FURTHEST_AHEAD:
        raise InputError("starts_at", "The conference must be within a year from today")
    if not place and not link:
        raise InputError("place", "Enter where the conference meets, or a video link")
    if link and not link.startswith("https://"):
        raise InputError("video_link", "Enter a video link starting https://")
    protocols = {(r.id, p.id): r for r, p in shareable_purposes(session)}
    protocol = protocols.get((data.protocol_id or 0, data.purpose))
    if protocol is None:
        raise InputError("protocol_purpose", "Select an active protocol and purpose")
    if clock.day_of(data.starts_at) > protocol.end_on:
        raise InputError(
            "starts_at",
            f"{protocol.title} ends on {protocol.end_on:%-d %B %Y}, before the conference, "
            "and the invitations' shares end with it: hold the conference by then, or once "
            "the protocol's next version is signed, convene it under that",
        )
    options = {o.agency.id: o for o in invitable(session, case, protocol.id, data.purpose)}
    for agency_id in data.agency_ids:
        option = options.get(agency_id)
        if option is None:
            raise InputError("agency_ids", "Select partner agencies of the partnership")
        if option.refusal:
            raise InputError("agency_ids", option.refusal)
    chair = session.get(User, data.chair_id) if data.chair_id else None
    if chair is None or not chair.active or chair.agency.area_id != case.agency.area_id:
        if not data.agency_ids:
            raise InputError("agency_ids", "Invite at least one partner agency")
        raise InputError("chair_id", "Select the chair")
    if why := chair_refusal(session, chair, protocol.id, data.purpose, case):
        raise InputError("chair_id", why)
    agency_ids = list(dict.fromkeys(data.agency_ids))
    if chair.agency_id not in (case.agency_id, *agency_ids):
        # The chair's agency is invited with the conference, as one ticked would be.
        if refusal := options[chair.agency_id].refusal:
            raise InputError(
                "chair_id",
                f"{chair.display_name} is from {chair.agency.name}, which cannot be invited "
                f"({refusal}): select a chair of an agency that can be invited",
            )
        agency_ids.append(chair.agency_id)
    if not agency_ids:
        raise InputError("agency_ids", "Invite at least one partner agency")
    at_the_table = {case.agency_id, *agency_ids}
    sitting_clashes.check_chair_free(
        session,
        data.starts_at,
        chair_id=chair.id,
        area_id=case.agency.area_id,
        viewer=actor,
        sitting_id=data.sitting_id,
    )
    attendees: list[User] = []
    for user_id in dict.fromkeys(data.attendee_ids):
        user = session.get(User, user_id)
        if user is None or not user.active or user.agency_id not in at_the_table:
            raise InputError(
                "attendee_ids",
                "Select attendees from your agency and the agencies invited",
            )
        attendees.append(user)
    refused = refusals(session, case, attendees, chair.id)
    for user in attendees:
        if why := refused.get(user.id):
            raise InputError("attendee_ids", f"{user.display_name} cannot be expected: {why}")
    escalation = escalation_prompts.prompt_to_answer(session, case, data.escalation_id)

    conference = Conference(
        case=case,
        protocol_id=protocol.id,
        purpose=data.purpose,
        starts_at=data.starts_at,
        place=place or None,
        video_link=link or None,
        chair_id=chair.id,
        status=ConferenceStatus.PLANNED,
        share_days=share_days,
        convened_by_id=actor.user_id,
        convened_at=now,
        escalation_id=escalation.id if escalation else None,
    )
    session.add(conference)
    seal_many(conference, {"question": question, "agenda": agenda or None})
    session.flush()
    until = conference.shares_end
    for agency_id in agency_ids:
        share = shares.share_case(
            session,
            authorised,
            agency_id=agency_id,
            protocol_id=protocol.id,
            purpose=data.purpose,
            until=until,
            origin=ShareOrigin.CONFERENCE,
            now=now,
        )
        invitation = ConferenceInvitation(
            conference=conference, agency_id=agency_id, share_id=share.id, invited_at=now
        )
        session.add(invitation)
        requests.ask(session, conference, invitation)
    for user in attendees:
        session.add(ConferenceAttendee(conference=conference, user_id=user.id))
    if escalation is not None:
        day = clock.day_of(data.starts_at)  # the day in England, not in UTC
        escalation_prompts.answered_by_act(
            escalation, actor.user_id, f"Case conference convened for {day:%-d %B %Y}.", now
        )
    session.flush()
    meeting_notices.conference_convened(session, conference, now)
    acts.record(
        session,
        acts.Action.CONFERENCE_CONVENE,
        actor=actor,
        subject=authorised.subject,
        purpose=data.purpose,
        basis=(
            f"conference {conference.id} under protocol {protocol.key} version "
            f"{protocol.version}; agencies {acts.ids(sorted(agency_ids))}"
            + (f"; escalation {escalation.id} acted on" if escalation else "")
        ),
    )
    return conference
