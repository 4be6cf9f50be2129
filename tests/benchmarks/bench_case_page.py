"""Benchmark: a case page for a case with a long timeline, against one with a short one.

Run by hand (pytest never collects it), from the repository root::

    .venv/bin/python -m tests.benchmarks.bench_case_page [--incidents 1500] [--runs 15]

Builds the demo partnership in a temporary folder (SQLite), gives one open Northshire
Homes case ``--incidents`` more incidents (each a diary entry) and another 15, and has
the case officer of each open its page, ``--runs`` times (signed in, decided, revealed,
audited, rendered). Target (issue 21): the long case within 1.5 times the short one's
median.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.incidents import IncidentInput, add_incident
from sharing.models import Case, User
from sharing.vocabulary import CaseStatus
from tests.benchmarks.common import demo_on_sqlite, load, percentile, say, timed_get, verdict
from tests.fixtures.app import sign_in

TARGET_RATIO = 1.5


def grow(session: Session, case: Case, incidents: int) -> User:
    """Give ``case`` that many more incidents, one a day up to yesterday; its officer."""
    officer = session.get(User, case.officer_id)
    assert officer is not None
    authorised = authorise(session, Actor.of(officer), case.id, Act.RECORD)
    start = clock.now() - timedelta(days=incidents + 1)
    for n in range(incidents):
        add_incident(
            session,
            authorised,
            IncidentInput(
                occurred_at=start + timedelta(days=n),
                description=f"Diary entry {n}: music and shouting from the flat above until 2am",
            ),
        )
    return officer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_500)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    say(f"SQLite; {load()}")
    with demo_on_sqlite("bench-case-page-") as app:
        with app.extensions["hub.sessions"]() as session:
            long_case, short_case = session.scalars(
                select(Case)
                .where(Case.agency.has(code="northshire-homes"))
                .where(Case.status != CaseStatus.CLOSED, Case.locked.is_(False))
                .order_by(Case.id)
            ).all()[:2]
            long_officer = grow(session, long_case, args.incidents)
            short_officer = grow(session, short_case, 15)
            session.commit()
            counts = [len(long_case.incidents), len(short_case.incidents)]
        timings = []
        for case, officer in ((short_case, short_officer), (long_case, long_officer)):
            client = app.test_client()
            sign_in(client, officer)
            times, _ = timed_get(client, f"/cases/{case.id}", args.runs)
            timings.append(times)
    short, long = (percentile(t, 0.5) for t in timings)
    say(
        f"case page, {counts[1]:>5} incidents (baseline)  median {short:6.1f} ms  "
        f"p90 {percentile(timings[0], 0.9):6.1f} ms"
    )
    say(
        f"case page, {counts[0]:>5} incidents             median {long:6.1f} ms  "
        f"p90 {percentile(timings[1], 0.9):6.1f} ms  {long / short:.2f}x  "
        f"target {TARGET_RATIO}x {verdict(long / short <= TARGET_RATIO)}"
    )
    say(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
