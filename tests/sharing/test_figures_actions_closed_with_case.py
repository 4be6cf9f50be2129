"""Actions that closed with their case in the partnership's figures (demo partnership,
SQLite and PostgreSQL): one still open past its date when its case closed stays "still
open past their date" in the figures of the period it was due in, however long after the
case closed; one whose case closed by its date (the partnership's day) was never missed
and, no longer due, is left out, as a cancelled action is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import closing
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.figures import partnership
from sharing.figures.areas import Scope
from sharing.figures.columns import Group
from sharing.figures.months import Months, months_later
from sharing.figures.rounding import Rounder
from sharing.models import Action, Agency, Case
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    Role,
)
from tests.fixtures.demo import demo_user

ROUNDER = Rounder(b"a test's own rounding key")
PAST_THEIR_DATE = "Still open past their date"


def _last_month() -> Months:
    last = months_later(clock.today().replace(day=1), -1)
    return Months(last, months_later(last, 1))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` on ``day`` in the partnership's time, as UTC."""
    return datetime.combine(day, time(hour, minute), clock.PARTNERSHIP_ZONE).astimezone(UTC)


def _meetings(session: Session, period: Months, agency: Agency) -> dict[str, int]:
    """The agency's "Case conferences and actions" for ``period``, exactly."""
    found = partnership.count(
        session,
        agency.area_id,
        Scope(agency.area.name, agency=agency),
        period,
        (Group(agency.name, exact=True),),
        ROUNDER,
        None,
        None,
    )
    return {row.label: int(row.cells[0].text) for row in found.table("meetings").rows}


def _case_with_one_open_action(session: Session, due_on: date) -> tuple[Case, Action]:
    """An active, unlocked Northshire Homes case opened before ``due_on``'s month with
    one action of its plan open, now due on ``due_on``, and no other."""
    homes = session.scalar(select(Agency).where(Agency.code == "northshire-homes"))
    cases = session.scalars(
        select(Case)
        .where(
            Case.agency_id == homes.id,
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.opened_at < _at(due_on.replace(day=1), 0),
        )
        .order_by(Case.id)
    )
    for case in cases:
        open_actions = [a for a in case.actions if a.status is ActionStatus.OPEN]
        plan = [a for a in case.actions if a.kind is not ActionKind.DISSATISFACTION_FOLLOW_UP]
        if len(open_actions) == 1 and open_actions[0] in plan:
            action = open_actions[0]
            action.due_on = due_on
            session.commit()
            return case, action
    raise AssertionError("a demo case of Northshire Homes with one open action")


def _close(session: Session, case: Case, at: datetime) -> None:
    manager = demo_user(session, "northshire-homes", Role.MANAGER)
    authorised = authorise(session, Actor.of(manager), case.id, Act.CLOSE)
    opened = closing.actions_to_close(session, authorised, clock.day_of(at)).stamp
    closing.close_case(
        session,
        authorised,
        ClosureReason.NO_CONTACT,
        outcome=ClosureOutcome.NOT_RESOLVED,
        now=at,
        opened=opened,
    )
    session.commit()


def test_an_action_overdue_when_its_case_closed_still_counts_as_past_its_date(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """A manager reads last month's "Case conferences and actions", in which an action of
    their agency due on the 10th was still open past its date; the case is closed today,
    closing the action with it. Read again, last month's figures are as they were: the
    action was missed, and the closing does not make it as if it had never been due."""
    with make_session_factory(*demo_database)() as session:
        period = _last_month()
        case, action = _case_with_one_open_action(session, period.start + timedelta(days=9))
        before = _meetings(session, period, case.agency)
        assert before[PAST_THEIR_DATE] >= 1
        _close(session, case, clock.now())
        session.refresh(action)
        assert action.closed_with_case
        assert action.status is ActionStatus.CANCELLED
        assert _meetings(session, period, case.agency) == before


@pytest.mark.parametrize(
    ("closed_days_after_due", "hour", "minute", "still_counted"),
    [
        (-5, 12, 0, False),  # closed well before its date: it was never due
        (0, 23, 30, False),  # closed late on its very day: not yet past it
        (1, 0, 30, True),  # closed just after midnight: it was past its date
    ],
)
def test_an_action_closed_with_its_case_counts_only_if_its_date_had_passed(
    demo_database: tuple[Engine, LocalKeyring],
    closed_days_after_due: int,
    hour: int,
    minute: int,
    still_counted: bool,
) -> None:
    """The partnership's day decides: an action due on the 20th whose case closed on the
    20th (late in the evening, London time) was not past its date and is left out, like
    any action no longer due; closed on the 21st, it was."""
    with make_session_factory(*demo_database)() as session:
        period = _last_month()
        due_on = period.start + timedelta(days=19)
        case, action = _case_with_one_open_action(session, due_on)
        before = _meetings(session, period, case.agency)
        closed_on = due_on + timedelta(days=closed_days_after_due)
        _close(session, case, _at(closed_on, hour, minute))
        session.refresh(action)
        assert action.closed_with_case
        assert clock.day_of(action.closed_at) == closed_on
        after = _meetings(session, period, case.agency)
        expected = before[PAST_THEIR_DATE] - (0 if still_counted else 1)
        assert after[PAST_THEIR_DATE] == expected
        for row in ("Actions due in the period: done by their date", "Done after their date"):
            assert after[row] == before[row]
