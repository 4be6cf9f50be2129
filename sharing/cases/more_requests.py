"""A partner agency asks a case's owning agency for more of a case shared with it than its
share gives: which data categories, why (sealed as the case's narrative) and by which
working day. The owning agency's case officers and managers answer once: by a share that
gives more (made on the share form, ``answered_by_share``), or by declining, saying why
(sealed too). Each ask and answer is an audit entry naming ids and categories only; the
agency on the other side is told by e-mail, naming the case's reference only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, decision_on
from sharing.access.decide import Act, Actor, Decision
from sharing.access.reveal import reveal_one
from sharing.audit import acts
from sharing.cases import more_ending
from sharing.crypto.sealing import seal_many
from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.models import Case, MoreRequest, Share, User
from sharing.notices import managers, queue
from sharing.trigger.workdays import CalendarExhausted, england_and_wales
from sharing.vocabulary import CATEGORIES, CaseStatus, NoticeKind, Role

#: The longest "why" and reason for declining, in characters.
MAX_TEXT = 2_000
#: How long an answer stays on the asking agency's home page, in days.
ANSWERED_LATELY_DAYS = 14
#: Why a closed case is not asked for more (its agency shares it no further).
CLOSED = "This case is closed: its agency no longer shares more of it"
#: Each data category as the forms and pages name it.
CATEGORY_WORDS: dict[str, str] = {
    "identity": "Identity: names and dates of birth",
    "contact": "Contact details",
    "location": "Location: addresses",
    "narrative": "Narrative: what happened, incidents and notes",
    "risk": "Risk: risk assessments",
    "vulnerability": "Vulnerability (special category data)",
    "offending": "Offending (criminal offence data)",
    "actions": "Actions",
    "outcome": "Outcome",
}


def askable(decision: Decision) -> list[str]:
    """The categories a partner's decision on a case does not give them: what they may ask
    the owning agency for."""
    return [c for c in CATEGORIES if not decision.allows(c)]


def words(categories: Iterable[str]) -> str:
    """Categories as a sentence names them ("risk, vulnerability")."""
    return ", ".join(CATEGORY_WORDS[c].split(":")[0].split(" (")[0].lower() for c in categories)


@dataclass(frozen=True)
class AskInput:
    categories: Sequence[str]
    why: str
    due_on: date | None


def ask(
    session: Session, authorised: AuthorisedCase, data: AskInput, now: datetime | None = None
) -> MoreRequest:
    """A partner holding a live share of the case (``authorised`` to view it through that
    share) asks its owning agency for more of it. Refused (``InputError``, recorded) for
    categories their share gives already, no reason, a day past or not a working day, or
    while their agency's earlier request waits; ``NotAllowed`` for anyone not reading the
    case through a live share (the owning agency, an emergency access alone)."""
    authorised.require(Act.VIEW)
    actor, decision, case = authorised.actor, authorised.decision, authorised.case
    now = now or clock.now()
    if decision.own_agency or not decision.shares:
        raise acts.refused(
            session,
            acts.Action.MORE_ASK,
            actor=actor,
            subject=authorised.subject,
            reason="no live share of the case with the asking agency",
        )
    try:
        categories, why, due_on = _checked(session, authorised, data, clock.day_of(now))
    except InputError as e:
        acts.refuse(
            session,
            acts.Action.MORE_ASK,
            actor=actor,
            subject=authorised.subject,
            purpose=authorised.purpose,
            reason=f"refused input: {e.field}",
        )
        raise
    request = MoreRequest(
        case=case,
        agency_id=actor.agency_id,
        share_id=decision.shares[0],
        asked_by_id=actor.user_id,
        asked_at=now,
        categories=",".join(categories),
        due_on=due_on,
    )
    session.add(request)
    seal_many(request, {"why": why})
    session.flush()
    acts.record(
        session,
        acts.Action.MORE_ASK,
        actor=actor,
        subject=authorised.subject,
        purpose=authorised.purpose,
        basis=f"request {request.id}; share {request.share_id}; asked for "
        f"{','.join(categories)}; due {due_on.isoformat()}",
    )
    queue(
        session,
        NoticeKind.MORE_ASKED,
        _answerers(session, case),
        reference=case.reference,
        path=f"/more/{request.id}",
        now=now,
    )
    return request


def _checked(
    session: Session, authorised: AuthorisedCase, data: AskInput, today: date
) -> tuple[list[str], str, date]:
    offered = askable(authorised.decision)
    if authorised.case.status is CaseStatus.CLOSED:
        raise InputError("categories", CLOSED)
    if not data.categories:
        raise InputError("categories", "Select what your agency needs of the case")
    if any(c not in offered for c in data.categories):
        raise InputError(
            "categories", "Select only what your agency's share does not already give it"
        )
    why = checked_text(
        "why",
        data.why,
        limit=MAX_TEXT,
        what="the reason your agency needs it",
        required="Say why your agency needs it: the case's agency reads it",
    )
    if data.due_on is None:
        raise InputError("due_on", "Enter the date your agency needs it by")
    if data.due_on < today:
        raise InputError("due_on", "The date your agency needs it by must be today or later")
    if not _working_day(data.due_on):
        raise InputError(
            "due_on",
            "The date your agency needs it by must be a working day (not a weekend or a "
            "bank holiday)",
        )
    if waiting := _waiting_of(session, authorised.case.id, authorised.actor.agency_id):
        raise InputError(
            "categories",
            f"Your agency asked for more of this case on {clock.day_text(clock.day_of(waiting.asked_at))}"
            ": wait for the case's agency to answer it",
        )
    return [c for c in CATEGORIES if c in data.categories], why, data.due_on


def _working_day(day: date) -> bool:
    """Monday to Friday and no bank holiday (past the end of the bank holiday list, Monday
    to Friday)."""
    try:
        return england_and_wales().is_working_day(day)
    except CalendarExhausted:
        return day.weekday() < 5


def _waiting_of(session: Session, case_id: int, agency_id: int) -> MoreRequest | None:
    return session.scalar(
        select(MoreRequest).where(
            MoreRequest.case_id == case_id,
            MoreRequest.agency_id == agency_id,
            MoreRequest.waiting,
        )
    )


def _answerers(session: Session, case: Case) -> list[User]:
    """Who answers a request on the case: its officer and its agency's managers, those of
    them who may (a locked case's lock members only)."""
    people = [case.officer, *managers(session, case.agency_id)]
    return [
        u
        for u in people
        if u is not None
        and (d := decision_on(session, Actor.of(u), case.id, Act.REVOKE_SHARE)) is not None
        and d.allowed
    ]


@dataclass(frozen=True)
class RequestRow:
    """A request as the case page lists it."""

    id: int
    agency: str
    asked_by: str
    asked_at: datetime
    asked_for: str
    due_on: date
    overdue: bool
    answered_at: datetime | None
    answered_by: str | None
    shared: bool
    #: The reason for declining, as the reader's decision allows it (None: withheld).
    reason: str | None
    #: When it ended unanswered, and why as the reader's agency reads it (None: it did not).
    ended_at: datetime | None = None
    ended: str = ""


def on_case(session: Session, authorised: AuthorisedCase) -> list[RequestRow]:
    """The requests for more on the case its reader may see: all of them to the owning
    agency, their own agency's to a partner; a reason for declining as the reader's
    decision on the case allows its narrative."""
    actor, decision = authorised.actor, authorised.decision
    query = select(MoreRequest).where(MoreRequest.case_id == authorised.id)
    if not decision.own_agency:
        query = query.where(MoreRequest.agency_id == actor.agency_id)
    today = clock.today()
    found = []
    for r in session.scalars(query.order_by(MoreRequest.asked_at.desc(), MoreRequest.id.desc())):
        declined = r.answered_at is not None and r.share_made_id is None
        found.append(
            RequestRow(
                id=r.id,
                agency=r.agency.name,
                asked_by=r.asked_by.display_name,
                asked_at=r.asked_at,
                asked_for=words(r.asked_for),
                due_on=r.due_on,
                overdue=r.waiting and r.due_on < today,
                answered_at=r.answered_at,
                answered_by=r.answered_by.display_name if r.answered_by else None,
                shared=r.share_made_id is not None,
                reason=reveal_one(decision, r, "decline_reason") if declined else None,
                ended_at=r.ended_at,
                ended=more_ending.said(r, to_owner=decision.own_agency),
            )
        )
    return found


@dataclass(frozen=True)
class Waiting:
    id: int
    case_reference: str
    agency: str
    due_on: date
    overdue: bool


def waiting(session: Session, actor: Actor) -> list[Waiting]:
    """For the home page: the requests waiting for an answer on the actor's agency's cases
    that the actor may answer (its case officers theirs and their team's, its managers
    all, a locked case's lock members only), soonest due first; not one ended
    (``more_ending``), nor one whose share has run out since (the daily run ends it)."""
    if not actor.works_cases:
        return []
    found = session.scalars(
        select(MoreRequest)
        .join(Case, Case.id == MoreRequest.case_id)
        .join(Share, Share.id == MoreRequest.share_id)
        .where(
            Case.agency_id == actor.agency_id,
            Case.erased_at.is_(None),
            MoreRequest.waiting,
            Share.until >= clock.today(),
        )
        .order_by(MoreRequest.due_on, MoreRequest.id)
    ).all()
    today = clock.today()
    return [
        Waiting(r.id, r.case.reference, r.agency.name, r.due_on, r.due_on < today)
        for r in found
        if (d := decision_on(session, actor, r.case_id, Act.REVOKE_SHARE)) is not None and d.allowed
    ]


@dataclass(frozen=True)
class Asked:
    """A request of the actor's agency as their home page lists it: waiting, answered or
    ended lately, with the purpose to open the case for (that of the share that answers
    it, if one did, else that of the share it was asked through)."""

    id: int
    case_id: int
    case_reference: str
    case_agency: str
    purpose: str
    due_on: date
    overdue: bool
    answered_at: datetime | None
    answered_by: str | None
    shared: bool
    #: When it ended unanswered, and why as the asking agency reads it ("": it did not).
    ended_at: datetime | None = None
    ended: str = ""
    #: Whether the reader may open the case for ``purpose`` (one ended may no longer be).
    may_open: bool = True

    @property
    def settled_at(self) -> datetime | None:
        """When it was answered or ended (None while it waits)."""
        return self.answered_at or self.ended_at


def asked_by_agency(session: Session, actor: Actor) -> list[Asked]:
    """For the asking agency's home page: its requests for more waiting for an answer and
    those answered or ended (``more_ending``) in the last ``ANSWERED_LATELY_DAYS`` days,
    on cases the actor may open for the request's purpose, waiting ones first, soonest
    due, then the newest answers and endings. One ended is listed without a link to its
    asker and the agency's managers though the case no longer opens to them (closed, its
    share ended), as their notice says; never one on a locked case (for them it does not
    exist) or an erased one."""
    since = clock.now() - timedelta(days=ANSWERED_LATELY_DAYS)
    found = session.scalars(
        select(MoreRequest)
        .join(Case, Case.id == MoreRequest.case_id)
        .where(
            MoreRequest.agency_id == actor.agency_id,
            Case.erased_at.is_(None),
            MoreRequest.waiting
            | (MoreRequest.answered_at >= since)
            | (MoreRequest.ended_at >= since),
        )
    ).all()
    today = clock.today()
    listed = []
    for r in found:
        purpose = (r.share_made or r.share).purpose
        decision = decision_on(session, actor, r.case_id, Act.VIEW, purpose)
        may_open = decision is not None and decision.allowed
        told = r.asked_by_id == actor.user_id or actor.has(Role.MANAGER)
        if not may_open and not (r.ended_at and told and not r.case.locked):
            continue
        listed.append(
            Asked(
                id=r.id,
                case_id=r.case_id,
                case_reference=r.case.reference,
                case_agency=r.case.agency.name,
                purpose=purpose,
                due_on=r.due_on,
                overdue=r.waiting and r.due_on < today,
                answered_at=r.answered_at,
                answered_by=r.answered_by.display_name if r.answered_by else None,
                shared=r.share_made_id is not None,
                ended_at=r.ended_at,
                ended=more_ending.said(r, to_owner=False),
                may_open=may_open,
            )
        )
    waiting = sorted((a for a in listed if a.settled_at is None), key=lambda a: (a.due_on, a.id))
    settled = sorted(
        (a for a in listed if a.settled_at is not None),
        key=lambda a: (a.settled_at, a.id),
        reverse=True,
    )
    return [*waiting, *settled]
