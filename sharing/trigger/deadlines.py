"""A Community Trigger application's deadlines, in working days in England and Wales
(``sharing.trigger.workdays``): the threshold decision after receipt, the review panel's
meeting after the decision, the outcome letter after the panel sits. A deadline past the
bank holiday list is not guessed: it says why it cannot be counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sharing import clock
from sharing.models import TriggerApplication
from sharing.trigger.handling import to_decide_again
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted, WorkingDays, england_and_wales
from sharing.vocabulary import ThresholdDecision

T = TypeVar("T")


@dataclass(frozen=True)
class Clock:
    """A stage's deadline in working days."""

    stage: str
    #: None when it cannot be counted (see ``uncountable``).
    due_on: date | None
    #: Working days from today to the deadline (negative: overdue by that many).
    days_left: int | None
    #: Why the deadline cannot be counted: it falls past the bank holiday list ("" when
    #: it is counted).
    uncountable: str = ""
    #: The deadline has passed: from the day after it, working day or not (a Friday's
    #: deadline missed is overdue on the Saturday, when no working day has yet passed).
    overdue: bool = False


def next_clock(
    application: TriggerApplication,
    procedure: Procedure,
    today: date,
    calendar: WorkingDays | None = None,
) -> Clock | None:
    """The application's next deadline, in working days: the threshold decision (of
    receipt), or made again (as many working days of the appeal decision that sent a "not
    met" decision back); once met, the panel's meeting (of the decision), also while the sitting
    chosen for it is still to come; from the day of that sitting, the outcome letter (of
    the sitting). None when nothing is due of the lead: not met, or the outcome sent (an
    appeal is the appeal body's to time), or it was closed as withdrawn or a duplicate.
    A deadline past the bank holiday list is a
    clock saying why it cannot be counted."""
    calendar = calendar or england_and_wales()
    sitting = application.review_sitting
    due: Callable[[], date]
    if application.erased_at is not None or application.closed_at is not None:
        return None
    if application.decision is None:
        stage, due = "Threshold decision", lambda: decision_due(application, procedure, calendar)
    elif to_decide_again(application) and application.appeal_decided_on is not None:
        sent_back_on = application.appeal_decided_on
        stage, due = (
            "Threshold decision made again",
            lambda: decided_again_due(sent_back_on, procedure, calendar),
        )
    elif application.decision is ThresholdDecision.NOT_MET or application.outcome_on:
        return None
    elif sitting is None or clock.day_of(sitting.starts_at) > today:
        stage, due = "Review panel meeting", lambda: review_due(application, procedure, calendar)
    else:
        sat_on, days = clock.day_of(sitting.starts_at), procedure.timescales.outcome
        stage, due = "Outcome letter", lambda: calendar.add(sat_on, days)
    try:
        due_on = due()
        return Clock(stage, due_on, calendar.between(today, due_on), overdue=due_on < today)
    except CalendarExhausted as exhausted:
        return Clock(stage, None, None, str(exhausted))


def counted_or_not(day: Callable[[], T]) -> tuple[T | None, str]:
    """``day()``, or None and why it cannot be counted (a day past the bank holiday
    list), for a page that shows the rest whatever the calendar."""
    try:
        return day(), ""
    except CalendarExhausted as exhausted:
        return None, str(exhausted)


def acknowledge_due(
    application: TriggerApplication, procedure: Procedure, calendar: WorkingDays | None = None
) -> date:
    """The day the acknowledgement should reach the applicant by: working days after
    receipt."""
    calendar = calendar or england_and_wales()
    return calendar.add(application.received_on, procedure.timescales.acknowledge)


def decision_due(
    application: TriggerApplication, procedure: Procedure, calendar: WorkingDays | None = None
) -> date:
    """The day the threshold decision is due by: working days after receipt."""
    calendar = calendar or england_and_wales()
    return calendar.add(application.received_on, procedure.timescales.threshold_decision)


def decided_again_due(sent_back_on: date, procedure: Procedure, calendar: WorkingDays) -> date:
    """The day a "not met" decision the appeal body sent back on ``sent_back_on`` is due
    to be made again by: as many working days after it as the first had after receipt."""
    return calendar.add(sent_back_on, procedure.timescales.threshold_decision)


def decision_late_by(
    application: TriggerApplication, procedure: Procedure, calendar: WorkingDays | None = None
) -> date | None:
    """For an application recorded after its threshold decision was due (received long
    before, by post or by phone, and typed in late): the day its acknowledgement promises
    the decision by instead, the procedure's ``acknowledge`` working days after the day it
    was recorded, the time it gives for a first answer to any application. None when the
    decision was still to come on the day it was recorded."""
    calendar = calendar or england_and_wales()
    recorded = clock.day_of(application.recorded_at)
    if decision_due(application, procedure, calendar) >= recorded:
        return None
    return calendar.add(recorded, procedure.timescales.acknowledge)


def review_due(
    application: TriggerApplication, procedure: Procedure, calendar: WorkingDays | None = None
) -> date:
    """The day the panel should meet by: working days after the decision (or after
    today, before one)."""
    calendar = calendar or england_and_wales()
    decided = clock.day_of(application.decided_at or clock.now())
    return calendar.add(decided, procedure.timescales.review_meeting)
