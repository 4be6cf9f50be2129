"""The standalone verifier, copied alone into an empty folder and run with ``python -I``
against a real export: a good export passes; each kind of damage gets one clear line and
a non-zero exit, never a traceback. Also: it imports nothing but the standard library and
cryptography, and computes what ``sharing.audit`` computes."""

from __future__ import annotations

import ast
import base64
import json
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from sharing.audit import checkpoints, merkle, notes, verify_audit
from sharing.audit.export import build_export
from sharing.audit.log import append, canonical, entry_values
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_engine
from tests.fixtures.databases import copy_migrated_sqlite
from tests.sharing.audit.conftest import ORIGIN, write_log
from tests.sharing.audit.test_checkpoints import _agency_with_dpo

pytestmark = pytest.mark.long

TOOL = Path(verify_audit.__file__)
ZERO = base64.b64encode(bytes(32)).decode()


@dataclass
class Files:
    folder: Path
    tool: Path
    export: Path
    public_key: Path
    document: dict[str, Any]
    checkpoint_note: str

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", str(self.tool), *map(str, args)],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def files(tmp_path: Path) -> Files:
    copy_migrated_sqlite(tmp_path / "hub.sqlite3")  # migrated once a run, copied
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    keyring = LocalKeyring.create(tmp_path / "keyring.json", index_lengths())
    dpo_key = Ed25519PrivateKey.generate()
    with Session(engine) as session:
        agency, dpo = _agency_with_dpo(session)
        key = checkpoints.register_agency_key(
            session,
            agency=agency,
            public_key=dpo_key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            ),
            name="police-dpo",
            registered_by=dpo,
        )
        # The DPO's account and the key's registration are entries 0 and 1; then 10, 15 and 15
        # more, a checkpoint after each
        for n in (10, 15, 15):
            write_log(session, n)
            made = checkpoints.make_checkpoint(session, keyring, ORIGIN)
            assert made is not None
        checkpoint = checkpoints.get(session, 2)
        checkpoints.cosign(
            session, 2, key.id, dpo_key.sign(checkpoints.text_of(checkpoint).encode())
        )
        session.commit()
        document = build_export(session, keyring.checkpoint_public_key(), ORIGIN, 5, 30)
        note = checkpoints.signed_note(checkpoints.get(session, 3))
    engine.dispose()
    folder = tmp_path / "dpo"
    folder.mkdir()
    tool = folder / "verify_audit.py"
    shutil.copy(TOOL, tool)
    export = folder / "export.json"
    export.write_text(json.dumps(document))
    public_key = folder / "hub.pub"
    public_key.write_text(notes.verifier_key(ORIGIN, keyring.checkpoint_public_key()) + "\n")
    return Files(folder, tool, export, public_key, document, note)


def test_a_good_export_verifies_with_a_summary(files: Files) -> None:
    done = files.run("verify", "--public-key", files.public_key, files.export)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"OK: entries 5 to 30 of {ORIGIN} are in its log, signed at size 42"
    )
    assert "3 checkpoint(s)" in done.stdout
    assert "co-signatures: police-dpo 1" in done.stdout


def test_the_pem_public_key_works_too(files: Files, tmp_path: Path) -> None:
    _name, raw = notes.parse_verifier_key(files.public_key.read_text())
    pem = tmp_path / "hub.pem"
    pem.write_bytes(
        Ed25519PublicKey.from_public_bytes(raw).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert files.run("verify", "--public-key", pem, files.export).returncode == 0


def _tamper_entry(d: dict[str, Any]) -> None:
    d["entries"][3]["object_id"] = "999"


def _bad_proof(d: dict[str, Any]) -> None:
    d["entries"][0]["proof"][0] = ZERO


def _drop_entry(d: dict[str, Any]) -> None:
    del d["entries"][2]


def _bad_consistency(d: dict[str, Any]) -> None:
    d["checkpoints"][1]["consistency"][0] = ZERO


def _rewrite_root(d: dict[str, Any]) -> None:
    lines = d["checkpoints"][2]["note"].split("\n")
    lines[2] = ZERO
    d["checkpoints"][2]["note"] = "\n".join(lines)


def _swap_entries(d: dict[str, Any]) -> None:
    entries = d["entries"]
    entries[1], entries[2] = entries[2], entries[1]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_tamper_entry, "entry 8 does not match the signed log of size 42"),
        (_bad_proof, "entry 5 does not match the signed log"),
        (_drop_entry, "should hold 26 entries but holds 25"),
        (_swap_entries, "entry 6 is missing or out of place"),
        (_bad_consistency, "is not consistent with the one before (size 12)"),
        (_rewrite_root, "the hub's signature does not verify"),
    ],
)
def test_damage_to_an_export_is_named_in_one_line(
    files: Files, damage: Callable[[dict[str, Any]], None], message: str
) -> None:
    damage(files.document)
    files.export.write_text(json.dumps(files.document))
    _fails_with(files.run("verify", "--public-key", files.public_key, files.export), message)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (5, 4, "its range, entries 5 to 4, holds no entries: it proves nothing"),
        (30, 3, "its range, entries 30 to 3, holds no entries: it proves nothing"),
        (0, -1, "its range, entries 0 to -1, holds no entries: it proves nothing"),
        (-1, -2, "its range starts at entry -1: entries are numbered from 0"),
    ],
)
def test_an_export_of_no_entries_is_refused_not_passed(
    files: Files, first: int, last: int, message: str
) -> None:
    """An export whose range is empty (its last entry before its first) and that holds no
    entries, with good checkpoints: it was said OK ("entries 5 to 4 ... are in its log"),
    which vouches for nothing."""
    files.document["range"] = {"first": first, "last": last}
    files.document["entries"] = []
    files.export.write_text(json.dumps(files.document))
    done = files.run("verify", "--public-key", files.public_key, files.export)
    _fails_with(done, message)
    assert "OK" not in done.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda text: text[: len(text) // 2], "it is truncated"),
        (lambda text: "this is a memo, not an export\n", "it is not JSON"),
        (lambda text: "", "it is empty"),
        (lambda text: '{"format": "something else"}', "it is not an audit export"),
    ],
)
def test_a_file_that_is_not_a_whole_export_is_named(files: Files, content, message) -> None:
    files.export.write_text(content(files.export.read_text()))
    _fails_with(files.run("verify", "--public-key", files.public_key, files.export), message)


def test_an_export_checked_against_another_key_or_origin_fails(files: Files, tmp_path) -> None:
    other = LocalKeyring.create(tmp_path / "other.json", {})
    wrong_key = tmp_path / "wrong.pub"
    wrong_key.write_text(notes.verifier_key(ORIGIN, other.checkpoint_public_key()))
    _fails_with(
        files.run("verify", "--public-key", wrong_key, files.export),
        "is not signed by the given key",
    )
    other_origin = tmp_path / "other-origin.pub"
    other_origin.write_text(
        notes.verifier_key("elsewhere.example/audit", other.checkpoint_public_key())
    )
    _fails_with(
        files.run("verify", "--public-key", other_origin, files.export),
        f"the public key is for origin 'elsewhere.example/audit', the export for '{ORIGIN}'",
    )
    _fails_with(
        files.run(
            "verify", "--public-key", files.public_key, "--origin", "x.example/log", files.export
        ),
        f"the export is for origin '{ORIGIN}', not 'x.example/log'",
    )
    garbage = tmp_path / "garbage.pub"
    garbage.write_text("not a key")
    _fails_with(
        files.run("verify", "--public-key", garbage, files.export), "neither a PEM public key"
    )


def test_a_pem_public_key_given_as_a_co_signer_key_is_refused_naming_the_vkey_file() -> None:
    """Whatever its base64 holds: a PEM with plus signs in it looks like name+id+key."""
    pems = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
        for _ in range(10_000)
    )
    pem = next(text for text in pems if text.count("+") >= 2)
    with pytest.raises(verify_audit.Problem, match=r"its \.vkey file, not the \.pub"):
        verify_audit.read_cosigner_key(pem, "dpo.pem.pub")


def test_a_dpo_makes_a_key_and_co_signs_offline(files: Files) -> None:
    made = files.run("keygen", "--out", files.folder / "dpo.pem", "--name", "police-dpo")
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE((files.folder / "dpo.pem").stat().st_mode) == 0o600
    assert "verifier key: police-dpo+" in made.stdout
    # the file to hand to partners' DPOs for --cosigner-key (the .pub is for registering)
    vkey = (files.folder / "dpo.vkey").read_text()
    assert f"verifier key in {files.folder / 'dpo.vkey'}" in made.stdout
    assert vkey == made.stdout.split("verifier key: ")[1].split()[0] + "\n"
    assert verify_audit.read_cosigner_key(vkey, "dpo.vkey").name == "police-dpo"
    with pytest.raises(verify_audit.Problem, match=r"its \.vkey file, not the \.pub"):
        verify_audit.read_cosigner_key((files.folder / "dpo.pem.pub").read_text(), "dpo.pem.pub")
    again = files.run("keygen", "--out", files.folder / "dpo.pem", "--name", "police-dpo")
    _fails_with(again, "already exists")
    _fails_with(files.run("keygen", "--out", files.folder / "x.pem", "--name", "a b"), "key name")
    note = files.folder / "checkpoint.txt"
    note.write_text(files.checkpoint_note)
    signed = files.run(
        "cosign",
        "--key",
        files.folder / "dpo.pem",
        "--name",
        "police-dpo",
        "--public-key",
        files.public_key,
        note,
    )
    assert signed.returncode == 0, signed.stderr
    line = notes.parse_signature_line(signed.stdout)
    public_pem = (files.folder / "dpo.pem.pub").read_text()
    public = serialization.load_pem_public_key(public_pem.encode())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body, _lines = notes.split_note(files.checkpoint_note)
    assert line.name == "police-dpo"
    assert line.key_id == notes.key_id("police-dpo", raw)
    assert notes.signs(raw, body.encode(), line.signature)


def test_co_signing_refuses_a_checkpoint_the_hub_did_not_sign(files: Files) -> None:
    assert files.run("keygen", "--out", files.folder / "dpo.pem", "--name", "p").returncode == 0
    forged = files.folder / "forged.txt"
    forged.write_text(files.checkpoint_note.replace("\n42\n", "\n43\n"))
    _fails_with(
        files.run(
            "cosign",
            "--key",
            files.folder / "dpo.pem",
            "--name",
            "p",
            "--public-key",
            files.public_key,
            forged,
        ),
        "is not signed by the hub's key",
    )
    truncated = files.folder / "truncated.txt"
    truncated.write_text(files.checkpoint_note[:12])
    _fails_with(
        files.run("cosign", "--key", files.folder / "dpo.pem", "--name", "p", truncated),
        "is not origin, size and root hash",
    )


def _fails_with(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("verify_audit: ")
    assert message in done.stderr


def test_the_verifier_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(TOOL.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    }
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


def test_the_verifier_writes_the_same_canonical_form_as_the_hub(session) -> None:
    entry = append(
        session,
        action="case.view",
        outcome="refused",
        actor_user_id=4,
        object_id='é"\\',
        basis="line\nbreak \x01",
        purpose=None,
    )
    values = dict(zip(verify_audit.FIELDS, entry_values(entry), strict=True))
    assert verify_audit.canonical(values) == canonical(entry)


@settings(max_examples=40)
@given(st.integers(1, 90), st.data())
def test_the_verifier_checks_proofs_as_the_hub_makes_them(n: int, data: st.DataObject) -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(n)]
    index, old = data.draw(st.integers(0, n - 1)), data.draw(st.integers(1, n))
    head = merkle.root(leaves)
    proof = merkle.inclusion_proof(index, leaves)
    assert verify_audit.verify_inclusion(index, n, leaves[index], proof, head)
    assert not verify_audit.verify_inclusion(index, n, merkle.leaf_hash(b"x"), proof, head)
    proof = merkle.consistency_proof(old, leaves)
    assert verify_audit.verify_consistency(old, n, merkle.root(leaves[:old]), head, proof)
    assert verify_audit.leaf_hash(b"e") == merkle.leaf_hash(b"e")
    assert verify_audit.verifier_key("a", b"k" * 32) == notes.verifier_key("a", b"k" * 32)


def test_a_dpo_trusts_their_own_copy_of_a_partners_key(files: Files, tmp_path: Path) -> None:
    impostor = tmp_path / "impostor.vkey"
    impostor.write_text(
        notes.verifier_key(
            "police-dpo",
            Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        )
    )
    done = files.run(
        "verify", "--public-key", files.public_key, "--cosigner-key", impostor, files.export
    )
    # the export's co-signature is not by the key the DPO holds: the policy (one of the
    # keys given) is not met, whatever key the export names
    assert done.returncode == 1
    assert "has 0 of the 1 co-signatures required; missing: police-dpo" in done.stderr
