"""A subject access report gives everything the agency's cases record that the person may
ask for (UK GDPR Art. 15), not only the summary and the incidents: how the case was closed,
its reviews, its changes of priority and escalations, its conferences (the question, what
partners told them, the minutes and the decisions), the crime references of its incidents
and the outcomes of its actions; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.subject_access import compile_report
from sharing.audit.subject_cases import CaseSection
from sharing.cases import documents, emergency, locks
from sharing.cases.erasure import erase_case
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealing import unseal
from sharing.db import make_session_factory
from sharing.files.stores import LocalStore
from sharing.models import (
    Action,
    AuditQueued,
    Case,
    CaseReview,
    Conference,
    Escalation,
    Incident,
    RiskAssessment,
    Share,
    TriageChange,
)
from sharing.risk.assessments import change_triage
from sharing.vocabulary import (
    ActionStatus,
    CaseStatus,
    DocumentKind,
    LockReason,
    Marking,
    Priority,
    Role,
)
from tests.fixtures.app import TEST_COST
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor
from tests.fixtures.files import png


@pytest.fixture
def session(demo_database: tuple[Engine, LocalKeyring]) -> Iterator[Session]:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        yield session
        session.rollback()


def _dpo(session: Session, agency_code: str) -> Actor:
    """The agency's data protection officer (its manager in that role, in an agency of the
    demo that names none)."""
    try:
        return demo_actor(session, agency_code, Role.DPO)
    except IndexError:
        return replace(demo_actor(session, agency_code, Role.MANAGER), roles=frozenset({Role.DPO}))


def _section(session: Session, case: Case) -> CaseSection:
    """The case's section in the report of the first person on it, compiled by its
    agency's data protection officer."""
    person_id = case.parties[0].person_id
    report = compile_report(session, _dpo(session, case.agency.code), person_id)
    return next(c for c in report.cases if c.reference == case.reference)


def _first_case(session: Session, *where) -> Case:
    case = session.scalars(
        select(Case)
        .where(Case.locked.is_(False), Case.erased_at.is_(None), Case.parties.any(), *where)
        .order_by(Case.id)
    ).first()
    assert case is not None, "the demo has no such case"
    return case


def test_the_conference_on_their_case_is_in_their_report_with_minutes_and_decisions(
    session: Session,
) -> None:
    conference = session.scalars(
        select(Conference).where(Conference.minutes.any(), Conference.decisions.any())
    ).first()
    assert conference is not None, "the demo holds no minuted conference"

    section = _section(session, conference.case)

    assert section.records is not None
    (entry,) = [c for c in section.records.conferences if c.starts_at == conference.starts_at]
    assert entry.question == unseal(conference, "question")
    assert [m.discussion for m in entry.minutes] == [
        unseal(m, "discussion") for m in conference.minutes
    ]
    decision = conference.decisions[0]
    assert ("What was decided", unseal(decision, "decision")) in entry.decisions[0].parts
    answered = [r for r in conference.requests if r.answered_at is not None]
    assert answered, "the demo's held conference has answered requests"
    assert {a.agency for a in entry.answers} == {r.agency.name for r in answered}
    told = {text for a in entry.answers for _, text in a.parts}
    assert unseal(answered[0], "incidents_note") in told


def test_a_closed_case_says_why_and_how_it_was_closed(session: Session) -> None:
    case = _first_case(session, Case.status == CaseStatus.CLOSED, Case.closure_note.is_not(None))

    section = _section(session, case)

    assert section.records is not None
    assert section.records.closure is not None
    closure = section.records.closure
    assert closure.note == unseal(case, "closure_note")
    assert case.closure_reason is not None
    assert closure.reason == case.closure_reason.label


def test_the_reviews_of_their_case_are_in_their_report(session: Session) -> None:
    case = _first_case(session, Case.reviews.any(CaseReview.progress.is_not(None)))

    section = _section(session, case)

    assert section.records is not None
    reviews = sorted(case.reviews, key=lambda r: (r.reviewed_at, r.id))
    assert [r.progress for r in section.records.reviews] == [unseal(r, "progress") for r in reviews]
    assert [r.decision for r in section.records.reviews] == [r.decision.label for r in reviews]


def test_crime_references_and_action_outcomes_are_in_their_report(session: Session) -> None:
    case = _first_case(
        session,
        Case.incidents.any(Incident.crime_reference.is_not(None)),
        Case.actions.any(Action.status == ActionStatus.DONE),
    )

    section = _section(session, case)

    assert section.incidents is not None
    assert section.actions is not None
    references = {i.crime_reference for i in section.incidents if i.crime_reference}
    held = {unseal(i, "crime_reference") for i in case.incidents} - {None, ""}
    assert references == held
    outcomes = {a.outcome_note for a in section.actions if a.outcome_note}
    assert outcomes == {unseal(a, "outcome_note") for a in case.actions} - {None, ""}


def test_changes_of_priority_and_escalations_are_in_their_report(session: Session) -> None:
    # The demo changes a priority on some days only: the case's officer changes one here.
    case = _first_case(session, Case.status != CaseStatus.CLOSED)
    change_triage(
        session,
        authorise(session, Actor.of(case.officer), case.id, Act.ASSESS_RISK),
        priority=Priority.AMBER if case.priority is Priority.RED_URGENT else Priority.RED_URGENT,
        triage=case.triage,
        reason="Threats to the victim reported by two neighbours since Friday.",
    )
    session.flush()
    changed = case.id
    escalated = session.scalars(select(Escalation.case_id)).first()
    assert escalated is not None, "the demo holds no escalation"

    for case_id in {changed, escalated}:
        case = session.get(Case, case_id)
        assert case is not None
        section = _section(session, case)
        assert section.records is not None
        changes = session.scalars(select(TriageChange).where(TriageChange.case_id == case_id))
        assert {c.reason for c in section.records.priority_changes} == {
            unseal(c, "reason") for c in changes
        }
        escalations = session.scalars(select(Escalation).where(Escalation.case_id == case_id))
        assert [e.reason for e in section.records.escalations] == [
            e.reason.label for e in sorted(escalations, key=lambda e: (e.raised_at, e.id))
        ]


def test_documents_on_their_case_not_addressed_to_them_are_listed_for_checking(
    session: Session, tmp_path: Path
) -> None:
    """A photograph on the case may show them though it is addressed to no one, and a
    letter to someone else may be about them: the report lists the case's documents not
    addressed to them; one addressed to them is in a part of its own, not listed again."""
    case = _first_case(session, Case.status != CaseStatus.CLOSED)
    person_id = case.parties[0].person_id
    officer = Actor.of(case.officer)
    store = LocalStore(tmp_path / "files")

    def attach(description: str, addressed_to: int | None) -> int:
        return documents.attach(
            session,
            authorise(session, officer, case.id, Act.RECORD),
            store,
            documents.DocumentInput(
                kind=DocumentKind.PHOTO,
                category="narrative",
                incident_id=None,
                person_id=addressed_to,
                description=description,
                filename="stairwell.png",
                content=png("the stairwell"),
                marking=Marking.OFFICIAL_SENSITIVE,
            ),
        ).id

    other = attach("The stairwell after the fire", None)
    theirs = attach("Their own photograph of the door", person_id)

    section = _section(session, case)

    assert section.records is not None
    listed = [d.description for d in section.records.documents]
    assert "The stairwell after the fire" in listed
    assert "Their own photograph of the door" not in listed
    # The report's entry names both, each in its part, before either is read.
    basis = _entry(session).basis
    assert str(theirs) in _part(basis, "documents ").split(",")
    assert str(other) in _part(basis, "other documents ").split(",")


def _entry(session: Session) -> AuditQueued:
    entry = session.scalar(select(AuditQueued).order_by(AuditQueued.id.desc()).limit(1))
    assert entry is not None
    assert entry.action == "subject_access.report"
    return entry


def _part(basis: str | None, label: str) -> str:
    """The identifiers a part of the basis (``"documents 3,4"``) names."""
    part = next(p for p in (basis or "").split("; ") if p.startswith(label))
    return part.removeprefix(label)


def test_an_erased_case_is_named_only_and_nothing_of_it_is_read(session: Session) -> None:
    """Its values can no longer be read: the report names it, without its records, nor
    its people's assessments and referrals made on it shown as the word "Erased"."""
    case = _first_case(session, Case.id.in_(select(RiskAssessment.case_id)))
    person_id = next(
        a.person_id
        for a in session.scalars(select(RiskAssessment).where(RiskAssessment.case_id == case.id))
    )
    manager = demo_actor(session, case.agency.code, Role.MANAGER)
    close_for_erasure(session, manager, case.id)
    erase_case(session, authorise(session, manager, case.id, Act.ERASE))

    report = compile_report(session, _dpo(session, case.agency.code), person_id)

    section = next(c for c in report.cases if c.reference == case.reference)
    assert section.erased
    assert section.incidents is None
    assert section.records is None
    assert case.reference not in {a.reference for a in report.held.assessments}
    assert case.reference not in {r.reference for r in report.held.referrals}
    assert str(case.id) in _part(_entry(session).basis, "erased cases named only ").split(",")
    assert str(case.id) not in _part(_entry(session).basis, "person record and cases ").split(",")


def test_incidents_say_where_they_were_reported_and_whether_hate_related(
    session: Session,
) -> None:
    case = _first_case(session, Case.incidents.any(Incident.hate_related.is_(True)))

    section = _section(session, case)

    assert section.incidents is not None
    incidents = sorted(case.incidents, key=lambda i: i.occurred_at)
    assert [i.received_by for i in section.incidents] == [i.received_by.name for i in incidents]
    assert [i.hate_related for i in section.incidents] == [i.hate_related for i in incidents]
    assert any(i.hate_related for i in section.incidents)


def test_lock_requests_and_emergency_accesses_on_their_case_are_in_their_report(
    session: Session,
) -> None:
    """Why someone asked to lock the case, and why a partner opened it in an emergency,
    may describe them: both are in the report, the emergency access named in its entry."""
    case = _first_case(
        session,
        Case.agency.has(code="northshire-homes"),
        Case.status != CaseStatus.CLOSED,
        ~Case.id.in_(select(Share.case_id)),
    )
    officer = Actor.of(case.officer)
    locks.request_lock(
        session,
        authorise(session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.EMPLOYEE_REPORTER,
        "The victim's brother works in the housing team",
    )
    police = demo_actor(session, "northshire-police", Role.CASE_OFFICER)
    glass = emergency.break_glass(
        session, police, case.reference, "A threat to kill was made at the victim's door"
    )

    section = _section(session, case)

    assert section.records is not None
    (lock,) = section.records.lock_requests
    assert lock.note == "The victim's brother works in the housing team"
    (access,) = [a for a in section.records.emergency_accesses if a.started_at == glass.started_at]
    assert access.reason == "A threat to kill was made at the victim's door"
    assert access.agency == "Northshire Police"
    assert str(glass.id) in _part(_entry(session).basis, "emergency accesses ").split(",")
