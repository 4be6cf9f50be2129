"""Which letters a Community Trigger application has reached and the day each is dated,
and the appeal each offers: a letter says what it said on its day, so a letter reprinted
later is dated and offers an appeal as it did then.
"""

from __future__ import annotations

from datetime import date

from sharing import clock
from sharing.models import TriggerApplication
from sharing.trigger import handling
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import LetterKind, ThresholdDecision


def appeal_from(application: TriggerApplication) -> date | None:
    """The day of the letter an appeal follows: the outcome letter, or a "not met"
    decision; None before either, and once the threshold was decided again after an
    appeal (the procedure gives one: ``sharing.trigger.decided_again``)."""
    if handling.decided_again(application):
        return None
    start = application.outcome_on
    if start is None and application.decision is ThresholdDecision.NOT_MET:
        start = clock.day_of(application.decided_at) if application.decided_at else None
    return start


def appeal_by(application: TriggerApplication, procedure: Procedure) -> date | None:
    """The last day to ask for an appeal: the procedure's working days after the outcome
    letter (or after a "not met" decision); None before either. ``CalendarExhausted``
    when it falls past the bank holiday list."""
    start = appeal_from(application)
    if start is None:
        return None
    return england_and_wales().add(start, procedure.appeal.within_working_days)


def offers_appeal_from(application: TriggerApplication, kind: LetterKind) -> date | None:
    """The day a letter of ``kind`` counts its appeal from, if it offers one: the outcome
    letter from its own day, the threshold decision only when "not met", from that
    decision. A letter says what it said on its day: a "met" letter reprinted after the
    outcome offers no appeal, the first "not met" letter of a decision made again still
    offers the appeal that was made. Nothing after a decision made again offers one (the
    procedure gives one appeal)."""
    again = handling.decided_again(application)
    if kind is LetterKind.OUTCOME and not again:
        return application.outcome_on
    if kind is LetterKind.THRESHOLD and (
        again or application.decision is ThresholdDecision.NOT_MET
    ):
        return dated(application, kind)
    return None


def reached(application: TriggerApplication) -> list[tuple[LetterKind, date]]:
    """The letters the application has reached, each with the day it is dated, in the
    order of those days (a decision made again after an appeal comes before the outcome
    of the review that follows it)."""
    found = [(kind, day) for kind in LetterKind if (day := dated(application, kind)) is not None]
    return sorted(found, key=lambda letter: letter[1])


def dated(application: TriggerApplication, kind: LetterKind) -> date | None:
    decided = application.first_decided_at or application.decided_at
    if kind is LetterKind.ACKNOWLEDGEMENT:
        return clock.day_of(application.recorded_at)
    if kind is LetterKind.THRESHOLD:
        return clock.day_of(decided) if decided else None
    if kind is LetterKind.OUTCOME:
        return application.outcome_on
    if kind is LetterKind.DECIDED_AGAIN:
        if handling.decided_again(application) and application.decided_at is not None:
            return clock.day_of(application.decided_at)
        return None
    return application.appeal_decided_on
