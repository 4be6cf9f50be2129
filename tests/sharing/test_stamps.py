"""A change form's stamp of the record as it was opened (``sharing.stamps``): it says
nothing of the values, changes with any stored change, a refusal names who changed the
record last and when where the record keeps that, and two saves from forms opened at
the same time cannot both pass its check, on SQLite and on PostgreSQL: the second waits
for the first and is refused."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from sharing import stamps
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealing import seal, unseal_many
from sharing.db import make_session_factory
from sharing.errors import ChangedMeanwhile
from sharing.models import Case, CaseParty, User
from sharing.vocabulary import CaseStatus, Priority
from tests.fixtures.app import TEST_COST


def _open_case_id(session) -> int:
    """An open case not red, high risk already, so that saving that priority changes it
    (which case that is differs with the day the demo is built)."""
    return session.scalars(
        select(Case.id)
        .where(Case.status != CaseStatus.CLOSED, Case.erased_at.is_(None))
        .where(Case.priority != Priority.RED_HIGH)
        .order_by(Case.id)
    ).first()


def test_a_stamp_changes_with_the_record_and_does_not_reveal_it(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        party = session.scalars(select(CaseParty)).first()
        person = party.person
        stamp = stamps.of(session, person, party)
        assert stamps.well_formed(stamp)
        phone = unseal_many(person, ("phone",))["phone"] or ""
        assert phone.replace(" ", "") not in stamp
        stamps.check(session, stamp, person, party)  # unchanged: passes
        stamps.check(session, None, person, party)  # no stamp: passes
        stamps.check(session, "not a stamp", person, party)
        seal(person, "phone", phone)  # saved again as it was: no change
        session.flush()
        stamps.check(session, stamp, person, party)
        seal(person, "phone", "07700 900 404")
        session.flush()
        with pytest.raises(ChangedMeanwhile):
            stamps.check(session, stamp, person, party)
        session.rollback()


def test_a_refusal_names_who_changed_the_record_last_and_when_if_it_keeps_that(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        party = session.scalars(select(CaseParty)).first()
        person, case = party.person, party.case
        opened = stamps.of(session, person, party)
        triage = stamps.of(session, case, only=("priority", "triage"))
        writer = session.scalars(select(User).order_by(User.id)).first()
        at = datetime(2026, 7, 1, 13, 4, tzinfo=UTC)
        person.changed_by_user(writer.id, at)
        case.priority = next(p for p in Priority if p is not case.priority)
        session.flush()
        with pytest.raises(ChangedMeanwhile) as refused:
            stamps.check(session, opened, person, party)
        assert (refused.value.at, refused.value.by) == (at, writer.display_name)
        with pytest.raises(ChangedMeanwhile) as refused:  # a case keeps no last writer
            stamps.check(session, triage, case, only=("priority", "triage"))
        assert (refused.value.at, refused.value.by) == (None, None)
        session.rollback()


def test_two_saves_from_forms_opened_together_do_not_both_pass(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    sessions = make_session_factory(engine, keys, TEST_COST)
    with sessions() as session:
        case_id = _open_case_id(session)
        opened = stamps.of(session, session.get(Case, case_id), only=("priority", "triage"))
    first_saved = threading.Event()
    outcomes: list[str] = []

    def save(priority: Priority, first: bool) -> None:
        with sessions() as session:
            if not first:
                first_saved.wait(30)
            case = session.get(Case, case_id)
            try:
                stamps.check(session, opened, case, only=("priority", "triage"))
            except ChangedMeanwhile:
                outcomes.append(f"{priority.value} refused")
                session.rollback()
                return
            case.priority = priority
            session.flush()
            if first:
                first_saved.set()
                time.sleep(0.5)  # the second save comes while this one is under way
            session.commit()
            outcomes.append(f"{priority.value} saved")

    threads = [
        threading.Thread(target=save, args=(Priority.RED_HIGH, True)),
        threading.Thread(target=save, args=(Priority.AMBER, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["amber refused", "red_high saved"]
    with sessions() as session:
        assert session.get(Case, case_id).priority is Priority.RED_HIGH
