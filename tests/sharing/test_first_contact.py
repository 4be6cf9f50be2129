"""First contact in the core, on the demo partnership (SQLite and PostgreSQL): the day it
is due counts working days in England and Wales, bank holidays excluded; an imported case
is due it as the setting says from the day the file says it was opened; the first risk
assessment records it, in its audit entry, and a later one does not move it; migration
0057 sets existing cases as the hub would have; two reviews at once keep the earlier day."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.migrate import downgrade, upgrade
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import first_contact, review_checks, reviews
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.imports.cases import import_cases
from sharing.models import AuditEntry, Case, RiskAssessment, User
from sharing.risk.assessments import AssessmentInput, record_assessment
from sharing.risk.matrix import shipped
from sharing.trigger.workdays import WorkingDays, england_and_wales
from sharing.vocabulary import AssessmentStage, ContactMethod, PartyRole, ReviewDecision, Role
from tests.fixtures.demo import demo_actor, open_cases
from tests.sharing.test_case_import import OPENED, csv_of, imported, line_of

MATRICES = shipped()
LOWEST = {q.id: min(q.options, key=lambda o: o.score).value for q in MATRICES.current.questions}


@pytest.fixture
def session(demo_database: tuple[Engine, LocalKeyring]) -> Iterator[Session]:
    with make_session_factory(*demo_database)() as session:
        yield session


def test_first_contact_is_due_in_working_days_past_weekends_and_bank_holidays() -> None:
    # Christmas 2026: Friday 25, Boxing Day's substitute Monday 28, New Year's Day.
    assert first_contact.due_on(date(2026, 12, 23), 5) == date(2027, 1, 4)
    assert first_contact.due_on(date(2026, 12, 4), 5) == date(2026, 12, 11)  # a Friday
    assert first_contact.due_on(date(2026, 12, 5), 1) == date(2026, 12, 7)  # from a Saturday
    short = WorkingDays({}, date(2026, 12, 31))
    assert first_contact.due_on(date(2026, 12, 29), 5, short) is None  # past the list
    assert first_contact.in_words(5) == "five"
    assert first_contact.in_words(12) == "12"


def test_an_imported_case_is_due_first_contact_from_the_day_it_was_opened(
    session: Session,
) -> None:
    manager = demo_actor(session, "wealdbrook-ht", Role.MANAGER)
    done = import_cases(
        session,
        manager,
        csv_of(session, line_of(reference="FC-1")),
        dry_run=False,
        first_contact_days=3,
    )
    assert done.opened == 1
    case = imported(session, "FC-1")
    assert case.first_contact_due_on == england_and_wales().add(OPENED, 3)
    assert case.first_contact_on is None


def _unassessed(session: Session) -> Case:
    assessed = set(session.scalars(select(RiskAssessment.case_id)))
    return next(
        c
        for c in open_cases(session, "northshire-homes")
        if c.id not in assessed and any(p.role is PartyRole.VICTIM for p in c.parties)
    )


def test_the_first_risk_assessment_records_first_contact_and_says_so(session: Session) -> None:
    case = _unassessed(session)
    case.first_contact_on = None
    session.commit()
    officer = Actor.of(session.get(User, case.officer_id))
    victim = next(p.person_id for p in case.parties if p.role is PartyRole.VICTIM)

    def assess() -> None:
        record_assessment(
            session,
            authorise(session, officer, case.id, Act.ASSESS_RISK),
            AssessmentInput(
                victim, AssessmentStage.INITIAL, MATRICES.current.version, dict(LOWEST)
            ),
            matrices=MATRICES,
        )
        session.commit()

    assess()
    assert case.first_contact_on == clock.today()
    entries = session.scalars(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "risk.record", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq)
    ).all()
    assert entries[-1].endswith(f"; first contact {clock.today().isoformat()}")
    assess()
    last = session.scalars(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "risk.record", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert "first contact" not in last


def test_migration_0057_sets_existing_cases_as_the_hub_would(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, _ = demo_database

    def tracked() -> dict[int, tuple[date | None, date | None]]:
        with make_session_factory(*demo_database)() as session:
            rows = session.execute(
                select(Case.id, Case.first_contact_due_on, Case.first_contact_on)
            ).all()
            return {r.id: (r.first_contact_due_on, r.first_contact_on) for r in rows}

    built = tracked()
    assert any(made for _, made in built.values())  # assessed or reached in a review
    assert any(made is None for _, made in built.values())
    downgrade(engine, "0056")
    upgrade(engine)
    assert tracked() == built


@pytest.mark.postgres
@pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True)
def test_two_reviews_at_once_keep_the_earlier_day_of_first_contact(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    sessions = make_session_factory(*demo_database)
    with sessions() as session:
        case = open_cases(session, "northshire-homes")[0]
        case.first_contact_on = None
        case_id, officer_id = case.id, case.officer_id
        session.commit()
    today = clock.today()
    days = [today - timedelta(days=1), today - timedelta(days=2)]
    ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def review(day: date) -> None:
        try:
            with sessions() as session:
                officer = Actor.of(session.get(User, officer_id))
                authorised = authorise(session, officer, case_id, Act.RECORD)
                ready.wait()
                reviews.record_review(
                    session,
                    authorised,
                    review_checks.ReviewInput(
                        ContactMethod.PHONE,
                        day,
                        "",
                        "Agreed the action plan",
                        None,
                        "Nothing new",
                        ReviewDecision.CONTINUE,
                        None,
                    ),
                    reviews.DEFAULT_DAYS,
                )
                session.commit()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=review, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with sessions() as session:
        assert session.get(Case, case_id).first_contact_on == min(days)
