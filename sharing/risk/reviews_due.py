"""The risk assessment reviews due: an officer's own open cases whose risk assessments
are due for review, or a manager's agency's, soonest due first, a page at a time, with
how many there are (the home page shows the first, linking to the rest).

A case's current risk is the highest latest band of the people on it now
(``of_someone_on_the_case``); only bands and dates are read, nothing sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from sharing import paging
from sharing.access.authorise import own_cases_where
from sharing.access.decide import Actor
from sharing.models import Case, RiskAssessment
from sharing.risk.disclose import of_someone_on_the_case
from sharing.vocabulary import CaseStatus, Priority, RiskBand, Role

#: How many reviews a page of the list holds.
PAGE_SIZE = 25


@dataclass(frozen=True)
class RiskReviewDue:
    case_id: int
    reference: str
    priority: Priority
    due_on: date
    #: The highest latest band of the people on the case now; None when none of them is
    #: assessed yet.
    band: RiskBand | None
    #: The case officer's name, "(has left)" after it once their account is disabled.
    officer: str = ""


@dataclass(frozen=True)
class RiskReviewsPage:
    """One page of the risk assessment reviews due, and how many are due in all."""

    rows: list[RiskReviewDue]
    total: int
    page: int = 1
    pages: int = 1


def risk_reviews_due(
    session: Session, actor: Actor, today: date, page: int = 1, size: int = PAGE_SIZE
) -> RiskReviewsPage:
    """The actor's own open cases whose risk assessments are due, soonest first, page
    ``page`` of ``size``; for a manager, their agency's (those they may open), whoever
    their officer is."""
    query = select(Case).where(
        own_cases_where(actor),
        Case.status != CaseStatus.CLOSED,
        Case.erased_at.is_(None),
        Case.risk_review_due_on <= today,
    )
    if not actor.has(Role.MANAGER):
        query = query.where(Case.officer_id == actor.user_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page, pages = paging.numbered(total, size, page)
    cases = session.scalars(
        query.options(selectinload(Case.officer))
        .order_by(Case.risk_review_due_on, Case.id)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    bands = _current_bands(session, [c.id for c in cases])
    rows = [
        RiskReviewDue(
            c.id,
            c.reference,
            c.priority,
            c.risk_review_due_on or today,
            bands.get(c.id),
            c.officer.display_name + ("" if c.officer.active else " (has left)"),
        )
        for c in cases
    ]
    return RiskReviewsPage(rows, total, page, pages)


def _current_bands(session: Session, case_ids: list[int]) -> dict[int, RiskBand]:
    """Each case's highest latest band of the people on it now (none not yet assessed)."""
    if not case_ids:
        return {}
    latest: dict[tuple[int, int], RiskBand] = {}
    for case_id, person_id, band in session.execute(
        select(RiskAssessment.case_id, RiskAssessment.person_id, RiskAssessment.band)
        .where(RiskAssessment.case_id.in_(case_ids), of_someone_on_the_case())
        .order_by(RiskAssessment.assessed_at, RiskAssessment.id)
    ):
        latest[(case_id, person_id)] = band
    bands: dict[int, RiskBand] = {}
    for (case_id, _), band in latest.items():
        if case_id not in bands or band.rank > bands[case_id].rank:
            bands[case_id] = band
    return bands
