"""Everything the agency holds about a person in their subject access report (UK GDPR
Art. 15), on SQLite and PostgreSQL, whatever their place on its cases now: someone taken
off a case stays in what was recorded about them there (the incidents they reported, their
risk assessments), so their report still holds that case, what it records about them and
every access to it, and its audit entry names it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.audit.log import integrate
from sharing.audit.subject_access import FOR_A_REQUEST, TAKEN_OFF, compile_report
from sharing.cases.people import remove_person
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealing import unseal
from sharing.db import make_session_factory
from sharing.models import AuditQueued, Case, CaseParty, Incident, RiskAssessment
from sharing.vocabulary import CaseStatus, PartyRole, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor

AGENCY = "larkmoor-ha"


@pytest.fixture
def session(demo_database: tuple[Engine, LocalKeyring]) -> Iterator[Session]:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        yield session
        session.rollback()


def _assessed_reporter(session: Session) -> CaseParty:
    """A person on an open case of the agency who reported one of its incidents and has a
    risk assessment on it."""
    found = session.scalars(
        select(CaseParty)
        .join(Case, Case.id == CaseParty.case_id)
        .join(
            RiskAssessment,
            (RiskAssessment.case_id == Case.id) & (RiskAssessment.person_id == CaseParty.person_id),
        )
        .join(
            Incident,
            (Incident.case_id == Case.id) & (Incident.reported_by_id == CaseParty.person_id),
        )
        .where(
            Case.agency.has(code=AGENCY),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.status != CaseStatus.CLOSED,
        )
        .order_by(CaseParty.id)
    ).first()
    assert found is not None, "the demo has no assessed reporter on an open case"
    return found


def _victim_and_reported(session: Session) -> Case:
    """The agency's first open case, not locked, with a victim, a reported person and
    incidents."""
    case = session.scalars(
        select(Case)
        .where(
            Case.agency.has(code=AGENCY),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.parties.any(CaseParty.role == PartyRole.VICTIM),
            Case.parties.any(CaseParty.role == PartyRole.REPORTED),
            Case.incidents.any(),
        )
        .order_by(Case.id)
    ).first()
    assert case is not None, "the demo has no case with a victim and a reported person"
    return case


def test_someone_taken_off_a_case_finds_what_it_records_about_them_in_their_report(
    session: Session,
) -> None:
    party = _assessed_reporter(session)
    case, person_id = party.case, party.person_id
    assessments = set(
        session.scalars(
            select(RiskAssessment.id).where(
                RiskAssessment.case_id == case.id, RiskAssessment.person_id == person_id
            )
        )
    )
    officer = Actor.of(case.officer)
    erased = remove_person(session, authorise(session, officer, case.id, Act.RECORD), party.id)
    assert not erased  # still named by the incident they reported and their assessments

    report = compile_report(session, demo_actor(session, AGENCY, Role.DPO), person_id)

    (section,) = [c for c in report.cases if c.reference == case.reference]
    assert section.role == TAKEN_OFF
    assert section.incidents is not None
    assert any(i.reported_by_them for i in section.incidents)
    assert {a.view.id for a in report.held.assessments} >= assessments
    # Who opened the case while they were on it, and who took them off it.
    assert any(row.case_reference == case.reference for row in report.accesses)
    entry = session.scalar(select(AuditQueued).order_by(AuditQueued.id.desc()).limit(1))
    assert entry.action == "subject_access.report"
    assert str(case.id) in entry.basis.split("person record and cases ")[1].split(";")[0]
    named = entry.basis.split("risk assessments ")[1].split(";")[0].split(",")
    assert {str(a) for a in assessments} <= set(named)


def test_where_the_behaviour_happened_is_left_out_of_the_report_of_someone_not_complaining(
    session: Session,
) -> None:
    """The case's address is often the victim's home: the report of the reported person
    (or a witness, or someone taken off it) leaves it out, and the places of incidents
    they did not report; a complainant's report keeps them."""
    case = _victim_and_reported(session)
    address = unseal(case, "address")
    assert address
    dpo = demo_actor(session, AGENCY, Role.DPO)

    def section(role: PartyRole):
        person_id = next(p.person_id for p in case.parties if p.role is role)
        report = compile_report(session, dpo, person_id)
        return next(c for c in report.cases if c.reference == case.reference)

    victims = section(PartyRole.VICTIM)
    assert not victims.location_withheld
    assert victims.address == address
    assert any(i.place for i in victims.incidents)

    reported = section(PartyRole.REPORTED)
    assert reported.location_withheld
    assert reported.address is None
    assert reported.postcode is None
    assert not any(i.place for i in reported.incidents if not i.reported_by_them)
    assert reported.summary is not None  # the rest of the case is theirs to be checked


def test_anothers_request_shows_in_a_report_as_a_request_naming_no_one(
    session: Session,
) -> None:
    """The victim's report read their case: the reported person's report says the case
    was read for a subject access request, but not whose, nor the victim's records."""
    case = _victim_and_reported(session)
    victim = next(p.person_id for p in case.parties if p.role is PartyRole.VICTIM)
    reported = next(p.person_id for p in case.parties if p.role is PartyRole.REPORTED)
    dpo = demo_actor(session, AGENCY, Role.DPO)
    compile_report(session, dpo, victim)
    integrate(session)

    theirs = compile_report(session, dpo, reported)

    (request,) = [row for row in theirs.accesses if row.action == acts.Action.SUBJECT_ACCESS.label]
    assert request.basis == FOR_A_REQUEST
    assert request.object_id is None
    integrate(session)
    mine = compile_report(session, dpo, reported)  # their own earlier report names them
    own = [row for row in mine.accesses if row.action == acts.Action.SUBJECT_ACCESS.label]
    assert [(r.object_type, r.object_id) for r in own][-1] == ("person", str(reported))
    assert own[-1].basis != FOR_A_REQUEST
