"""Information requests before a case conference: each agency invited is asked what it
holds about the case ("known to you? incidents, risk, current actions, concerns"); its
staff answer in the hub; the answer is sealed under the case, each part under its data
category, and shown to the attendees as their decisions on the case allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from sharing import clock
from sharing.access.authorise import CaseDecisions
from sharing.access.decide import OWN_ANSWER, Actor, Decision, decide_own_answer
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import checked_text
from sharing.meetings import conference_listing
from sharing.models import Case, Conference, ConferenceInvitation, InformationRequest
from sharing.trigger.workdays import CalendarExhausted, WorkingDays, england_and_wales
from sharing.vocabulary import CATEGORIES, ConferenceStatus, Role

#: Working days before the conference its information requests are due.
DUE_BEFORE_WORKING_DAYS = 2
MAX_PART = 2_000
#: The parts of an answer, each with its label and the data category it is sealed under.
#: Vulnerability (special category data) and offending (criminal offence data) have parts
#: of their own, so that they reach only the agencies the protocol gives them to.
PARTS: dict[str, tuple[str, str]] = {
    "incidents_note": ("Incidents and reports you hold", "narrative"),
    "risk_note": ("Risk of harm you know of", "risk"),
    "vulnerability_note": ("Vulnerability you know of", "vulnerability"),
    "offending_note": ("Offending you know of", "offending"),
    "actions_note": ("Your current actions or involvement", "actions"),
    "concerns_note": ("Other concerns for the conference", "narrative"),
}
#: Each part's label where an answer is read back under its agency's name (the conference's
#: page and pack, a subject access report): the form's labels ask the one answering.
READ_BACK: dict[str, str] = {
    "incidents_note": "Incidents and reports it holds",
    "risk_note": "Risk of harm it knows of",
    "vulnerability_note": "Vulnerability it knows of",
    "offending_note": "Offending it knows of",
    "actions_note": "Its current actions or involvement",
    "concerns_note": "Other concerns for the conference",
}
#: Why a request can no longer be answered, once its conference has met or is cancelled.
NO_LONGER = (
    "The conference has met or been cancelled, so the request can no longer be answered: "
    "tell the convening agency directly"
)
#: Roles of an invited agency that answer its requests.
ANSWERING_ROLES = frozenset(
    {Role.CASE_OFFICER, Role.MANAGER, Role.PARTNER_VIEWER, Role.CONFERENCE_CHAIR}
)


def due_on(starts_at: datetime, today: date, calendar: WorkingDays | None = None) -> date:
    """When a request is due: two working days before the conference (a Monday's
    conference on the Thursday before, not the Saturday), never before today. A
    conference past the end of the bank holiday list counts Monday to Friday."""
    day = clock.day_of(starts_at)
    try:
        due = (calendar or england_and_wales()).before(day, DUE_BEFORE_WORKING_DAYS)
    except CalendarExhausted:
        due = WorkingDays({}, date.max).before(day, DUE_BEFORE_WORKING_DAYS)
    return max(due, today)


def ask(
    session: Session,
    conference: Conference,
    invitation: ConferenceInvitation,
    now: datetime | None = None,
) -> None:
    """Ask an invited agency what it holds: when the conference is convened, or ``now``
    as it is invited later."""
    asked_at = now or conference.convened_at
    session.add(
        InformationRequest(
            conference=conference,
            agency_id=invitation.agency_id,
            asked_at=asked_at,
            due_on=due_on(conference.starts_at, clock.day_of(asked_at)),
        )
    )


@dataclass(frozen=True)
class AnswerInput:
    known: bool | None
    incidents_note: str = ""
    risk_note: str = ""
    vulnerability_note: str = ""
    offending_note: str = ""
    actions_note: str = ""
    concerns_note: str = ""


def answer(
    session: Session, actor: Actor, request_id: int, data: AnswerInput, now: datetime | None = None
) -> InformationRequest:
    """The invited agency answers its request (once; its staff who work cases or attend
    conferences). ``NotFound`` for anyone else, or when the invitation no longer stands
    (withdrawn, or its share revoked or ended)."""
    now = now or clock.now()
    request = _answerable(session, actor, request_id)
    if request is None:
        raise acts.refused(
            session,
            acts.Action.INFORMATION_ANSWER,
            actor=actor,
            subject=acts.Subject("information_request", request_id),
            reason="no such request for the agency",
            answer=NotFound(request_id),
        )
    read_for_change(session, request)  # answered twice at once: the second waits, then sees it
    if request.answered_at is not None:
        raise InputError("known", "Your agency has already answered this request")
    if not answerable_now(request.conference, now):
        raise InputError("known", NO_LONGER)
    if data.known is None:
        raise InputError("known", "Say whether the case or its people are known to your agency")
    parts = {}
    for name in PARTS:
        what = f"\u201c{PARTS[name][0]}\u201d"
        parts[name] = checked_text(name, getattr(data, name), limit=MAX_PART, what=what) or None
    if data.known and not any(parts.values()):
        raise InputError("incidents_note", "Say what your agency holds")
    request.known = data.known
    request.answered_at = now
    request.answered_by_id = actor.user_id
    seal_many(request, parts)
    session.flush()
    acts.record(
        session,
        acts.Action.INFORMATION_ANSWER,
        actor=actor,
        subject=acts.Subject("case", request.conference.case_id),
        basis=f"conference {request.conference_id}; request {request.id}; "
        f"parts {','.join(sorted(n for n, v in parts.items() if v)) or 'none'}",
    )
    return request


@dataclass(frozen=True)
class RequestRow:
    """A request and its answer as a reader may see it."""

    id: int
    agency: str
    agency_id: int
    due_on: date
    overdue: bool
    #: Whether it can still be answered: its conference is planned and to come.
    open: bool
    answered_at: datetime | None
    answered_by: str | None
    #: Whether the case is known to the agency: shown to the convening agency and the
    #: agency that answered only (to anyone else, being known to a safeguarding team or
    #: the police says something about the people it cannot be given); None to others.
    known: bool | None
    #: (label, text, "" for a part left blank, or None when the reader's decision
    #: withholds that part's category).
    parts: list[tuple[str, str | None]]
    #: Whether it is no longer asked: not answered, and its agency's invitation withdrawn
    #: (or its share revoked or ended).
    withdrawn: bool = False
    #: Why the reader sees the whole answer, when it is their own agency's
    #: (``decide_own_answer``); None for another agency's, read as their clauses allow.
    basis: str | None = None

    @property
    def own(self) -> bool:
        """Whether the reader's agency wrote it, and reads it whole."""
        return self.basis is not None


def nothing_to_answer(request: InformationRequest, now: datetime) -> str | None:
    """Why the request has nothing left for its agency to answer (answered already, or
    its conference met or cancelled), as a sentence for the one who opens it; None while
    it waits for an answer."""
    if request.answered_at is not None:
        who = request.answered_by.display_name if request.answered_by else "a colleague"
        return (
            f"Your agency answered this request on {clock.day_of(request.answered_at):%-d %B %Y} "
            f"({who}): its answer is under \u201cWhat each agency holds\u201d"
        )
    if not answerable_now(request.conference, now):
        return NO_LONGER
    return None


def answerable_now(conference: Conference, now: datetime) -> bool:
    """Whether the conference's requests can still be answered: it is planned and has not
    met (an answer is for the meeting; after it, or once it is cancelled, nobody reads it
    in time)."""
    return conference.status is ConferenceStatus.PLANNED and conference.starts_at > now


def rows(
    session: Session, conference: Conference, decision: Decision, reader: Actor
) -> list[RequestRow]:
    """The conference's requests with their answers, each part revealed under the
    reader's decision on the case, and the reader's own agency's answer whole
    (``decide_own_answer``): the caller has authorised the reader and records the page's
    audit entry, naming the answers read whole (``read_whole``)."""
    today = clock.today()
    still_open = answerable_now(conference, clock.now())
    found = []
    convenor = reader.agency_id == conference.case.agency_id
    categories = [category for _, category in PARTS.values()]
    standing = {i.agency_id for i in conference.invitations if i.stands(today)}
    gone = {i.agency_id for i in conference.invitations} - standing
    for request in conference.requests:
        withdrawn = request.answered_at is None and request.agency_id in gone
        seen = decide_own_answer(reader, decision, request.agency_id, categories)
        opened = reveal(seen, request, list(PARTS)) if request.answered_at else {}
        found.append(
            RequestRow(
                id=request.id,
                agency=request.agency.name,
                agency_id=request.agency_id,
                due_on=request.due_on,
                overdue=(
                    still_open
                    and request.answered_at is None
                    and not withdrawn
                    and request.due_on < today
                ),
                open=still_open,
                answered_at=request.answered_at,
                answered_by=request.answered_by.display_name if request.answered_by else None,
                known=request.known if convenor or reader.agency_id == request.agency_id else None,
                parts=[
                    (READ_BACK[name], (opened.get(name) or "") if seen.allows(category) else None)
                    for name, (_, category) in PARTS.items()
                ],
                basis=OWN_ANSWER if OWN_ANSWER in seen.categories.values() else None,
                withdrawn=withdrawn,
            )
        )
    return found


def read_whole(found: list[RequestRow]) -> str:
    """For the audit entry of a page that shows ``found``: the answers its reader read
    whole as their own agency's, by id, with the categories and basis (``none`` when
    there were none), never a value."""
    own = [r.id for r in found if r.own and r.answered_at]
    if not own:
        return "own answers none"
    categories = ",".join(c for c in CATEGORIES if c in {c for _, c in PARTS.values()})
    return f"own answers {acts.ids(own)} ({categories}: {OWN_ANSWER})"


@dataclass(frozen=True)
class WaitingRequest:
    id: int
    conference_id: int
    agency: str
    due_on: date
    overdue: bool
    starts_at: datetime
    case_reference: str


def waiting(session: Session, actor: Actor) -> tuple[list[WaitingRequest], list[WaitingRequest]]:
    """For the home page: requests the actor's agency has still to answer, of conferences
    the actor may open (not one whose protocol gives their roles nothing for its purpose:
    they could neither read its pack nor answer it), and overdue requests of conferences
    the actor's agency convened that the actor may open (not another team's), soonest due
    first, each only while its agency's invitation stands. Locked and erased cases'
    conferences are left out."""
    today = clock.today()
    base = (
        select(InformationRequest)
        .join(Conference, Conference.id == InformationRequest.conference_id)
        .join(Case, Case.id == Conference.case_id)
        .where(
            InformationRequest.answered_at.is_(None),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Conference.starts_at >= clock.now(),
        )
        .options(
            contains_eager(InformationRequest.conference).contains_eager(Conference.case),
            joinedload(InformationRequest.agency),
        )
        .order_by(InformationRequest.due_on, InformationRequest.id)
    )
    live = select(ConferenceInvitation.conference_id).where(
        ConferenceInvitation.agency_id == actor.agency_id,
        ConferenceInvitation.standing(today),
    )
    to_answer = session.scalars(
        base.where(
            InformationRequest.agency_id == actor.agency_id,
            InformationRequest.conference_id.in_(live),
        )
    ).all()
    standing = select(ConferenceInvitation.id).where(
        ConferenceInvitation.conference_id == InformationRequest.conference_id,
        ConferenceInvitation.agency_id == InformationRequest.agency_id,
        ConferenceInvitation.standing(today),
    )
    overdue = session.scalars(
        base.where(
            Case.agency_id == actor.agency_id,
            InformationRequest.due_on < today,
            standing.exists(),
        )
    ).all()
    decisions = CaseDecisions(
        session, actor, {r.conference.case_id for r in [*to_answer, *overdue]}
    )
    to_answer = [
        r
        for r in to_answer
        if conference_listing.visible(session, actor, r.conference, decisions=decisions)
    ]
    overdue = [
        r
        for r in overdue
        if conference_listing.visible(session, actor, r.conference, decisions=decisions)
    ]

    def row(request: InformationRequest) -> WaitingRequest:
        return WaitingRequest(
            id=request.id,
            conference_id=request.conference_id,
            agency=request.agency.name,
            due_on=request.due_on,
            overdue=request.due_on < today,
            starts_at=request.conference.starts_at,
            case_reference=request.conference.case.reference,
        )

    return [row(r) for r in to_answer], [row(r) for r in overdue]


def request_for(session: Session, actor: Actor, request_id: int) -> InformationRequest:
    """The request, if it is the actor's agency's to answer (for the answer form, as
    ``answer`` decides it)."""
    request = _answerable(session, actor, request_id)
    if request is None:
        raise NotFound(request_id)
    return request


def _answerable(session: Session, actor: Actor, request_id: int) -> InformationRequest | None:
    """The request, if the actor may answer it: their agency's, they work cases or attend
    conferences, the invitation stands (not withdrawn, its share neither revoked nor ended),
    the case is neither locked nor erased, and they may open the conference (its protocol
    gives their roles something for its purpose), whose pack they check their records
    against and whose page their answer goes to."""
    request = session.get(InformationRequest, request_id)
    if request is None or request.agency_id != actor.agency_id or not actor.has(*ANSWERING_ROLES):
        return None
    invitation = session.scalar(
        select(ConferenceInvitation).where(
            ConferenceInvitation.conference_id == request.conference_id,
            ConferenceInvitation.agency_id == request.agency_id,
        )
    )
    case = request.conference.case
    if invitation is None or not invitation.stands(clock.today()):
        return None
    if case.locked or case.erased_at is not None:
        return None
    return request if conference_listing.visible(session, actor, request.conference) else None
