"""What the partnership's figures count of the work done on cases, for one request
(``sharing.figures.counts.Counter``): closure surveys answered and satisfied, case
conferences held, and actions recorded and due (on time, late or overdue), each by agency,
from dates, statuses, kinds and ids only."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, case, func, select

from sharing import clock
from sharing.figures.counts import Counter
from sharing.figures.rounding import Tally, tag, tag_of
from sharing.models import Action, Case, ClosureSurvey, Conference
from sharing.vocabulary import ActionKind, ActionStatus, ConferenceStatus, Satisfaction


def surveys(counter: Counter) -> dict[str, dict[int, Tally]]:
    """Closure surveys answered in the period (``answered``) and ``satisfied``."""
    satisfied = ClosureSurvey.overall.in_([answer for answer in Satisfaction if answer.satisfied])
    query = (
        select(
            Case.agency_id,
            case((satisfied, "satisfied"), else_="answered"),
            func.count(),
            func.sum(tag(ClosureSurvey.id)),
        )
        .join(Case, Case.id == ClosureSurvey.case_id)
        .where(
            counter.in_period(ClosureSurvey.answered_when),
            ClosureSurvey.overall.is_not(None),
            *counter.where(),
        )
        .group_by(Case.agency_id, satisfied)
    )
    found = counter.by_agency(query)
    for agency_id, tally in found["satisfied"].items():
        found["answered"][agency_id] += tally
    return found


def conferences(counter: Counter) -> dict[int, Tally]:
    """Case conferences held in the period, by agency."""
    query = (
        select(Case.agency_id, Conference.status, func.count(), func.sum(tag(Conference.id)))
        .join(Case, Case.id == Conference.case_id)
        .where(
            counter.in_period(Conference.starts_at),
            Conference.status == ConferenceStatus.HELD,
            *counter.where(),
        )
        .group_by(Case.agency_id, Conference.status)
    )
    return counter.by_agency(query).get(ConferenceStatus.HELD.value, {})


def actions_due(counter: Counter) -> dict[str, dict[int, Tally]]:
    """Actions due in the period: ``on_time``, ``late`` (done after their date) and
    ``overdue`` (still open: figures are for ended periods, so every date in one has
    passed; or closed with its case after its date, never done: the closing ended it,
    it does not undo that it was missed). A cancelled action is no longer due, so it
    is none of them, nor is one closed with its case by its date."""
    state = case(
        (
            Action.status == ActionStatus.DONE,
            case((Action.completed_on <= Action.due_on, "on_time"), else_="late"),
        ),
        else_="overdue",
    )
    query = (
        select(Case.agency_id, state, func.count(), func.sum(tag(Action.id)))
        .join(Case, Case.id == Action.case_id)
        .where(
            *_due_in_period(counter),
            Action.status != ActionStatus.CANCELLED,
            *counter.where(),
        )
        .group_by(Case.agency_id, state)
    )
    found = counter.by_agency(query)
    for agency_id, tally in _closed_with_case_past_their_date(counter).items():
        found["overdue"][agency_id] += tally
    return found


def _due_in_period(counter: Counter) -> list[ColumnElement[bool]]:
    """SQL: the actions due in the period that the figures count (every kind but a
    dissatisfied complainant's follow-up)."""
    return [
        Action.due_on >= counter.period.start,
        Action.due_on <= counter.period.last_day,
        Action.kind != ActionKind.DISSATISFACTION_FOLLOW_UP,
    ]


def _closed_with_case_past_their_date(counter: Counter) -> dict[int, Tally]:
    """Of the actions due in the period that closed with their case, those it closed on
    a later day than their date (the partnership's day), by agency."""
    found: dict[int, Tally] = defaultdict(Tally)
    for agency_id, action_id, due_on, closed_at in counter.session.execute(
        select(Case.agency_id, Action.id, Action.due_on, Action.closed_at)
        .join(Case, Case.id == Action.case_id)
        .where(*_due_in_period(counter), Action.closed_with_case.is_(True), *counter.where())
    ):
        if closed_at is not None and due_on is not None and clock.day_of(closed_at) > due_on:
            found[agency_id] += Tally(1, tag_of(action_id))
    return found


def actions_recorded(counter: Counter) -> dict[str, dict[int, Tally]]:
    """Actions recorded in the period, by kind and agency."""
    query = (
        select(Case.agency_id, Action.kind, func.count(), func.sum(tag(Action.id)))
        .join(Case, Case.id == Action.case_id)
        .where(counter.in_period(Action.created_at), *counter.where())
        .group_by(Case.agency_id, Action.kind)
    )
    return counter.by_agency(query)
