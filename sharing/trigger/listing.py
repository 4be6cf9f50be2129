"""The lead agency's list of its Community Trigger applications: those with a deadline
first (overdue first, then by working days left), then the decided ones, newest first;
narrowed, if the lead asks, by state, by a deadline passed, by the reporting year received
(1 April to 31 March, as the figures count) and by reference. References and dates only,
never an application's details; a list is recorded (``trigger.view``) naming the filters
used, never their values, and the applications it showed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from sharing import clock, paging
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases.listing import PAGE_SIZE
from sharing.models import TriggerApplication, TriggerRecommendation
from sharing.trigger import EARLIEST_RECEIVED, posting, references
from sharing.trigger.appeal_words import appeal_said
from sharing.trigger.deadlines import Clock, next_clock
from sharing.trigger.handling import TO_DECIDE_AGAIN, closure, erased_on, lead_agency
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
    #: The appeal body's decision as the applicant's letter says it (of the decision, for
    #: a "not met" one), once made.
    appeal_said: str | None = None
    #: The day the applicant withdrew the appeal, if they did.
    appeal_withdrawn_on: date | None = None
    #: It has a letter still to post (``posting.TO_POST``), as the filter finds it.
    to_post: bool = False


@dataclass(frozen=True)
class ApplicationsPage:
    rows: list[ApplicationRow]
    total: int
    page: int
    pages: int
    #: How many applications have a deadline (they come first), of those matching.
    open: int
    #: How many applications the lead agency has, whatever the filters.
    held: int


#: SQL: an application with a deadline of the lead's (``next_clock`` gives it one), still
#: being handled as ``sharing.trigger.closing.live`` says: not erased or closed (withdrawn,
#: a duplicate), and either undecided, met with its outcome still to send, or "not met"
#: sent back by the appeal body to be decided again (``handling.to_decide_again``).
OPEN = and_(
    TriggerApplication.erased_at.is_(None),
    TriggerApplication.closed_at.is_(None),
    or_(
        TriggerApplication.decision.is_(None),
        and_(
            TriggerApplication.decision != ThresholdDecision.NOT_MET,
            TriggerApplication.outcome_on.is_(None),
        ),
        TO_DECIDE_AGAIN,
    ),
)
#: SQL: an application whose appeal (the escalation of its review) is in hand: received,
#: its decision not yet recorded and not withdrawn by the applicant. It has no deadline of the lead's (the appeal body
#: times it: ``next_clock``), so it is not ``OPEN``; but the cases its review named are
#: evidence for the appeal again (``sharing.cases.erasure``). Not erased or closed (an
#: erased or closed application takes no appeal).
APPEALED = and_(
    TriggerApplication.erased_at.is_(None),
    TriggerApplication.closed_at.is_(None),
    TriggerApplication.appeal_received_on.is_not(None),
    TriggerApplication.appeal_decision.is_(None),
    TriggerApplication.appeal_withdrawn_on.is_(None),
)
_LIVE = and_(TriggerApplication.erased_at.is_(None), TriggerApplication.closed_at.is_(None))
#: SQL: told its outcome, with a recommendation of its review (or appeal) not yet done
#: (nor cancelled with an appeal the applicant withdrew).
FOLLOWED_UP = and_(
    _LIVE,
    TriggerApplication.outcome_on.is_not(None),
    exists().where(
        TriggerRecommendation.application_id == TriggerApplication.id,
        TriggerRecommendation.completed_on.is_(None),
        TriggerRecommendation.cancelled_on.is_(None),
    ),
)
#: The states the list is filtered by: each one's SQL, what the filter offers, and how
#: the count line says it ("3 applications being handled, of 27"). Being handled:
#: awaiting a threshold decision, under review, or told its outcome with a recommendation
#: still open. Decided and closed: not met, or reviewed with its recommendations done and
#: no appeal in hand. Appealed: an appeal received, in hand or decided.
STATES: dict[str, tuple[ColumnElement[bool], str, str]] = {
    "handling": (
        or_(OPEN, FOLLOWED_UP),
        "Being handled",
        "being handled",
    ),
    "decided": (
        and_(
            TriggerApplication.decision.is_not(None),
            TriggerApplication.closed_at.is_(None),
            ~OPEN,
            ~FOLLOWED_UP,
            ~APPEALED,
        ),
        "Decided and closed",
        "decided and closed",
    ),
    "withdrawn": (
        and_(
            TriggerApplication.closed_at.is_not(None),
            TriggerApplication.duplicate_of_id.is_(None),
        ),
        "Withdrawn",
        "withdrawn",
    ),
    "duplicate": (
        and_(
            TriggerApplication.closed_at.is_not(None),
            TriggerApplication.duplicate_of_id.is_not(None),
        ),
        "Duplicates",
        "recorded as duplicates",
    ),
    "appealed": (
        TriggerApplication.appeal_received_on.is_not(None),
        "Appealed",
        "appealed",
    ),
}
#: The first reporting year an application can be received in (the Community Trigger
#: began on 20 October 2014).
FIRST_YEAR = EARLIEST_RECEIVED.year


def reporting_year(day: date) -> int:
    """The reporting year (1 April to 31 March) ``day`` falls in, by the year it began."""
    return day.year if day.month >= 4 else day.year - 1


def year_title(year: int) -> str:
    """A reporting year as the list's filter names it: "April 2026 to March 2027"."""
    return f"April {year} to March {year + 1}"


def sought_reference(text: str) -> str:
    """A reference typed as a search: any case, with or without its prefix, hyphens or
    spaces between its parts ("asbr 2026 7kq4mx", "2026-7KQ4MX"), as references are
    written (``references.as_written``)."""
    return references.as_written(text)


@dataclass(frozen=True)
class Filters:
    """What the lead narrowed the list to (none: every application)."""

    #: One of ``STATES``.
    state: str | None = None
    #: Only those with a deadline passed.
    overdue: bool = False
    #: The reporting year received, by the year it began (2026: 1 April 2026 to 31 March
    #: 2027).
    year: int | None = None
    #: A reference, exactly (``sought_reference``).
    reference: str | None = None
    #: Only those with a letter still to post (``posting.TO_POST``).
    to_post: bool = False

    def used(self) -> list[str]:
        """The filters' names, for the list's audit entry (never their values)."""
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def conditions(self) -> list[ColumnElement[bool]]:
        found = [STATES[self.state][0]] if self.state else []
        if self.overdue:
            found.append(OPEN)
        if self.year is not None:
            found += [
                TriggerApplication.received_on >= date(self.year, 4, 1),
                TriggerApplication.received_on < date(self.year + 1, 4, 1),
            ]
        if self.reference:
            found.append(TriggerApplication.reference == sought_reference(self.reference))
        if self.to_post:
            found.append(posting.TO_POST)
        return found


_NEWEST_FIRST = (TriggerApplication.received_on.desc(), TriggerApplication.id.desc())


def waiting(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    page: int = 1,
    size: int = PAGE_SIZE,
    filters: Filters | None = None,
    *,
    audited: bool = True,
) -> ApplicationsPage:
    """A page of the lead agency's applications matching ``filters``: those with a
    deadline first (overdue first, then by working days left), then the decided ones,
    newest first. The decided ones are paged in the database; those with a deadline (the
    lead's open work) are ordered by their working days, so all are read when a page
    shows any (and for the overdue filter, which counts in working days). References and
    dates only; recorded as a list of applications naming the filters used, unless not
    ``audited`` (the home page's few due first, which it has always shown unrecorded)."""
    filters = filters or Filters()
    agency = lead_agency(session, actor, procedure, acts.Action.TRIGGER_VIEW)
    today = clock.today()
    of_lead = TriggerApplication.lead_agency_id == agency.id
    chosen = and_(of_lead, *filters.conditions())
    matching = and_(true(), *filters.conditions())
    open_count, total, held = session.execute(
        select(
            func.count().filter(and_(OPEN, matching)), func.count().filter(matching), func.count()
        ).where(of_lead)
    ).one()
    if filters.overdue:
        overdue = [
            r for r in _open_rows(session, chosen, procedure, today) if r.clock and r.clock.overdue
        ]
        page, pages = paging.numbered(len(overdue), size, page)
        rows = overdue[(page - 1) * size : page * size]
        rows = _with_letters_to_post(session, rows)
        if audited:
            _record(session, actor, agency.id, filters, rows)
        return ApplicationsPage(rows, len(overdue), page, pages, len(overdue), held)
    page, pages = paging.numbered(total, size, page)
    start, end = (page - 1) * size, page * size
    rows = _open_rows(session, chosen, procedure, today)[start:end] if start < open_count else []
    if end > open_count:
        rows += [
            _application_row(a, procedure, today)
            for a in session.scalars(
                select(TriggerApplication)
                .where(chosen, ~OPEN)
                .options(selectinload(TriggerApplication.duplicate_of))
                .order_by(*_NEWEST_FIRST)
                .limit(end - max(start, open_count))
                .offset(max(start - open_count, 0))
            )
        ]
    rows = _with_letters_to_post(session, rows)
    if audited:
        _record(session, actor, agency.id, filters, rows)
    return ApplicationsPage(rows, total, page, pages, open_count, held)


def _with_letters_to_post(session: Session, rows: list[ApplicationRow]) -> list[ApplicationRow]:
    """The rows, each saying whether it has a letter still to post: one query for the
    page, by the filter's own condition, so a row says so exactly when the filter finds it."""
    to_post = set(
        session.scalars(
            select(TriggerApplication.id).where(
                TriggerApplication.id.in_([r.id for r in rows]), posting.TO_POST
            )
        )
    )
    return [replace(r, to_post=r.id in to_post) for r in rows]


def _record(
    session: Session, actor: Actor, agency_id: int, filters: Filters, rows: list[ApplicationRow]
) -> None:
    """The list's audit entry: the filters' names (never what they were set to) and the
    applications the page showed."""
    used = filters.used()
    acts.record(
        session,
        acts.Action.TRIGGER_VIEW,
        actor=actor,
        subject=acts.Subject("agency", agency_id),
        basis=f"list; filters {', '.join(used) if used else 'none'}; "
        f"applications {acts.ids([r.id for r in rows])}",
    )


def _open_rows(
    session: Session, chosen: ColumnElement[bool], procedure: Procedure, today: date
) -> list[ApplicationRow]:
    """Every application with a deadline, overdue first, the longest overdue first; then
    the soonest due (newest first between equals)."""
    rows = [
        _application_row(a, procedure, today)
        for a in session.scalars(
            select(TriggerApplication)
            .where(chosen, OPEN)
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
        appeal_said=appeal_said(application)["appeal_decision"] or None,
        appeal_withdrawn_on=application.appeal_withdrawn_on,
    )
