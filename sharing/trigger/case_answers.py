"""An agency's answer to the Community Trigger lead asking about one of its cases
(``sharing.trigger.review.ask_holders``): the complaint the application counts confirmed
on the case, or no such complaint held, with the reason chosen from a short list
(``CaseRequestAnswer``: no free text, so nothing personal reaches the lead's page or the
audit log).

Only those asked answer: the case officer and the agency's managers, or for a locked case
its lock members alone; to anyone else the request is "not found", as a locked case is.
A request waits for its answer on their home page while the application still waits for
the case (``applications.may_ask``; not erased), and is answered once: a second answer,
or one after the application stopped waiting, is refused saying why. The lead reads the
answer on the application's page, by agency (never who answered, nor a locked case's
reference), and is told of each answer by e-mail, the last awaited as such; the
application's History lists each answer, by agency too. Each answer is one
``trigger.case_answer`` entry naming the application, the request and the case by id and
the answer's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sharing import clock, trigger_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.clock import day_text
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.models import Case, LockMember, TriggerApplication, TriggerCaseRequest
from sharing.trigger.applications import may_ask
from sharing.trigger.handling import ALREADY_DONE
from sharing.vocabulary import CaseRequestAnswer, Role

#: The form's field.
FIELD = "answer"
#: What is said when no answer is chosen.
CHOOSE = "Select whether your agency holds the complaint, and if not, why"


def holds(session: Session, actor: Actor, case: Case | None) -> bool:
    """Whether the actor is one of those asked about ``case``: a locked case's lock
    members; otherwise its officer and its agency's managers."""
    if case is None or case.erased_at is not None:
        return False
    if case.locked:
        return bool(
            session.scalar(
                select(
                    exists().where(
                        LockMember.case_id == case.id, LockMember.user_id == actor.user_id
                    )
                )
            )
        )
    return actor.agency_id == case.agency_id and (
        case.officer_id == actor.user_id or actor.has(Role.MANAGER)
    )


def waiting(application: TriggerApplication) -> bool:
    """Whether the application still waits for the cases it asked about."""
    return application.erased_at is None and may_ask(application)


@dataclass(frozen=True)
class Asked:
    """A request waiting for the actor's answer, as their home page and the answer's page
    say it (the application's reference names nobody)."""

    id: int
    application_id: int
    reference: str
    lead_agency: str
    case_id: int
    case_reference: str
    asked_on: date
    #: The agency's answer, as the pages say it ("" before one).
    answer: str = ""


def _asked(request: TriggerCaseRequest, case: Case) -> Asked:
    return Asked(
        request.id,
        request.application_id,
        request.application.reference,
        request.application.lead_agency.name,
        case.id,
        case.reference,
        clock.day_of(request.asked_at),
        said(request),
    )


def to_answer(session: Session, actor: Actor) -> list[Asked]:
    """The requests waiting for the actor's answer, first asked first (for their home
    page: nothing is read but references and dates, so no audit entry)."""
    requests = session.scalars(
        select(TriggerCaseRequest)
        .join(Case, Case.id == TriggerCaseRequest.case_id)
        .where(
            TriggerCaseRequest.answer.is_(None),
            Case.erased_at.is_(None),
            Case.agency_id == actor.agency_id,  # a lock's members are of its agency
        )
        .order_by(TriggerCaseRequest.asked_at, TriggerCaseRequest.id)
    )
    return [
        _asked(r, r.case)
        for r in requests
        if r.case is not None and waiting(r.application) and holds(session, actor, r.case)
    ]


def _request(session: Session, actor: Actor, request_id: int) -> tuple[TriggerCaseRequest, Case]:
    """The request and its case, if the actor is one of those asked; else ``NotFound``,
    recorded."""
    request = session.get(TriggerCaseRequest, request_id)
    case = request.case if request is not None else None
    if request is None or case is None or not holds(session, actor, case):
        raise acts.refused(
            session,
            acts.Action.TRIGGER_CASE_ANSWER,
            actor=actor,
            subject=acts.Subject("trigger_case_request", request_id),
            reason="not one of those asked about the case",
            answer=NotFound(request_id),
        )
    return request, case


def asked(session: Session, actor: Actor, request_id: int) -> Asked:
    """The request for its answer's page: ``NotFound`` (recorded) for anyone not asked."""
    return _asked(*_request(session, actor, request_id))


def answer(
    session: Session,
    actor: Actor,
    request_id: int,
    chosen: str | None,
    *,
    now: datetime | None = None,
) -> TriggerCaseRequest:
    """Record the agency's answer to the request, and tell the application's lead by
    e-mail (``trigger_notices.case_answered``). ``NotFound`` (recorded) for anyone not
    asked; refused, nothing written and the refusal recorded: answered already, the
    application no longer waiting for the case, or no answer chosen."""
    request, _ = _request(session, actor, request_id)
    read_for_change(session, request)  # answered twice at once: the second waits, then sees it
    subject = acts.Subject("trigger_application", request.application_id)
    with acts.refusing_input(
        session, acts.Action.TRIGGER_CASE_ANSWER, actor=actor, subject=subject
    ):
        if request.answer is not None and request.answered_at is not None:
            raise InputError(
                ALREADY_DONE,
                f"Your agency answered on {day_text(clock.day_of(request.answered_at))}: "
                f"{request.answer.label}. Nothing was changed.",
            )
        if not waiting(request.application):
            raise InputError(
                ALREADY_DONE,
                f"Application {request.application.reference} no longer waits for this case "
                "(decided not met, closed, or its review over), so it needs no answer. Nothing "
                "was changed.",
            )
        given = CaseRequestAnswer.of(chosen or "")
        if given is None:
            raise InputError(FIELD, CHOOSE)
    request.answer = given
    request.answered_at = now or clock.now()
    request.answered_by_id = actor.user_id
    session.flush()
    last = not any(awaited(r) for r in request.application.requests)
    trigger_notices.case_answered(session, request, last=last, now=request.answered_at)
    acts.record(
        session,
        acts.Action.TRIGGER_CASE_ANSWER,
        actor=actor,
        subject=subject,
        basis=f"request {request.id}; case {request.case_id}; {given.value}",
    )
    return request


def awaited(request: TriggerCaseRequest) -> bool:
    """Whether an agency's answer to the request is still awaited: not given, and its
    case still there to answer about (an erased case is answered about by nobody)."""
    case = request.case
    return request.answer is None and case is not None and case.erased_at is None


def holds_none(request: TriggerCaseRequest) -> bool:
    """Whether the agency answered that it holds no such complaint: its case is not one
    to bring to the panel."""
    return request.answer is not None and not request.answer.confirmed


def said(request: TriggerCaseRequest) -> str:
    """The answer as the pages say it: "Confirmed on 7 December 2026", "No such complaint
    (the case is about someone else), 7 December 2026"; "" before one."""
    if request.answer is None or request.answered_at is None:
        return ""
    day = day_text(clock.day_of(request.answered_at))
    if request.answer.confirmed:
        return f"Confirmed on {day}"
    why = request.answer.label.partition(": ")[2]
    return f"No such complaint ({why}), {day}"
