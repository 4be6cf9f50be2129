"""The complainant's closure survey in the subject access report (UK GDPR Art. 15), on
SQLite and PostgreSQL: a victim's report holds the survey of their case (how it was
offered, when they answered, each answer with its question, the comment in their words);
a witness's does not; a locked case's survey is not opened; a case with two complainants
says so beside it; a link never answered is listed as offered and not answered; the
report's audit entry names the survey by id and nothing it says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.subject_access import compile_report
from sharing.cases import locks
from sharing.cases.survey import offer_link
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import AuditQueued
from sharing.vocabulary import LockReason, PartyRole, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.fixtures.surveys import (
    COMMENT,
    SURVEY,
    answered_by_phone,
    close,
    closed_case,
    opened_case,
    party,
)

AGENCY = "larkmoor-ha"


@pytest.fixture
def session(demo_database: tuple[Engine, LocalKeyring]) -> Iterator[Session]:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        yield session
        session.rollback()


def _dpo(session: Session) -> Actor:
    return demo_actor(session, AGENCY, Role.DPO)


def _entry(session: Session) -> AuditQueued:
    """The last audit entry written (queued for the log)."""
    return session.scalar(select(AuditQueued).order_by(AuditQueued.id.desc()).limit(1))


def _surveys_named(entry: AuditQueued) -> str:
    return entry.basis.split("closure surveys ")[1].split(";")[0]


def test_a_victims_report_holds_their_closure_survey_and_a_witnesss_does_not(
    session: Session,
) -> None:
    case = closed_case(session, AGENCY, PartyRole.VICTIM, PartyRole.WITNESS)
    survey = answered_by_phone(session, case)

    report = compile_report(session, _dpo(session), party(case, PartyRole.VICTIM), SURVEY)

    (held,) = report.held.surveys
    assert held.reference == case.reference
    assert held.channel == "By phone: answers recorded now"
    assert held.answered_at == survey.answered_when
    assert held.overall == "Fairly dissatisfied"
    assert [(a.question, a.answer) for a in held.answers] == [
        (q.text, "Fairly dissatisfied") for q in SURVEY.questions
    ]
    assert held.comment == COMMENT
    assert held.complainants == 1
    entry = _entry(session)
    assert (entry.action, entry.object_id) == (
        "subject_access.report",
        str(party(case, PartyRole.VICTIM)),
    )
    assert _surveys_named(entry) == str(survey.id)
    assert COMMENT not in entry.basis
    assert "satisfied" not in entry.basis

    witness = compile_report(session, _dpo(session), party(case, PartyRole.WITNESS), SURVEY)
    assert witness.held.surveys == []
    assert _surveys_named(_entry(session)) == "none"


def test_a_locked_cases_survey_is_not_opened(session: Session) -> None:
    case = opened_case(session, AGENCY, PartyRole.VICTIM)
    request = locks.request_lock(
        session,
        authorise(session, Actor.of(case.officer), case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "The reported person is a member of staff",
    )
    manager = demo_actor(session, AGENCY, Role.MANAGER)
    locks.decide_lock(session, manager, request.id, approve=True)
    answered_by_phone(session, close(session, case))

    report = compile_report(session, _dpo(session), party(case, PartyRole.VICTIM), SURVEY)

    assert [(c.reference, c.locked) for c in report.cases] == [(case.reference, True)]
    assert report.held.surveys == []
    assert _surveys_named(_entry(session)) == "none"


def test_a_survey_on_a_case_with_two_victims_says_so_in_each_report(session: Session) -> None:
    case = closed_case(session, AGENCY, PartyRole.VICTIM, PartyRole.VICTIM, PartyRole.WITNESS)
    answered_by_phone(session, case)

    for nth in (0, 1):
        victim = party(case, PartyRole.VICTIM, nth)
        (held,) = compile_report(session, _dpo(session), victim, SURVEY).held.surveys
        assert held.complainants == 2
        assert held.comment == COMMENT  # the DPO decides whose it is before disclosing


def test_a_link_never_answered_is_listed_as_offered_and_not_answered(session: Session) -> None:
    case = closed_case(session, AGENCY, PartyRole.REPORTER)
    survey, _ = offer_link(
        session, authorise(session, Actor.of(case.officer), case.id, Act.CLOSE), SURVEY
    )

    report = compile_report(session, _dpo(session), party(case, PartyRole.REPORTER), SURVEY)

    (held,) = report.held.surveys
    assert held.channel == "Given a link to answer online themselves"
    assert held.offered_at == survey.recorded_at
    assert (held.answered_at, held.overall, held.answers, held.comment) == (None, None, [], None)
    assert _surveys_named(_entry(session)) == str(survey.id)


def test_a_group_making_the_complaint_is_a_complainant_and_the_reported_person_is_not(
    session: Session,
) -> None:
    case = closed_case(session, AGENCY, PartyRole.GROUP, PartyRole.REPORTED, PartyRole.HOUSEHOLD)
    answered_by_phone(session, case)

    group = compile_report(session, _dpo(session), party(case, PartyRole.GROUP), SURVEY)
    assert [(s.reference, s.complainants) for s in group.held.surveys] == [(case.reference, 1)]
    for role in (PartyRole.REPORTED, PartyRole.HOUSEHOLD):
        other = compile_report(session, _dpo(session), party(case, role), SURVEY)
        assert other.held.surveys == []
