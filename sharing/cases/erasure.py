"""Erasing records by crypto-shredding: destroy the data key, keep the ciphertext.

An erased case or person keeps its non-personal fields (agency, category, priority,
status, dates, ward) for statistics; every sealed value under its key, in the live
database and in every backup, can never be read again. Blind-index entries go too, so
an erased record cannot be found by search. Erasure is the owning agency's manager's
decision (retention, or a successful erasure request) and cannot be undone.

A case is closed before it is erased, and held while a live Community Trigger
application's case review names it (its agency was asked to bring it to the panel): the
review needs the case until the application closes or the applicant is given the outcome.
It is held again while the applicant's appeal of that review is in hand (the appeal body
hears the same evidence), until the appeal body's decision is recorded or the applicant
withdraws the appeal.
The hold starts when the agency is asked, not when the application is received: until
then nothing records which cases hold its complaints (``sharing.trigger.complaints`` finds
them afresh each time), so none is held for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import or_, select, union
from sqlalchemy.orm import Session

from sharing import case_notices, clock
from sharing.access.authorise import AuthorisedCase, authorise, decision_on, own_cases_where
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import more_ending
from sharing.crypto import blind_index
from sharing.crypto.shredding import shred
from sharing.db import read_for_change
from sharing.errors import NotAllowed, NotFound
from sharing.meetings import conference_cancelling
from sharing.models import (
    Action,
    AuditEntry,
    AuditQueued,
    Case,
    CaseParty,
    Document,
    Incident,
    Person,
    Referral,
    RiskAssessment,
    TriggerApplication,
    TriggerCaseRequest,
    User,
)
from sharing.trigger import listing as trigger_listing
from sharing.vocabulary import (
    ActionStatus,
    CaseStatus,
    ConferenceCancelReason,
    MoreRequestEnd,
    Role,
)

#: Why a case a live Community Trigger case review names is not erased yet.
UNDER_REVIEW = (
    "the case is under the case review of Community Trigger application {reference}: "
    "it can be erased once the review closes"
)
#: Why a case the review of an application under appeal named is not erased yet.
UNDER_APPEAL = (
    "the case is under the appeal of the case review of Community Trigger application "
    "{reference}: it can be erased once the appeal is decided or the applicant withdraws it"
)


class Holding(NamedTuple):
    """A Community Trigger application holding a case from erasure."""

    application_id: int
    reference: str
    #: Held for the appeal of its review (the review itself has ended).
    appeal: bool = False

    @property
    def why(self) -> str:
        """Why the case is held, for the manager (names the application's reference)."""
        return (UNDER_APPEAL if self.appeal else UNDER_REVIEW).format(reference=self.reference)

    @property
    def basis(self) -> str:
        """Why, for the audit log (names the application by id)."""
        under = "the appeal of the case review" if self.appeal else "the case review"
        return f"under {under} of trigger application {self.application_id}"


def erase_case(
    session: Session,
    authorised: AuthorisedCase,
    *,
    with_people: bool = False,
    now: datetime | None = None,
) -> Case:
    """Erase a case (authorised for ``Act.ERASE``): its own values and those of its
    incidents, actions and lock requests. The people on it are records of their own;
    ``with_people`` erases those it alone holds: on it, or taken off it but named in what
    was recorded on it, and held by no other live case (the others stay, for their other
    cases). On a case already erased, ``with_people`` erases those it kept that no live
    case holds since."""
    authorised.require(Act.ERASE)
    case, actor = authorised.case, authorised.actor
    # Read again under a lock, as asking its agency about it for a Community Trigger
    # review locks it: an application asking meanwhile holds it, or finds it erased.
    read_for_change(session, case)
    require_erasable(session, authorised)
    if case.erased_at is None:
        _end_open_work(session, actor, case, now or clock.now())
        case_notices.give_up_about(session, case.reference)
        blind_index.remove(session, case_id=case.id)
        shred(session, case, actor, acts.Action.CASE_ERASE, authorised.subject, now)
    if with_people:
        for person_id in people_left(session, case.id):
            # Read again under a lock, as linking them to a case or taking them off one
            # locks them: one linked to a live case meanwhile is kept for it, and one taken
            # off their last live case meanwhile is erased with this one.
            read_for_change(session, session.get_one(Person, person_id))
            if cases_holding(session, person_id) <= {case.id} and _may_erase_all(
                session, actor, person_id
            ):
                erase_person(session, actor, person_id, now=now)
    return case


def _may_erase_all(session: Session, actor: Actor, person_id: int) -> bool:
    """Whether the actor may erase every case that names the person, erased or not (nothing
    recorded): someone also named by a locked case the actor is not named on is kept, as
    the agency's record, for that case's named users to erase."""
    decisions = (
        decision_on(session, actor, c, Act.ERASE) for c in cases_naming(session, person_id)
    )
    return all(d is not None and d.allowed for d in decisions)


def require_closed(session: Session, authorised: AuthorisedCase) -> None:
    """Refuse (recorded) to erase a case still open: it is closed first, as its retention
    is counted from its closing, and an erased case could never be closed after."""
    case = authorised.case
    if case.erased_at is None and case.status is not CaseStatus.CLOSED:
        raise acts.refused(
            session,
            acts.Action.CASE_ERASE,
            actor=authorised.actor,
            subject=authorised.subject,
            reason="the case is still open: close it first",
        )


def require_erasable(session: Session, authorised: AuthorisedCase) -> None:
    """Refuse (recorded) to erase a case still open (``require_closed``), or one a live
    Community Trigger case review, or the appeal of one, holds (``reviews_holding``): the
    message names each application that holds it, the audit entry their ids."""
    require_closed(session, authorised)
    case = authorised.case
    holding = reviews_holding(session, case.id) if case.erased_at is None else []
    if holding:
        acts.refuse(
            session,
            acts.Action.CASE_ERASE,
            actor=authorised.actor,
            subject=authorised.subject,
            reason="; ".join(h.basis for h in holding),
        )
        raise NotAllowed("; and ".join(h.why for h in holding))  # every one that holds it


def reviews_holding(session: Session, case_id: int) -> list[Holding]:
    """The Community Trigger applications whose case review names the case (its agency
    was asked to bring it) and that hold it from erasure, by reference: a live one until
    it closes or the applicant is given the outcome; one whose appeal is in hand until the
    appeal body's decision is recorded or the applicant withdraws it (``appeal``)."""
    return [
        Holding(application_id, reference, appeal_received_on is not None)
        for application_id, reference, appeal_received_on in session.execute(
            select(
                TriggerApplication.id,
                TriggerApplication.reference,
                TriggerApplication.appeal_received_on,
            )
            .join(TriggerCaseRequest, TriggerCaseRequest.application_id == TriggerApplication.id)
            .where(
                TriggerCaseRequest.case_id == case_id,
                or_(trigger_listing.OPEN, trigger_listing.APPEALED),
            )
            .distinct()
            .order_by(TriggerApplication.reference)
        )
    ]


def erased_by(session: Session, case: Case) -> str | None:
    """Who erased the case: the name of the manager whose erasure the audit log holds (as
    it joins the log, or waiting to), or None (not erased)."""
    if case.erased_at is None:
        return None
    for entries in (AuditEntry, AuditQueued):
        who = session.execute(
            select(entries.actor_user_id)
            .where(
                entries.action == acts.Action.CASE_ERASE.value,
                entries.outcome == acts.Outcome.ALLOWED.value,
                entries.object_type == "case",
                entries.object_id == str(case.id),
            )
            .limit(1)
        ).first()
        if who is not None:
            user = session.get(User, who[0]) if who[0] is not None else None
            return user.display_name if user else "the hub"
    return None


@dataclass(frozen=True)
class KeptPerson:
    """Someone on an erased case whose own record was not erased with it: a record of the
    agency, no longer part of the case."""

    person_id: int
    #: The live cases they are on that the reader may open: (id, reference).
    cases: tuple[tuple[int, str], ...]
    #: No live case holds them: only a manager's erasure ends their record.
    alone: bool


def kept_people(session: Session, authorised: AuthorisedCase) -> dict[int, KeptPerson]:
    """The people an erased case held whose records were kept (none for a live case), by
    person id, each with the live cases the reader may open that they are on."""
    case = authorised.case
    if case.erased_at is None:
        return {}
    kept = {}
    for person_id in people_left(session, case.id):
        holding = cases_holding(session, person_id)
        on = session.execute(
            select(Case.id, Case.reference)
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(
                CaseParty.person_id == person_id,
                Case.id.in_(holding),
                own_cases_where(authorised.actor),
            )
            .distinct()
            .order_by(Case.reference)
        )
        cases = tuple((case_id, reference) for case_id, reference in on)
        kept[person_id] = KeptPerson(person_id, cases, alone=not holding)
    return kept


def people_left(session: Session, case_id: int) -> list[int]:
    """The people a case holds (on it, or named by its records) whose records are not
    erased, in the order of their ids."""
    people = _people_of(session, case_id)
    if not people:
        return []
    return list(
        session.scalars(
            select(Person.id)
            .where(Person.id.in_(people), Person.erased_at.is_(None))
            .order_by(Person.id)
        )
    )


def ever_held_anyone(session: Session, case_id: int) -> bool:
    """Whether the case holds, or held, anyone: on it, or named by its records (erased or
    not)."""
    return bool(_people_of(session, case_id))


def held_alone(session: Session, case_id: int) -> list[int]:
    """The people left of a case whom no other live case holds: those its erasure "with
    the people on no other case" erases."""
    return [p for p in people_left(session, case_id) if cases_holding(session, p) <= {case_id}]


def erase_person(
    session: Session, actor: Actor, person_id: int, now: datetime | None = None
) -> Person:
    """Erase a person record of the actor's agency: the actor must be allowed to erase
    every case that names the person, erased or not (so a person on a locked case is erased
    only by its lock members), and a person no live case holds only by a manager."""
    person = session.get(Person, person_id)
    subject = acts.Subject("person", person_id)
    if person is None or person.agency_id != actor.agency_id:
        reason = "no such record in your agency"
        raise acts.refused(
            session,
            acts.Action.PERSON_ERASE,
            actor=actor,
            subject=subject,
            reason=reason,
            answer=NotFound(person_id),
        )
    if not cases_holding(session, person_id) and not actor.has(Role.MANAGER):
        reason = "only a manager of the owning agency may erase its records"
        raise acts.refused(
            session, acts.Action.PERSON_ERASE, actor=actor, subject=subject, reason=reason
        )
    for case_id in sorted(cases_naming(session, person_id)):
        authorise(session, actor, case_id, Act.ERASE)
    _erase_person(session, actor, person, now)
    return person


def erase_if_held_by_no_case(
    session: Session, actor: Actor, person: Person, now: datetime | None = None
) -> bool:
    """Erase a person just taken off a case if no live case holds them any more (they are
    on no other live case, and nothing recorded names them): a record kept for no case, like a
    file attached by mistake, is not kept. Whether they were erased. The person is read
    again under a lock first, so that two officers taking them off their last two cases
    at once, or one linking them to a case meanwhile, take turns: the second sees what
    the first did."""
    read_for_change(session, person)
    if cases_holding(session, person.id):
        return False
    _erase_person(session, actor, person, now)
    return True


def cases_holding(session: Session, person_id: int) -> set[int]:
    """The live cases that hold a person: those they are on, and those whose records name
    them (an incident they reported, their risk assessment, a document or a referral about
    them) though they were taken off. An erased case holds no one: its people stay only
    as the agency's records, until a manager erases them too."""
    naming = cases_naming(session, person_id)
    if not naming:
        return set()
    erased = session.scalars(
        select(Case.id).where(Case.id.in_(naming), Case.erased_at.is_not(None))
    )
    return naming - set(erased)


def cases_naming(session: Session, person_id: int) -> set[int]:
    """The cases, erased or not, a person is on or whose records name them."""
    return set(
        session.scalars(
            union(
                select(CaseParty.case_id).where(CaseParty.person_id == person_id),
                select(Incident.case_id).where(Incident.reported_by_id == person_id),
                select(RiskAssessment.case_id).where(RiskAssessment.person_id == person_id),
                select(Document.case_id).where(Document.person_id == person_id),
                select(Referral.case_id).where(Referral.person_id == person_id),
            )
        )
    )


def _end_open_work(session: Session, actor: Actor, case: Case, now: datetime) -> None:
    """End what a closed case still had open as it is erased: no one could work on it
    after (an action kept open after closing is cancelled, each an ``action.close`` entry;
    a conference still planned is cancelled as one cancelled on its own is: off its
    partnership meeting's agenda, its shares ended, each a ``conference.cancel`` entry;
    a partner's request for more still waiting ends, telling no one), so nothing of it
    waits on anyone's list."""
    actions = session.scalars(
        select(Action).where(Action.case_id == case.id, Action.status == ActionStatus.OPEN)
    )
    for action in actions:
        action.status = ActionStatus.CANCELLED
        action.closed_at = now
        action.closed_by_id = actor.user_id
        acts.record(
            session,
            acts.Action.ACTION_CLOSE,
            actor=actor,
            subject=acts.Subject("case", case.id),
            basis=f"action {action.id} cancelled: the case was erased; owned by agency "
            f"{action.owner_agency_id}",
        )
    # Before its conferences end their shares: the erasure, not a share, ended them.
    more_ending.with_case(session, actor, case, MoreRequestEnd.CASE_ERASED, now)
    conference_cancelling.with_case(
        session, actor, case, ConferenceCancelReason.CASE_ERASED, now=now
    )
    session.flush()


def _people_of(session: Session, case_id: int) -> set[int]:
    """The people a case holds: on it, or named by its records."""
    named = session.scalars(
        union(
            select(CaseParty.person_id).where(CaseParty.case_id == case_id),
            select(Incident.reported_by_id).where(Incident.case_id == case_id),
            select(RiskAssessment.person_id).where(RiskAssessment.case_id == case_id),
            select(Document.person_id).where(Document.case_id == case_id),
            select(Referral.person_id).where(Referral.case_id == case_id),
        )
    )
    return {person_id for person_id in named if person_id is not None}


def _erase_person(session: Session, actor: Actor, person: Person, now: datetime | None) -> None:
    if person.erased_at is None:
        blind_index.remove(session, person_id=person.id)
        subject = acts.Subject("person", person.id)
        shred(session, person, actor, acts.Action.PERSON_ERASE, subject, now)
