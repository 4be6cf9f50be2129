"""Benchmark: an attendee's conference pack, as HTML and as a PDF, for a large case.

Builds the demo partnership in a temporary folder, then grows one Northshire Homes case to
``--incidents`` incidents (each description about 400 characters, as a diary entry) and
convenes a conference on it inviting every other agency of the partnership, each of which
answers its information request in full; the meeting gets minutes, a decision and an
action plan. A police officer then reads the pack through the hub's own pages (signed in,
decided, revealed, audited and rendered as a user's request is), ``--runs`` times each:

- the case page of the same case, the baseline: the hub's heaviest page today;
- the pack as HTML (``/conferences/<id>/pack``). Target: under 300 ms;
- the pack as a PDF (``/conferences/<id>/pack.pdf``), with its page count. Target: under 3 s.

Figures are medians and 90th percentiles of the whole request, in milliseconds.

    .venv/bin/python -m tests.benchmarks.bench_pack [--incidents 200] [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import random
from collections.abc import Sequence
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.actions import ActionInput
from sharing.cases.incidents import IncidentInput, add_incident
from sharing.meetings import (
    conference_actions,
    conference_attendance,
    conference_eligibility,
    conferences,
    minutes,
    requests,
)
from sharing.models import Agency, Case, Conference, ProtocolRecord, User
from sharing.vocabulary import ActionKind, Attendance, CaseStatus, Role
from tests.benchmarks.common import (
    demo_on_sqlite,
    load,
    percentile,
    say,
    timed_get,
    verdict,
    version_of,
)
from tests.fixtures.app import sign_in

HTML_TARGET_MS = 300
PDF_TARGET_MS = 3_000
DIARY = (
    "Loud music and shouting from the flat above from about eleven until gone two in the "
    "morning; banging on the shared wall and a door slammed repeatedly. The resident says "
    "she was woken four times, her grandson could not sleep before school, and when she "
    "knocked to ask for quiet she was sworn at on the landing and told to move out. A "
    "neighbour on the second floor heard the same and has offered to give a statement."
)


def _first(session: Session, code: str, role: Role) -> User:
    users = session.scalars(
        select(User).join(Agency, Agency.id == User.agency_id).where(Agency.code == code)
    )
    return next(u for u in users if role in u.roles)


def grow_case(session: Session, incidents: int, rng: random.Random) -> tuple[int, int]:
    """A Northshire Homes case with ``incidents`` incidents and a conference on it with
    every other agency answering; (case id, conference id)."""
    case = session.scalars(
        select(Case)
        .join(Agency, Agency.id == Case.agency_id)
        .where(
            Agency.code == "northshire-homes",
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
        )
        .order_by(Case.id)
    ).first()
    assert case is not None  # noqa: S101 - the demo always has one
    officer = Actor.of(case.officer)
    now = clock.now()
    recorded = authorise(session, officer, case.id, Act.RECORD)
    for n in range(incidents - len(case.incidents)):
        add_incident(
            session,
            recorded,
            IncidentInput(
                occurred_at=now - timedelta(days=300 - n % 300, hours=rng.randrange(24)),
                description=f"{DIARY} (diary sheet {n + 1})",
                place="Landing outside flat 4",
                received_by_agency_id=case.agency_id,
            ),
            now=now,
        )
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference", ProtocolRecord.status == "active"
        )
    )
    others = [a.id for a in session.scalars(select(Agency).where(Agency.id != case.agency_id))]
    chair = _first(session, "northshire-homes", Role.CONFERENCE_CHAIR)
    with clock.pinned(now - timedelta(days=3)):
        conference = conferences.convene(
            session,
            authorise(session, officer, case.id, Act.CONVENE),
            conferences.ConferenceInput(
                question="Agree the action plan and whether to seek an injunction",
                starts_at=now - timedelta(hours=2),
                protocol_id=protocol.id,
                purpose="case_conference",
                agency_ids=[
                    o.agency.id
                    for o in conference_eligibility.invitable(
                        session, case, protocol.id, "case_conference"
                    )
                    if o.refusal is None and o.agency.id in others
                ],
                chair_id=chair.id,
                place="Civic Centre",
                agenda="1. Incidents\n2. Risk\n3. Legal options\n4. Action plan",
                attendee_ids=[case.officer_id],
            ),
            share_days=28,
            now=now - timedelta(days=3),
        )
        for request in conference.requests:
            answerer = next(
                u
                for u in session.scalars(select(User).where(User.agency_id == request.agency_id))
                if u.has_role(*requests.ANSWERING_ROLES)
            )
            requests.answer(
                session,
                Actor.of(answerer),
                request.id,
                requests.AnswerInput(
                    known=True,
                    incidents_note=DIARY,
                    risk_note=DIARY[:300],
                    actions_note=DIARY[:200],
                    concerns_note=DIARY,
                ),
                now=now - timedelta(days=1),
            )
    conference_attendance.record_attendance(
        session,
        officer,
        conference.id,
        {a.id: conference_attendance.Mark(Attendance.PRESENT) for a in conference.attendees},
    )
    for item in range(4):
        minutes.save_minute(session, officer, conference.id, f"{item + 1}. Item", DIARY * 2)
    for n, agency_id in enumerate(sorted(conference.at_the_table)):
        conference_actions.add_action(
            session,
            officer,
            conference.id,
            ActionInput(
                kind=ActionKind.EARLY_INTERVENTION_OTHER,
                description=f"Action {n + 1}: {DIARY[:150]}",
                owner_agency_id=agency_id,
                due_on=clock.today() + timedelta(days=14),
            ),
        )
    return case.id, conference.id


def _row(label: str, times: Sequence[float], target: float | None, baseline: float) -> str:
    median = percentile(times, 0.5)
    verdict_text = f"  target {target:,.0f} ms {verdict(median < target)}" if target else ""
    return (
        f"{label:<34} median {median:8.1f} ms  p90 {percentile(times, 0.9):8.1f} ms  "
        f"{median / baseline:5.1f}x the case page{verdict_text}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    say(f"WeasyPrint {version_of('weasyprint')}, pypdf {version_of('pypdf')}; {load()}")
    with demo_on_sqlite("bench-pack-") as app:
        with app.extensions["hub.sessions"]() as session:
            case_id, conference_id = grow_case(session, args.incidents, random.Random(7))
            session.commit()
            reader = _first(session, "northshire-police", Role.CASE_OFFICER)
            invited = len(session.get(Conference, conference_id).invitations)
        client = app.test_client()
        sign_in(client, reader)
        say(
            f"case with {args.incidents} incidents; conference with {invited} agencies invited, "
            "each answering in full; read by a police case officer"
        )
        case_times, _ = timed_get(client, f"/cases/{case_id}?purpose=case_conference", args.runs)
        html_times, _ = timed_get(client, f"/conferences/{conference_id}/pack", args.runs)
        pdf_times, pdf = timed_get(client, f"/conferences/{conference_id}/pack.pdf", args.runs)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        baseline = percentile(case_times, 0.5)
        say(_row("case page (baseline)", case_times, None, baseline))
        say(_row("pack as HTML", html_times, HTML_TARGET_MS, baseline))
        say(_row(f"pack as PDF ({pages} pages)", pdf_times, PDF_TARGET_MS, baseline))
        say(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
