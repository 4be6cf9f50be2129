"""Case conferences (DESIGN.md §3): the case's owning agency convenes a multi-agency meeting
about a case; each agency invited gets a share of the case under the conference's
protocol and purpose, lasting until a number of days after the meeting; withdrawing an
invitation revokes its share. Here: who may be invited, chair and be expected, convening
a conference, and withdrawing an invitation.

Attendees read the conference, like the case, through the one decision and reveal: one
conference's page is ``sharing.meetings.conference_pages``; the conferences a reader may
open, and their list, ``sharing.meetings.conference_listing``; the actions a conference
agrees ``sharing.meetings.conference_actions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, directory, meeting_notices, waiting_meeting_notices
from sharing.access.authorise import AuthorisedCase, authorise, decision_on, decisions_of
from sharing.access.decide import Act, Actor, Decision
from sharing.access.facts import policy
from sharing.access.scope import Partner
from sharing.audit import acts
from sharing.cases import share_ending, shares
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.meetings import requests, sitting_clashes
from sharing.models import (
    Agency,
    Case,
    Conference,
    ConferenceAttendee,
    ConferenceInvitation,
    User,
)
from sharing.protocols.records import shareable_purposes
from sharing.risk import escalation as escalation_prompts
from sharing.vocabulary import ConferenceStatus, Role, ShareOrigin

MAX_QUESTION = 500
MAX_AGENDA = 5_000
MAX_PLACE = 200
MAX_LINK = 500
#: How far ahead a conference may be convened.
FURTHEST_AHEAD = timedelta(days=366)
#: Roles that may chair a conference.
CHAIRS = frozenset({Role.CONFERENCE_CHAIR, Role.MANAGER})
#: Roles that take part in a conference: the roles its pages serve, which answer its
#: information requests. Only they are expected at one or are a meeting's members.
TAKING_PART = requests.ANSWERING_ROLES


def part_refusal(user: User) -> str | None:
    """Why this person cannot be expected at a conference (their roles cannot open it, nor
    answer its requests), or None."""
    if user.has_role(*TAKING_PART):
        return None
    return (
        "their roles do not take part in conferences (only case officers, managers, "
        "partner viewers and conference chairs do)"
    )


def refusals(
    session: Session, case: Case, people: Sequence[User], chair_id: int | None = None
) -> dict[int, str]:
    """Why each of ``people`` cannot be expected at a conference on ``case``, by user id
    (those who can are left out): their roles do not take part (``part_refusal``), or, of
    the case's own agency, the access rules do not let them open the case (a case officer
    of another team); the chair (``chair_id``) opens it as its chair. Decided for them all
    at once."""
    found = {u.id: why for u in people if (why := part_refusal(u))}
    own = [
        u
        for u in people
        if u.agency_id == case.agency_id and u.id not in found and u.id != chair_id
    ]
    decided = decisions_of(session, [Actor.of(u) for u in own], case.id)
    for user in own:
        decision = decided.get(user.id)
        if decision is None or not decision.allowed:
            found[user.id] = "they cannot open this case: it is neither theirs nor their team's"
    return found


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


@dataclass(frozen=True)
class Invitable:
    """An agency and whether the conference's protocol lets it be invited, with why not."""

    agency: Agency
    refusal: str | None = None


def invitable(
    session: Session, case: Case, protocol_id: int | None, purpose: str
) -> list[Invitable]:
    """Every other agency of the case's area, each with the reason it cannot be invited
    under this protocol and purpose, if it cannot (the form says why)."""
    compiled = policy(session)
    agencies = session.scalars(
        select(Agency)
        .where(Agency.area_id == case.agency.area_id, Agency.id != case.agency_id)
        .order_by(Agency.name)
    )
    found = []
    for agency in agencies:
        granted = any(g.protocol_id == protocol_id for g in compiled.grants(agency.id, purpose))
        found.append(
            Invitable(
                agency,
                None
                if granted
                else f"{agency.name} is not a party to an active case conference protocol "
                "that gives it case data for this purpose",
            )
        )
    return found


def chairs(
    session: Session, area_id: int, protocol_id: int | None, purpose: str, case: Case | None = None
) -> list[User]:
    """Active users of the area's agencies who may chair a conference under this protocol
    and purpose (on ``case``): see ``chair_refusal``. Decided for them all at once, so
    the cost does not grow with the staff."""
    candidates = [u for u in directory.people(session, area_id) if u.has_role(*CHAIRS)]
    own = (
        decisions_of(
            session, [Actor.of(u) for u in candidates if u.agency_id == case.agency_id], case.id
        )
        if case is not None
        else {}
    )
    return [
        u
        for u in candidates
        if chair_refusal(session, u, protocol_id, purpose, case, decided=own) is None
    ]


def chair_refusal(
    session: Session,
    user: User,
    protocol_id: int | None,
    purpose: str,
    case: Case | None = None,
    *,
    decided: Mapping[int, Decision] | None = None,
) -> str | None:
    """Why this person may not chair a conference under this protocol and purpose, or
    None. A chair is a conference chair or manager who can open the conference: one whose
    roles work ``case`` (their agency's own), or whose agency and roles the protocol's
    clauses give something for the purpose. ``decided``: the decisions on ``case`` of its
    agency's people, by user id, if already made (``decisions_of``)."""
    if not user.has_role(*CHAIRS):
        return f"{user.display_name} is not a conference chair or manager"
    actor = Actor.of(user)
    if case is not None and case.agency_id == user.agency_id:
        own = (
            decided[user.id]
            if decided is not None and user.id in decided
            else decision_on(session, actor, case.id)
        )
        if own is not None and own.allowed:
            return None
    grants = Partner.grants(actor, policy(session), purpose, clock.today())
    if any(g.protocol_id == protocol_id for g in grants):
        return None
    return (
        f"{user.display_name} could not open the conference: that protocol gives their "
        "role nothing for this purpose"
    )


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


def withdraw_invitation(
    session: Session, actor: Actor, conference_id: int, invitation_id: int
) -> ConferenceInvitation:
    """The convening agency withdraws an agency's invitation: its share ends at once, its
    people are no longer expected, and notices still waiting to go to it are dropped.
    Refused (``InputError``, recorded) for the chair's agency, while they chair: the chair
    could no longer open the conference nor agree its minutes."""
    conference = session.get(Conference, conference_id)
    invitation = session.get(ConferenceInvitation, invitation_id)
    if conference is None or invitation is None or invitation.conference_id != conference.id:
        raise NotFound(invitation_id)
    authorise(session, actor, conference.case_id, Act.REVOKE_SHARE)
    if conference.case.agency_id != actor.agency_id:
        raise NotAllowed("only the convening agency withdraws invitations")
    read_for_change(session, invitation)  # withdrawn twice at once: the second waits, then sees it
    if invitation.withdrawn_at is None and (why := chair_stays(conference, invitation)):
        acts.refuse(
            session,
            acts.Action.CONFERENCE_WITHDRAW,
            actor=actor,
            subject=acts.Subject("conference", conference.id),
            reason=f"refused: agency {invitation.agency_id} is the chair's",
        )
        raise InputError("invitation", why)
    if invitation.withdrawn_at is None:
        withdrawn(session, actor, conference, invitation, clock.now())
    return invitation


def withdrawn(
    session: Session,
    actor: Actor,
    conference: Conference,
    invitation: ConferenceInvitation,
    now: datetime,
    *,
    why: str = "",
) -> None:
    """Withdraw the invitation (held for change; the convening agency's ``actor`` may):
    its share ends at once, notices still waiting to go to its agency about the conference
    are dropped, and one ``conference.withdraw`` entry says so (``why``, if given, says
    what it was withdrawn with)."""
    invitation.withdrawn_at = now
    invitation.withdrawn_by_id = actor.user_id
    share_ending.revoke_share(session, actor, invitation.share_id, now=now)
    waiting_meeting_notices.withdraw_unsent(session, invitation.agency_id, conference)
    acts.record(
        session,
        acts.Action.CONFERENCE_WITHDRAW,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        basis=f"agency {invitation.agency_id}; share {invitation.share_id} revoked"
        + (f"; {why}" if why else ""),
    )


def chair_stays(conference: Conference, invitation: ConferenceInvitation) -> str | None:
    """Why the invitation cannot be withdrawn (``Conference.chaired_from`` its agency), or
    None; ``sharing.cases.share_ending.chair_keeps`` says the same of revoking its share."""
    chair = conference.chair
    if not conference.chaired_from(invitation.agency_id):
        return None
    return (
        f"You cannot withdraw the invitation to {invitation.agency.name}: "
        f"{chair.display_name} of {invitation.agency.name} chairs this conference, and "
        "could then neither open it nor agree its minutes"
    )
