"""The demo's first contact with each complainant, as a working team makes it: most within
the working days the acknowledgement letter promises (red cases sooner), some after, and
a few never reached (more often on a case later closed because the reporter did not
engage). The officer records it as a case review on the day of contact, in office
hours, which makes it the case's first contact (``sharing.cases.first_contact``).

A case the plan closes is contacted as it is written (``contact_before_closing``), since
a closed case has no more reviews; an open case once its risk has been assessed and its
latest review recorded (``contact_open_cases``), where neither reached the complainant
first (the police assess at first contact), so that latest review stays the latest.
Each case draws from a random source of its own, seeded from the demo's seed and the
case, so the rest of the demo is as it was without it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act, Actor
from sharing.cases import review_checks, reviews
from sharing.demo import mix
from sharing.demo.timeline import at
from sharing.models import Case, CaseReview, RiskAssessment
from sharing.trigger.workdays import CalendarExhausted, WorkingDays, england_and_wales
from sharing.vocabulary import (
    AgencyType,
    CaseStatus,
    ClosureReason,
    ContactMethod,
    Priority,
    ReviewDecision,
)

#: Chances that a case's complainant is never reached, and that they are reached only
#: after the promised day: red cases are chased harder (003: "within two working days"
#: where there is a clear risk of harm).
NEVER = {True: 0.02, False: 0.05}
LATE = {True: 0.05, False: 0.11}
#: A case closed because the reporter did not engage: often never reached at all.
NEVER_ENGAGED = 0.4
#: Working days after opening that a first contact made in time took (0: the same day).
IN_TIME_RED = ((0, 30), (1, 40), (2, 20), (3, 10))
IN_TIME_AMBER = ((0, 10), (1, 25), (2, 25), (3, 20), (4, 12), (5, 8))
#: Working days after the promised day that a late first contact took.
LATE_BY = ((1, 25), (2, 20), (3, 15), (5, 15), (8, 10), (12, 10), (20, 5))
METHODS = (
    (ContactMethod.PHONE, 55),
    (ContactMethod.IN_PERSON, 25),
    (ContactMethod.EMAIL, 12),
    (ContactMethod.TEXT, 5),
    (ContactMethod.VIDEO, 3),
)
#: Office hours on the English clock (minutes into the day) when first contact is made.
FROM_MINUTE, TO_MINUTE = 9 * 60 + 15, 16 * 60 + 45
#: What the review of first contact says of progress, by the agency's type ("others":
#: any other).
PROGRESS = {
    AgencyType.LANDLORD.value: "Initial contact: talked through the reports and how they "
    "affect the household, agreed an action plan and sent diary sheets.",
    AgencyType.ENVIRONMENTAL_HEALTH.value: "Initial contact: explained how the complaint is "
    "investigated and sent diary sheets to record when it happens.",
    AgencyType.POLICE.value: "Initial contact: took a fuller account, gave crime prevention "
    "advice and agreed how we keep in touch.",
    "others": "Initial contact: talked through the reports and what each agency can do, "
    "agreed an action plan and sent diary sheets.",
}
RISK_NOTE = "Nothing new on the risk at first contact: as triaged when the case was opened."
#: The note on risk of a review recording a first contact at which the victim's risk was
#: assessed, where the review cannot name that assessment (a later review named its own).
ASSESSED_NOTE = "Risk Assessment Matrix completed with them at this contact (see Risk)."


@dataclass(frozen=True)
class Contact:
    """When and how a case's officer first reached the complainant."""

    at: datetime
    method: ContactMethod


def planned(
    case: Case,
    seed: int,
    closure_reason: ClosureReason | None = None,
    calendar: WorkingDays | None = None,
) -> Contact | None:
    """When the officer of ``case`` (opened, with its day for first contact counted) first
    reached its complainant; None if never, or if its day is not counted."""
    rng = random.Random(f"{seed}-first-contact-{case.id}")
    roll = rng.random()  # every draw made whatever the outcome, so each is stable
    red = case.priority is not Priority.AMBER
    in_time = mix.pick(rng, IN_TIME_RED if red else IN_TIME_AMBER)
    late_by = mix.pick(rng, LATE_BY)
    minute = rng.randint(FROM_MINUTE, TO_MINUTE)
    method = mix.pick(rng, METHODS)
    never = NEVER_ENGAGED if closure_reason is ClosureReason.NOT_ENGAGING else NEVER[red]
    due = case.first_contact_due_on
    if roll < never or due is None:
        return None
    calendar = calendar or england_and_wales()
    opened = clock.day_of(case.opened_at)
    try:
        day = (
            calendar.add(due, late_by)
            if roll < never + LATE[red]
            else calendar.add(opened, in_time)
        )
    except CalendarExhausted:
        return None
    when = at(day, minute)
    if day == opened:  # the day of the report, after it, if it came in a working day
        when = max(when, case.opened_at + timedelta(minutes=30 + minute % 60))
        if not calendar.is_working_day(opened) or when > at(opened, TO_MINUTE):
            when = at(calendar.add(opened, 1), minute)
    return Contact(when, method)


def contact_before_closing(
    session: Session,
    recording: AuthorisedCase,
    seed: int,
    closes_at: datetime,
    closure_reason: ClosureReason,
) -> bool:
    """Record the first contact of a case about to close at ``closes_at``, when it was
    made before then; whether it was. The case's next review is the caller's to set."""
    contact = planned(recording.case, seed, closure_reason)
    if contact is None or contact.at >= closes_at:
        return False
    _record(session, recording, contact)
    return True


def contact_open_cases(session: Session, today: date, seed: int) -> int:
    """Record the first contact of each open case made before ``today``, unless one was
    recorded on or before its day already (the review ``demo.reviews`` recorded, or a
    police risk assessment at first contact) or the case was reviewed by then; how many
    were recorded. Where its officer assessed the victim's risk at that contact
    (``demo.risk``), the review links that assessment. A case reviewed later keeps the review date that review set; one not (its
    first review still to come) is next due for review on its day, or the review
    interval after its first contact if that is sooner or its day has passed."""
    recorded = 0
    for case in session.scalars(
        select(Case)
        .where(Case.status != CaseStatus.CLOSED, Case.erased_at.is_(None))
        .order_by(Case.id)
    ):
        contact = planned(case, seed)
        if contact is None or clock.day_of(contact.at) >= today:
            continue
        day = clock.day_of(contact.at)
        assessed = _assessed_at(session, case, contact)
        if case.first_contact_on is not None and case.first_contact_on <= day and not assessed:
            continue
        reviewed = [review.reviewed_at for review in case.reviews]
        if any(when <= contact.at for when in reviewed):
            continue
        review_due_on, updated_at, status = case.review_due_on, case.updated_at, case.status
        longest = timedelta(days=reviews.interval(reviews.DEFAULT_DAYS, case.priority))
        keeps_day = review_due_on is not None and day < review_due_on <= day + longest
        _record(
            session,
            authorise(session, Actor.of(case.officer), case.id, Act.RECORD),
            contact,
            review_due_on if keeps_day else None,
            assessed,
        )
        if reviewed:  # the later review's date stands
            case.review_due_on = review_due_on
        case.status = status
        # Set last, so the real clock (the column's onupdate) never has the final word.
        case.updated_at = max(updated_at, contact.at)
        recorded += 1
    return recorded


def _assessed_at(session: Session, case: Case, contact: Contact) -> RiskAssessment | None:
    """The risk assessment its officer made of the case's victim at ``contact``, its first
    contact, when that is the case's first contact (``demo.risk``); else None."""
    if case.first_contact_on != clock.day_of(contact.at):
        return None
    return session.scalar(
        select(RiskAssessment)
        .where(
            RiskAssessment.case_id == case.id,
            RiskAssessment.assessed_at <= contact.at,
            RiskAssessment.assessed_at >= at(clock.day_of(contact.at), 0),
        )
        .order_by(RiskAssessment.assessed_at)
        .limit(1)
    )


def _record(
    session: Session,
    recording: AuthorisedCase,
    contact: Contact,
    next_review_on: date | None = None,
    assessed: RiskAssessment | None = None,
) -> CaseReview:
    """The review in which the case's officer records reaching the complainant, the case
    active then (next reviewed on ``next_review_on``, by default the priority's
    interval after), naming the risk assessment made then when there was one."""
    agency_type = recording.case.agency.type.value
    with clock.pinned(contact.at) as now:
        linkable = review_checks.assessments_to_link(session, recording.case, clock.day_of(now))
        linked = assessed if assessed in linkable else None
        return reviews.record_review(
            session,
            recording,
            review_checks.ReviewInput(
                contact_method=contact.method,
                contacted_on=clock.day_of(now),
                contact_note="",
                progress=PROGRESS.get(agency_type, PROGRESS["others"]),
                assessment_id=linked.id if linked else None,
                risk_note="" if linked else ASSESSED_NOTE if assessed else RISK_NOTE,
                decision=ReviewDecision.CONTINUE,
                next_review_on=next_review_on,
                inactive=False,
            ),
            reviews.DEFAULT_DAYS,
            now=now,
        )
