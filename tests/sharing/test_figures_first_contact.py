"""Whether the acknowledgement letter's promise of first contact was kept, as the CSP
coordinator reads it in the partnership's figures: of the cases opened in the period
whose day for first contact has passed, those contacted by it, after it, and not at all,
against a plain count of the demo's cases; a case closed by its day without contact is no
longer due, one closed after it was not contacted (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, select

from sharing import clock
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.figures.months import Months, months_later
from sharing.models import Case
from sharing.vocabulary import ClosureOutcome
from tests.sharing.test_partnership_figures import _count, _within


def _summer_quarter_ended() -> Months:
    """The latest quarter in British Summer Time (April to June, or July to September)
    that has ended: within the demo's year of casework on any day."""
    today = clock.today()
    if today.month >= 10:
        start = date(today.year, 7, 1)
    elif today.month >= 7:
        start = date(today.year, 4, 1)
    else:
        start = date(today.year - 1, 7, 1)
    return Months(start, months_later(start, 3))


QUARTER = _summer_quarter_ended()
ROWS = (
    "Due their first contact by now",
    "Contacted by the day promised",
    "Contacted after the day promised",
    "Not contacted, and the day promised has passed",
)


def _plain(cases: list[Case], today: date) -> dict[str, int]:
    found = dict.fromkeys(ROWS, 0)
    for case in cases:
        due, made = case.first_contact_due_on, case.first_contact_on
        closed = case.closed_at and case.closed_at.astimezone(clock.PARTNERSHIP_ZONE).date()
        if due is None:
            continue
        if made is not None:
            row = ROWS[1] if made <= due else ROWS[2]
        elif due < today and not (closed and closed <= due):
            row = ROWS[3]
        else:
            continue
        found[ROWS[0]] += 1
        found[row] += 1
    return found


def _figures(session) -> dict[str, int]:
    table = _count(session, QUARTER).table("first_contact")
    return {row.label: int(row.cells[0].text) for row in table.rows if row.label in ROWS}


def test_the_promise_of_first_contact_kept_or_not_agrees_with_a_plain_count(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    with make_session_factory(*demo_database)() as session:
        opened = [c for c in session.scalars(select(Case)) if _within(QUARTER, c.opened_at)]
        assert opened
        today = clock.today()
        found = _figures(session)
        assert found == _plain(opened, today)
        table = _count(session, QUARTER).table("first_contact")
        assert table.rows[-1].label == "Contacted by the day promised (%)"
        assert table.rows[-1].cells[0].text.endswith("%")

        kept = next(c for c in opened if c.first_contact_on and c.closed_at is None)
        kept.first_contact_on = kept.first_contact_due_on
        session.commit()
        before = _figures(session)
        kept.first_contact_on = kept.first_contact_due_on + timedelta(days=1)
        session.commit()
        after = _figures(session)
        assert after[ROWS[1]] == before[ROWS[1]] - 1
        assert after[ROWS[2]] == before[ROWS[2]] + 1
        assert after[ROWS[0]] == before[ROWS[0]]

        # Never contacted: counted while its case is open, or closed after its day; left
        # out once closed by its day (no longer due).
        kept.first_contact_on = None
        session.commit()
        assert _figures(session)[ROWS[3]] == before[ROWS[3]] + 1
        due = kept.first_contact_due_on
        kept.closure_outcome = ClosureOutcome.NOT_RESOLVED
        kept.closed_at = datetime.combine(due, time(23, 30), clock.PARTNERSHIP_ZONE).astimezone(UTC)
        session.commit()
        closed_by_its_day = _figures(session)
        assert closed_by_its_day[ROWS[3]] == before[ROWS[3]]
        assert closed_by_its_day[ROWS[0]] == before[ROWS[0]] - 1
        kept.closed_at += timedelta(hours=1)  # 00:30 the day after: after its day
        session.commit()
        assert _figures(session)[ROWS[3]] == before[ROWS[3]] + 1
