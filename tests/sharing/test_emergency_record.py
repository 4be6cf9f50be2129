"""The record of an emergency access is kept for the six years the emergency protocol
promises, whatever becomes of the case: its reason and review note are sealed under a key
of its own, which the daily sweep destroys once the six years are over. An access recorded
before it had a key of its own keeps its values under its case's, and goes with it. On
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.cases import emergency
from sharing.cases.erasure import erase_case
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealed_format import ErasedValue
from sharing.crypto.sealing import seal, unseal
from sharing.db import make_session_factory
from sharing.models import AuditQueued, BreakGlass, Case, Share
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor

REASON = "A threat to kill was made an hour ago at the victim's door"
NOTE = "Justified: the police acted on it within the hour"


@pytest.fixture
def session(demo_database: tuple[Engine, LocalKeyring]) -> Iterator[Session]:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        yield session
        session.rollback()


def _unshared(session: Session, nth: int = 0) -> Case:
    """A case of Northshire Homes shared with no one, open, that the police may open only
    in an emergency."""
    case = session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="northshire-homes"),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
        .offset(nth)
    ).first()
    assert case is not None, "the demo has no unshared Northshire Homes case"
    return case


def _erase(session: Session, case: Case) -> None:
    manager = demo_actor(session, "northshire-homes", Role.MANAGER)
    close_for_erasure(session, manager, case.id)
    erase_case(session, authorise(session, manager, case.id, Act.ERASE))


def _opened(session: Session, case: Case, now: datetime | None = None) -> BreakGlass:
    police = demo_actor(session, "northshire-police", Role.CASE_OFFICER)
    return emergency.break_glass(session, police, case.reference, REASON, now=now)


def test_the_reason_and_review_outlive_the_erasure_of_the_case(session: Session) -> None:
    case = _unshared(session)
    glass = _opened(session, case)
    _erase(session, case)
    session.flush()

    with pytest.raises(ErasedValue):
        unseal(case, "summary")
    assert unseal(glass, "reason") == REASON
    (waiting,) = [
        w
        for w in emergency.to_review(session, demo_actor(session, "northshire-homes", Role.MANAGER))
        if w.glass.id == glass.id
    ]
    assert waiting.reason == REASON
    assert not glass.erased
    manager = demo_actor(session, "northshire-homes", Role.MANAGER)
    emergency.review(session, manager, glass.id, NOTE)
    assert unseal(glass, "review_note") == NOTE


def test_an_access_recorded_before_it_had_a_key_goes_with_its_case(session: Session) -> None:
    """As recorded before migration 0050: its values under the case's key."""
    case = _unshared(session, 1)
    police = demo_actor(session, "northshire-police", Role.CASE_OFFICER)
    legacy = BreakGlass(
        case=case,
        user_id=police.user_id,
        protocol_id=_opened(session, _unshared(session, 2)).protocol_id,
        clause="emergency",
        started_at=clock.now(),
        expires_at=clock.now() + timedelta(hours=4),
    )
    session.add(legacy)
    seal(legacy, "reason", REASON)
    session.flush()
    assert legacy.sealed_under is case
    assert unseal(legacy, "reason") == REASON

    _erase(session, case)

    assert legacy.erased
    with pytest.raises(ErasedValue):
        unseal(legacy, "reason")
    manager = demo_actor(session, "northshire-homes", Role.MANAGER)
    emergency.review(session, manager, legacy.id, "")  # recorded, with no note
    assert legacy.reviewed_at is not None
    assert emergency.sweep(session, clock.today()) == 0  # it has no key of its own


def test_the_sweep_erases_the_reason_six_years_on_and_not_before(session: Session) -> None:
    today = clock.today()
    six_years_ago = datetime.combine(
        clock.years_after(today, -emergency.KEPT_YEARS), datetime.min.time(), clock.PARTNERSHIP_ZONE
    )
    ended = _opened(session, _unshared(session, 3), now=six_years_ago - timedelta(minutes=1))
    kept = _opened(session, _unshared(session, 4), now=six_years_ago + timedelta(minutes=1))
    session.flush()

    assert emergency.sweep(session, today) == 1

    with pytest.raises(ErasedValue):
        unseal(ended, "reason")
    assert ended.erased
    assert unseal(kept, "reason") == REASON
    # The record that it happened stays: who, which case, when; and the erasure is an act.
    assert ended.user_id is not None
    assert ended.started_at == six_years_ago - timedelta(minutes=1)
    entry = session.scalar(select(AuditQueued).order_by(AuditQueued.id.desc()).limit(1))
    assert entry.action == "break_glass.erase"
    assert entry.basis == f"emergency access {ended.id}: 6 years kept; data key destroyed"
    assert emergency.sweep(session, today) == 0  # once
