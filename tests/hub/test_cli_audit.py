"""``hub audit``: verify, checkpoint, show, public-key, export, proofs, agency keys and
co-signing; bad input gets one clear line and exit status 1, never a traceback."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, select, text, update

from hub.migrate import downgrade, upgrade
from sharing import accounts
from sharing.audit import checkpoints, notes, verify_audit
from sharing.audit.log import append
from sharing.db import make_engine, make_session_factory
from sharing.models import (
    Agency,
    Area,
    AuditCheckpoint,
    AuditCosignature,
    AuditEntry,
    AuditTree,
    User,
)
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.cli import hub
from tests.sharing.audit.conftest import raw, rehash, write_log


@pytest.fixture
def logged(migrated_hub_env: str) -> str:
    """A migrated database with a police DPO and 12 audit entries."""
    assert hub("db", "upgrade").exit_code == 0
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine)() as session:
        police = Agency(
            code="police",
            name="Testshire Police",
            type=AgencyType.POLICE,
            area=Area(code="t", name="Testshire"),
            case_prefix="TP",
        )
        accounts.create_user(
            session,
            agency=police,
            email="dpo@police.example",
            display_name="DPO",
            roles={Role.DPO},
            password_hash="x",
        )
        session.commit()  # the account's creation is the log's first entry
        write_log(session, 11)
    engine.dispose()
    return migrated_hub_env


def _tamper(url: str, statement: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert message in result.output


def test_verify_checkpoint_show_and_public_key(logged: str) -> None:
    verified = hub("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "Entries: 12;" in verified.output
    assert "OK: the audit log is whole." in verified.output
    made = hub("audit", "checkpoint")
    assert made.exit_code == 0, made.output
    assert "asb-partnership-hub/audit\n12\n" in made.output
    assert "\n\n\u2014 asb-partnership-hub/audit " in made.output
    assert hub("audit", "show", "1").output in made.output
    assert (
        "Checkpoints matching the entries, signed by the hub's key: 1"
        in hub("audit", "verify").output
    )
    key = hub("audit", "public-key").output.strip()
    assert key.startswith("asb-partnership-hub/audit+")
    assert hub("audit", "public-key", "--pem").output.startswith("-----BEGIN PUBLIC KEY-----")


def test_a_tampered_entry_fails_verify_and_is_named(logged: str) -> None:
    _tamper(logged, "UPDATE audit_entries SET outcome = 'refused' WHERE seq = 4")
    _refused(hub("audit", "verify"), "FAILED: entry 4 was altered")


def _searched(url: str, basis: str) -> int:
    """A search's entry whose basis lists cases, added to the log; its number."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        entry = append(session, action="search", outcome="allowed", basis=basis)
        session.commit()
        seq = entry.seq
    engine.dispose()
    return seq


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("DELETE FROM audit_listings WHERE listed_id = 301", "a listing removed"),
        ("UPDATE audit_listings SET listed_id = 999 WHERE listed_id = 301", "changed"),
        ("INSERT INTO audit_listings (kind, listed_id, seq) VALUES ('cases', 5, 3)", "forged"),
    ],
)
def test_an_index_of_listings_that_differs_from_the_entries_fails_verify_and_is_made_again(
    logged: str, statement: str, why: str
) -> None:
    """The index of what entries list is not in the tree: removing a listing would hide
    from a DPO's log of case 301 that a search showed it, with every hash still right."""
    seq = _searched(logged, "by surname; 2 found; cases 300,301; persons 4")
    assert hub("audit", "verify").exit_code == 0
    _tamper(logged, statement)
    failed = hub("audit", "verify")
    where = 3 if why == "forged" else seq
    _refused(failed, f"index of the records entries list does not match entry {where}")
    assert "hub audit reindex" in failed.output
    made = hub("audit", "reindex")
    assert made.exit_code == 0, made.output
    assert "Indexed 3 records listed by the log's entries." in made.output
    verified = hub("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "The index of the records entries list: matches the entries" in verified.output


def _appended(url: str, action: str, object_type: str, basis: str) -> int:
    """An entry about an ``object_type`` added to the log; its number."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        entry = append(
            session, action=action, outcome="allowed", object_type=object_type, basis=basis
        )
        session.commit()
        seq = entry.seq
    engine.dispose()
    return seq


def _listed(url: str) -> set[tuple[str, int, int]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT kind, listed_id, seq FROM audit_listings"))
        rows = {(kind, listed_id, seq) for kind, listed_id, seq in found}
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    ("action", "object_type", "basis"),
    [
        ("conference.view", "conference", "case 301; identity: own agency"),
        (
            "subject_access.report",
            "person",
            "person record and cases 301; locked cases named only 304; risk assessments none",
        ),
    ],
)
def test_the_case_an_entry_shows_through_another_record_is_indexed_by_migration_0049(
    logged: str, action: str, object_type: str, basis: str
) -> None:
    """A partner's read of case 301 through its conference names the case on its own
    ("case 301; …"), a subject access report names the cases it showed after the person's
    record: as a log written before migration 0049 holds them, verify finds the index
    short; the migration indexes them, verify then passes, and fails again if that listing
    is removed by hand. A search of the log filtered by case 302 did not show the case,
    and is not indexed."""
    shown = _appended(logged, action, object_type, basis)
    searched = _appended(logged, "audit.search", "audit_log", "case 302; action x: 3 entries")
    engine = make_engine(logged)
    downgrade(engine, "0048")  # the index as the log held it before
    mismatch = f"index of the records entries list does not match entry {shown}"
    _refused(hub("audit", "verify"), mismatch)
    upgrade(engine)
    engine.dispose()
    verified = hub("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "The index of the records entries list: matches the entries" in verified.output
    assert {row for row in _listed(logged) if row[2] in (shown, searched)} == {
        ("cases", 301, shown)
    }
    _tamper(logged, "DELETE FROM audit_listings WHERE listed_id = 301")
    _refused(hub("audit", "verify"), mismatch)


def test_export_checked_by_the_standalone_verifier(logged: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "export.json"
    done = hub("audit", "export", "--from", "2", "--to", "9", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "Wrote entries 2 to 9 with 1 checkpoint(s)" in done.output
    key = tmp_path / "hub.pub"
    key.write_text(hub("audit", "public-key").output)
    assert verify_audit.main(["verify", "--public-key", str(key), str(out)]) == 0
    assert "OK: entries 2 to 9" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("5", "4", "the range 5 to 4 holds no entries, so an export of it would prove nothing"),
        ("5", "3", "the range 5 to 3 holds no entries"),
        ("0", "12", "there is no entry 12: the log has entries 0 to 11"),
        ("-1", "3", "the range -1 to 3 starts before entry 0: entries are numbered from 0"),
    ],
)
def test_export_of_a_bad_range_says_what_is_wrong(logged, tmp_path, first, last, message) -> None:
    """An empty range (``--to`` one before ``--from``) was refused only after a checkpoint
    had been signed for it; now it is refused before anything is signed."""
    out = tmp_path / "x.json"
    _refused(hub("audit", "export", "--from", first, "--to", last, "--out", str(out)), message)
    assert not out.exists()
    engine = make_engine(logged)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 0
    engine.dispose()


def test_proofs_and_proofs_of_what_does_not_exist(logged: str) -> None:
    hub("audit", "checkpoint")
    proof = json.loads(hub("audit", "proof", "5").output)
    assert (proof["kind"], proof["entry"], proof["size"], len(proof["proof"])) == (
        "inclusion",
        5,
        12,
        4,
    )
    _refused(
        hub("audit", "proof", "12"),
        "no inclusion proof for entry 12: no entry 12 in the tree of size 12",
    )
    _refused(hub("audit", "proof", "3", "--checkpoint", "7"), "there is no checkpoint 7")
    engine = make_engine(logged)
    with make_session_factory(engine)() as session:
        write_log(session, 3)
    engine.dispose()
    hub("audit", "checkpoint")
    consistency = json.loads(hub("audit", "consistency", "1", "2").output)
    assert (consistency["old_size"], consistency["size"]) == (12, 15)
    _refused(hub("audit", "consistency", "2", "9"), "there is no checkpoint 9")


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", HUGE], f"there is no checkpoint {HUGE}"),
        (["show", "2147483648"], "there is no checkpoint 2147483648"),
        (["proof", "1", "--checkpoint", HUGE], f"there is no checkpoint {HUGE}"),
        (["consistency", "1", HUGE], f"there is no checkpoint {HUGE}"),
        (["keys", "revoke", HUGE], f"there is no agency key {HUGE}"),
        (["cosign", "1", "--agency-key", HUGE, "--signature", "-"], f"no agency key {HUGE}"),
        (["cosign", HUGE, "--agency-key", "1", "--signature", "-"], f"no checkpoint {HUGE}"),
    ],
)
def test_an_id_larger_than_any_is_not_found(
    logged: str, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    verify_audit.main(["keygen", "--out", str(tmp_path / "dpo.pem"), "--name", "police-dpo"])
    capsys.readouterr()
    public_key = str(tmp_path / "dpo.pem.pub")
    by = ["--name", "police-dpo", "--by", "dpo@police.example"]
    registered = hub(
        "audit", "keys", "register", "--agency", "police", "--public-key", public_key, *by
    )
    assert registered.exit_code == 0, registered.output
    hub("audit", "checkpoint")
    signature = base64.b64encode(bytes(64)).decode()
    _refused(hub("audit", *args, input=signature + "\n"), message)


def test_no_checkpoint_yet_is_said_plainly(migrated_hub_env: str) -> None:
    hub("db", "upgrade")
    assert "The audit log is empty: no checkpoint made." in hub("audit", "checkpoint").output
    _refused(hub("audit", "show"), "there is no checkpoint yet")
    _refused(hub("audit", "proof", "0"), "there is no checkpoint yet")


def test_an_agency_registers_its_key_and_co_signs(logged: str, tmp_path: Path, capsys) -> None:
    assert (
        verify_audit.main(["keygen", "--out", str(tmp_path / "dpo.pem"), "--name", "police-dpo"])
        == 0
    )
    capsys.readouterr()
    registered = hub(
        "audit",
        "keys",
        "register",
        "--agency",
        "police",
        "--public-key",
        str(tmp_path / "dpo.pem.pub"),
        "--name",
        "police-dpo",
        "--by",
        "dpo@police.example",
    )
    assert registered.exit_code == 0, registered.output
    assert "Registered agency key 1: police-dpo+" in registered.output
    assert "police-dpo+" in hub("audit", "keys", "list").output
    note = tmp_path / "checkpoint.txt"
    note.write_text(hub("audit", "checkpoint").output.split(":\n", 1)[-1])
    key = tmp_path / "hub.pub"
    key.write_text(hub("audit", "public-key").output)
    assert (
        verify_audit.main(
            [
                "cosign",
                "--key",
                str(tmp_path / "dpo.pem"),
                "--name",
                "police-dpo",
                "--public-key",
                str(key),
                str(note),
            ]
        )
        == 0
    )
    line = capsys.readouterr().out
    cosigned = hub("audit", "cosign", "1", "--agency-key", "1", "--signature", "-", input=line)
    assert cosigned.exit_code == 0, cosigned.output
    assert "Checkpoint 1 co-signed by police-dpo." in cosigned.output
    assert "Co-signatures that verify: police-dpo 1" in hub("audit", "verify").output
    assert "\u2014 police-dpo " in hub("audit", "show", "1").output
    _refused(
        hub("audit", "cosign", "1", "--agency-key", "1", "--signature", "-", input=line),
        "already co-signed by police-dpo",
    )


def test_the_dpos_co_signing_journey_in_the_readme_passes_its_own_check(
    logged: str, tmp_path: Path, capsys
) -> None:
    """README, "Verifying the audit log", steps 1 to 4, with one DPO and no witnesses:
    co-signing is itself an entry, so the log has always grown past the co-signed
    checkpoint by the time of the export; the co-signed checkpoint still vouches for the
    entries up to it, and the verifier says how many come after it."""
    dpo = verify_audit.main
    assert dpo(["keygen", "--out", str(tmp_path / "dpo.pem"), "--name", "police-dpo"]) == 0
    hub_key = tmp_path / "hub-audit.pub"
    hub_key.write_text(hub("audit", "public-key").output)
    register = ["audit", "keys", "register", "--agency", "police", "--by", "dpo@police.example"]
    pub = ["--public-key", str(tmp_path / "dpo.pem.pub"), "--name", "police-dpo"]
    assert hub(*register, *pub).exit_code == 0  # entry 12
    assert hub("audit", "checkpoint").exit_code == 0  # of entries 0 to 12
    note = tmp_path / "checkpoint.txt"
    note.write_text(hub("audit", "show").output)
    capsys.readouterr()
    cosign = ["cosign", "--key", str(tmp_path / "dpo.pem"), "--name", "police-dpo"]
    assert dpo([*cosign, "--public-key", str(hub_key), str(note)]) == 0
    line = capsys.readouterr().out
    stored = hub("audit", "cosign", "1", "--agency-key", "1", "--signature", "-", input=line)
    assert stored.exit_code == 0, stored.output  # entry 13
    policy = ["--cosigner-key", str(tmp_path / "dpo.vkey"), "--require-cosigners", "1"]

    def verified(export: Path) -> str:
        capsys.readouterr()
        assert dpo(["verify", "--public-key", str(hub_key), *policy, str(export)]) == 0
        return capsys.readouterr().out

    covered = tmp_path / "covered.json"
    written = hub("audit", "export", "--from", "0", "--to", "12", "--out", str(covered))
    assert "with 1 checkpoint(s)" in written.output, "a checkpoint covers it: none signed"
    assert "co-signed by police-dpo: it covers all 13 entries (0 to 12)" in verified(covered)

    whole = tmp_path / "whole.json"  # to the latest entry: a new checkpoint, not co-signed
    written = hub("audit", "export", "--from", "0", "--to", "14", "--out", str(whole))
    assert "with 2 checkpoint(s)" in written.output
    assert (
        "the newest checkpoint your co-signers signed (size 13) is co-signed by police-dpo: it "
        "covers 13 entries (0 to 12); the 2 entries (13 to 14) after it are vouched for by the "
        "hub alone, not by your co-signers"
    ) in verified(whole)
    on_the_hub = hub("audit", "verify", *policy)
    assert on_the_hub.exit_code == 0, on_the_hub.output
    assert (
        "The newest checkpoint your co-signers signed (size 13) is co-signed by police-dpo: it "
        "covers 13 entries (0 to 12); the 3 entries (13 to 15) after it"
    ) in on_the_hub.output

    document = json.loads(whole.read_text())  # a co-signature by a key the DPO does not hold
    stranger = Ed25519PrivateKey.generate()
    latest = document["checkpoints"][-1]
    text = latest["note"].split("\n\n")[0] + "\n"
    latest["note"] += str(
        notes.SignatureLine(
            "police-dpo", notes.key_id("police-dpo", raw(stranger)), stranger.sign(text.encode())
        )
    )
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    assert "(size 13) is co-signed by police-dpo" in verified(forged), "not counted"
    document["entries"][5]["basis"] = "something else"  # tampered with
    forged.write_text(json.dumps(document))
    assert dpo(["verify", "--public-key", str(hub_key), *policy, str(forged)]) == 1
    assert "entry 5 does not match the signed log" in capsys.readouterr().err

    assert hub("audit", "keys", "revoke", "1").exit_code == 0
    note.write_text(hub("audit", "show").output)
    capsys.readouterr()
    assert dpo([*cosign, str(note)]) == 0
    _refused(
        hub(
            "audit",
            "cosign",
            "2",
            "--agency-key",
            "1",
            "--signature",
            "-",
            input=capsys.readouterr().out,
        ),
        "agency key 1 (police-dpo) has been revoked",
    )
    assert "(size 13) is co-signed by police-dpo" in hub("audit", "verify", *policy).output
    _tamper(logged, "UPDATE audit_entries SET outcome = 'refused' WHERE seq = 4")
    _refused(hub("audit", "verify", *policy), "FAILED: entry 4 was altered")


def test_bad_keys_and_signatures_are_refused_with_the_reason(
    logged: str, tmp_path: Path, capsys
) -> None:
    hub("audit", "checkpoint")
    verify_audit.main(["keygen", "--out", str(tmp_path / "a.pem"), "--name", "police-dpo"])
    verify_audit.main(["keygen", "--out", str(tmp_path / "b.pem"), "--name", "police-dpo"])
    capsys.readouterr()
    garbage = tmp_path / "garbage.pub"
    garbage.write_text("hello")
    register = ["audit", "keys", "register", "--agency", "police", "--by", "dpo@police.example"]
    _refused(hub(*register, "--public-key", str(garbage)), "a verifier key reads")
    _refused(
        hub(
            "audit",
            "keys",
            "register",
            "--agency",
            "nowhere",
            "--by",
            "dpo@police.example",
            "--public-key",
            str(tmp_path / "a.pem.pub"),
        ),
        "no agency with the code 'nowhere'",
    )
    _refused(
        hub(*register, "--public-key", str(tmp_path / "a.pem.pub"), "--name", "k" * 101),
        "the key name must be 100 characters or fewer",
    )
    assert hub(*register, "--public-key", str(tmp_path / "a.pem.pub")).exit_code == 0
    _refused(hub(*register, "--public-key", str(tmp_path / "a.pem.pub")), "already registered")
    note = tmp_path / "note.txt"
    note.write_text(hub("audit", "show", "1").output)
    verify_audit.main(
        ["cosign", "--key", str(tmp_path / "b.pem"), "--name", "police-dpo", str(note)]
    )
    wrong = capsys.readouterr().out
    _refused(
        hub("audit", "cosign", "1", "--agency-key", "1", "--signature", "-", input=wrong),
        "is by police-dpo (key ID",
    )
    _refused(
        hub("audit", "cosign", "1", "--agency-key", "1", "--signature", "-", input="A" * 86 + "=="),
        "nothing was stored",
    )
    _refused(
        hub("audit", "cosign", "1", "--agency-key", "1", "--signature", "-", input="not base64!"),
        "the signature is not base64",
    )
    _refused(
        hub("audit", "cosign", "1", "--agency-key", "5", "--signature", "-", input="x"),
        "there is no agency key 5",
    )


def test_an_administrator_of_another_agency_cannot_register_a_key_in_its_name(
    logged: str, tmp_path: Path, capsys
) -> None:
    engine = make_engine(logged)
    with make_session_factory(engine)() as session:
        council = Agency(
            code="council",
            name="Testshire Council",
            type=AgencyType.COMMUNITY_SAFETY,
            area=session.scalar(select(Area)),
            case_prefix="TC",
        )
        session.add(council)
        accounts.create_user(
            session,
            agency=council,
            email="admin@council.example",
            display_name="Administrator",
            roles={Role.ADMINISTRATOR},
            password_hash="x",
        )
        session.commit()
    verify_audit.main(["keygen", "--out", str(tmp_path / "dpo.pem"), "--name", "police-dpo"])
    capsys.readouterr()
    register = ["audit", "keys", "register", "--public-key", str(tmp_path / "dpo.pem.pub")]

    refused = hub(*register, "--agency", "police", "--by", "admin@council.example")
    _refused(refused, "hub audit: police's co-signing key is registered by its own DPO or")
    assert len(refused.output.strip().splitlines()) == 1
    assert "No agency keys registered." in hub("audit", "keys", "list").output
    with make_session_factory(engine)() as session:
        police, council = (
            session.scalar(select(Agency.id).where(Agency.code == code))
            for code in ("police", "council")
        )
        recorded = session.execute(
            select(AuditEntry.outcome, AuditEntry.actor_agency_id, AuditEntry.object_id).where(
                AuditEntry.action == "audit.key_register"
            )
        ).all()
    engine.dispose()
    assert recorded == [("refused", council, str(police))]

    own = hub(*register, "--agency", "council", "--by", "admin@council.example")
    assert own.exit_code == 0, own.output


def _flip_frontier(url: str) -> None:
    """Change a byte of the tree head's frontier, as someone with the database could."""
    engine = make_engine(url)
    with engine.begin() as connection:
        frontier = connection.scalar(select(AuditTree.frontier))
        connection.execute(
            update(AuditTree).values(frontier=bytes([frontier[0] ^ 1]) + frontier[1:])
        )
    engine.dispose()


def test_a_damaged_log_is_named_in_one_line_and_nothing_is_signed(
    logged: str, tmp_path: Path
) -> None:
    assert hub("audit", "checkpoint").exit_code == 0  # 12 entries signed
    write_log_to(logged, 3)
    _flip_frontier(logged)

    verified = hub("audit", "verify")
    _refused(verified, "stored frontier")
    checkpoint = hub("audit", "checkpoint")
    _refused(checkpoint, "the audit log is damaged from entry 15")
    assert "When the audit log is damaged" in checkpoint.output
    export = hub("audit", "export", "--from", "0", "--to", "14", "--out", str(tmp_path / "x.json"))
    _refused(export, "the audit log is damaged from entry 15")
    assert not (tmp_path / "x.json").exists()
    engine = make_engine(logged)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1
    engine.dispose()


def write_log_to(url: str, n: int) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        write_log(session, n)
    engine.dispose()


def test_hub_audit_verify_applies_the_verifiers_policy(logged: str, tmp_path: Path) -> None:
    keys = {name: Ed25519PrivateKey.generate() for name in ("homes-dpo", "council-dpo")}
    engine = make_engine(logged)
    with make_session_factory(engine)() as session:
        police = session.scalar(select(Agency))
        dpo = session.scalar(select(User))
        registered = {
            name: checkpoints.register_agency_key(
                session, agency=police, public_key=raw(key), name=name, registered_by=dpo
            ).id
            for name, key in keys.items()
        }
        session.commit()
    assert hub("audit", "checkpoint").exit_code == 0
    with make_session_factory(engine)() as session:
        latest = checkpoints.latest(session, session.scalar(select(AuditCheckpoint.origin)))
        text = checkpoints.text_of(latest).encode()
        checkpoints.cosign(
            session, latest.id, registered["homes-dpo"], keys["homes-dpo"].sign(text)
        )
        session.commit()
    for name, key in keys.items():
        (tmp_path / f"{name}.vkey").write_text(notes.verifier_key(name, raw(key)) + "\n")
    held = tmp_path / "held.txt"
    held.write_text(hub("audit", "show").output)
    homes, council = str(tmp_path / "homes-dpo.vkey"), str(tmp_path / "council-dpo.vkey")

    one = hub("audit", "verify", "--cosigner-key", homes, "--trusted-checkpoint", str(held))
    assert one.exit_code == 0, one.output
    assert "co-signed by homes-dpo" in one.output
    assert "The log extends your checkpoint of size" in one.output
    both = hub(
        "audit", "verify", "--cosigner-key", homes, "--cosigner-key", council,
        "--require-cosigners", "2",
    )  # fmt: skip
    _refused(both, "has 1 of the 2 co-signatures required, by homes-dpo; missing: council-dpo")

    with make_session_factory(engine)() as session:  # a rewrite, re-signed over
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(basis="nothing"))
        session.execute(delete(AuditCosignature))
        session.execute(delete(AuditCheckpoint))
        rehash(session)
        session.commit()
    engine.dispose()
    assert hub("audit", "checkpoint").exit_code == 0
    assert hub("audit", "verify").exit_code == 0, "alone, the rewritten log looks whole"
    _refused(
        hub("audit", "verify", "--trusted-checkpoint", str(held)),
        "the log does not extend your checkpoint of size",
    )


def test_verify_shows_entries_waiting_and_integrate_adds_them(logged: str) -> None:
    """Entries queued by acts and not yet added (as after a failed integration) are shown
    by ``hub audit verify`` with their age, and ``hub audit integrate`` adds them."""
    _tamper(
        logged,
        "INSERT INTO audit_queue (at, actor_roles, action, outcome) "
        "VALUES ('2026-01-01 09:00:00.000000', '', 'case.view', 'allowed')",
    )
    verified = hub("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "Entries: 12;" in verified.output
    assert "Entries waiting to be added to the log: 1 (the oldest" in verified.output
    added = hub("audit", "integrate")
    assert added.exit_code == 0, added.output
    assert "Added 1 waiting entries to the log." in added.output
    verified = hub("audit", "verify")
    assert "Entries: 13;" in verified.output
    assert "Entries waiting to be added to the log: none" in verified.output
    assert "OK: the audit log is whole." in verified.output
