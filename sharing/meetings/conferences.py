"""Case conferences (DESIGN.md §3): the case's owning agency convenes a multi-agency meeting
about a case; each agency invited gets a share of the case under the conference's
protocol and purpose, lasting until a number of days after the meeting; withdrawing an
invitation revokes its share. Attendees read the conference, like the case, through the
one decision and reveal: the convening agency as the case's owner, an invited agency
through its share for the conference's purpose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from sharing import clock, directory, notices
from sharing.access.authorise import (
    AuthorisedCase,
    authorise,
    authorise_chair,
    chair_decision_on,
    decision_on,
    decisions_of,
)
from sharing.access.decide import Act, Actor, Decision
from sharing.access.facts import CaseFacts, facts_of, policy
from sharing.access.reveal import load_data_keys, reveal
from sharing.access.scope import Partner
from sharing.audit import acts
from sharing.cases import actions, shares
from sharing.cases.pages import ActionView, action_views
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.meetings import minutes, requests
from sharing.models import (
    Action,
    Agency,
    Case,
    Conference,
    ConferenceAttendee,
    ConferenceInvitation,
    Escalation,
    User,
)
from sharing.protocols.records import shareable_purposes
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
    missing or too long, a time past or too far ahead, no place or link, a chair who may
    not chair, an agency the protocol does not cover, or an attendee of an agency not at
    the table."""
    authorised.require(Act.CONVENE)
    try:
        return _convene(session, authorised, data, share_days, now or clock.now())
    except InputError as refused:
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
        raise InputError("protocol_purpose", "Choose an active protocol and purpose")
    if not data.agency_ids:
        raise InputError("agency_ids", "Invite at least one partner agency")
    options = {o.agency.id: o for o in invitable(session, case, protocol.id, data.purpose)}
    for agency_id in data.agency_ids:
        option = options.get(agency_id)
        if option is None:
            raise InputError("agency_ids", "Choose partner agencies of the partnership")
        if option.refusal:
            raise InputError("agency_ids", option.refusal)
    at_the_table = {case.agency_id, *data.agency_ids}
    chair = session.get(User, data.chair_id) if data.chair_id else None
    if chair is None or not chair.active or chair.agency.area_id != case.agency.area_id:
        raise InputError("chair_id", "Choose the chair")
    if why := chair_refusal(session, chair, protocol.id, data.purpose, case):
        raise InputError("chair_id", why)
    if chair.agency_id not in at_the_table:
        raise InputError(
            "chair_id",
            f"{chair.display_name} is from {chair.agency.name}: invite it, or choose a chair "
            "from an agency at the table",
        )
    attendees = [session.get(User, i) for i in dict.fromkeys(data.attendee_ids)]
    for user in attendees:
        if user is None or not user.active or user.agency_id not in at_the_table:
            raise InputError(
                "attendee_ids",
                "Choose attendees from your agency and the agencies invited",
            )
        if why := part_refusal(user):
            raise InputError("attendee_ids", f"{user.display_name} cannot be expected: {why}")
    escalation = _escalation(session, case, data.escalation_id)

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
    until = conference.shares_until
    for agency_id in dict.fromkeys(data.agency_ids):
        share = shares.share_case(
            session,
            authorised,
            agency_id=agency_id,
            protocol_id=protocol.id,
            purpose=data.purpose,
            until=min(until, protocol.end_on),
            origin=ShareOrigin.CONFERENCE,
            now=now,
        )
        invitation = ConferenceInvitation(
            conference=conference, agency_id=agency_id, share_id=share.id, invited_at=now
        )
        session.add(invitation)
        requests.ask(session, conference, invitation)
    for user in attendees:
        session.add(ConferenceAttendee(conference=conference, user_id=user.id))  # type: ignore[union-attr]
    if escalation is not None:
        escalation.considered_at = now
        escalation.considered_by_id = actor.user_id
        seal_many(
            escalation,
            {"decision_note": f"Case conference convened for {data.starts_at:%d %B %Y}."},
        )
    session.flush()
    notices.conference_convened(session, conference, now)
    acts.record(
        session,
        acts.Action.CONFERENCE_CONVENE,
        actor=actor,
        subject=authorised.subject,
        purpose=data.purpose,
        basis=(
            f"conference {conference.id} under protocol {protocol.key} version "
            f"{protocol.version}; agencies {acts.ids(sorted(set(data.agency_ids)))}"
            + (f"; escalation {escalation.id} acted on" if escalation else "")
        ),
    )
    return conference


def _escalation(session: Session, case: Case, escalation_id: int | None) -> Escalation | None:
    if escalation_id is None:
        return None
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or escalation.case_id != case.id:
        raise InputError("escalation_id", "That prompt is not on this case")
    read_for_change(session, escalation)  # acted on twice at once: the second waits, then sees it
    return escalation if escalation.considered_at is None else None


def add_action(
    session: Session,
    actor: Actor,
    conference_id: int,
    data: actions.ActionInput,
    now: datetime | None = None,
) -> Action:
    """An action agreed at the conference, owned by an agency at the table, written to
    the case (the convening agency records it, as any record on its case)."""
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(conference_id)
    authorised = authorise(session, actor, conference.case_id, Act.RECORD)
    owner = data.owner_agency_id or actor.agency_id
    if owner not in conference.at_the_table:
        agency = session.get(Agency, owner)
        name = agency.name if agency else "That agency"
        raise acts.refused(
            session,
            acts.Action.CASE_RECORD,
            actor=actor,
            subject=authorised.subject,
            reason=f"refused input: owner_agency_id (agency not at conference {conference.id})",
            answer=InputError(
                "owner_agency_id",
                f"{name} is not invited to this conference: invite it, or choose an agency at the table",
            ),
        )
    action = actions.add_action(session, authorised, data, now=now)
    action.conference_id = conference.id
    session.flush()
    return action


def refuse_action_input(
    session: Session, actor: Actor, conference_id: int, fields: Sequence[str]
) -> None:
    """Record an action for the conference that a form refused before it came here,
    naming the fields, never their values; the actor is first authorised as
    ``add_action`` authorises them (refused, recorded and raised as there). With no
    fields, only that check: for a form someone may not open."""
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(conference_id)
    authorised = authorise(session, actor, conference.case_id, Act.RECORD)
    if fields:
        acts.refuse(
            session,
            acts.Action.CASE_RECORD,
            actor=actor,
            subject=authorised.subject,
            reason=f"refused input: {', '.join(fields)} (conference {conference.id})",
        )


@dataclass(frozen=True)
class InvitationRow:
    id: int
    agency: str
    agency_id: int
    share_until: date
    withdrawn: bool


@dataclass(frozen=True)
class SittingLink:
    """The partnership meeting's sitting a conference is on the agenda of."""

    series_id: int
    sitting_id: int
    series_name: str


@dataclass(frozen=True)
class ConferencePage:
    """A conference as one attendee's agency may see it."""

    id: int
    case_id: int
    case_reference: str
    #: Whether the reader's agency convened it (and may change it).
    convening: bool
    convening_agency_id: int
    convening_agency: str
    purpose: str
    protocol: str
    starts_at: datetime
    place: str | None
    video_link: str | None
    chair: str
    status: ConferenceStatus
    convened_by: str
    question: str | None
    agenda: str | None
    invitations: list[InvitationRow]
    attendees: list[str]
    #: The decision the reader saw it under.
    decision: Decision
    #: Why the reader sees the question and agenda (the basis of the narrative category).
    basis: str | None = None
    escalation_acted_on: bool = False
    #: The information requests and their answers, as the reader may see them.
    requests: list[requests.RequestRow] = field(default_factory=list)
    #: The reader's agency's request still to answer, if any.
    to_answer: int | None = None
    #: The actions the conference agreed.
    actions: list[ActionView] = field(default_factory=list)
    #: The meeting: attendance, minutes and decisions, as the reader may see them.
    meeting: minutes.Meeting | None = None
    #: The reader is the conference's chair.
    chairing: bool = False
    #: The partnership meeting's sitting it is on the agenda of, if any.
    sitting: SittingLink | None = None
    #: Whether the reader may open the case's own page (a chair who reads their own
    #: agency's case through the conference's purpose reads it in their pack).
    case_opens: bool = True

    @property
    def action_ids(self) -> list[int]:
        return [a.id for a in self.actions]


def _authorised(
    session: Session, actor: Actor, conference: Conference, action: acts.Action
) -> AuthorisedCase:
    """The case of the conference, for the reader: the owning agency's own decision, or an
    invited agency's through its share for the conference's purpose; the chair, as the
    conference's purpose gives their agency and roles (``authorise_chair``)."""
    if minutes.is_chair(actor, conference) and conference.case.agency_id == actor.agency_id:
        return authorise_chair(
            session, actor, conference.case_id, conference.purpose, conference.shares_until
        )
    purpose = None if conference.case.agency_id == actor.agency_id else conference.purpose
    invited = {i.agency_id for i in conference.invitations if i.withdrawn_at is None}
    if purpose is not None and actor.agency_id not in invited:
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("conference", conference.id),
            reason="the agency is not invited",
            answer=NotFound(conference.id),
        )
    return authorise(session, actor, conference.case_id, Act.VIEW, purpose)


def opened(
    session: Session, actor: Actor, conference_id: int, action: acts.Action
) -> tuple[Conference, AuthorisedCase]:
    """The conference and its case authorised for the reader (see ``_authorised``); a
    conference that does not exist is refused as ``action`` and ``NotFound``."""
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("conference", conference_id),
            reason="no such conference",
            answer=NotFound(conference_id),
        )
    return conference, _authorised(session, actor, conference, action)


def conference_page(session: Session, actor: Actor, conference_id: int) -> ConferencePage:
    """The conference as the actor may see it, recorded as one audit entry; ``NotFound``
    for anyone whose agency neither convened it nor is invited (or may not see its case)."""
    conference, authorised = opened(session, actor, conference_id, acts.Action.CONFERENCE_VIEW)
    page = read_conference(session, authorised, conference)
    acts.record(
        session,
        acts.Action.CONFERENCE_VIEW,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose,
        basis=f"case {conference.case_id}; {disclosed(page)}",
    )
    return page


def disclosed(page: ConferencePage) -> str:
    """What a conference page disclosed, for its audit entry: the categories with their
    bases, and the answers, actions, minutes and decisions shown."""
    meeting = page.meeting
    return (
        f"{acts.disclosed(page.decision)}; answers "
        f"{acts.ids([r.id for r in page.requests if r.answered_at])}; "
        f"actions {acts.ids(page.action_ids)}; "
        f"minutes {acts.ids(meeting.minute_ids if meeting else [])}; "
        f"decisions {acts.ids(meeting.decision_ids if meeting else [])}"
    )


def read_conference(
    session: Session, authorised: AuthorisedCase, conference: Conference
) -> ConferencePage:
    """The conference as the authorised reader may see it (no audit entry: the page or
    pack that shows it records one)."""
    actor = authorised.actor
    decision: Decision = authorised.decision
    load_data_keys(session, {conference.case.data_key_id})
    opened = reveal(decision, conference, ["question", "agenda"])
    answers = requests.rows(session, conference, decision, actor.agency_id)
    agreed = list(
        session.scalars(
            select(Action).where(Action.conference_id == conference.id).order_by(Action.id)
        )
    )
    return ConferencePage(
        id=conference.id,
        case_id=conference.case_id,
        case_reference=conference.case.reference,
        convening=decision.own_agency,
        convening_agency_id=conference.case.agency_id,
        convening_agency=conference.case.agency.name,
        purpose=conference.purpose,
        protocol=f"{conference.protocol.title} (version {conference.protocol.version})",
        starts_at=conference.starts_at,
        place=conference.place,
        video_link=conference.video_link,
        chair=f"{conference.chair.display_name}, {conference.chair.agency.name}",
        status=conference.status,
        convened_by=f"{conference.convened_by.display_name}, {conference.convened_by.agency.name}",
        question=opened["question"],
        agenda=opened["agenda"],
        invitations=[
            InvitationRow(
                id=i.id,
                agency=i.agency.name,
                agency_id=i.agency_id,
                share_until=i.share.until,
                withdrawn=i.withdrawn_at is not None or i.share.revoked_at is not None,
            )
            for i in conference.invitations
        ],
        attendees=[f"{a.user.display_name}, {a.user.agency.name}" for a in conference.expected],
        basis=decision.categories.get("narrative"),
        escalation_acted_on=conference.escalation_id is not None,
        requests=answers,
        to_answer=next(
            (r.id for r in answers if r.agency_id == actor.agency_id and not r.answered_at),
            None,
        ),
        actions=action_views(decision, agreed, clock.today()),
        meeting=minutes.meeting(conference, actor, decision),
        chairing=minutes.is_chair(actor, conference),
        sitting=(
            SittingLink(
                conference.sitting.series_id, conference.sitting_id, conference.sitting.series.name
            )
            if conference.sitting is not None and conference.sitting_id is not None
            else None
        ),
        decision=decision,
        case_opens=decision.own_agency or conference.case.agency_id != actor.agency_id,
    )


def withdraw_invitation(
    session: Session, actor: Actor, conference_id: int, invitation_id: int
) -> ConferenceInvitation:
    """The convening agency withdraws an agency's invitation: its share ends at once, its
    people are no longer expected, and notices still waiting to go to it are dropped."""
    conference = session.get(Conference, conference_id)
    invitation = session.get(ConferenceInvitation, invitation_id)
    if conference is None or invitation is None or invitation.conference_id != conference.id:
        raise NotFound(invitation_id)
    authorise(session, actor, conference.case_id, Act.REVOKE_SHARE)
    if conference.case.agency_id != actor.agency_id:
        raise NotAllowed("only the convening agency withdraws invitations")
    if invitation.withdrawn_at is None:
        now = clock.now()
        invitation.withdrawn_at = now
        invitation.withdrawn_by_id = actor.user_id
        shares.revoke_share(session, actor, invitation.share_id, now=now)
        notices.withdraw_unsent(session, invitation.agency_id, conference)
        acts.record(
            session,
            acts.Action.CONFERENCE_WITHDRAW,
            actor=actor,
            subject=acts.Subject("conference", conference.id),
            basis=f"agency {invitation.agency_id}; share {invitation.share_id} revoked",
        )
    return invitation


def visible(
    session: Session,
    actor: Actor,
    conference: Conference,
    *,
    known: Mapping[int, CaseFacts] | None = None,
) -> bool:
    """Whether the actor may open the conference: the owning agency's staff who may see
    the case, its chair, or an invited agency's through the invitation's share (no audit entry: a
    listing names the conference, the page records the view). A list passes its cases'
    facts as ``known`` (``decision_on``)."""
    own = conference.case.agency_id == actor.agency_id
    if not own and actor.agency_id not in conference.at_the_table:
        return False
    if own and minutes.is_chair(actor, conference):
        decision = chair_decision_on(
            session,
            actor,
            conference.case_id,
            conference.purpose,
            conference.shares_until,
            known=known,
        )
        return decision is not None and decision.allowed
    purpose = None if own else conference.purpose
    decision = decision_on(session, actor, conference.case_id, Act.VIEW, purpose, known=known)
    return decision is not None and decision.allowed


@dataclass(frozen=True)
class ConferenceRow:
    id: int
    case_id: int
    case_reference: str
    starts_at: datetime
    convening_agency: str
    where: str
    status: ConferenceStatus


def conferences_for(session: Session, actor: Actor, *, since: datetime) -> list[ConferenceRow]:
    """Conferences from ``since`` that the actor's agency convened or is invited to (with
    the invitation standing), soonest first; each one the actor may see the case of."""
    invited = select(ConferenceInvitation.conference_id).where(
        ConferenceInvitation.agency_id == actor.agency_id,
        ConferenceInvitation.withdrawn_at.is_(None),
    )
    found = session.scalars(
        select(Conference)
        .join(Case, Case.id == Conference.case_id)
        .where(
            Conference.starts_at >= since,
            (Case.agency_id == actor.agency_id) | Conference.id.in_(invited),
        )
        .options(
            contains_eager(Conference.case).joinedload(Case.agency),  # the case joined above
            selectinload(Conference.invitations),
        )
        .order_by(Conference.starts_at, Conference.id)
    ).all()
    known = facts_of(session, {c.case_id for c in found})
    rows = []
    for conference in found:
        if not visible(session, actor, conference, known=known):
            continue
        rows.append(
            ConferenceRow(
                id=conference.id,
                case_id=conference.case_id,
                case_reference=conference.case.reference,
                starts_at=conference.starts_at,
                convening_agency=conference.case.agency.name,
                where=conference.place or "Video call",
                status=conference.status,
            )
        )
    return rows
