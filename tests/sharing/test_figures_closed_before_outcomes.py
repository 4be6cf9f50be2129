"""A partnership that used the hub before closure outcomes were recorded (migration 0023)
has cases closed with no outcome: the CSP coordinator's figures for any period count them
as "Closed before outcomes were recorded", where asking for the figures failed outright
(an error page for the whole partnership's figures, not one row), on SQLite and
PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import Engine, select

from sharing import clock
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.figures.months import quarter_before
from sharing.models import Case
from sharing.vocabulary import ClosureOutcome
from tests.sharing.test_partnership_figures import _count, _exact, _within

#: The last quarter ended: within the demo's year of casework on any day.
QUARTER = quarter_before(clock.today())


def test_a_case_closed_before_outcomes_were_recorded_is_counted_as_such(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    with make_session_factory(*demo_database)() as session:
        case = next(
            c
            for c in session.scalars(select(Case).where(Case.closed_at.is_not(None)))
            if _within(QUARTER, c.closed_at) and c.closure_outcome is ClosureOutcome.RESOLVED
        )
        before = _exact(_count(session, QUARTER), "summary")
        case.closure_outcome, case.resolved_by = None, None
        session.commit()

        after = _exact(_count(session, QUARTER), "summary")

        assert after["Closed: resolved"] == before["Closed: resolved"] - 1
        assert (
            after["Closed before outcomes were recorded"]
            == before["Closed before outcomes were recorded"] + 1
        )
        assert after["Cases opened"] == before["Cases opened"]
