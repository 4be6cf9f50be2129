"""``hub audit verify``'s verification policy: ``verify_audit.py``'s own ``Policy``,
applied to the hub's database instead of an export. Beyond a log that recomputes, some
checkpoint must carry co-signatures by at least ``required`` of the partners' keys the
verifier holds itself (never the keys in the hub's database): the newest that does vouches
for the entries before its size (every later checkpoint was recomputed from the same
entries, so extends it), however far the co-signers are out of step on newer ones; and the
log must extend every checkpoint the verifier holds."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from sharing.audit import notes, proofs
from sharing.audit.checkpoints import latest
from sharing.audit.verification import Verification
from sharing.audit.verify_audit import (
    Policy,
    Problem,
    cosigned_enough,
    cosigners_of,
    coverage,
)
from sharing.models.audit import AuditCheckpoint, AuditCosignature, AuditWitnessCosignature

#: Co-signed checkpoints read at a time, newest first, looking for the verifier's keys.
BATCH = 50


class PolicyNotMet(ValueError):
    """What the policy asked for and the log does not give, in one line."""


def check_policy(
    session: Session, origin: str, public_key: bytes, verified: Verification, policy: Policy
) -> list[str]:
    """What the policy found, a line each; ``PolicyNotMet`` otherwise. Run on a log that
    ``verify`` found whole (``verified``)."""
    found = [_held(session, origin, public_key, verified.size, note) for note in policy.held]
    if policy.required:
        found.append(_cosigned(session, origin, policy, verified.size))
    return found


def _cosigned(session: Session, origin: str, policy: Policy, size: int) -> str:
    newest = latest(session, origin)
    if newest is None:
        raise PolicyNotMet("there is no checkpoint to carry the co-signatures required")
    heads = (
        (c.size, c.root, names) for c, names in _cosigned_newest_first(session, origin, policy)
    )
    try:
        head, which, later = cosigned_enough(heads, (newest.size, newest.root, []), policy)
    except Problem as e:
        raise PolicyNotMet(str(e)) from None
    signed = ", ".join(cosigners_of(head, policy))
    return (
        f"{which[0].upper()}{which[1:]} (size {head[0]}) is co-signed by {signed}: "
        f"{coverage(head[0], 0, size - 1, later)}"
    )


def _cosigned_newest_first(
    session: Session, origin: str, policy: Policy
) -> Iterator[tuple[AuditCheckpoint, list[str]]]:
    """The checkpoints that carry any co-signature, newest first, each with the names of
    the verifier's keys whose co-signatures on it verify."""
    query = (
        select(AuditCheckpoint)
        .where(
            AuditCheckpoint.origin == origin,
            or_(
                exists().where(AuditCosignature.checkpoint_id == AuditCheckpoint.id),
                exists().where(AuditWitnessCosignature.checkpoint_id == AuditCheckpoint.id),
            ),
        )
        .options(
            selectinload(AuditCheckpoint.cosignatures).joinedload(AuditCosignature.agency_key),
            selectinload(AuditCheckpoint.witness_cosignatures),
        )
        .order_by(AuditCheckpoint.size.desc(), AuditCheckpoint.id.desc())
    )
    offset = 0
    while batch := list(session.scalars(query.offset(offset).limit(BATCH))):
        for checkpoint in batch:
            yield checkpoint, _verified_signers(checkpoint, policy)
        offset += BATCH


def _verified_signers(checkpoint: AuditCheckpoint, policy: Policy) -> list[str]:
    """The verifier's keys that co-signed the checkpoint; ``PolicyNotMet`` when a
    co-signature by one of them does not verify, as ``verify_audit.py`` refuses it."""
    text = notes.checkpoint_text(checkpoint.origin, checkpoint.size, checkpoint.root)
    lines = [(c.agency_key.name, c.agency_key.key_id, c.signature) for c in checkpoint.cosignatures]
    lines += [(w.witness, w.key_id, w.signature) for w in checkpoint.witness_cosignatures]
    signers = []
    for name, key_id, signature in lines:
        key = policy.trusted_cosigners.get(name)
        if key is None or key.key_id != key_id:
            continue
        if not key.signed(text, signature):
            raise PolicyNotMet(
                f"checkpoint {checkpoint.id} (size {checkpoint.size}): the co-signature of "
                f"{name} does not verify"
            )
        signers.append(name)
    return signers


def _held(session: Session, origin: str, public_key: bytes, size: int, note: str) -> str:
    try:
        text, lines = notes.split_note(note)
        held_origin, held_size, held_root = notes.parse_checkpoint_text(text)
    except notes.NoteError as e:
        raise PolicyNotMet(f"your checkpoint is not a checkpoint note: {e}") from None
    where = f"your checkpoint of size {held_size}"
    hub_id = notes.key_id(origin, public_key)
    if held_origin != origin:
        raise PolicyNotMet(f"{where} is for origin {held_origin!r}, not {origin!r}")
    if not any(
        line.key_id == hub_id and notes.signs(public_key, text.encode(), line.signature)
        for line in lines
    ):
        raise PolicyNotMet(f"{where} is not signed by the hub's key")
    if held_size > size:
        raise PolicyNotMet(f"{where} is beyond the log (size {size}): entries were removed")
    if proofs.root_at(session, held_size) != held_root:
        raise PolicyNotMet(f"the log does not extend {where}: it was rewritten after it")
    return f"The log extends your checkpoint of size {held_size}"
