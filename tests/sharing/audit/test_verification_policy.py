"""The verifier's policy (issue 20, findings 1 and 2): the newest checkpoint co-signed by
the partners' keys the verifier holds itself (never the keys the export or the hub's
database name) must carry co-signatures by k of them, and every later checkpoint be proven
to extend it; and an export must extend every checkpoint the DPO
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

from sharing.audit import checkpoints, notes, proofs, verify_audit
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

    def export(self, last: int, held_sizes: tuple[int, ...] = (), first: int = 0) -> Path:
        with Session(self.engine) as session:
            document = build_export(
                session, self.keyring.checkpoint_public_key(), ORIGIN, first, last, held_sizes
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


def test_later_checkpoints_extend_the_co_signed_one_and_the_entries_after_it_are_counted(
    partnership: Partnership,
) -> None:
    """Co-signing is monthly, checkpoints every few minutes: the policy is applied to the
    newest checkpoint the DPO's co-signers signed, which every later one in the export is
    proven to extend, and the verifier says which entries come after it."""
    with Session(partnership.engine) as session:
        cosigned = checkpoints.get(session, partnership.second).size
        for _ in range(3):
            write_log(session, 5)
            latest = checkpoints.make_checkpoint(session, partnership.keyring, ORIGIN).size
        session.commit()
    early = partnership.export(
        5
    )  # the co-signed checkpoint is neither the first after nor the latest
    done = partnership.verify(early, *witnesses(*WITNESSES), "--require-cosigners", "2")
    assert done.returncode == 0, done.stderr
    assert (
        f"the newest checkpoint your co-signers signed (size {cosigned}) is co-signed by "
        "homes-dpo, police-dpo: it covers all 6 entries (0 to 5)"
    ) in done.stdout

    export = partnership.export(latest - 1)
    done = partnership.verify(export, *witnesses(*WITNESSES), "--require-cosigners", "2")
    assert done.returncode == 0, done.stderr
    assert (
        f"(size {cosigned}) is co-signed by homes-dpo, police-dpo: it covers {cosigned} "
        f"entries (0 to {cosigned - 1}); the {latest - cosigned} entries ({cosigned} to "
        f"{latest - 1}) after it are vouched for by the hub alone, not by your co-signers"
    ) in done.stdout
    three = partnership.verify(export, *witnesses(*WITNESSES), "--require-cosigners", "3")
    assert three.returncode == 1
    assert (
        f"the newest checkpoint your co-signers signed (size {cosigned}) has 2 of the 3 "
        "co-signatures required, by homes-dpo, police-dpo; missing: council-dpo"
    ) in three.stderr
    one = partnership.verify(export, *witnesses("council-dpo"))  # one key given: one required
    assert one.returncode == 1
    assert (
        f"the latest checkpoint (size {latest}) has 0 of the 1 co-signatures required; "
        "missing: council-dpo"
    ) in one.stderr
    assert partnership.verify(export).returncode == 0, "no policy asked for, none applied"


def test_a_rewrite_before_the_co_signed_checkpoint_is_refused(partnership: Partnership) -> None:
    """Someone with the database and the key store rewrites an entry before the co-signed
    checkpoint, signs the rewritten log and puts the co-signed checkpoint back in the
    export: no consistency proof joins the two."""
    with Session(partnership.engine) as session:
        cosigned = checkpoints.get(session, partnership.second)
        kept = {"id": cosigned.id, "note": checkpoints.signed_note(cosigned), "consistency": None}
        size = cosigned.size
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(basis="nothing"))
        session.execute(delete(AuditCosignature))
        session.execute(delete(AuditCheckpoint))
        rehash(session)
        write_log(session, 5)
        latest = checkpoints.make_checkpoint(session, partnership.keyring, ORIGIN)
        session.commit()
        export = partnership.export(latest.size - 1)
        document = json.loads(export.read_text())
        document["checkpoints"][0]["consistency"] = [
            notes.b64(h) for h in proofs.consistency(session, size, latest.size)
        ]
    document["checkpoints"].insert(0, kept)
    export.write_text(json.dumps(document))

    done = partnership.verify(export, *witnesses(*WITNESSES), "--require-cosigners", "1")
    assert done.returncode == 1
    assert f"is not consistent with the one before (size {size})" in done.stderr


def test_more_co_signers_than_signed_is_refused(partnership: Partnership) -> None:
    done = partnership.verify(
        partnership.export(15), *witnesses(*WITNESSES), "--require-cosigners", "3"
    )
    assert done.returncode == 1
    assert (
        "has 2 of the 3 co-signatures required, by homes-dpo, police-dpo; missing: council-dpo"
    ) in done.stderr


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
