"""Where a Community Trigger application's review stands, as its page shows it to the
lead: the agencies asked to bring their cases, the panel's sitting, the recommendations
(the panel's and those made on appeal), the outcome and the appeal, with the days each is
due by (or why a day cannot be counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.reveal import reveal
from sharing.models import TriggerApplication
from sharing.trigger import case_answers, letter_days, not_brought
from sharing.trigger.appeal_words import appeal_said
from sharing.trigger.deadlines import counted_or_not, review_due
from sharing.trigger.handling import LEAD, appeal_in_hand
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import ThresholdDecision


@dataclass(frozen=True)
class CaseAsked:
    """An agency asked to confirm a counted complaint and bring its case to the panel."""

    agency: str
    locked: bool
    asked_on: date
    #: Whether its case is on the panel's agenda yet.
    brought: bool
    #: Why its case cannot be brought now (locked or closed since), and what the lead can
    #: do for the review (``not_brought``); "" when it can.
    cannot_bring: str = ""
    #: The agency's answer: the complaint confirmed, or none held and why
    #: (``case_answers.said``); "" before one.
    answer: str = ""
    #: Whether it answered that it holds no such complaint (no case to bring).
    holds_none: bool = False
    #: The request, whose row the notice of its answer links to (``#asked-<id>``).
    request_id: int = 0


@dataclass(frozen=True)
class RecommendationLine:
    id: int
    agency: str
    text: str
    due_on: date
    on_appeal: bool
    completed_on: date | None
    completion_note: str | None
    #: The day it was cancelled, not done, and why (made on an appeal then withdrawn).
    cancelled_on: date | None = None
    cancelled_why: str | None = None


@dataclass(frozen=True)
class Review:
    """Where the review stands, from the panel to the appeal."""

    meet_by: date | None
    sitting_id: int | None
    series_id: int | None
    panel: str | None
    sits_at: datetime | None
    place: str | None
    sat: bool
    asked: list[CaseAsked]
    recommendations: list[RecommendationLine]
    outcome_on: date | None
    appeal_by: date | None
    appeal_received_on: date | None
    appeal_decision: str | None
    appeal_decided_on: date | None
    #: The day the applicant withdrew the appeal (it ended without a decision).
    appeal_withdrawn_on: date | None = None
    #: Whether the appeal is in hand: received, neither decided nor withdrawn.
    appeal_in_hand: bool = False
    #: Whether the application goes to a review (met, or met by discretion).
    to_review: bool = False
    #: Whether the applicant may appeal (after the outcome letter or a "not met" decision).
    appeal_offered: bool = False
    #: Why a day above (``meet_by``, ``appeal_by``) cannot be counted, if one cannot.
    uncountable: str = ""


def cases_asked(application: TriggerApplication) -> list[CaseAsked]:
    """The agencies asked to confirm a counted complaint (before the decision too, as
    their confirming is part of it), each with whether its case is before the panel and
    its answer."""
    sitting = application.review_sitting
    on_agenda = {c.case_id for c in sitting.conferences} if sitting else set()
    return [
        CaseAsked(
            r.agency.name,
            r.locked,
            clock.day_of(r.asked_at),
            r.case_id in on_agenda,
            not_brought.for_the_lead(r, r.case_id in on_agenda),
            case_answers.said(r),
            case_answers.holds_none(r),
            r.id,
        )
        for r in application.requests
    ]


def answers_awaited(application: TriggerApplication) -> str:
    """How many of the agencies asked have answered, and which the lead still waits for
    ("3 of 4 agencies asked have answered; waiting for Northshire Police."), while the
    application waits for its cases; "" otherwise, or when none was asked. An agency asked
    about two cases has answered once it answered about both; a case erased since it was
    asked is answered about by nobody, and not waited for."""
    if not case_answers.waiting(application):
        return ""
    waiting: dict[str, int] = {}
    answered: set[str] = set()
    for request in application.requests:
        if case_answers.awaited(request):
            waiting[request.agency.name] = waiting.get(request.agency.name, 0) + 1
        elif request.answer is not None:
            answered.add(request.agency.name)
    asked = len(answered | waiting.keys())
    done = asked - len(waiting)
    if asked == 0:
        return ""
    if not waiting:
        return (
            "The agency asked has answered."
            if asked == 1
            else f"All {asked} agencies asked have answered."
        )
    names = _listed(
        [f"{name} ({n} of its cases)" if n > 1 else name for name, n in waiting.items()]
    )
    if asked == 1:
        return f"Waiting for {names} to answer."
    return f"{done} of {asked} agencies asked have answered; waiting for {names}."


def _listed(names: list[str]) -> str:
    """Names in a sentence: "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def review_of(
    session: Session, application: TriggerApplication, procedure: Procedure
) -> Review | None:
    if application.decision is None:
        return None
    sitting = application.review_sitting
    texts = [reveal(LEAD, r, ("text", "completion_note")) for r in application.recommendations]
    to_review = application.decision is not ThresholdDecision.NOT_MET
    meet_by, meet_problem = (
        counted_or_not(lambda: review_due(application, procedure)) if to_review else (None, "")
    )
    appeal_by, appeal_problem = counted_or_not(
        lambda: letter_days.appeal_by(application, procedure)
    )
    return Review(
        meet_by=meet_by,
        sitting_id=sitting.id if sitting else None,
        series_id=sitting.series_id if sitting else None,
        panel=sitting.series.name if sitting else None,
        sits_at=sitting.starts_at if sitting else None,
        place=(sitting.place or sitting.video_link) if sitting else None,
        sat=bool(sitting and sitting.starts_at <= clock.now()),
        asked=cases_asked(application),
        recommendations=[
            RecommendationLine(
                id=r.id,
                agency=r.owner_agency.name,
                text=values["text"] or "",
                due_on=r.due_on,
                on_appeal=r.on_appeal,
                completed_on=r.completed_on,
                completion_note=values["completion_note"],
                cancelled_on=r.cancelled_on,
                cancelled_why=r.cancelled_why,
            )
            for r, values in zip(application.recommendations, texts, strict=True)
        ],
        outcome_on=application.outcome_on,
        appeal_by=appeal_by,
        appeal_received_on=application.appeal_received_on,
        appeal_decision=appeal_said(application)["appeal_decision"] or None,
        appeal_decided_on=application.appeal_decided_on,
        appeal_withdrawn_on=application.appeal_withdrawn_on,
        appeal_in_hand=appeal_in_hand(application),
        to_review=to_review,
        appeal_offered=letter_days.appeal_from(application) is not None,
        uncountable=meet_problem or appeal_problem,
    )
