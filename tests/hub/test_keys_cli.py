"""``hub keys`` and ``hub erase``: the key store, rotation killed mid-way and resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select, text, update

from hub.templating import uk_date
from sharing import accounts, authenticator_apps, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.access.reveal import ERASED
from sharing.cases import casework, disclosure, people
from sharing.cases.erasure import erase_case
from sharing.cases.search import SearchQuery, search
from sharing.crypto import blind_index
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.data_keys import provider_of, wrap_context
from sharing.crypto.keys import KeyringError, LocalKeyring
from sharing.crypto.rotation import rotate
from sharing.db import make_engine, make_session_factory
from sharing.models import Agency, Area, AuditEntry, BlindIndex, Case, User
from sharing.vocabulary import AgencyType, CaseCategory, PartyRole, Priority, Role, Triage
from tests.fixtures.cli import hub
from tests.fixtures.closing import close_for_erasure

HUB = str(Path(sys.executable).parent / "hub")


def _k_homes() -> Agency:
    """The one agency the tests here need."""
    return Agency(
        code="k",
        name="K Homes",
        type=AgencyType.LANDLORD,
        area=Area(code="k", name="K"),
        case_prefix="KH",
    )


@pytest.fixture
def populated(migrated_hub_env: str, tmp_path: Path) -> tuple[str, Path, list[int]]:
    """A migrated database with 40 cases (80 data keys), and its key store."""
    assert hub("db", "upgrade").exit_code == 0
    key_store = tmp_path / "instance" / "keyring.json"
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        agency = _k_homes()
        session.add(agency)
        officer = accounts.create_user(
            session,
            agency=agency,
            email="k@k.example",
            display_name="K",
            roles={Role.CASE_OFFICER, Role.MANAGER},
            password_hash="x",
        )
        actor = Actor.of(officer)
        for i in range(40):
            casework.open_case(
                session,
                actor,
                casework.CaseInput(
                    category=CaseCategory.NOISE,
                    priority=Priority.AMBER,
                    triage=Triage.LOW_LEVEL,
                    summary=f"Case {i}",
                    parties=[people.PersonInput(role=PartyRole.VICTIM, family_name=f"Person{i}")],
                ),
                now=datetime(2026, 1, 1, tzinfo=UTC),
            )
        session.commit()
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    engine.dispose()
    return migrated_hub_env, key_store, ids


def _refused_rotations(url: str) -> list[str | None]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        found = list(
            session.scalars(
                select(AuditEntry.basis)
                .where(AuditEntry.action == "keys.rotate", AuditEntry.outcome == "refused")
                .order_by(AuditEntry.seq)
            )
        )
    engine.dispose()
    return found


def _summaries(url: str, key_store: Path, ids: list[int]) -> list[str | None]:
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        actor = Actor(user_id=1, agency_id=1, roles=frozenset({Role.MANAGER}))
        found = [disclosure.disclose_case(session, actor, i).summary for i in ids]
    engine.dispose()
    return found


def test_rotation_killed_mid_way_resumes_when_run_again(populated) -> None:
    url, key_store, ids = populated
    before = _summaries(url, key_store, ids)
    process = subprocess.Popen(
        [HUB, "keys", "rotate", "--batch-size", "10", "--pause", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("rewrapped 10 data keys, 70 to go"), first
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    assert _summaries(url, key_store, ids) == before  # reads work mid-rotation
    status = hub("keys", "status")
    assert "version 1: wraps 70 data keys" in status.output
    assert "version 2 (active): wraps 10 data keys" in status.output
    assert "70 data keys still wait for the active version" in status.output
    resumed = hub("keys", "rotate", "--batch-size", "25")
    assert resumed.exit_code == 0, resumed.output
    assert (
        "Resumed the rotation to key version 2: 70 data keys rewrapped; retired versions: 1."
        in resumed.output
    )
    assert _summaries(url, key_store, ids) == before
    assert "version 2 (active): wraps 80 data keys; held" in hub("keys", "status").output
    assert LocalKeyring(key_store).versions() == [2]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--pause", "-1"),
        ("--pause", "nan"),
        ("--pause", "inf"),
        ("--batch-size", "0"),
        ("--batch-size", "99999999999999999999999"),
    ],
)
def test_a_bad_rotation_option_is_refused_before_any_key_changes(
    populated, option: str, value: str
) -> None:
    url, key_store, ids = populated
    before = key_store.read_bytes()
    result = hub("keys", "rotate", option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': {value}" in result.output
    assert key_store.read_bytes() == before
    status = hub("keys", "status")
    assert "version 1 (active): wraps 80 data keys" in status.output
    assert "version 2" not in status.output


def test_keys_init_makes_a_private_key_store_and_never_overwrites(
    hub_env: str, tmp_path: Path
) -> None:
    made = hub("keys", "init", "--expected-persons", "50000")
    assert made.exit_code == 0, made.output
    path = tmp_path / "instance" / "keyring.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert LocalKeyring(path).index_bits()["surname"] == 13
    again = hub("keys", "init")
    assert again.exit_code == 1
    assert "already exists; it is never overwritten" in again.output


def test_a_loose_key_store_stops_the_hub_with_one_line(hub_env: str, tmp_path: Path) -> None:
    hub("keys", "init")
    (tmp_path / "instance" / "keyring.json").chmod(0o644)
    result = hub("keys", "status")
    assert result.exit_code == 2
    assert result.output.strip().endswith("can be read by other users: chmod 600 it")


def test_erase_case_from_the_command_line(populated) -> None:
    url, key_store, ids = populated
    refused = hub("erase", "case", "KH-2026-00001", "--by", "nobody@k.example", "--yes")
    assert "no user with that e-mail address" in refused.output
    still_open = hub("erase", "case", "KH-2026-00001", "--by", "k@k.example", "--yes")
    assert still_open.exit_code == 1
    assert "the case is still open: close it first" in still_open.output
    assert _last_entry(url, key_store) == ("case.erase", "refused", str(ids[0]))
    _close(url, key_store, ids[0])
    done = hub("erase", "case", "KH-2026-00001", "--by", "k@k.example", "--with-people", "--yes")
    assert done.exit_code == 0, done.output
    assert done.output == "Case KH-2026-00001 erased. 1 person it alone held erased.\n"
    assert _summaries(url, key_store, ids[:2]) == [ERASED, "Case 1"]
    missing = hub("erase", "case", "KH-2099-00001", "--by", "k@k.example", "--yes")
    assert "no case KH-2099-00001" in missing.output


def _entries(url: str, key_store: Path) -> list[tuple[str, str, str | None]]:
    """Every entry of the audit log: its action, outcome and object."""
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        found = [
            (e.action, e.outcome, e.object_id)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
    engine.dispose()
    return found


def test_erasing_a_case_already_erased_says_when_and_records_nothing(populated) -> None:
    url, key_store, ids = populated
    _close(url, key_store, ids[2])
    erased = hub("erase", "case", "KH-2026-00003", "--by", "k@k.example", "--yes")
    assert erased.exit_code == 0, erased.output
    assert erased.output == "Case KH-2026-00003 erased.\n"
    before = _entries(url, key_store)
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        erased_on = uk_date(session.get_one(Case, ids[2]).erased_at)
    engine.dispose()

    again = hub("erase", "case", "KH-2026-00003", "--by", "k@k.example", "--yes")
    assert again.exit_code == 0, again.output
    assert again.output == (
        f"Case KH-2026-00003 was already erased on {erased_on}: nothing was done.\n"
    )
    assert _entries(url, key_store) == before

    # Someone who may not erase it is refused, as before, and told nothing of its erasure.
    refused = hub("erase", "case", "KH-2026-00003", "--by", "nobody@k.example", "--yes")
    assert refused.exit_code == 1
    assert "already erased" not in refused.output

    # --with-people still erases the people it kept whom no live case holds.
    people = hub("erase", "case", "KH-2026-00003", "--by", "k@k.example", "--with-people", "--yes")
    assert people.exit_code == 0, people.output
    assert _entries(url, key_store)[-1][:2] == ("person.erase", "allowed")
    assert people.output == (
        f"Case KH-2026-00003 was already erased on {erased_on}. 1 person it alone held erased.\n"
    )

    # Nobody left: it says so, and why.
    none_left = hub(
        "erase", "case", "KH-2026-00003", "--by", "k@k.example", "--with-people", "--yes"
    )
    assert none_left.exit_code == 0, none_left.output
    assert none_left.output == (
        f"Case KH-2026-00003 was already erased on {erased_on}. "
        "No one was erased with it: everyone it held was erased already.\n"
    )


def test_erasing_with_people_says_no_one_was_when_all_are_kept_for_other_cases(
    populated,
) -> None:
    """``--with-people`` on a case whose only person is also on another live case erases
    no one, and says so and why, where it said the people were erased."""
    url, key_store, ids = populated
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        manager = Actor(user_id=1, agency_id=1, roles=frozenset({Role.CASE_OFFICER, Role.MANAGER}))
        person_id = session.get_one(Case, ids[4]).parties[0].person_id
        people.add_person(
            session,
            authorise(session, manager, ids[5], Act.RECORD),
            people.PersonInput(role=PartyRole.WITNESS),
            known_person_id=person_id,
        )
        session.commit()
    engine.dispose()
    _close(url, key_store, ids[4])

    kept = hub("erase", "case", "KH-2026-00005", "--by", "k@k.example", "--with-people", "--yes")

    assert kept.exit_code == 0, kept.output
    assert kept.output == (
        "Case KH-2026-00005 erased. No one was erased with it: the 1 person it held is kept "
        "for the other cases they are on.\n"
    )


def test_protocols_check_prints_every_problem_and_fails(hub_env: str, tmp_path: Path) -> None:
    shipped = sorted(str(p) for p in (Path(__file__).parents[2] / "protocols").glob("*.toml"))
    ok = hub("protocols", "check", *shipped)
    assert ok.exit_code == 0, ok.output
    assert f"{len(shipped)} file(s) checked: no problems" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "Bad Id"\ntitle = "x"\nversion = 0\n')
    result = hub("protocols", "check", str(bad))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(bad))]
    assert any(":1: id:" in line for line in lines)
    assert any(":3: version:" in line for line in lines)
    not_toml = tmp_path / "not.toml"
    not_toml.write_text("this is [not toml")
    refused = hub("protocols", "check", str(not_toml))
    assert refused.exit_code == 1
    assert "TOML" in refused.output


def test_protocols_import_and_sso_check_name_a_file_that_is_not_utf8(
    migrated_hub_env: str, tmp_path: Path
) -> None:
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('title = "café"\n'.encode("latin-1"))
    imported = hub("protocols", "import", str(latin1), "--by", "dpo@k.example")
    assert imported.exit_code == 1
    assert imported.output.startswith(f"{latin1}: not a text file in UTF-8")
    assert imported.output.endswith("Error: the file was not imported\n")
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(256)))
    checked = hub("sso", "check", str(binary))
    assert checked.exit_code == 1
    assert checked.output == f"Error: {binary} is not a text file in UTF-8\n"


def _last_entry(url: str, key_store: Path) -> tuple[str, str, str | None]:
    """The audit log's last entry: its action, outcome and object."""
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        last = (entry.action, entry.outcome, entry.object_id)
    engine.dispose()
    return last


def _close(url: str, key_store: Path, case_id: int) -> None:
    """The case's manager closes it, as a case is closed before it is erased."""
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        manager = Actor(user_id=1, agency_id=1, roles=frozenset({Role.MANAGER}))
        close_for_erasure(session, manager, case_id)
        session.commit()
    engine.dispose()


def _erase(url: str, key_store: Path, case_id: int) -> None:
    """A manager erases the case (its data key destroyed), as `hub erase case` does."""
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        manager = Actor(user_id=1, agency_id=1, roles=frozenset({Role.MANAGER}))
        close_for_erasure(session, manager, case_id)
        erase_case(session, authorise(session, manager, case_id, Act.ERASE))
        session.commit()
    engine.dispose()


def test_erasures_wait_in_keys_status_until_finalise_erasures_makes_them_final(populated) -> None:
    url, key_store, ids = populated
    _erase(url, key_store, ids[0])
    first = hub("keys", "finalise-erasures")
    assert first.exit_code == 0, first.output

    status = hub("keys", "status").output
    assert "erasures not yet final" not in status, "finalised just now"
    _erase(url, key_store, ids[1])

    waiting = hub("keys", "status").output
    assert "erasures not yet final: 1 destroyed data keys" in waiting
    assert "OVERDUE" not in waiting
    with clock.pinned(clock.now() + timedelta(hours=25)):
        assert "erasures not yet final: OVERDUE" in hub("keys", "status").output
    made = hub("keys", "finalise-erasures")
    assert made.exit_code == 0, made.output
    assert "1 erased data keys made final" in made.output
    assert "erasures not yet final" not in hub("keys", "status").output
    assert "Every erasure is final" in hub("keys", "finalise-erasures").output
    assert _summaries(url, key_store, ids[2:4]) == ["Case 2", "Case 3"]


def test_secrets_set_up_before_they_were_sealed_are_counted_and_sealed_by_seal_secrets(
    migrated_hub_env: str, tmp_path: Path
) -> None:
    assert hub("db", "upgrade").exit_code == 0
    engine = make_engine(migrated_hub_env)
    sessions = make_session_factory(engine, LocalKeyring(tmp_path / "instance" / "keyring.json"))
    secrets = {f"m{n}@k.example": pyotp.random_base32() for n in range(2)}
    with sessions() as session:
        agency = _k_homes()
        for email in secrets:
            accounts.create_user(
                session,
                agency=agency,
                email=email,
                display_name="K",
                roles={Role.MANAGER},
                password_hash="x",
            )
        session.commit()
    with engine.begin() as connection:  # as a hub from before migration 0041 kept them
        for email, secret in secrets.items():
            connection.execute(
                text("UPDATE users SET totp_secret = :secret WHERE email = :email"),
                {"secret": secret, "email": email},
            )

    status = hub("keys", "status")
    assert "authenticator secrets not yet sealed: 2" in status.output
    assert "run `hub keys seal-secrets`" in status.output
    sealed = hub("keys", "seal-secrets")
    assert sealed.exit_code == 0, sealed.output
    assert "Sealed 2 authenticator secrets" in sealed.output
    assert "authenticator secrets: all sealed" in hub("keys", "status").output
    assert "Sealed 0 authenticator secrets" in hub("keys", "seal-secrets").output

    with engine.connect() as connection:
        stored = connection.execute(text("SELECT totp_secret, totp_sealed FROM users")).all()
    assert all(plain is None for plain, _ in stored)
    assert not [s for _, s in stored if any(v.encode() in bytes(s) for v in secrets.values())]
    assert hub("keys", "rotate").exit_code == 0  # and they open after a rotation
    with sessions() as session:
        users = session.scalars(select(User).where(User.email.in_(secrets))).all()
        assert {
            u.email: authenticator_apps.authenticator_secret(session, u) for u in users
        } == secrets
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "keys.seal_secrets")
        ).all()
        assert entry.basis == "2 authenticator secrets sealed"
    engine.dispose()


def test_names_indexed_under_older_rules_are_counted_and_found_again_after_reindex(
    migrated_hub_env: str, tmp_path: Path
) -> None:
    """After the upgrade that folds accents, a surname indexed before it ("Wiśniewski"
    hashed with its accent) is missed by a search typed without one until ``hub keys
    reindex`` indexes it again; ``hub keys status`` says so meanwhile."""
    assert hub("db", "upgrade").exit_code == 0
    engine = make_engine(migrated_hub_env)
    sessions = make_session_factory(engine, LocalKeyring(tmp_path / "instance" / "keyring.json"))
    with sessions() as session:
        agency = _k_homes()
        officer = Actor.of(
            accounts.create_user(
                session,
                agency=agency,
                email="k@k.example",
                display_name="K",
                roles={Role.CASE_OFFICER},
                password_hash="x",
            )
        )
        case = casework.open_case(
            session,
            officer,
            casework.CaseInput(
                category=CaseCategory.NOISE,
                priority=Priority.AMBER,
                triage=Triage.LOW_LEVEL,
                summary="Noise",
                postcode="NG1 5AB",
                parties=[
                    people.PersonInput(
                        role=PartyRole.VICTIM, family_name="Wiśniewski", phone="07700900123"
                    )
                ],
            ),
        )
        session.commit()
        reference = case.reference
        # As the hub before rules 2 hashed it: accent kept, entry marked rules 1.
        old = blind_index.bucket(provider_of(session), "surname", "wiśniewski")
        session.execute(
            update(BlindIndex).where(BlindIndex.field == "surname").values(value=old, rules=1)
        )
        session.commit()

        def found(surname: str) -> list[str]:
            hits = search(session, officer, SearchQuery("surname", surname=surname)).hits
            return [hit.reference for hit in hits]

        assert found("Wisniewski") == []
    status = hub("keys", "status")
    assert "search indexes: 1 records indexed under older rules" in status.output
    assert "run `hub keys reindex`" in status.output

    done = hub("keys", "reindex")
    assert done.exit_code == 0, done.output
    assert "Indexed 1 records again" in done.output
    assert "every record indexed under the current rules" in hub("keys", "status").output
    assert "Indexed 0 records again" in hub("keys", "reindex").output
    with sessions() as session:
        assert [
            h.reference
            for h in search(session, officer, SearchQuery("surname", surname="Wisniewski")).hits
        ] == [reference]
        by_phone = search(session, officer, SearchQuery("phone", phone="07700 900123")).hits
        assert [h.reference for h in by_phone] == [reference]
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "keys.reindex")
        ).all()
        assert entry.basis == f"1 records indexed again under search rules {blind_index.RULES}"
    engine.dispose()


class Interrupted(Exception):
    pass


def _interrupted_rotation(url: str, key_store: Path, batch_size: int) -> None:
    """`hub keys rotate` stopped after its first batch (killed, or the machine restarted)."""

    def stop(done: int, left: int) -> None:
        raise Interrupted

    engine = make_engine(url)
    with pytest.raises(Interrupted):
        rotate(
            make_session_factory(engine, LocalKeyring(key_store)),
            LocalKeyring(key_store),
            batch_size=batch_size,
            progress=stop,
        )
    engine.dispose()


def _data_key(url: str, key_store: Path, case_id: int) -> tuple[int, int, bytes | None]:
    engine = make_engine(url)
    with make_session_factory(engine, LocalKeyring(key_store))() as session:
        key = session.get_one(Case, case_id).data_key
        assert key is not None
        found = (key.id, key.kek_version, key.wrapped)
    engine.dispose()
    return found


def test_finalise_erasures_after_an_interrupted_rotation_makes_the_erasure_final(
    populated,
) -> None:
    """The case's key was rewrapped with the new version before the rotation stopped, and
    the case was erased after: finishing the rotation alone would leave that version, so
    the erasure would not be final, whatever the command said."""
    url, key_store, ids = populated
    _interrupted_rotation(url, key_store, batch_size=10)
    key_id, version, wrapped = _data_key(url, key_store, ids[0])
    assert version == 2, "rewrapped before the rotation stopped"
    _erase(url, key_store, ids[0])
    assert "erasures not yet final: 1 destroyed" in hub("keys", "status").output

    made = hub("keys", "finalise-erasures")

    assert made.exit_code == 0, made.output
    assert "1 erased data keys made final" in made.output
    assert "erasures not yet final" not in hub("keys", "status").output
    assert "Every erasure is final" in hub("keys", "finalise-erasures").output
    with pytest.raises(KeyringError):  # a copy of the database from before opens nothing
        LocalKeyring(key_store).unwrap(version, wrapped or b"", wrap_context(key_id, version))
    assert _summaries(url, key_store, ids[1:3]) == ["Case 1", "Case 2"]


def test_finalise_erasures_fails_naming_an_erasure_made_while_it_ran(
    populated, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case erased after the rotation rewrapped its key is wrapped by the new version:
    not final yet, and the command says so instead of "made final"."""
    url, key_store, ids = populated
    _erase(url, key_store, ids[1])
    wrap = LocalKeyring.wrap
    calls = []

    def erased_meanwhile(self: LocalKeyring, version: int, key: bytes, context: bytes) -> bytes:
        calls.append(version)
        if len(calls) == 11:  # the second batch: the first case's key was rewrapped already
            _erase(url, key_store, ids[0])
        return wrap(self, version, key, context)

    monkeypatch.setattr(LocalKeyring, "wrap", erased_meanwhile)
    result = hub("keys", "finalise-erasures", "--batch-size", "10")

    assert result.exit_code == 1
    assert "1 erased data keys made final: rotated to key version 2" in result.output
    assert result.output.endswith(
        "Error: 1 erasures are not final yet (made while this ran): "
        "run `hub keys finalise-erasures` again\n"
    )
    assert "erasures not yet final: 1 destroyed data keys" in hub("keys", "status").output


def test_key_commands_say_in_one_line_when_the_key_store_lacks_the_data_keys_version(
    populated,
) -> None:
    """The key store was put back from a copy taken before the last rotation."""
    url, key_store, ids = populated
    older = key_store.read_bytes()
    assert hub("keys", "rotate").exit_code == 0
    key_store.write_bytes(older)
    _erase(url, key_store, ids[0])
    needed = (
        "79 data keys are wrapped by key version 2, which this key store does not hold: "
        "restore the key store copy that has it"
    )

    status = hub("keys", "status")
    assert "version 2: wraps 79 data keys; MISSING from the key store" in status.output
    assert needed in status.output
    assert "hub keys rotate" not in status.output
    rotated = hub("keys", "rotate")
    assert (rotated.exit_code, rotated.output) == (1, f"Error: cannot rotate: {needed}\n")
    final = hub("keys", "finalise-erasures")
    assert final.exit_code == 1
    assert final.output == f"Error: cannot make erasures final: {needed}\n"
    assert len(_refused_rotations(url)) == 2
    assert key_store.read_bytes() == older, "no version added to the wrong key store"


def test_key_commands_say_in_one_line_when_the_key_store_is_another_hubs(
    populated, tmp_path: Path
) -> None:
    url, key_store, ids = populated
    other = LocalKeyring.create(tmp_path / "other.json", index_lengths()).path.read_bytes()
    key_store.write_bytes(other)
    foreign = (
        "80 data keys are wrapped by key version 1, which this key store holds but whose key "
        "does not open them (another hub's key store, or a mixed-up copy): restore the key "
        "store copy taken with this database"
    )

    status = hub("keys", "status")
    assert foreign in status.output
    rotated = hub("keys", "rotate")
    assert (rotated.exit_code, rotated.output) == (1, f"Error: cannot rotate: {foreign}\n")
    assert key_store.read_bytes() == other
    refusals = _refused_rotations(url)  # recorded, in general terms
    assert refusals == ["on the command line: the key store cannot open some live data keys"]
