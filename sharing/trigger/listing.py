"""The lead agency's list of its Community Trigger applications: those with a deadline
first (overdue first, then by working days left), then the decided ones, newest first.
References and dates only, never an application's details, so a list is no audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases.listing import PAGE_SIZE
from sharing.models import TriggerApplication
from sharing.trigger.deadlines import Clock, next_clock
from sharing.trigger.handling import closure, erased_on, lead_agency
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import AppealDecision, ThresholdDecision


@dataclass(frozen=True)
class ApplicationRow:
    id: int
    reference: str
    received_on: date
    channel: str
    clock: Clock | None
    decision: ThresholdDecision | None
    #: The day its personal data was erased, if it was.
    erased_on: date | None = None
    #: How it was closed without a decision or review of its own, if it was.
    closed: str | None = None
    #: The day the outcome letter went: the review was carried out.
    outcome_on: date | None = None
    #: The day an appeal was received, if one was, and its decision once made.
    appeal_received_on: date | None = None
    appeal_decision: AppealDecision | None = None


@dataclass(frozen=True)
class ApplicationsPage:
    rows: list[ApplicationRow]
    total: int
    page: int
    pages: int
    #: How many applications have a deadline (they come first).
    open: int


#: SQL: an application with a deadline of the lead's (``next_clock`` gives it one), still
#: being handled as ``sharing.trigger.closing.live`` says: not erased or closed (withdrawn,
#: a duplicate), and either undecided or met with its outcome still to send.
OPEN = and_(
    TriggerApplication.erased_at.is_(None),
    TriggerApplication.closed_at.is_(None),
    or_(
        TriggerApplication.decision.is_(None),
        and_(
            TriggerApplication.decision != ThresholdDecision.NOT_MET,
            TriggerApplication.outcome_on.is_(None),
        ),
    ),
)
#: SQL: an application whose appeal (the escalation of its review) is in hand: received
#: and its decision not yet recorded. It has no deadline of the lead's (the appeal body
#: times it: ``next_clock``), so it is not ``OPEN``; but the cases its review named are
#: evidence for the appeal again (``sharing.cases.erasure``). Not erased or closed (an
#: erased or closed application takes no appeal).
APPEALED = and_(
    TriggerApplication.erased_at.is_(None),
    TriggerApplication.closed_at.is_(None),
    TriggerApplication.appeal_received_on.is_not(None),
    TriggerApplication.appeal_decision.is_(None),
)
_NEWEST_FIRST = (TriggerApplication.received_on.desc(), TriggerApplication.id.desc())


def waiting(
    session: Session, actor: Actor, procedure: Procedure, page: int = 1, size: int = PAGE_SIZE
) -> ApplicationsPage:
    """A page of the lead agency's applications: those with a deadline first (overdue
    first, then by working days left), then the decided ones, newest first. The decided
    ones are paged in the database; those with a deadline (the lead's open work) are
    ordered by their working days, so all are read when a page shows any. References and
    dates only: no audit entry."""
    agency = lead_agency(session, actor, procedure, acts.Action.TRIGGER_VIEW)
    today = clock.today()
    of_lead = TriggerApplication.lead_agency_id == agency.id
    open_count, total = session.execute(
        select(func.count().filter(OPEN), func.count()).where(of_lead)
    ).one()
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    start, end = (page - 1) * size, page * size
    rows = _open_rows(session, of_lead, procedure, today)[start:end] if start < open_count else []
    if end > open_count:
        rows += [
            _application_row(a, procedure, today)
            for a in session.scalars(
                select(TriggerApplication)
                .where(of_lead, ~OPEN)
                .options(selectinload(TriggerApplication.duplicate_of))
                .order_by(*_NEWEST_FIRST)
                .limit(end - max(start, open_count))
                .offset(max(start - open_count, 0))
            )
        ]
    return ApplicationsPage(rows, total, page, pages, open_count)


def _open_rows(
    session: Session, of_lead: ColumnElement[bool], procedure: Procedure, today: date
) -> list[ApplicationRow]:
    """Every application with a deadline, overdue first, the longest overdue first; then
    the soonest due (newest first between equals)."""
    rows = [
        _application_row(a, procedure, today)
        for a in session.scalars(
            select(TriggerApplication)
            .where(of_lead, OPEN)
            .options(selectinload(TriggerApplication.review_sitting))
            .order_by(*_NEWEST_FIRST)
        )
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.clock is None or r.clock.days_left is None,
            r.clock is None or not r.clock.overdue,
            (r.clock and r.clock.days_left) or 0,
            (r.clock and r.clock.due_on) or date.max,
        ),
    )


def _application_row(
    application: TriggerApplication, procedure: Procedure, today: date
) -> ApplicationRow:
    return ApplicationRow(
        id=application.id,
        reference=application.reference,
        received_on=application.received_on,
        channel=application.channel.label,
        clock=next_clock(application, procedure, today),
        decision=application.decision,
        erased_on=erased_on(application),
        closed=closure(application),
        outcome_on=application.outcome_on,
        appeal_received_on=application.appeal_received_on,
        appeal_decision=application.appeal_decision,
    )
