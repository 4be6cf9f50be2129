"""What a case review says (``ReviewInput``), and how it is checked before anything is
written: each refusal names its field, in the order of the form (003 §3.11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.models import Case, CaseReview, RiskAssessment
from sharing.vocabulary import CaseStatus, ContactMethod, ReviewDecision

MAX_TEXT = 4_000


@dataclass(frozen=True)
class ReviewInput:
    #: How the officer was in touch with the complainant; None when they could not be.
    contact_method: ContactMethod | None
    contacted_on: date | None
    contact_note: str
    progress: str
    #: The assessment made for this review, or None for "no change".
    assessment_id: int | None
    risk_note: str
    decision: ReviewDecision | None
    #: None: the priority's interval from today.
    next_review_on: date | None
    #: Nothing is happening on the case: keep it open but inactive (001 §5); False: it
    #: is active; None: leave it as it is.
    inactive: bool | None = None


#: What a decision that takes the case further does, in the refusal of "inactive".
_TAKEN_FURTHER = {
    ReviewDecision.ESCALATE: "escalate",
    ReviewDecision.CONFERENCE: "refer to a case conference",
}


def assessments_to_link(session: Session, case: Case, today: date) -> list[RiskAssessment]:
    """The case's assessments a review may name as its own: those made since the case's
    last review (or, for the first, since it was opened) and by now, newest first."""
    last = session.scalar(
        select(CaseReview.reviewed_at)
        .where(CaseReview.case_id == case.id)
        .order_by(CaseReview.reviewed_at.desc())
        .limit(1)
    )
    since = last or case.opened_at
    return list(
        session.scalars(
            select(RiskAssessment)
            .where(
                RiskAssessment.case_id == case.id,
                RiskAssessment.assessed_at >= since,
                RiskAssessment.assessed_at <= clock.now(),
            )
            .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
        )
    )


@dataclass(frozen=True)
class CheckedReview:
    """What a review says, checked: its notes on contact, progress and risk, and the day
    the case is next due for review."""

    contact_note: str
    progress: str
    risk_note: str
    next_review: date


def checked(
    session: Session, case: Case, data: ReviewInput, longest: int, today: date
) -> CheckedReview:
    """What ``data`` says, once each field is checked in the order of the form."""
    if case.status is CaseStatus.CLOSED:
        raise InputError("decision", "This case is closed: it has no more reviews")
    contact_note = _contact_note(case, data, today)
    progress = checked_text(
        "progress",
        data.progress,
        limit=MAX_TEXT,
        what="the progress",
        required="Say what progress there has been against the action plan",
    )
    risk_note = _risk_note(session, case, data, today)
    _check_decision(data)
    return CheckedReview(
        contact_note, progress, risk_note, _next_review(case, data, longest, today)
    )


def _contact_note(case: Case, data: ReviewInput, today: date) -> str:
    """The note on contact, once the day and way of contact agree: a way needs a day, on
    or after the case was opened and not to come; no way needs no day and a note why."""
    contact_note = checked_text(
        "contact_note", data.contact_note, limit=MAX_TEXT, what="the note on contact"
    )
    if data.contact_method is None:
        if data.contacted_on is not None:
            raise InputError(
                "contact_method",
                "Select how you were in touch on that day, or leave the date empty if you "
                "could not reach them",
            )
        if not contact_note:
            raise InputError("contact_note", "Say why the complainant could not be reached")
    elif data.contacted_on is None:
        raise InputError("contacted_on", "Enter the day you were last in touch")
    elif data.contacted_on > today:
        raise InputError("contacted_on", "The date you were last in touch cannot be in the future")
    elif data.contacted_on < clock.day_of(case.opened_at):
        raise InputError(
            "contacted_on",
            "The date you were last in touch cannot be before the case was opened, on "
            f"{clock.day_text(clock.day_of(case.opened_at))}",
        )
    return contact_note


def _risk_note(session: Session, case: Case, data: ReviewInput, today: date) -> str:
    """The note on risk: optional beside an assessment of this case since its last
    review, needed to say why the risk has not changed."""
    if data.assessment_id is None:
        return checked_text(
            "risk_note",
            data.risk_note,
            limit=MAX_TEXT,
            what="the note on risk",
            required="Say why the risk has not changed, or select the new assessment",
        )
    if data.assessment_id not in {a.id for a in assessments_to_link(session, case, today)}:
        raise InputError(
            "assessment_id", "Select an assessment made for this case since its last review"
        )
    return checked_text("risk_note", data.risk_note, limit=MAX_TEXT, what="the note on risk")


def _check_decision(data: ReviewInput) -> None:
    """Refuses no decision, and a case said inactive that the decision takes further."""
    if data.decision is None:
        raise InputError("decision", "Select what the review decided")
    if data.inactive and data.decision in (ReviewDecision.ESCALATE, ReviewDecision.CONFERENCE):
        raise InputError(
            "activity",
            f"A case you decide to {_TAKEN_FURTHER[data.decision]} is active: say "
            "something is happening on it, or select another decision",
        )


def _next_review(case: Case, data: ReviewInput, longest: int, today: date) -> date:
    """The day the case is next reviewed: the one given, or the priority's ``longest``
    interval from today, and never later. The same for "close": until the case is closed
    (its form comes next, and may be left or refused), it is due for review on this day."""
    latest = today + timedelta(days=longest)
    next_review = data.next_review_on or latest
    if next_review <= today:
        raise InputError("next_review_on", "The next review must be after today")
    if next_review > latest:
        raise InputError(
            "next_review_on",
            f"A case at {case.priority.label.lower()} priority is reviewed at least "
            f"every {longest} days: enter a day by {latest.strftime('%-d %B %Y')}",
        )
    return next_review
