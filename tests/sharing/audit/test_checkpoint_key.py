"""The hub's checkpoint key lives in the key store: made with it, added to an older key
store on first use without touching its other keys, and kept through rotation."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sharing.crypto.keys import LocalKeyring


def test_a_new_key_store_holds_a_checkpoint_key_that_signs(keyring: LocalKeyring) -> None:
    public = keyring.checkpoint_public_key()
    signature = keyring.sign_checkpoint(b"origin\n1\nroot\n")
    Ed25519PublicKey.from_public_bytes(public).verify(signature, b"origin\n1\nroot\n")
    assert LocalKeyring(keyring.path).checkpoint_public_key() == public


def test_an_older_key_store_gets_one_on_first_use_and_keeps_everything_else(
    keyring: LocalKeyring,
) -> None:
    path: Path = keyring.path
    document = json.loads(path.read_text())
    del document["checkpoint"]
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    older = LocalKeyring(path)
    public = older.checkpoint_public_key()
    after = json.loads(path.read_text())
    assert after["versions"] == document["versions"]
    assert after["index"] == document["index"]
    assert "checkpoint" in after
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert LocalKeyring(path).checkpoint_public_key() == public


def test_rotation_keeps_the_checkpoint_key(keyring: LocalKeyring) -> None:
    public = keyring.checkpoint_public_key()
    keyring.add_version()
    keyring.retire(1)
    assert LocalKeyring(keyring.path).checkpoint_public_key() == public
    assert LocalKeyring(keyring.path).versions() == [2]
