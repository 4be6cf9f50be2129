"""Case reviews (003 §3.11: "kept under regular review (minimum of monthly) by the Case
Manager ... review notes should include updated Action Plans and contact with the
customer").

A review records how and when the officer was in touch with the complainant (or why they
could not be reached), progress against the action plan, the risk reviewed (a new
assessment made since the last review, or "no change" and why), the decision (continue,
escalate, refer to a case conference, close) and the next review date: by default the
interval configured for the case's priority, never later. Recording one sets the case's
next review date and its last day of contact; a case whose complainant has not been in
touch for longer than its priority's interval is flagged ("contact overdue").

Only the case's own agency records reviews (``Act.RECORD``); each is one audit entry
naming the decision, never the text. What a review says is sealed under the case's key:
progress and the contact note as "actions", the risk note as "risk", so a partner sees
them only where a protocol clause gives those categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, own_cases_where
from sharing.access.decide import Act, Actor, Decision
from sharing.access.reveal import reveal_rows
from sharing.audit import acts
from sharing.cases import first_contact
from sharing.cases.listing import PAGE_SIZE
from sharing.cases.review_checks import CheckedReview, ReviewInput, checked
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.models import Case, CaseReview, User
from sharing.vocabulary import CaseStatus, Priority, ReviewDecision, Role

#: Days between reviews by priority when the configuration says nothing (003: monthly at
#: the least).
DEFAULT_DAYS = {"red_urgent": 7, "red_high": 14, "amber": 28}


@dataclass(frozen=True)
class ReviewView:
    id: int
    reviewed_at: datetime
    reviewed_by: str
    contact: str
    contact_note: str | None
    progress: str | None
    risk: str
    risk_note: str | None
    decision: str
    next_review_on: date | None


def interval(days: Mapping[str, int], priority: Priority) -> int:
    """Days between reviews for a case of ``priority``."""
    return days.get(priority.value, DEFAULT_DAYS[priority.value])


def record_review(
    session: Session,
    authorised: AuthorisedCase,
    data: ReviewInput,
    days: Mapping[str, int],
    now: datetime | None = None,
) -> CaseReview:
    """Record a review of an open case (authorised for ``Act.RECORD``); ``InputError``
    naming the field, recorded, with nothing written, for: no way of contact and no note
    why; a day of contact to come or before the case was opened; no progress; an
    assessment that is not one of this case's since its last review; "no change" without
    why; no decision; "inactive" with a decision to escalate or refer to a conference; a
    next review in the past or later than the priority's interval. The case is left
    active, or inactive when the review finds nothing happening on it (001 §5), unless
    the decision is to close it (its own form comes next)."""
    authorised.require(Act.RECORD)
    case, now = authorised.case, now or clock.now()
    with acts.refusing_input(
        session, acts.Action.CASE_REVIEW, actor=authorised.actor, subject=authorised.subject
    ):
        said = checked(session, case, data, interval(days, case.priority), clock.day_of(now))
    if data.contacted_on is not None:
        read_for_change(session, case)  # two at once: the earlier day is first contact
    was = case.status
    review = _written(session, authorised, data, said, now)
    first = data.contacted_on is not None and first_contact.record(session, case, data.contacted_on)
    session.flush()
    _audit(session, authorised.actor, review, was=was, first=first)
    return review


def _written(
    session: Session,
    authorised: AuthorisedCase,
    data: ReviewInput,
    said: CheckedReview,
    now: datetime,
) -> CaseReview:
    """The review, added and sealed, with the case following from it."""
    case = authorised.case
    review = CaseReview(
        case=case,
        reviewed_at=now,
        reviewed_by_id=authorised.actor.user_id,
        contact_method=data.contact_method,
        contacted_on=data.contacted_on,
        assessment_id=data.assessment_id,
        decision=data.decision,
        inactive=data.decision is not ReviewDecision.CLOSE
        and (case.status is CaseStatus.INACTIVE if data.inactive is None else data.inactive),
        next_review_on=said.next_review,
    )
    session.add(review)
    _case_follows(case, review)
    seal_many(
        review,
        {"progress": said.progress, "risk_note": said.risk_note, "contact_note": said.contact_note},
    )
    return review


def _case_follows(case: Case, review: CaseReview) -> None:
    """The case's status (unless the review decides to close it: closing comes next, on
    its own form), next review and last day of contact, as ``review`` finds them."""
    if review.decision is not ReviewDecision.CLOSE:
        case.status = CaseStatus.INACTIVE if review.inactive else CaseStatus.ACTIVE
    case.review_due_on = review.next_review_on
    contacted_on = review.contacted_on
    if contacted_on is not None and (
        case.last_contact_on is None or contacted_on > case.last_contact_on
    ):
        case.last_contact_on = contacted_on


def _audit(
    session: Session, actor: Actor, review: CaseReview, *, was: CaseStatus, first: bool
) -> None:
    """The review's audit entry: its id, decision and next review, whether the
    complainant was reached, the case's new status and a first contact, never the text."""
    case = review.case
    acts.record(
        session,
        acts.Action.CASE_REVIEW,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=f"review {review.id}; {review.decision.value}; next review {review.next_review_on}"
        + ("" if review.contact_method else "; complainant not reached")
        + (f"; now {case.status.value}" if case.status is not was else "")
        + (f"; first contact {review.contacted_on}" if first else ""),
    )


def reviews(decision: Decision, case: Case) -> list[ReviewView]:
    """The case's reviews, newest first, as ``decision`` lets the reader see them."""
    found = sorted(case.reviews, key=lambda r: r.reviewed_at, reverse=True)
    values = reveal_rows(decision, found, ("progress", "risk_note", "contact_note"))
    return [
        ReviewView(
            id=r.id,
            reviewed_at=r.reviewed_at,
            reviewed_by=r.reviewed_by.display_name,
            contact=(
                f"{r.contact_method.label}, last on {r.contacted_on:%-d %B %Y}"
                if r.contact_method and r.contacted_on
                else "The complainant could not be reached"
            ),
            contact_note=v["contact_note"],
            progress=v["progress"],
            risk=_risk_said(r),
            risk_note=v["risk_note"],
            decision=r.decision.label
            + (". Nothing is happening on the case: it was left inactive" if r.inactive else ""),
            next_review_on=r.next_review_on,
        )
        for r, v in zip(found, values, strict=True)
    ]


def _risk_said(review: CaseReview) -> str:
    """What the review found of the risk: the assessment it made, by its stage and day
    (so the reader finds it among the case's assessments), or no change."""
    if review.assessment is None:
        return "No change"
    made = clock.day_text(clock.day_of(review.assessment.assessed_at))
    return f"A new risk assessment of {made} ({review.assessment.stage.label.lower()})"


def contact_overdue(case: Case, days: Mapping[str, int], today: date) -> bool:
    """Whether an open case's complainant has not been in touch for longer than its
    priority's interval (counted from opening until the first contact is recorded)."""
    if case.status is CaseStatus.CLOSED or case.erased_at is not None:
        return False
    since = case.last_contact_on or clock.day_of(case.opened_at)
    return (today - since).days > interval(days, case.priority)


@dataclass(frozen=True)
class OverdueCase:
    id: int
    reference: str
    officer: str
    priority: Priority
    review_due_on: date
    days_overdue: int
    contact_overdue: bool


@dataclass(frozen=True)
class OfficerOverdue:
    officer_id: int
    officer: str
    #: How many of the officer's cases are overdue for review.
    overdue: int


@dataclass(frozen=True)
class OverdueReviews:
    #: Every officer with a case overdue, the officer with most first.
    officers: list[OfficerOverdue]
    #: One page of the overdue cases (of one officer, if chosen), longest overdue first.
    rows: list[OverdueCase]
    total: int
    page: int
    pages: int


def overdue_reviews(
    session: Session,
    actor: Actor,
    days: Mapping[str, int],
    today: date,
    *,
    officer_id: int | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> OverdueReviews:
    """For a manager, their agency's open cases whose review is overdue: how many each
    officer has (the officer with most first), and a page of the cases (one officer's, if
    ``officer_id``), longest overdue first, each with whether contact is overdue too. The
    cases the manager may see (a locked case only to those its lock names), by reference
    only; paged in the database."""
    if not actor.has(Role.MANAGER):
        return OverdueReviews([], [], 0, 1, 1)
    overdue = and_(
        own_cases_where(actor),
        Case.status != CaseStatus.CLOSED,
        Case.erased_at.is_(None),
        Case.review_due_on < today,
    )
    officers = [
        OfficerOverdue(row.id, _named(row.display_name, row.active), row.overdue)
        for row in session.execute(
            select(User.id, User.display_name, User.active, func.count(Case.id).label("overdue"))
            .join(Case, Case.officer_id == User.id)
            .where(overdue)
            .group_by(User.id, User.display_name, User.active)
            .order_by(func.count(Case.id).desc(), User.display_name, User.id)
        )
    ]
    if officer_id is not None:
        overdue = and_(overdue, Case.officer_id == officer_id)
    total = session.scalar(select(func.count(Case.id)).where(overdue)) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    cases = session.execute(
        select(Case, User.display_name, User.active)
        .join(User, User.id == Case.officer_id)
        .where(overdue)
        .order_by(Case.review_due_on, Case.id)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    rows = []
    for case, officer, active in cases:
        assert case.review_due_on is not None  # noqa: S101 - filtered above
        rows.append(
            OverdueCase(
                id=case.id,
                reference=case.reference,
                officer=_named(officer, active),
                priority=case.priority,
                review_due_on=case.review_due_on,
                days_overdue=(today - case.review_due_on).days,
                contact_overdue=contact_overdue(case, days, today),
            )
        )
    return OverdueReviews(officers, rows, total, page, pages)


def _named(officer: str, active: bool) -> str:
    """An officer's name, and that they have left once their account is disabled: their
    overdue reviews wait for their cases to be given to someone."""
    return officer if active else f"{officer} (has left)"
