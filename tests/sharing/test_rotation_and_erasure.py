"""Key rotation (online, resumable, retiring old versions) and erasure by crypto-shredding."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from sharing import accounts
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.access.reveal import ERASED
from sharing.cases import casework, disclosure, incidents, people
from sharing.cases.erasure import erase_case, erase_person
from sharing.cases.search import SearchQuery, search
from sharing.crypto.data_keys import wrap_context
from sharing.crypto.keys import KeyringError, LocalKeyring
from sharing.crypto.rotation import key_status, rotate
from sharing.db import make_engine, make_session_factory
from sharing.errors import NotAllowed, NotFound
from sharing.models import Agency, Area, BlindIndex, Case, CaseParty, DataKey, LockMember, Person
from sharing.vocabulary import AgencyType, CaseCategory, PartyRole, Priority, Role, Triage
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.databases import PostgresServer, waiting_for_a_lock

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def find(*args: object) -> list:
    """The hits of a search (the tests here look at hits, not truncation)."""
    return search(*args).hits  # type: ignore[arg-type]


@pytest.fixture
def sessions(migrated_engine: Engine, keys: LocalKeyring) -> sessionmaker[Session]:
    return make_session_factory(migrated_engine, keys)


@pytest.fixture
def staff(sessions) -> tuple[Actor, Actor]:
    with sessions() as session:
        area = Area(code="r", name="R")
        agency = Agency(
            code="r", name="R Homes", type=AgencyType.LANDLORD, area=area, case_prefix="RH"
        )
        session.add(agency)
        made = [
            accounts.create_user(
                session,
                agency=agency,
                email=f"{r}@r.example",
                display_name=r,
                roles={Role(r)},
                password_hash="x",
            )
            for r in ("case_officer", "manager")
        ]
        session.commit()
        return Actor.of(made[0]), Actor.of(made[1])


def _cases(sessions, officer: Actor, n: int, surname: str = "Rotate") -> list[int]:
    ids = []
    with sessions() as session:
        for i in range(n):
            case = casework.open_case(
                session,
                officer,
                casework.CaseInput(
                    category=CaseCategory.NOISE,
                    priority=Priority.AMBER,
                    triage=Triage.LOW_LEVEL,
                    summary=f"Summary {i}",
                    parties=[
                        people.PersonInput(
                            role=PartyRole.VICTIM, family_name=surname, given_names=f"N{i}"
                        )
                    ],
                ),
                now=NOW,
            )
            ids.append(case.id)
        session.commit()
    return ids


def _erase(session: Session, manager: Actor, case_id: int, *, with_people: bool = False) -> None:
    """The manager closes the case and erases it, as a case is closed before it is erased."""
    close_for_erasure(session, manager, case_id)
    erase_case(session, authorise(session, manager, case_id, Act.ERASE), with_people=with_people)


def _summaries(sessions, officer: Actor, ids: list[int]) -> list[str | None]:
    with sessions() as session:
        return [disclosure.disclose_case(session, officer, i).summary for i in ids]


def test_rotation_rewraps_every_key_and_retires_the_old_version(sessions, staff, keys) -> None:
    officer, _ = staff
    ids = _cases(sessions, officer, 7)
    before = _summaries(sessions, officer, ids)
    seen: list[tuple[int, int]] = []
    report = rotate(
        sessions, keys, batch_size=4, progress=lambda done, left: seen.append((done, left))
    )
    assert (report.version, report.resumed, report.rewrapped, report.retired) == (2, False, 14, [1])
    assert seen == [(4, 10), (8, 6), (12, 2), (14, 0)]
    assert keys.versions() == [2]
    assert LocalKeyring(keys.path).versions() == [2]  # on disk too
    assert _summaries(sessions, officer, ids) == before
    with sessions() as session:
        assert key_status(session, keys).wrapping == {2: 14}


def test_an_interrupted_rotation_resumes_and_reads_work_throughout(sessions, staff, keys) -> None:
    officer, _ = staff
    ids = _cases(sessions, officer, 5)
    before = _summaries(sessions, officer, ids)

    class Interrupted(Exception):
        pass

    def stop_after_first_batch(done: int, left: int) -> None:
        assert _summaries(sessions, officer, ids) == before  # mid-rotation reads
        raise Interrupted

    with pytest.raises(Interrupted):
        rotate(sessions, keys, batch_size=3, progress=stop_after_first_batch)
    with sessions() as session:
        status = key_status(session, keys)
    assert (status.active, status.wrapping, status.pending) == (2, {1: 7, 2: 3}, 7)
    assert keys.versions() == [1, 2]  # nothing retired while keys still need it
    report = rotate(sessions, keys, batch_size=3)
    assert (report.version, report.resumed, report.rewrapped, report.retired) == (2, True, 7, [1])
    assert _summaries(sessions, officer, ids) == before


def test_a_case_erased_while_the_rotation_rewraps_its_key_stays_erased(
    sessions, staff, keys: LocalKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manager erases a case while `hub keys rotate` (or the nightly finalise) runs: the
    batch that had already read the case's key must not write a new copy of it back."""
    officer, manager = staff
    erased, kept = _cases(sessions, officer, 2, surname="Race")
    wrap = keys.wrap

    def erased_meanwhile(version: int, key: bytes, context: bytes) -> bytes:
        # between the batch's read and its commit, the manager's erasure commits
        monkeypatch.setattr(keys, "wrap", wrap)
        with sessions() as other:
            _erase(other, manager, erased)
            other.commit()
        return wrap(version, key, context)

    monkeypatch.setattr(keys, "wrap", erased_meanwhile)
    report = rotate(sessions, keys)

    with sessions() as session:
        key = session.get_one(Case, erased).data_key
        assert key is not None
        assert key.wrapped is None, "the destroyed key was written back"
        status = key_status(session, keys)
        assert (status.destroyed, status.erasures_waiting, status.wrapping) == (1, 0, {2: 3})
        assert disclosure.disclose_case(session, officer, erased).erased
    assert _summaries(sessions, officer, [kept]) == ["Summary 1"]
    assert (report.rewrapped, report.skipped, report.retired) == (3, 1, [1])


def test_a_manager_erases_a_case_and_its_only_people(sessions, staff) -> None:
    officer, manager = staff
    erased_id, kept_id = _cases(sessions, officer, 2, surname="Shredded")
    with sessions() as session:
        with pytest.raises(NotAllowed):
            erase_case(session, authorise(session, officer, erased_id, Act.ERASE))
        _erase(session, manager, erased_id, with_people=True)
        session.commit()
    with sessions() as session:
        view = disclosure.disclose_case(session, officer, erased_id)
        assert view.erased
        assert view.summary == ERASED
        assert view.parties[0].name == ERASED
        assert view.category is CaseCategory.NOISE  # plain fields kept for statistics
        assert disclosure.disclose_case(session, officer, kept_id).summary == "Summary 1"
        hits = find(session, officer, SearchQuery("surname", surname="Shredded"))
        assert [h.case_id for h in hits] == [kept_id]
        assert (
            session.scalar(
                select(func.count()).select_from(BlindIndex).where(BlindIndex.case_id == erased_id)
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count()).select_from(DataKey).where(DataKey.wrapped.is_(None))
            )
            == 2
        )


def test_a_manager_not_named_on_a_locked_case_cannot_erase_it(sessions, staff) -> None:
    # Finding 1 of the access review: erasure asked only "manager of the owning agency?",
    # so a manager for whom the locked case does not exist could destroy its key.
    officer, manager = staff
    (case_id,) = _cases(sessions, officer, 1)
    with sessions() as session:
        case = session.get_one(Case, case_id)
        case.locked = True
        session.add(
            LockMember(case_id=case_id, user_id=officer.user_id, named_by_id=officer.user_id)
        )
        session.commit()
    with sessions() as session:
        with pytest.raises(NotFound):
            authorise(session, manager, case_id, Act.ERASE)
        session.commit()
    with sessions() as session:
        assert session.scalar(select(func.count()).where(DataKey.wrapped.is_(None))) == 0
        assert session.get_one(Case, case_id).erased_at is None
        assert disclosure.disclose_case(session, officer, case_id).summary == "Summary 0"


def test_erasing_a_person_leaves_their_cases(sessions, staff) -> None:
    officer, manager = staff
    (case_id,) = _cases(sessions, officer, 1)
    with sessions() as session:
        person_id = session.scalar(select(Person.id))
        erase_person(session, manager, person_id)
        session.commit()
        view = disclosure.disclose_case(session, officer, case_id)
        assert view.summary == "Summary 0"
        assert view.parties[0].erased
        assert view.parties[0].name == ERASED


def _witness(session: Session, officer: Actor, case_id: int, **details: str) -> int:
    party = people.add_person(
        session,
        authorise(session, officer, case_id, Act.RECORD),
        people.PersonInput(
            role=PartyRole.WITNESS,
            family_name="Mistaken",
            phone="07700 900456",
            postcode="NX1 1AA",
            support_needs="Bipolar disorder; lives alone",
            **details,
        ),
        now=NOW,
    )
    return party.person_id


def _take_off(session: Session, officer: Actor, case_id: int, person_id: int) -> bool:
    case = session.get_one(Case, case_id)
    party = next(p for p in case.parties if p.person_id == person_id)
    return people.remove_person(session, authorise(session, officer, case_id, Act.RECORD), party.id)


def _indexed(session: Session, person_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(BlindIndex).where(BlindIndex.person_id == person_id)
    )


def test_someone_taken_off_their_only_case_with_nothing_recorded_about_them_is_erased(
    sessions, staff
) -> None:
    officer, _manager = staff
    first, second = _cases(sessions, officer, 2)
    with sessions() as session:
        mistaken = _witness(session, officer, first)
        known = _witness(session, officer, first)
        session.add(CaseParty(case_id=second, person_id=known, role=PartyRole.WITNESS))
        session.flush()
        assert _indexed(session, mistaken) == 3
        assert _take_off(session, officer, first, mistaken) is True
        assert _take_off(session, officer, first, known) is False  # still on the second case
        session.commit()
    with sessions() as session:
        erased = session.get_one(Person, mistaken)
        assert erased.erased_at is not None
        assert erased.data_key.wrapped is None
        assert _indexed(session, mistaken) == 0
        assert session.get_one(Person, known).erased_at is None
        hits = find(session, officer, SearchQuery("phone", phone="07700 900456"))
        assert [h.case_id for h in hits] == [second]  # the one still held


def test_erasing_a_case_with_its_people_reaches_those_taken_off_it(sessions, staff) -> None:
    officer, manager = staff
    (case_id,) = _cases(sessions, officer, 1)
    with sessions() as session:
        witness = _witness(session, officer, case_id)
        incidents.add_incident(
            session,
            authorise(session, officer, case_id, Act.RECORD),
            incidents.IncidentInput(
                occurred_at=NOW, description="Saw it from the stairs", reported_by_id=witness
            ),
            now=NOW,
        )
        # Off the case, but still in what was recorded on it: their record stays.
        assert _take_off(session, officer, case_id, witness) is False
        session.commit()
    with sessions() as session:
        assert session.get_one(Person, witness).erased_at is None
        with pytest.raises(NotAllowed):  # erasure is a manager's decision
            erase_person(session, officer, witness)
        _erase(session, manager, case_id, with_people=True)
        session.commit()
    with sessions() as session:
        assert session.get_one(Person, witness).erased_at is not None
        assert _indexed(session, witness) == 0


def test_a_manager_erases_a_person_who_is_on_no_case(sessions, staff) -> None:
    officer, manager = staff
    (case_id,) = _cases(sessions, officer, 1)
    with sessions() as session:
        witness = _witness(session, officer, case_id)
        case = session.get_one(Case, case_id)
        case.parties.remove(next(p for p in case.parties if p.person_id == witness))
        session.commit()  # as a case taken off before people with no case were erased
    with sessions() as session:
        erase_person(session, manager, witness)
        session.commit()
        assert session.get_one(Person, witness).erased_at is not None


def test_someone_on_two_cases_is_erased_with_the_second_of_them(sessions, staff) -> None:
    """A victim on one case is a witness on another: erasing the first "with the people on
    no other case" keeps them for the second; erasing the second the same way erases them,
    as an erased case holds no one."""
    officer, manager = staff
    first, second = _cases(sessions, officer, 2, surname="Twice")
    with sessions() as session:
        victim = session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == first))
        session.add(CaseParty(case_id=second, person_id=victim, role=PartyRole.WITNESS))
        session.commit()
    with sessions() as session:
        _erase(session, manager, first, with_people=True)
        session.commit()
        assert session.get_one(Person, victim).erased_at is None  # the second case holds them
    with sessions() as session:
        _erase(session, manager, second, with_people=True)
        session.commit()
    with sessions() as session:
        assert session.get_one(Person, victim).erased_at is not None
        assert _indexed(session, victim) == 0
        assert find(session, officer, SearchQuery("surname", surname="Twice")) == []


def test_a_case_erased_with_its_people_keeps_one_also_on_an_erased_locked_case_not_its_to_erase(
    sessions, staff
) -> None:
    """Someone on a locked case (erased since by a manager named on it, keeping them) and on
    a second case: a manager not named on the locked case erases the second "with the people
    on no other case". The second is erased and that person kept, as only the locked case's
    named users erase what it names. Before, the whole erasure was answered "not found"."""
    officer, manager = staff
    locked, second = _cases(sessions, officer, 2, surname="Lockedtoo")
    with sessions() as session:
        victim = session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == locked))
        session.add(CaseParty(case_id=second, person_id=victim, role=PartyRole.WITNESS))
        named = accounts.create_user(
            session,
            agency=session.get_one(Person, victim).agency,
            email="named@r.example",
            display_name="named",
            roles={Role.MANAGER},
            password_hash="x",
        )
        session.flush()
        session.get_one(Case, locked).locked = True
        for user_id in (officer.user_id, named.id):
            session.add(LockMember(case_id=locked, user_id=user_id, named_by_id=officer.user_id))
        session.commit()
        lock_manager = Actor.of(named)
    with sessions() as session:
        _erase(session, lock_manager, locked)
        session.commit()
    with sessions() as session:
        _erase(session, manager, second, with_people=True)
        session.commit()
    with sessions() as session:
        assert session.get_one(Case, second).erased_at is not None
        assert session.get_one(Person, victim).erased_at is None


def test_someone_on_an_erased_case_is_erased_when_taken_off_their_last_live_case(
    sessions, staff
) -> None:
    officer, manager = staff
    first, second = _cases(sessions, officer, 2)
    with sessions() as session:
        witness = _witness(session, officer, first)
        session.add(CaseParty(case_id=second, person_id=witness, role=PartyRole.WITNESS))
        session.flush()
        _erase(session, manager, first)
        session.commit()
    with sessions() as session:
        assert _take_off(session, officer, second, witness) is True
        session.commit()
        assert session.get_one(Person, witness).erased_at is not None


def test_a_manager_erases_someone_kept_on_an_erased_case(sessions, staff) -> None:
    officer, manager = staff
    (case_id,) = _cases(sessions, officer, 1)
    with sessions() as session:
        _erase(session, manager, case_id)  # box unticked
        session.commit()
    with sessions() as session:
        victim = session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == case_id))
        assert session.get_one(Person, victim).erased_at is None
        with pytest.raises(NotAllowed):  # erasure is a manager's decision
            erase_person(session, officer, victim)
        erase_person(session, manager, victim)
        session.commit()
        assert session.get_one(Person, victim).erased_at is not None


def _backup(url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A copy of the database as a backup holds it (pg_dump, or SQLite's own backup),
    restored where the tests can open it: its URL."""
    if url.startswith("sqlite"):
        copy = tmp_path / f"backup-{len(list(tmp_path.glob('backup-*')))}.sqlite3"
        with (
            closing(sqlite3.connect(str(make_url(url).database))) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)
        return f"sqlite:///{copy}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.restore(server.dump(url))


def _summary_in(url: str, keys: LocalKeyring, officer: Actor, case_id: int) -> str | None:
    engine = make_engine(url)
    try:
        with make_session_factory(engine, keys)() as session:
            return disclosure.disclose_case(session, officer, case_id).summary
    finally:
        engine.dispose()


def test_an_erasure_is_final_once_the_key_version_that_wrapped_it_is_retired(
    sessions, staff, keys: LocalKeyring, migrated_database_url: str, request, tmp_path: Path
) -> None:
    """Issue 20, finding 5: a backup taken before an erasure, opened with the key store of
    the day, reads the erased case until the rotation; after it, nothing."""
    officer, manager = staff
    erased, kept = _cases(sessions, officer, 2, surname="Final")
    before = _backup(migrated_database_url, request, tmp_path)
    with sessions() as session:
        _erase(session, manager, erased)
        session.commit()
        waiting = key_status(session, keys)
    assert waiting.erasures_waiting >= 1
    assert waiting.oldest_waiting is not None
    assert _summary_in(before, keys, officer, erased) == "Summary 0", "not final yet"

    report = rotate(sessions, keys)

    assert report.retired, "the version that wrapped the destroyed key is gone"
    with sessions() as session:
        assert key_status(session, keys).erasures_waiting == 0
    with pytest.raises(KeyringError):
        _summary_in(before, keys, officer, erased)
    assert _summaries(sessions, officer, [kept]) == ["Summary 1"], "the rest reads as before"


def _files_holding(url: str, request: pytest.FixtureRequest, value: bytes) -> list[Path]:
    """The database's files on disk that still hold ``value``: PostgreSQL's table file (a
    dead row) and write-ahead log, or SQLite's main file and its WAL."""
    if url.startswith("sqlite"):
        main = Path(str(make_url(url).database))
        files = [main, main.with_name(main.name + "-wal")]
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                # write the WAL and the dirty pages out (the test server commits without
                # waiting for the WAL), then look where the key's row lives on disk
                connection.execute(text("CHECKPOINT"))
                relation = connection.scalar(text("SELECT pg_relation_filepath('data_keys')"))
        finally:
            engine.dispose()
        files = [server.data / str(relation), *sorted((server.data / "pg_wal").glob("0*"))]
    return [f for f in files if f.exists() and value in f.read_bytes()]


def test_a_destroyed_key_left_in_the_logs_and_files_opens_nothing_after_the_rotation(
    sessions, staff, keys: LocalKeyring, migrated_database_url: str, request
) -> None:
    """What someone with the database's files recovers of an erased case: the wrapped
    key, still there after the erasure (the WAL, dead rows); once the rotation has run, no
    key the key store holds opens it."""
    officer, manager = staff
    (erased,) = _cases(sessions, officer, 1, surname="Wal")
    with sessions() as session:
        record = session.get(Case, erased).data_key
        wrapped, version, key_id = record.wrapped, record.kek_version, record.id
        _erase(session, manager, erased)
        session.commit()
    context = wrap_context(key_id, version)
    assert _files_holding(migrated_database_url, request, wrapped), "recoverable from the files"
    assert keys.unwrap(version, wrapped, context), "and, until the rotation, it opens"

    rotate(sessions, keys)

    with pytest.raises(KeyringError):
        keys.unwrap(version, wrapped, context)


#: How long a race may take before the test gives up on it (never reached when it passes).
PATIENCE_SECONDS = 60


@pytest.mark.postgres
@pytest.mark.parametrize("migrated_database_url", ["postgresql"], indirect=True)
def test_a_case_opened_while_the_rotation_runs_can_still_be_read_after_it(
    sessions, staff, keys: LocalKeyring, migrated_engine: Engine
) -> None:
    """An officer opens a case while `hub keys finalise-erasures` (or `hub keys rotate`)
    runs: the case's data key, wrapped with the version active when the officer's
    transaction began and committed after the rotation's last batch, must not be left
    wrapped by a version the rotation then retires (the case could never be read again)."""
    officer, _ = staff
    (earlier,) = _cases(sessions, officer, 1)
    opening = sessions()
    case = casework.open_case(
        opening,
        officer,
        casework.CaseInput(
            category=CaseCategory.NOISE,
            priority=Priority.AMBER,
            triage=Triage.LOW_LEVEL,
            summary="Opened meanwhile",
        ),
        now=NOW,
    )
    opened = case.id
    reports: list[object] = []
    rotation = threading.Thread(target=lambda: reports.append(rotate(sessions, keys)))
    rotation.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while rotation.is_alive() and not waiting_for_a_lock(migrated_engine):
        assert time.monotonic() < deadline, "the rotation neither waited nor ended"
        time.sleep(0.01)
    opening.commit()  # the officer's request ends
    opening.close()
    rotation.join(PATIENCE_SECONDS)
    assert reports, "the rotation did not finish"

    assert _summaries(sessions, officer, [earlier, opened]) == ["Summary 0", "Opened meanwhile"]
    with sessions() as session:
        assert set(key_status(session, keys).wrapping) <= set(keys.versions())
