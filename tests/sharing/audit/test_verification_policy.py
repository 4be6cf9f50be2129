"""The verifier's policy (issue 20, findings 1 and 2): the latest checkpoint must carry
co-signatures by k of the partners' keys the verifier holds itself, never the keys the
export or the hub's database name; and an export must extend every checkpoint the DPO
holds, so a history rewritten after the checkpoints were deleted and re-signed is found.
The standalone verifier runs alone in a folder, as a DPO runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from sharing.audit import checkpoints, notes, verify_audit
from sharing.audit.export import build_export
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_engine
from sharing.models import AuditCheckpoint, AuditCosignature, AuditEntry
from tests.fixtures.databases import copy_migrated_sqlite
from tests.sharing.audit.conftest import ORIGIN, raw, rehash, write_log
from tests.sharing.audit.test_checkpoints import _agency_with_dpo

pytestmark = pytest.mark.long
WITNESSES = ("homes-dpo", "police-dpo", "council-dpo")


class Partnership:
    """A hub's log with two checkpoints, the second co-signed by two of three partners,
    and a DPO's folder holding the verifier, the hub's key and the partners' keys."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        copy_migrated_sqlite(folder / "hub.sqlite3")  # migrated once a run, copied
        self.engine = make_engine(f"sqlite:///{folder / 'hub.sqlite3'}")
        self.keyring = LocalKeyring.create(folder / "keyring.json", index_lengths())
        self.keys = {name: Ed25519PrivateKey.generate() for name in WITNESSES}
        self.dpo = folder / "dpo"
        self.dpo.mkdir()
        shutil.copy(verify_audit.__file__, self.dpo / "verify_audit.py")
        (self.dpo / "hub.pub").write_text(
            notes.verifier_key(ORIGIN, self.keyring.checkpoint_public_key()) + "\n"
        )
        with Session(self.engine) as session:
            agency, dpo = _agency_with_dpo(session)
            self.key_ids = {
                name: checkpoints.register_agency_key(
                    session, agency=agency, public_key=raw(key), name=name, registered_by=dpo
                ).id
                for name, key in self.keys.items()
            }
            for name, key in self.keys.items():
                (self.dpo / f"{name}.vkey").write_text(notes.verifier_key(name, raw(key)) + "\n")
            write_log(session, 10)
            first = checkpoints.make_checkpoint(session, self.keyring, ORIGIN)
            self.first, self.first_size = first.id, first.size
            write_log(session, 10)
            self.second = checkpoints.make_checkpoint(session, self.keyring, ORIGIN).id
            self.cosign(session, self.second, "homes-dpo", "police-dpo")
            self.held = self.dpo / "held.txt"  # a DPO keeps the first checkpoint
            self.held.write_text(checkpoints.signed_note(checkpoints.get(session, self.first)))
            session.commit()

    def cosign(self, session: Session, checkpoint_id: int, *names: str) -> None:
        text = checkpoints.text_of(checkpoints.get(session, checkpoint_id)).encode()
        for name in names:
            checkpoints.cosign(
                session, checkpoint_id, self.key_ids[name], self.keys[name].sign(text)
            )
        session.commit()

    def export(self, last: int, held_sizes: tuple[int, ...] = ()) -> Path:
        with Session(self.engine) as session:
            document = build_export(
                session, self.keyring.checkpoint_public_key(), ORIGIN, 0, last, held_sizes
            )
        path = self.dpo / "export.json"
        path.write_text(json.dumps(document))
        return path

    def verify(self, export: Path, *options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", "verify_audit.py", "verify", "--public-key", "hub.pub",
             *options, export.name],
            cwd=self.dpo, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip


@pytest.fixture
def partnership(tmp_path: Path) -> Partnership:
    made = Partnership(tmp_path)
    yield made
    made.engine.dispose()


def witnesses(*names: str) -> list[str]:
    return [option for name in names for option in ("--cosigner-key", f"{name}.vkey")]


def test_two_of_three_partners_co_signed_the_latest_checkpoint(partnership: Partnership) -> None:
    done = partnership.verify(
        partnership.export(15), *witnesses(*WITNESSES), "--require-cosigners", "2"
    )
    assert done.returncode == 0, done.stderr
    assert "the latest co-signed by homes-dpo, police-dpo" in done.stdout


def test_a_checkpoint_the_partners_have_not_co_signed_is_refused_naming_who_is_missing(
    partnership: Partnership,
) -> None:
    with Session(partnership.engine) as session:
        write_log(session, 5)
        checkpoints.make_checkpoint(session, partnership.keyring, ORIGIN)
        session.commit()
    export = partnership.export(22)

    done = partnership.verify(export, *witnesses(*WITNESSES), "--require-cosigners", "2")
    assert done.returncode == 1
    assert "has 0 of the 2 co-signatures required; missing: council-dpo, homes-dpo, police-dpo" in (
        done.stderr
    )
    one = partnership.verify(export, *witnesses("police-dpo"))  # one key given: one required
    assert one.returncode == 1
    assert "missing: police-dpo" in one.stderr
    assert partnership.verify(export).returncode == 0, "no policy asked for, none applied"


def test_more_co_signers_than_signed_is_refused(partnership: Partnership) -> None:
    done = partnership.verify(
        partnership.export(15), *witnesses(*WITNESSES), "--require-cosigners", "3"
    )
    assert done.returncode == 1
    assert "has 2 of the 3 co-signatures required; missing: council-dpo" in done.stderr


def test_a_partner_key_swapped_in_the_hubs_database_counts_for_nothing(
    partnership: Partnership,
) -> None:
    impostor = Ed25519PrivateKey.generate()
    with Session(partnership.engine) as session:
        key_id = partnership.key_ids["council-dpo"]
        session.execute(delete(AuditCosignature))
        session.execute(
            update(checkpoints.AuditAgencyKey)
            .where(checkpoints.AuditAgencyKey.id == key_id)
            .values(public_key=raw(impostor))
        )
        session.commit()
        text = checkpoints.text_of(checkpoints.get(session, partnership.second)).encode()
        checkpoints.cosign(session, partnership.second, key_id, impostor.sign(text))
        session.commit()

    done = partnership.verify(
        partnership.export(15), *witnesses(*WITNESSES), "--require-cosigners", "1"
    )
    assert done.returncode == 1
    assert "the co-signature of council-dpo does not verify" in done.stderr


def test_a_held_checkpoint_exposes_a_history_rewritten_and_re_signed(
    partnership: Partnership,
) -> None:
    size = partnership.first_size
    honest = partnership.verify(partnership.export(15, (size,)), "--trusted-checkpoint", "held.txt")
    assert honest.returncode == 0, honest.stderr
    assert f"consistent with your checkpoint(s) of size {size}" in honest.stdout

    with Session(partnership.engine) as session:  # someone with the database and the key store
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(basis="nothing"))
        session.execute(delete(AuditCosignature))
        session.execute(delete(AuditCheckpoint))
        rehash(session)
        assert checkpoints.make_checkpoint(session, partnership.keyring, ORIGIN) is not None
        session.commit()

    assert partnership.verify(partnership.export(15)).returncode == 0, "it looks whole alone"
    without_proof = partnership.verify(partnership.export(15), "--trusted-checkpoint", "held.txt")
    assert without_proof.returncode == 1
    assert f"export it again with --held-size {size}" in without_proof.stderr
    rewritten = partnership.verify(
        partnership.export(15, (size,)), "--trusted-checkpoint", "held.txt"
    )
    assert rewritten.returncode == 1
    assert f"does not extend your checkpoint of size {size}: the log was rewritten" in (
        rewritten.stderr
    )
