#!/usr/bin/env python3
"""Check an export of the partnership hub's audit log, with no access to the hub.

A single file needing only Python 3.11+ and the ``cryptography`` package. Give it to a
partner agency's data protection officer with the hub's public key (``hub audit
public-key``)::

    python verify_audit.py verify --public-key hub-audit.pub export.json
    python verify_audit.py keygen --out dpo.pem --name northshire-police
    python verify_audit.py cosign --key dpo.pem --name northshire-police \\
        --public-key hub-audit.pub checkpoint.txt

``verify`` recomputes every entry's leaf from its fields, checks it is in the tree of the
last checkpoint (inclusion proof), that every checkpoint is signed by the given key for the
export's origin, that each checkpoint's tree extends the one before (consistency proof),
and reports the co-signatures that verify. ``keygen`` makes an agency's Ed25519 key pair;
``cosign`` signs a checkpoint's note text with it, printing the signature line to hand to
the hub (``hub audit cosign``). Exit status 0: all good; 1: a problem, said in one line.

Formats (the same as ``sharing.audit``): RFC 9162 hashes (leaf SHA-256(0x00 || entry),
node SHA-256(0x01 || left || right)); an entry's canonical form is the compact JSON array
of its fields in order (json.dumps with ensure_ascii=False, separators "," and ":"); checkpoints
are C2SP signed notes (c2sp.org/tlog-checkpoint) signed with Ed25519.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "partnership-hub-audit-export/1"
FIELDS = (
    "seq",
    "at",
    "actor_user_id",
    "actor_agency_id",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "basis",
    "outcome",
    "request_id",
)
EM_DASH = "\u2014"


class Problem(Exception):
    """What is wrong, in one line."""


# -- hashes and proofs (RFC 9162 section 2.1) -----------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def canonical(entry: dict[str, Any]) -> bytes:
    values = [entry.get(name) for name in FIELDS]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> bool:
    if not 0 < old_size <= size:
        return False
    if old_size == size:
        return not proof and old_root == root
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == root


# -- signed notes (C2SP signed-note, tlog-checkpoint) ---------------------------------


def unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise Problem(f"{what} is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Problem(f"{what} is not base64") from None


def check_name(name: str) -> str:
    if not name or not all(33 <= ord(c) < 127 and c != "+" for c in name):
        raise Problem(f"the key name {name!r} must be printable ASCII without spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    encoded = base64.b64encode(b"\x01" + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


#: Verifier key types: a signed note's Ed25519 signature (the hub's, an agency's), and a
#: witness's timestamped Ed25519 co-signature (c2sp.org/tlog-cosignature, cosignature/v1).
NOTE_ED25519, COSIGNATURE_V1 = 0x01, 0x04


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """The key ID of an Ed25519 cosignature/v1 key."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: its header, its time, then the checkpoint's body."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


class CosignerKey:
    """A key whose signature lines on a checkpoint count as co-signatures: an agency's
    signed-note key, or a witness's cosignature/v1 key."""

    def __init__(self, name: str, public_key: bytes, kind: int = NOTE_ED25519) -> None:
        self.name, self.public_key, self.kind = name, public_key, kind
        self.key_id = (
            key_id(name, public_key) if kind == NOTE_ED25519 else cosigner_key_id(name, public_key)
        )

    def signed(self, text: str, signature: bytes) -> bool:
        """Whether ``signature`` (a signature line's bytes after the key ID) is this key's
        signature of the checkpoint ``text``."""
        if self.kind == NOTE_ED25519:
            return len(signature) == 64 and signs(self.public_key, text.encode(), signature)
        if len(signature) != 72:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        return signs(self.public_key, cosigned_message(text, timestamp), signature[8:])


def read_cosigner_key(text: str, what: str) -> CosignerKey:
    """A co-signer's verifier key line: an agency's (type 0x01) or a witness's (0x04)."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not parts[0] or text.lstrip().startswith("-----BEGIN"):
        raise Problem(
            f"{what}: give co-signer keys as verifier keys (<name>+<id>+<key>): for a key "
            "made by `verify_audit.py keygen`, its .vkey file, not the .pub"
        )
    raw = unb64(parts[2], what)
    if len(raw) != 33 or raw[0] not in (NOTE_ED25519, COSIGNATURE_V1):
        raise Problem(f"{what} is not an Ed25519 verifier key (note or cosignature/v1)")
    key = CosignerKey(parts[0], raw[1:], raw[0])
    if parts[1].lower() != key.key_id.hex():
        raise Problem(f"{what}: its key ID does not match its name and key")
    return key


def read_public_key(text: str, what: str) -> tuple[str | None, bytes]:
    """(name or None, key) from a verifier key line or a PEM public key."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError:
            raise Problem(f"{what} is not a readable PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise Problem(f"{what} is not an Ed25519 public key")
        return None, key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    parts = text.split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise Problem(f"{what} is neither a PEM public key nor a <name>+<id>+<key> verifier key")
    raw = unb64(parts[2], what)
    if len(raw) != 33 or raw[0] != 1:
        raise Problem(f"{what} is not an Ed25519 verifier key")
    if parts[1].lower() != key_id(parts[0], raw[1:]).hex():
        raise Problem(f"{what}: its key ID does not match its name and key")
    return parts[0], raw[1:]


def signs(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def split_note(note: object, where: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """(text, [(key name, key ID, signature)]) of a signed note."""
    if not isinstance(note, str):
        raise Problem(f"{where} is not a note")
    text, blank, signed = note.rpartition("\n\n")
    if not blank or not signed.endswith("\n"):
        raise Problem(f"{where} is not a signed note (text, blank line, signature lines)")
    lines = []
    for line in signed[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH:
            raise Problem(f"{where} has a malformed signature line")
        raw = unb64(parts[2], f"a signature in {where}")
        if len(raw) not in (4 + 64, 4 + 8 + 64):  # a note signature, a cosignature/v1
            raise Problem(f"{where} has a signature that is not Ed25519")
        lines.append((parts[1], raw[:4], raw[4:]))
    return text + "\n", lines


def is_size(text: str) -> bool:
    """Whether ``text`` is a tree size as a checkpoint writes it: decimal digits 0 to 9,
    without leading zeros. (``str.isdigit`` also holds for superscripts, which ``int``
    refuses.)"""
    return text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))


def checkpoint_fields(text: str, where: str) -> tuple[str, int, bytes]:
    lines = text.split("\n")
    if len(lines) < 4 or not all(lines[:3]) or not is_size(lines[1]):
        raise Problem(f"{where}'s text is not origin, size and root hash")
    root = unb64(lines[2], f"{where}'s root hash")
    if len(root) != 32:
        raise Problem(f"{where}'s root hash is not 32 bytes")
    return lines[0], int(lines[1]), root


# -- verify ------------------------------------------------------------------------------


def load_json(path: Path) -> dict[str, Any]:
    try:
        data = path.read_text(encoding="utf-8")
    except OSError as e:
        raise Problem(f"cannot read it ({e.strerror})") from None
    except UnicodeDecodeError:
        raise Problem("it is not UTF-8 text, so not an export") from None
    if not data.strip():
        raise Problem("it is empty")
    try:
        document = json.loads(data)
    except json.JSONDecodeError as e:
        if e.msg.startswith("Unterminated string") or e.pos >= len(data.rstrip()) - 1:
            raise Problem(f"it is truncated: the JSON ends early (line {e.lineno})") from None
        raise Problem(f"it is not JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Problem(f"it is not an audit export (format {FORMAT})")
    return document


def field(document: dict[str, Any], name: str, kind: type, where: str = "the export") -> Any:
    value = document.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise Problem(f"{where} has no valid {name!r}")
    return value


class Policy:
    """What the verifier requires beyond the hub's own signature: co-signatures by at
    least ``required`` of the partners' keys it trusts (its own copies, never the
    export's) on the newest checkpoint any of them co-signed, which every later checkpoint
    extends; and consistency with checkpoints it holds."""

    def __init__(
        self,
        trusted_cosigners: dict[str, CosignerKey] | None = None,
        required: int | None = None,
        held: Sequence[str] = (),
    ) -> None:
        self.trusted_cosigners = dict(trusted_cosigners or {})
        #: Default: one of the keys given, if any are.
        self.required = (1 if self.trusted_cosigners else 0) if required is None else required
        #: Checkpoints the verifier holds, as signed notes.
        self.held = list(held)
        if self.required > len(self.trusted_cosigners):
            raise Problem(
                f"the policy asks for {self.required} co-signatures but names "
                f"{len(self.trusted_cosigners)} co-signer key(s): give them with --cosigner-key"
            )


def verify_export(
    document: dict[str, Any],
    trusted: tuple[str | None, bytes],
    origin: str | None,
    cosigners: dict[str, CosignerKey],
    policy: Policy,
) -> str:
    """Check everything against the ``policy``; returns the summary or raises Problem.
    ``cosigners`` are the keys to report co-signatures by (the policy's, then the export's
    own list)."""
    export_origin = field(document, "origin", str)
    key_name, public_key = trusted
    if origin is not None and export_origin != origin:
        raise Problem(f"the export is for origin {export_origin!r}, not {origin!r}")
    if key_name is not None and key_name != export_origin:
        raise Problem(
            f"the public key is for origin {key_name!r}, the export for {export_origin!r}"
        )
    for entry in field(document, "cosigners", list):
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            key = read_cosigner_key(entry["key"], "a co-signer key in the export")
            cosigners.setdefault(key.name, key)
    heads = check_checkpoints(
        field(document, "checkpoints", list), export_origin, public_key, cosigners
    )
    size, root = heads[-1][0], heads[-1][1]
    first, last = check_entries(document, size, root)
    held = [check_held(note, document, heads, export_origin, public_key) for note in policy.held]
    witnessed = check_policy_cosigners(heads, policy, first, last)
    cosigned = Counter(name for _size, _root, names in heads for name in names)
    by = ", ".join(f"{name} {count}" for name, count in sorted(cosigned.items())) or "none"
    return (
        f"OK: entries {first} to {last} of {export_origin} are in its log, signed at size "
        f"{size} by key {key_id(export_origin, public_key).hex()}; {len(heads)} checkpoint(s), "
        f"each consistent with the one before; co-signatures: {by}"
        + (f"; {witnessed}" if witnessed else "")
        + (f"; consistent with your checkpoint(s) of size {', '.join(held)}" if held else "")
    )


#: The checkpoint the co-signature policy is applied to, when it is not the latest.
NEWEST_COSIGNED = "the newest checkpoint your co-signers signed"
#: The same, when a newer checkpoint carries fewer of the co-signatures required so far.
NEWEST_ENOUGH = "the newest checkpoint enough of your co-signers signed"

#: A checkpoint as the policy sees it: its size, root, and the verifier's keys that
#: co-signed it (verified).
Head = tuple[int, bytes, list[str]]


def check_policy_cosigners(heads: Sequence[Head], policy: Policy, first: int, last: int) -> str:
    """The co-signature policy on checkpoints each consistent with the one before (oldest
    first), as ``cosigned_enough`` applies it. What the checkpoint meeting it covers of
    entries ``first`` to ``last``, in words; Problem if the policy is not met; "" if the
    policy asks for none."""
    if not policy.required:
        return ""
    head, which, later = cosigned_enough(reversed(heads), heads[-1], policy)
    signed = ", ".join(cosigners_of(head, policy))
    if which == "the latest checkpoint":
        return f"the latest co-signed by {signed}: {coverage(head[0], first, last)}"
    return f"{which} (size {head[0]}) is co-signed by {signed}: " + coverage(
        head[0], first, last, later
    )


def cosigned_enough(
    newest_first: Iterable[Head], latest: Head, policy: Policy
) -> tuple[Head, str, str]:
    """The checkpoint that meets the policy: the newest co-signed by ``policy.required`` of
    the verifier's keys (every later checkpoint is proven to extend it, so it vouches for
    the entries before its size); how to name it; and, when a newer one carries some of
    the co-signatures so far (witnesses co-sign in their own time), who signed that one
    ("" when none did).
    Problem, about the newest checkpoint co-signed by any of the keys (else the latest),
    when none carries enough; it names the newest checkpoint each key missing from it
    co-signed, if any."""
    newest: Head | None = None
    last_signed: dict[str, int] = {}
    for head in newest_first:
        signed = cosigners_of(head, policy)
        if not signed:
            continue
        if len(signed) >= policy.required:
            if head[:2] == latest[:2]:
                return head, "the latest checkpoint", ""
            if newest is None:
                return head, NEWEST_COSIGNED, ""
            return head, NEWEST_ENOUGH, ", ".join(cosigners_of(newest, policy))
        newest = newest or head
        for name in signed:
            last_signed.setdefault(name, head[0])
    if newest is None or newest[:2] == latest[:2]:
        raise _too_few(newest or latest, policy, "the latest checkpoint", last_signed)
    raise _too_few(newest, policy, NEWEST_COSIGNED, last_signed)


def cosigners_of(head: Head, policy: Policy) -> list[str]:
    """The verifier's keys that co-signed a checkpoint, by name, sorted."""
    return sorted(set(head[2]) & set(policy.trusted_cosigners))


def _too_few(head: Head, policy: Policy, which: str, last_signed: dict[str, int]) -> Problem:
    """What a checkpoint co-signed by too few of the verifier's keys is told: who co-signed
    it, and the size each key missing from it last co-signed, if any."""
    signed = cosigners_of(head, policy)
    by = f", by {', '.join(signed)}" if signed else ""
    missing = ", ".join(
        f"{name} (last co-signed size {last_signed[name]})" if name in last_signed else name
        for name in sorted(set(policy.trusted_cosigners) - set(signed))
    )
    return Problem(
        f"{which} (size {head[0]}) has {len(signed)} of the {policy.required} "
        f"co-signatures required{by}; missing: {missing}"
    )


def coverage(size: int, first: int, last: int, later_by: str = "") -> str:
    """Which of entries ``first`` to ``last`` a co-signed checkpoint of ``size`` vouches
    for, and how many come after it, in words; ``later_by`` names those of the verifier's
    co-signers who have signed a later checkpoint so far, too few for the policy."""
    if last < size:
        return f"it covers {_entries(first, last, 'all ')}"
    start = max(first, size)
    by = (
        f"{later_by} so far, fewer than you require"
        if later_by
        else "the hub alone, not by your co-signers"
    )
    after = f"the {_entries(start, last)} after it are vouched for by {by}"
    if size <= first:
        return f"it covers none of the {_entries(first, last)}: {after}"
    return f"it covers {_entries(first, size - 1)}; {after}"


def _entries(first: int, last: int, all_: str = "") -> str:
    """ "13 entries (0 to 12)", "1 entry (7)"."""
    if first == last:
        return f"1 entry ({first})"
    return f"{all_}{last - first + 1} entries ({first} to {last})"


def check_held(
    note: str,
    document: dict[str, Any],
    heads: list[tuple[int, bytes, list[str]]],
    origin: str,
    public_key: bytes,
) -> str:
    """Check that the export's log extends a checkpoint the verifier holds (a signed
    note of the hub's): its size, or Problem saying how they disagree."""
    where = "your checkpoint"
    text, lines = split_note(note, where)
    held_origin, held_size, held_root = checkpoint_fields(text, where)
    if held_origin != origin:
        raise Problem(f"{where} is for origin {held_origin!r}, not {origin!r}")
    hub_id = key_id(origin, public_key)
    if not any(kid == hub_id and signs(public_key, text.encode(), s) for _, kid, s in lines):
        raise Problem(f"{where} (size {held_size}) is not signed by the given key")
    where = f"your checkpoint of size {held_size}"
    size, root, _ = heads[-1]
    if held_size > size:
        raise Problem(
            f"{where} is beyond the export's latest (size {size}): entries were removed, or "
            "the export is older than it"
        )
    for other_size, other_root, _ in heads:
        if other_size == held_size:
            if other_root != held_root:
                raise Problem(
                    f"{where} has another root than the export's checkpoint of that size: "
                    "the log was rewritten"
                )
            return str(held_size)
    proofs = document.get("held_proofs", {})
    if not isinstance(proofs, dict) or str(held_size) not in proofs:
        raise Problem(
            f"the export has no proof from {where}: export it again with --held-size {held_size}"
        )
    proof = [
        unb64(h, f"the proof from {where}")
        for h in field(proofs, str(held_size), list, "the held proofs")
    ]
    if not verify_consistency(held_size, size, held_root, root, proof):
        raise Problem(
            f"the export's log (size {size}) does not extend {where}: the log was rewritten "
            "after it"
        )
    return str(held_size)


def check_checkpoints(
    items: list[Any], origin: str, public_key: bytes, cosigners: dict[str, CosignerKey]
) -> list[tuple[int, bytes, list[str]]]:
    if not items:
        raise Problem("the export has no checkpoints")
    heads: list[tuple[int, bytes, list[str]]] = []
    hub_id = key_id(origin, public_key)
    for number, item in enumerate(items, 1):
        where = f"checkpoint {number} of the export"
        if not isinstance(item, dict):
            raise Problem(f"{where} is not an object")
        text, lines = split_note(item.get("note"), where)
        note_origin, size, root = checkpoint_fields(text, where)
        if note_origin != origin:
            raise Problem(f"{where} is for origin {note_origin!r}, not {origin!r}")
        hub = [s for name, kid, s in lines if name == origin and kid == hub_id]
        if not hub:
            ids = ", ".join(kid.hex() for name, kid, _ in lines if name == origin) or "none"
            raise Problem(
                f"{where} (size {size}) is not signed by the given key (its key IDs: {ids})"
            )
        if len(hub[0]) != 64 or not signs(public_key, text.encode(), hub[0]):
            raise Problem(f"{where} (size {size}): the hub's signature does not verify")
        names = []
        for name, kid, signature in lines:
            key = cosigners.get(name)
            if name == origin or key is None or key.key_id != kid:
                continue
            if not key.signed(text, signature):
                raise Problem(f"{where} (size {size}): the co-signature of {name} does not verify")
            names.append(name)
        if heads:
            old_size, old_root, _ = heads[-1]
            proof = [
                unb64(h, f"{where}'s consistency proof")
                for h in field(item, "consistency", list, where)
            ]
            if not verify_consistency(old_size, size, old_root, root, proof):
                raise Problem(
                    f"{where} (size {size}) is not consistent with the one before (size {old_size}): "
                    "history was rewritten between them"
                )
        heads.append((size, root, names))
    return heads


def check_entries(document: dict[str, Any], size: int, root: bytes) -> tuple[int, int]:
    span = field(document, "range", dict)
    first, last = field(span, "first", int, "the range"), field(span, "last", int, "the range")
    if first < 0:
        raise Problem(f"its range starts at entry {first}: entries are numbered from 0")
    if last < first:  # an export of nothing would be "OK" and vouch for nothing
        raise Problem(f"its range, entries {first} to {last}, holds no entries: it proves nothing")
    entries = field(document, "entries", list)
    if len(entries) != last - first + 1:
        raise Problem(f"the export should hold {last - first + 1} entries but holds {len(entries)}")
    for expected, entry in enumerate(entries, first):
        if not isinstance(entry, dict) or entry.get("seq") != expected:
            raise Problem(f"entry {expected} is missing or out of place in the export")
        proof = [
            unb64(h, f"entry {expected}'s proof")
            for h in field(entry, "proof", list, f"entry {expected}")
        ]
        if not verify_inclusion(expected, size, leaf_hash(canonical(entry)), proof, root):
            raise Problem(
                f"entry {expected} does not match the signed log of size {size}: "
                "it was altered, or its proof is wrong"
            )
    return first, last


# -- keys and co-signing ---------------------------------------------------------------


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as e:
        raise Problem(f"{path}: cannot read it ({e.strerror})") from None
    except (ValueError, TypeError):
        raise Problem(f"{path}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise Problem(f"{path}: not an Ed25519 private key")
    return key


def cosign(args: argparse.Namespace) -> str:
    check_name(args.name)
    key = load_private_key(args.key)
    try:
        note = args.checkpoint.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise Problem(f"{args.checkpoint}: cannot read it as text") from None
    where = str(args.checkpoint)
    if "\n\n" in note:
        text, lines = split_note(note, where)
    else:
        text, lines = note, []
    origin, size, _root = checkpoint_fields(text, where)
    if args.public_key is not None:
        name, public_key = read_public_key(read_text(args.public_key), str(args.public_key))
        if name is not None and name != origin:
            raise Problem(f"{where} is for origin {origin!r}, the public key for {name!r}")
        hub_id = key_id(origin, public_key)
        hub = [s for n, kid, s in lines if n == origin and kid == hub_id]
        if not hub or not signs(public_key, text.encode(), hub[0]):
            raise Problem(f"{where} is not signed by the hub's key: not co-signing it")
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    signature = key_id(args.name, public) + key.sign(text.encode())
    print(f"{EM_DASH} {args.name} {base64.b64encode(signature).decode()}")
    return f"co-signed {origin} at size {size} as {args.name}"


def keygen(args: argparse.Namespace) -> str:
    check_name(args.name)
    out: Path = args.out
    public_file = out.with_name(out.name + ".pub")
    verifier_file = out.with_suffix(".vkey")
    if out.exists() or public_file.exists() or verifier_file.exists():
        raise Problem(
            f"{out}, {public_file} or {verifier_file} already exists; not overwriting a key"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public = key.public_key()
    public_file.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    line = verifier_key(args.name, raw)
    verifier_file.write_text(line + "\n")
    return (
        f"private key in {out} (keep it safe), public key in {public_file} (to register "
        f"in the hub), verifier key in {verifier_file} (for other agencies' DPOs to check "
        f"your co-signatures with --cosigner-key); verifier key: {line}"
    )


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise Problem(f"{path}: cannot read it as text") from None


def verify(args: argparse.Namespace) -> str:
    trusted = read_public_key(read_text(args.public_key), str(args.public_key))
    cosigners: dict[str, CosignerKey] = {}
    for path in args.cosigner_key:
        key = read_cosigner_key(read_text(path), str(path))
        cosigners[key.name] = key
    if args.require_cosigners is not None and args.require_cosigners < 0:
        raise Problem("--require-cosigners is a number of keys, 0 or more")
    policy = Policy(
        cosigners, args.require_cosigners, [read_text(path) for path in args.trusted_checkpoint]
    )
    try:
        document = load_json(args.export)
        return verify_export(document, trusted, args.origin, dict(cosigners), policy)
    except Problem as e:
        raise Problem(f"{args.export}: {e}") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="check an export against the hub's public key")
    check.add_argument("export", type=Path)
    check.add_argument(
        "--public-key", type=Path, required=True, help="the hub's key (PEM or verifier key)"
    )
    check.add_argument("--origin", help="the log the export must be from")
    check.add_argument(
        "--cosigner-key",
        type=Path,
        action="append",
        default=[],
        help="a partner's (a witness's) verifier key you trust (repeatable)",
    )
    check.add_argument(
        "--require-cosigners",
        type=int,
        metavar="K",
        help="co-signatures the newest checkpoint co-signed by those keys must carry from them "
        "(default: 1 when keys are given, else 0)",
    )
    check.add_argument(
        "--trusted-checkpoint",
        type=Path,
        action="append",
        default=[],
        help="a checkpoint you hold (a signed note): the export must extend it (repeatable)",
    )
    check.set_defaults(run=verify)
    make = commands.add_parser("keygen", help="make an agency's Ed25519 key pair")
    make.add_argument("--out", type=Path, required=True, help="private key file to write (PEM)")
    make.add_argument("--name", required=True, help="the key's name, as registered in the hub")
    make.set_defaults(run=keygen)
    sign = commands.add_parser("cosign", help="co-sign a checkpoint with an agency key")
    sign.add_argument("checkpoint", type=Path)
    sign.add_argument("--key", type=Path, required=True, help="the agency's private key (PEM)")
    sign.add_argument("--name", required=True, help="the key's name, as registered in the hub")
    sign.add_argument("--public-key", type=Path, help="the hub's key: check its signature first")
    sign.set_defaults(run=cosign)
    args = parser.parse_args(argv)
    try:
        summary: str = args.run(args)
    except Problem as e:
        print(f"verify_audit: {e}", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr if args.command == "cosign" else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
