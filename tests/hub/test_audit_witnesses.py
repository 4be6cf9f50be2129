"""Witnessing end to end, as the operator and the DPOs meet it: three partners' witnesses
run as separate processes; the hub sends each checkpoint to them and keeps their
co-signatures; a verifier with a policy of 2 of 3 accepts the export, and refuses it when
the witnesses have not co-signed; a witness that is down delays nothing and is named; a
history rewritten with the database and the key store is refused by every witness."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from hub.audit_witnesses import WitnessesInvalid, load_witnesses
from sharing.audit import notes, verify_audit
from sharing.audit.witness import cosigner_verifier_key
from sharing.db import make_engine, make_session_factory
from sharing.models import AuditCheckpoint, AuditCosignature, AuditEntry, AuditWitnessCosignature
from sharing.models.audit import AuditWitnessStatus
from tests.fixtures.cli import hub
from tests.fixtures.witnesses import Running, running_witnesses
from tests.sharing.audit.conftest import rehash, write_log

pytestmark = pytest.mark.long


@pytest.fixture
def witnessed(
    migrated_hub_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, list[Running]]]:
    """A hub with 12 audit entries whose checkpoints go to three running witnesses."""
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine)() as session:
        write_log(session, 12)
    engine.dispose()
    log_key = hub("audit", "public-key").output.strip()
    with running_witnesses(tmp_path, 3, log_key) as witnesses:
        config = tmp_path / "witnesses.toml"
        config.write_text(
            "".join(
                f'[[witness]]\nurl = "{w.url}"\nkey = "{w.verifier_key}"\n\n' for w in witnesses
            )
        )
        monkeypatch.setenv("HUB_AUDIT_WITNESSES", str(config))
        yield migrated_hub_env, witnesses


def count(url: str, model: type) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return int(found or 0)


def verify(
    tmp_path: Path, witnesses: list[Running], *policy: str
) -> subprocess.CompletedProcess[str]:
    """Export entries 0 to 9 and check them as a DPO holding the witnesses' keys."""
    folder = tmp_path / "dpo"
    folder.mkdir(exist_ok=True)
    shutil.copy(verify_audit.__file__, folder / "verify_audit.py")
    (folder / "hub.pub").write_text(hub("audit", "public-key").output)
    options = []
    for n, w in enumerate(witnesses):
        (folder / f"w{n}.vkey").write_text(w.verifier_key + "\n")
        options += ["--cosigner-key", f"w{n}.vkey"]
    export = hub("audit", "export", "--from", "0", "--to", "9", "--out", str(folder / "x.json"))
    assert export.exit_code == 0, export.output
    return subprocess.run(
        [sys.executable, "-I", "verify_audit.py", "verify", "--public-key", "hub.pub",
         *options, *policy, "x.json"],
        cwd=folder, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_three_witnesses_co_sign_and_a_two_of_three_policy_accepts_the_export(
    witnessed: tuple[str, list[Running]], tmp_path: Path
) -> None:
    url, witnesses = witnessed
    made = hub("audit", "checkpoint")
    assert made.exit_code == 0, made.output
    for w in witnesses:
        assert f"Witness {w.name} co-signed" in made.output
    assert count(url, AuditWitnessCosignature) == 3
    shown = hub("audit", "show").output
    assert all(f"{notes.EM_DASH} {w.name} " in shown for w in witnesses)

    done = verify(tmp_path, witnesses, "--require-cosigners", "2")
    assert done.returncode == 0, done.stderr
    assert "the latest co-signed by witness0.example/asb, witness1.example/asb, witness2" in (
        done.stdout
    )


def test_a_witness_that_is_down_delays_nothing_and_is_named(
    witnessed: tuple[str, list[Running]], tmp_path: Path
) -> None:
    url, witnesses = witnessed
    assert hub("audit", "checkpoint").exit_code == 0
    witnesses[2].stop()
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        write_log(session, 3)
    engine.dispose()

    made = hub("audit", "checkpoint")
    assert made.exit_code == 0
    assert "Witness witness2.example/asb did not co-sign: unreachable" in made.output
    engine = make_engine(url)
    with engine.connect() as connection:
        down = connection.execute(
            select(AuditWitnessStatus).where(AuditWitnessStatus.witness == "witness2.example/asb")
        ).one()
    engine.dispose()
    assert down.size == 12
    assert down.last_failure.startswith("unreachable")

    assert verify(tmp_path, witnesses, "--require-cosigners", "2").returncode == 0
    # The first checkpoint, which all three co-signed, still vouches for what it covers:
    # the log is proven to extend it. The newer one says who has signed it so far.
    all_three = verify(tmp_path, witnesses, "--require-cosigners", "3")
    assert all_three.returncode == 0, all_three.stderr
    assert (
        "the newest checkpoint enough of your co-signers signed (size 12) is co-signed by "
        "witness0.example/asb, witness1.example/asb, witness2.example/asb"
    ) in all_three.stdout
    keys = [o for n in range(3) for o in ("--cosigner-key", str(tmp_path / "dpo" / f"w{n}.vkey"))]
    whole = hub("audit", "verify", *keys, "--require-cosigners", "3")
    assert whole.exit_code == 0, whole.output
    assert "(size 12) is co-signed by" in whole.output
    assert "it covers 12 entries (0 to 11); the " in whole.output  # and the entries since:
    assert (
        "after it are vouched for by witness0.example/asb, witness1.example/asb so far, "
        "fewer than you require"
    ) in whole.output


def test_a_history_rewritten_with_the_database_and_key_store_is_refused_by_every_witness(
    witnessed: tuple[str, list[Running]], tmp_path: Path
) -> None:
    url, witnesses = witnessed
    assert hub("audit", "checkpoint").exit_code == 0  # 12 entries, co-signed by all three
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        write_log(session, 4)
        session.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(basis="nothing"))
        session.execute(delete(AuditWitnessCosignature))
        session.execute(delete(AuditCosignature))
        session.execute(delete(AuditCheckpoint))
        rehash(session)
        session.commit()
    engine.dispose()

    made = hub("audit", "checkpoint")  # the hub's key signs the rewritten log...
    assert made.exit_code == 0
    for w in witnesses:  # ...but no witness will
        assert f"Witness {w.name} did not co-sign: HTTP 422" in made.output
    assert count(url, AuditWitnessCosignature) == 0
    refused = verify(tmp_path, witnesses, "--require-cosigners", "1")
    assert refused.returncode == 1
    assert "has 0 of the 1 co-signatures required" in refused.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[witness]]\nurl = "ftp://w.example"\nkey = "{key}"\n', "must be http:// or https://"),
        ('[[witness]]\nurl = "http://w.example"\nkey = "{note_key}"\n', "not a witness's"),
        ('[[witness]]\nurl = "http://w.example"\n', "needs exactly a url and a key"),
        (
            '[[witness]]\nurl = "http://a.example"\nkey = "{key}"\n'
            '[[witness]]\nurl = "http://b.example"\nkey = "{key}"\n',
            "is named twice",
        ),
        ("[witness\n", "is not valid TOML"),
    ],
)
def test_a_bad_witnesses_file_stops_the_hub_saying_what_is_wrong(
    tmp_path: Path, content: str, message: str
) -> None:
    key = cosigner_verifier_key("w.example/asb", bytes(32))
    note_key = notes.verifier_key("w.example/asb", bytes(32))
    path = tmp_path / "witnesses.toml"
    path.write_text(content.format(key=key, note_key=note_key))
    with pytest.raises(WitnessesInvalid, match=message):
        load_witnesses(path)


def test_the_export_carries_the_witnesses_lines(
    witnessed: tuple[str, list[Running]], tmp_path: Path
) -> None:
    _, witnesses = witnessed
    assert hub("audit", "checkpoint").exit_code == 0
    out = tmp_path / "x.json"
    assert hub("audit", "export", "--from", "0", "--to", "3", "--out", str(out)).exit_code == 0
    note = json.loads(out.read_text())["checkpoints"][-1]["note"]
    assert sum(line.startswith(notes.EM_DASH) for line in note.splitlines()) == 4


def test_a_witness_co_signature_altered_in_the_database_fails_hub_audit_verify(
    witnessed: tuple[str, list[Running]], tmp_path: Path
) -> None:
    """A witness's co-signature kept by the hub is checked by `hub audit verify` as the
    agencies' are, with the witness's configured key: one changed in the database fails
    it, as it fails the partner's own check of an export, with or without a policy."""
    url, witnesses = witnessed
    assert hub("audit", "checkpoint").exit_code == 0
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        kept = session.scalars(
            select(AuditWitnessCosignature).where(
                AuditWitnessCosignature.witness == witnesses[0].name
            )
        ).one()
        kept.signature = kept.signature[:-1] + bytes([kept.signature[-1] ^ 1])
        session.commit()
    engine.dispose()

    partner = verify(tmp_path, witnesses, "--require-cosigners", "2")
    assert partner.returncode == 1
    assert f"the co-signature of {witnesses[0].name} does not verify" in partner.stderr
    whole = hub("audit", "verify")
    assert whole.exit_code == 1, whole.output
    assert f"the co-signature of {witnesses[0].name} does not verify" in whole.output
    keys = [o for n in range(3) for o in ("--cosigner-key", str(tmp_path / "dpo" / f"w{n}.vkey"))]
    policy = hub("audit", "verify", *keys, "--require-cosigners", "2")
    assert policy.exit_code == 1, policy.output
    assert f"the co-signature of {witnesses[0].name} does not verify" in policy.output
