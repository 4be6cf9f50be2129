"""Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A checkpoint's note text is three lines, each ending in a newline: the log's origin, the
tree size in decimal, and the base64 root hash. The signed note is that text, a blank
line, then one line per signature::

    northshire.example/audit
    1234
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — northshire.example/audit Az3grl...base64(key ID || Ed25519 signature)
    — northshire-police 8MfN0s...

Ed25519 signs the note text (the three lines with their newlines). A key ID is the first
four bytes of SHA-256(key name || 0x0A || 0x01 || public key). A key is handed to partners
in the verifier-key form ``<name>+<key ID in hex>+<base64(0x01 || public key)>``. The hub
signs under the origin as its key name; a partner agency under its own key name.
``sharing/audit/verify_audit.py`` reads the same format without importing this module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sharing.audit.verify_audit import is_size

#: Signature type byte of Ed25519 in signed notes.
ED25519 = b"\x01"
EM_DASH = "\u2014"


class NoteError(ValueError):
    """A note, signature or key that cannot be read; the message says what was wrong."""


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes

    def __str__(self) -> str:
        return f"{EM_DASH} {self.name} {b64(self.key_id + self.signature)}\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None


def valid_name(name: str) -> bool:
    """Key names (and so origins): printable ASCII without spaces or plus signs."""
    return bool(name) and all(33 <= ord(c) < 127 and c != "+" for c in name)


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    """The note text that the hub and partners sign."""
    return f"{origin}\n{size}\n{b64(root)}\n"


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    return f"{name}+{key_id(name, public_key).hex()}+{b64(ED25519 + public_key)}"


def read_public_key(text: str) -> tuple[str | None, bytes]:
    """An agency's Ed25519 public key as it sends it: PEM, or the verifier key that
    ``verify_audit.py keygen`` prints (which also names the key). NoteError says why not."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError:
            raise NoteError("the public key is not a readable PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise NoteError("the public key is not an Ed25519 key")
        return None, key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return parse_verifier_key(text)


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    """(name, 32-byte public key) from ``name+keyid+base64(0x01 || key)``."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not valid_name(parts[0]):
        raise NoteError("a verifier key reads <name>+<key ID>+<base64 key>")
    name, hex_id, encoded = parts
    raw = unb64(encoded, "the verifier key")
    if len(raw) != 33 or raw[:1] != ED25519:
        raise NoteError("the verifier key is not an Ed25519 key")
    if hex_id.lower() != key_id(name, raw[1:]).hex():
        raise NoteError("the verifier key's key ID does not match its name and key")
    return name, raw[1:]


def signs(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``message`` by ``public_key``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_signature_line(line: str) -> SignatureLine:
    if not line.startswith(EM_DASH + " "):
        raise NoteError("a signature line starts with an em dash (U+2014) and a space")
    parts = line[2:].rstrip("\n").split(" ")
    if len(parts) != 2 or not valid_name(parts[0]):
        raise NoteError("a signature line reads '— <key name> <base64 signature>'")
    raw = unb64(parts[1], "the signature")
    if len(raw) not in (4 + 64, 4 + 8 + 64):  # a note's signature; a witness's cosignature/v1
        raise NoteError("an Ed25519 signature line holds 4 + 64 bytes (or 4 + 8 + 64)")
    return SignatureLine(parts[0], raw[:4], raw[4:])


def split_note(note: str) -> tuple[str, list[SignatureLine]]:
    """The note text and its signature lines (the text ends at the last blank line)."""
    text, blank, signatures = note.rpartition("\n\n")
    if not blank:
        if note.count("\n") == 3 and note.endswith("\n"):  # the text alone, unsigned
            return note, []
        raise NoteError("a signed note has its text, a blank line, then signature lines")
    if not signatures.endswith("\n"):
        raise NoteError("the note's last signature line does not end in a newline")
    return text + "\n", [parse_signature_line(line) for line in signatures[:-1].split("\n")]


def parse_checkpoint_text(text: str) -> tuple[str, int, bytes]:
    """(origin, size, root) from a checkpoint's note text."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not all(lines[:-1]):
        raise NoteError("a checkpoint's text is origin, size and root, one per line")
    origin, size_text, root_text = lines[:3]
    if not is_size(size_text):
        raise NoteError(f"the checkpoint's size {size_text!r} is not a decimal number")
    root = unb64(root_text, "the checkpoint's root hash")
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    return origin, int(size_text), root
