"""First contact with the complainant: the promise the acknowledgement letter makes ("We
will contact you within five working days"), kept or not.

A case opened on its form, imported or sent by a partner system is due its first contact
by the working day the acknowledgement promises: ``working_days`` (setting
``first_contact_working_days``, the same number the letter prints) after the day it is
opened, counting working days in England and Wales, bank holidays excluded
(``sharing.trigger.workdays``). One definition of first contact serves the case page,
the lists and the partnership's figures: the day the officer first records being in
touch with the complainant, which is the earlier of the first risk assessment on the
case (made with the complainant at the outset, 000: "at the outset, assess the
complainant's vulnerability") and the first day of contact a case review records ("could
not reach them" is not contact). Recording either on a case without first contact
records it; one recording an earlier day moves it back.

A case whose day falls past the end of the bank holiday list has none (it is not guessed):
its page says why, and ``count_waiting`` (daily) counts it once the list is extended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sharing import clock
from sharing.models import Case
from sharing.trigger.workdays import CalendarExhausted, WorkingDays, england_and_wales
from sharing.vocabulary import CaseStatus

#: Working days from opening to first contact when the settings say nothing (the
#: acknowledgement letter's "within five working days").
DEFAULT_WORKING_DAYS = 5

#: The number of working days as the letters write it.
_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def due_on(opened_on: date, working_days: int, calendar: WorkingDays | None = None) -> date | None:
    """The working day a case opened on ``opened_on`` is due its first contact by; None
    when that day is past the end of the bank holiday list (it cannot be counted)."""
    try:
        return (calendar or england_and_wales()).add(opened_on, working_days)
    except CalendarExhausted:
        return None


def in_words(working_days: int) -> str:
    """The working days as a letter says them: "five" (a number beyond ten in figures)."""
    return _WORDS[working_days - 1] if 1 <= working_days <= len(_WORDS) else str(working_days)


def record(session: Session, case: Case, day: date) -> bool:
    """Record contact with the complainant on ``day`` as the case's first contact, when it
    has none or a later one; whether it did. The caller holds the case's row for change
    (``sharing.db.read_for_change``), so two recorded at once keep the earlier day."""
    if case.first_contact_on is not None and case.first_contact_on <= day:
        return False
    case.first_contact_on = day
    return True


def overdue_where(today: date) -> ColumnElement[bool]:
    """Open cases past the day their first contact was due without one."""
    return and_(
        Case.status != CaseStatus.CLOSED,
        Case.erased_at.is_(None),
        Case.first_contact_on.is_(None),
        Case.first_contact_due_on < today,
    )


@dataclass(frozen=True)
class FirstContact:
    """What a case page says of its first contact."""

    due_on: date | None
    made_on: date | None
    #: Open, without first contact, and past the day it was due.
    overdue: bool
    #: Why the day it is due is not counted (open, without first contact and without a
    #: day: it falls past the end of the bank holiday list); "" otherwise.
    not_counted: str = ""


def not_counted(calendar: WorkingDays | None = None) -> str:
    """Why a case's first contact day is not counted: it falls past the bank holiday list."""
    known_until = (calendar or england_and_wales()).known_until
    return (
        f"Not counted: bank holidays are known only to {clock.day_text(known_until)}, and "
        "the working day it is due falls after that. Ask the hub's operator to update the "
        "govuk-bank-holidays package"
    )


def of_case(case: Case, today: date) -> FirstContact:
    """The case's first contact: when it was due, when it was made, whether it is late, or
    why its day is not counted."""
    still_open = case.status is not CaseStatus.CLOSED and case.erased_at is None
    due, made = case.first_contact_due_on, case.first_contact_on
    late = still_open and made is None and due is not None and due < today
    why = not_counted() if still_open and made is None and due is None else ""
    return FirstContact(due, made, late, why)


def count_waiting(
    session: Session, working_days: int, calendar: WorkingDays | None = None
) -> tuple[int, int]:
    """Count the day each case without one is due its first contact (``working_days``
    after the day it was opened), now that the bank holiday list reaches it: (how many
    were counted, how many still wait for the list). An erased case or one with its
    first contact made is left as it is; so is when the case was last changed."""
    waiting = and_(
        Case.first_contact_due_on.is_(None),
        Case.first_contact_on.is_(None),
        Case.erased_at.is_(None),
    )
    counted = left = 0
    for case_id, opened_at in session.execute(
        select(Case.id, Case.opened_at).where(waiting).order_by(Case.id)
    ):
        due = due_on(clock.day_of(opened_at), working_days, calendar)
        if due is None:
            left += 1
            continue
        session.execute(
            update(Case)
            .where(Case.id == case_id, waiting)
            .values(first_contact_due_on=due, updated_at=Case.updated_at)
        )
        counted += 1
    return counted, left
