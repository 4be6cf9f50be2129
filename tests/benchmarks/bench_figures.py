"""Benchmark: the partnership's figures page for a year, at 100,000 cases, on PostgreSQL.

Starts a throwaway PostgreSQL server (as the tests do), migrates a database, builds the
demo partnership in it, then adds ``--cases`` cases (default 100,000) spread over the 24
months before today across the demo's agencies and wards: each with an incident (one in
fifteen hate-related), a victim, a risk assessment for two in three, an action, and for
the closed ones an outcome, the intervention that resolved it and, for one in four, a
closure survey. A CSP coordinator then reads, through the hub's own pages (signed in,
decided, audited and rendered as a user's request is), ``--runs`` times each:

- the home page, the baseline: the lightest signed-in page;
- the regulator's measures for the reporting year (``/figures/regulator``);
- the partnership's figures for the last financial year ended (``/figures/?from=…&to=…``),
  all tables, charts and the ward map. Target: p95 under 1 s;
- the same for one ward.

Figures are medians and 95th percentiles of the whole request, in milliseconds.

    .venv/bin/python -m tests.benchmarks.bench_figures [--cases 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.demo import DEMO_ACCOUNTS
from sharing.figures.months import months_later
from sharing.models import (
    Action,
    Agency,
    Case,
    CaseParty,
    ClosureSurvey,
    Incident,
    Person,
    RiskAssessment,
    User,
    Ward,
)
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    AssessmentStage,
    CaseCategory,
    CaseStatus,
    ClosureOutcome,
    Intervention,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    RiskBand,
    Satisfaction,
    SurveyChannel,
    Triage,
)
from tests.benchmarks.common import (
    demo_on_postgres,
    load,
    percentile,
    say,
    timed_get,
    verdict,
    version_of,
)
from tests.fixtures.app import sign_in

TARGET_MS = 1_000
BATCH = 5_000


def _grow(session: Session, count: int, rng: random.Random) -> None:
    """``count`` cases over the last 24 months, with the rows the figures count."""
    agencies = session.scalars(select(Agency)).all()
    wards = [w.id for w in session.scalars(select(Ward))]
    officers: dict[int, int] = {}
    for agency in agencies:
        user = session.scalars(select(User).where(User.agency_id == agency.id)).first()
        if user is not None:
            officers[agency.id] = user.id
    owners = [a.id for a in agencies if a.id in officers]
    now = clock.now()
    first_id = (session.scalar(select(func.max(Case.id))) or 0) + 1
    person_id = (session.scalar(select(func.max(Person.id))) or 0) + 1
    categories, priorities = list(CaseCategory), list(Priority)
    interventions, answers = list(Intervention), list(Satisfaction)
    for start in range(0, count, BATCH):
        cases, incidents, persons, parties, risks, actions, surveys = [], [], [], [], [], [], []
        for n in range(start, min(count, start + BATCH)):
            case_id, agency_id = first_id + n, rng.choice(owners)
            opened = now - timedelta(days=rng.uniform(0, 730))
            closed = opened + timedelta(days=rng.uniform(3, 200))
            closed = closed if closed < now and rng.random() < 0.7 else None
            resolved = rng.random() < 0.8
            hate = rng.random() < 1 / 15
            cases.append(
                {
                    "id": case_id,
                    "reference": f"BENCH-{case_id}",
                    "agency_id": agency_id,
                    "officer_id": officers[agency_id],
                    "created_by_id": officers[agency_id],
                    "category": rng.choice(categories),
                    "priority": rng.choice(priorities),
                    "triage": Triage.SERIOUS,
                    "hate_motivated": hate,
                    "protected_characteristic": rng.choice(list(ProtectedCharacteristic))
                    if hate
                    else None,
                    "status": CaseStatus.CLOSED if closed else CaseStatus.ACTIVE,
                    "closure_outcome": (
                        ClosureOutcome.RESOLVED if resolved else ClosureOutcome.NOT_RESOLVED
                    )
                    if closed
                    else None,
                    "resolved_by": rng.choice(interventions) if closed and resolved else None,
                    "opened_at": opened,
                    "closed_at": closed,
                    "updated_at": closed or opened,
                    "ward_id": rng.choice(wards),
                }
            )
            incidents.append(
                {
                    "case_id": case_id,
                    "occurred_at": opened,
                    "recorded_at": opened,
                    "recorded_by_id": officers[agency_id],
                    "received_by_agency_id": agency_id,
                    "hate_related": hate,
                }
            )
            persons.append({"id": person_id + n, "agency_id": agency_id, "created_at": opened})
            parties.append(
                {"case_id": case_id, "person_id": person_id + n, "role": PartyRole.VICTIM}
            )
            if rng.random() < 2 / 3:
                band = rng.choice(list(RiskBand))
                risks.append(
                    {
                        "case_id": case_id,
                        "person_id": person_id + n,
                        "matrix_key": "bench",
                        "matrix_version": 1,
                        "stage": AssessmentStage.INITIAL,
                        "score": 10,
                        "score_band": band,
                        "band": band,
                        "assessed_at": opened + timedelta(days=rng.uniform(0, 10)),
                        "assessed_by_id": officers[agency_id],
                    }
                )
            due = (opened + timedelta(days=14)).date()
            done = rng.random() < 0.6
            actions.append(
                {
                    "case_id": case_id,
                    "kind": rng.choice(list(ActionKind)[:12]),
                    "status": ActionStatus.DONE if done else ActionStatus.OPEN,
                    "owner_agency_id": agency_id,
                    "due_on": due,
                    "completed_on": due + timedelta(days=rng.randint(-7, 7)) if done else None,
                    "created_at": opened,
                    "created_by_id": officers[agency_id],
                }
            )
            if closed and rng.random() < 0.25:
                surveys.append(
                    {
                        "case_id": case_id,
                        "survey_key": "bench",
                        "survey_version": 1,
                        "channel": SurveyChannel.PHONE,
                        "recorded_at": closed,
                        "recorded_by_id": officers[agency_id],
                        "overall": rng.choice(answers),
                    }
                )
        for model, rows in (
            (Case, cases),
            (Incident, incidents),
            (Person, persons),
            (CaseParty, parties),
            (RiskAssessment, risks),
            (Action, actions),
            (ClosureSurvey, surveys),
        ):
            if rows:
                session.execute(insert(model), rows)
        session.commit()


def _row(label: str, times: Sequence[float], baseline: float, target: float | None) -> str:
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    verdict_text = f"  target p95 {target:,.0f} ms {verdict(p95 < target)}" if target else ""
    return (
        f"{label:<44} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  "
        f"{p50 / baseline:6.1f}x the home page{verdict_text}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with demo_on_postgres("bench-figures-") as (app, _):
        say(f"PostgreSQL, pygal {version_of('pygal')}; {load()}")
        started = time.perf_counter()
        with app.extensions["hub.sessions"]() as session:
            _grow(session, args.cases, random.Random(17))
            total = session.scalar(select(func.count()).select_from(Case))
            email = next(a.email for a in DEMO_ACCOUNTS if a.job_title == "CSP coordinator")
            coordinator = session.scalar(select(User).where(User.email == email))
            ward = session.scalars(select(Ward).order_by(Ward.name)).first()
        with app.extensions["hub.engine"].connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        say(f"{total:,} cases ({args.cases:,} added in {time.perf_counter() - started:.0f} s)")
        client = app.test_client()
        sign_in(client, coordinator)
        last = months_later(clock.today().replace(day=1), -1)
        ended = last.year if last.month >= 3 else last.year - 1
        year = f"from={ended - 1}-04&to={ended}-03"
        home, _ = timed_get(client, "/", args.runs)
        baseline = percentile(home, 0.5)
        say(_row("home page (baseline)", home, baseline, None))
        regulator, _ = timed_get(client, "/figures/regulator", args.runs)
        say(_row("regulator's measures, the reporting year", regulator, baseline, None))
        figures, _ = timed_get(client, f"/figures/?{year}", args.runs)
        say(_row("partnership's figures, 12 months", figures, baseline, TARGET_MS))
        one_ward, _ = timed_get(client, f"/figures/?{year}&ward={ward.id}", args.runs)
        say(_row("partnership's figures, 12 months, one ward", one_ward, baseline, TARGET_MS))
        say(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
