"""Key-encryption keys and the providers that hold them.

Personal values are encrypted with a data key per case and per person (``sharing.crypto.sealing``);
data keys are stored wrapped by a key-encryption key (KEK) that never leaves its provider.
The provider also holds the hub's Ed25519 checkpoint key, which signs the audit log's tree
heads (``sharing.audit.checkpoints``): it lives here, not in the database, so that whoever
can change the database cannot sign a rewritten history.
``KeyProvider`` is the interface; ``LocalKeyring`` keeps versioned KEKs in a file made by
``hub keys init``. An external KMS or Vault transit engine implements the same interface
(wrap and unwrap happen inside the service; the hub only ever holds wrapped data keys).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEYRING_FORMAT = 1


class KeyringError(RuntimeError):
    """The key store cannot be used; the message says why in one line, with no key material."""


class KeyProvider(Protocol):
    """Where key-encryption keys live. Implementations never reveal a KEK itself."""

    def active_version(self) -> int:
        """The KEK version new data keys are wrapped with."""
        ...

    def versions(self) -> list[int]:
        """Every KEK version still held (active and not yet retired)."""
        ...

    def wrap(self, version: int, data_key: bytes, context: bytes) -> bytes:
        """``data_key`` encrypted under KEK ``version``, bound to ``context``."""
        ...

    def unwrap(self, version: int, wrapped: bytes, context: bytes) -> bytes:
        """The data key, or KeyringError if the version is unknown or the wrap was altered."""
        ...

    def index_root_key(self) -> bytes:
        """Root of the per-field blind-index keys. Never rotated: indexes depend on it."""
        ...

    def index_bits(self) -> dict[str, int]:
        """Length in bits of each field's blind index, fixed when the key store is made."""
        ...

    def add_version(self) -> int:
        """Make a new KEK version and make it active; returns its number."""
        ...

    def retire(self, version: int) -> None:
        """Destroy KEK ``version`` (only once no data key is wrapped with it)."""
        ...

    def sign_checkpoint(self, message: bytes) -> bytes:
        """The Ed25519 signature of an audit checkpoint's note text by the hub's key."""
        ...

    def checkpoint_public_key(self) -> bytes:
        """The hub's checkpoint public key (32 bytes, RFC 8032), for partners to verify."""
        ...


@dataclass
class _Version:
    key: bytes
    created: str
    #: The key's AESGCM, made once (making one costs more than using it).
    aead: AESGCM | None = field(default=None, repr=False, compare=False)


class LocalKeyring:
    """Versioned KEKs in a JSON file readable by its owner only (mode 0600).

    Writes go to a temporary file that replaces the old one, so an interrupted write never
    leaves a damaged key store.
    """

    def __init__(self, path: Path, *, defer_errors: bool = False) -> None:
        """Open the key store at ``path``. ``KeyringError`` if it cannot be used; with
        ``defer_errors`` (a server's worker) that is kept in ``problem`` instead, and raised
        by every use until the file can be read again (no restart needed)."""
        self.path = path
        #: Why the key store could not be read when it was opened ("" if it could).
        self.problem = ""
        self._versions: dict[int, _Version] = {}
        self._active = 0
        self._index_key = b""
        self._index_bits: dict[str, int] = {}
        #: The Ed25519 checkpoint key's 32-byte seed (empty: not made yet, see _checkpoint_key).
        self._checkpoint_seed = b""
        self._checkpoint_created = ""
        #: What the file looked like when last read (``_stamp``); None: read it again.
        self._loaded_at: tuple[int, int, int, int] | None = None
        try:
            self._load()
        except KeyringError as e:
            if not defer_errors:
                raise
            self.problem = str(e)

    @classmethod
    def create(cls, path: Path, index_bits: dict[str, int]) -> LocalKeyring:
        """Make a new key store with KEK version 1 and the blind-index lengths (from
        ``sharing.crypto.blind_index.index_lengths``); refuses to overwrite one."""
        if path.exists():
            raise KeyringError(f"key store {path} already exists; it is never overwritten")
        if not all(8 <= bits <= 32 for bits in index_bits.values()):
            raise KeyringError("blind index lengths must be between 8 and 32 bits")
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "format": KEYRING_FORMAT,
            "active": 1,
            "versions": {"1": _new_version()},
            "index": {"key": _b64(secrets.token_bytes(32)), "bits": index_bits},
            "checkpoint": _new_checkpoint_key(),
        }
        _write(path, document)
        return cls(path)

    def _refresh(self) -> None:
        """Re-read the file if another process (``hub keys rotate``) changed it, so every
        process sees new and retired versions without a restart."""
        try:
            changed = _stamp(self.path.stat()) != self._loaded_at
        except OSError:
            changed = True
        if changed:
            self._load()

    def _load(self) -> None:
        try:
            status = self.path.stat()
            mode = status.st_mode
        except FileNotFoundError:
            raise KeyringError(
                f"key store {self.path} does not exist: create it with `hub keys init`"
            ) from None
        except OSError as e:
            raise KeyringError(f"key store {self.path} cannot be read ({e.strerror})") from None
        if not stat.S_ISREG(mode):
            raise KeyringError(f"key store {self.path} is not a regular file")
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyringError(f"key store {self.path} can be read by other users: chmod 600 it")
        try:
            text = self.path.read_text()
        except OSError as e:  # e.g. owned by another user
            raise KeyringError(f"key store {self.path} cannot be read ({e.strerror})") from None
        try:
            document = json.loads(text)
            if document["format"] != KEYRING_FORMAT:
                raise KeyringError(
                    f"key store {self.path} has format {document['format']}, not {KEYRING_FORMAT}"
                )
            self._versions = {
                int(v): _Version(_unb64(entry["key"], 32), entry["created"])
                for v, entry in document["versions"].items()
            }
            self._active = int(document["active"])
            self._index_key = _unb64(document["index"]["key"], 32)
            self._index_bits = {str(f): int(b) for f, b in document["index"]["bits"].items()}
            checkpoint = document.get("checkpoint")
            self._checkpoint_seed = _unb64(checkpoint["key"], 32) if checkpoint else b""
            self._checkpoint_created = str(checkpoint["created"]) if checkpoint else ""
        except KeyringError:
            raise
        except (ValueError, KeyError, TypeError) as e:
            raise KeyringError(
                f"key store {self.path} is damaged ({type(e).__name__}): restore it from backup"
            ) from None
        if self._active not in self._versions:
            raise KeyringError(
                f"key store {self.path} is damaged: its active version {self._active} is missing"
            )
        self._loaded_at = _stamp(status)

    def _save(self) -> None:
        self._loaded_at = None
        _write(
            self.path,
            {
                "format": KEYRING_FORMAT,
                "active": self._active,
                "versions": {
                    str(v): {"key": _b64(k.key), "created": k.created}
                    for v, k in self._versions.items()
                },
                "index": {"key": _b64(self._index_key), "bits": self._index_bits},
                **(
                    {
                        "checkpoint": {
                            "key": _b64(self._checkpoint_seed),
                            "created": self._checkpoint_created,
                        }
                    }
                    if self._checkpoint_seed
                    else {}
                ),
            },
        )

    def active_version(self) -> int:
        self._refresh()
        return self._active

    def versions(self) -> list[int]:
        self._refresh()
        return sorted(self._versions)

    def wrap(self, version: int, data_key: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead(version).encrypt(nonce, data_key, context)

    def unwrap(self, version: int, wrapped: bytes, context: bytes) -> bytes:
        try:
            return self._aead(version).decrypt(wrapped[:12], wrapped[12:], context)
        except InvalidTag:
            raise KeyringError(
                f"a data key wrapped with key version {version} cannot be unwrapped: "
                "the key store does not match this database, or the wrapped key was altered"
            ) from None

    def _aead(self, version: int) -> AESGCM:
        self._kek(version)  # refreshes the versions, or names the missing one
        held = self._versions[version]
        if held.aead is None:
            held.aead = AESGCM(held.key)
        return held.aead

    def _kek(self, version: int) -> bytes:
        if version not in self._versions:
            self._refresh()
        try:
            return self._versions[version].key
        except KeyError:
            raise KeyringError(f"key version {version} is not in key store {self.path}") from None

    def index_root_key(self) -> bytes:
        return self._index_key

    def index_bits(self) -> dict[str, int]:
        return dict(self._index_bits)

    def add_version(self) -> int:
        with _locked(self.path):
            self._load()
            version = max(self._versions) + 1
            self._versions[version] = _Version(
                secrets.token_bytes(32), datetime.now(UTC).isoformat(timespec="seconds")
            )
            self._active = version
            self._save()
        return version

    def retire(self, version: int) -> None:
        with _locked(self.path):
            self._load()
            if version == self._active:
                raise KeyringError("the active key version cannot be retired")
            self._versions.pop(version, None)
            self._save()

    def sign_checkpoint(self, message: bytes) -> bytes:
        return self._checkpoint_key().sign(message)

    def checkpoint_public_key(self) -> bytes:
        return self._checkpoint_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def _checkpoint_key(self) -> Ed25519PrivateKey:
        """The checkpoint key; a key store made before checkpoints existed gets one the
        first time it is needed, under a lock so that processes starting together agree
        and nothing else in the file changes."""
        self._refresh()
        if not self._checkpoint_seed:
            with _locked(self.path):
                self._load()
                if not self._checkpoint_seed:
                    made = _new_checkpoint_key()
                    self._checkpoint_seed, self._checkpoint_created = (
                        _unb64(made["key"], 32),
                        made["created"],
                    )
                    self._save()
                    self._load()
        return Ed25519PrivateKey.from_private_bytes(self._checkpoint_seed)


class _locked:
    """An exclusive lock on ``<key store>.lock`` (mode 0600) for a read-change-write."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _new_checkpoint_key() -> dict[str, str]:
    return {
        "key": _b64(secrets.token_bytes(32)),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _stamp(status: os.stat_result) -> tuple[int, int, int, int]:
    """Changes whenever the key store is replaced (``_write`` makes a new file), written to
    or has its mode changed (inode, size, modification and change times)."""
    return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def _new_version() -> dict[str, str]:
    return {
        "key": _b64(secrets.token_bytes(32)),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, length: int) -> bytes:
    data = base64.b64decode(text, validate=True)
    if len(data) != length:
        raise ValueError(f"a key must be {length} bytes")
    return data


def _write(path: Path, document: dict[str, object]) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".keyring-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(document, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
