"""Exports of the audit log that a partner can check with nothing but the hub's public key.

An export (JSON, ``FORMAT``) holds a range of entries with every field in canonical form,
the checkpoints that cover the range as signed notes (hub signature and co-signatures),
a consistency proof from each of those checkpoints to the next, and, for each entry, an
inclusion proof against the last checkpoint. ``sharing/audit/verify_audit.py`` checks it.

Checkpoints included: those made while the range was written (first < size <= last + 1),
the first one after it, the latest, and each co-signed one whose co-signers (partner
agencies' keys, witnesses) did not all co-sign a newer one together, so that a DPO can see
the range sealed and carried forward to today, and apply their co-signature policy (the
newest checkpoint K of the co-signers they hold signed) as ``hub audit verify`` does,
whichever co-signers they hold and whatever K, without receiving every checkpoint ever
made. Each is proven consistent with the one before,
so every later checkpoint is proven to extend a co-signed one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing.audit import notes, proofs
from sharing.audit.checkpoints import signed_note
from sharing.audit.log import FIELDS, at_text
from sharing.models import Agency
from sharing.models.audit import (
    AuditAgencyKey,
    AuditCheckpoint,
    AuditCosignature,
    AuditEntry,
    AuditTree,
    AuditWitnessCosignature,
)

FORMAT = "partnership-hub-audit-export/1"


class ExportError(ValueError):
    """The range cannot be exported; the message says why."""


def build_export(
    session: Session,
    public_key: bytes,
    origin: str,
    first: int,
    last: int,
    held_sizes: Sequence[int] = (),
) -> dict[str, Any]:
    """The export of entries ``first`` to ``last`` (inclusive) for the log ``origin``,
    with consistency proofs from each of ``held_sizes`` (the sizes of checkpoints a
    verifier holds) to its latest checkpoint."""
    check_range(first, last)
    size = session.scalar(select(AuditTree.size)) or 0
    if size == 0:
        raise ExportError("the audit log is empty: there is nothing to export")
    if last >= size:
        raise ExportError(f"there is no entry {last}: the log has entries 0 to {size - 1}")
    checkpoints = _covering(session, origin, first, last)
    head = checkpoints[-1]
    beyond = [n for n in held_sizes if not 0 < n <= head.size]
    if beyond:
        raise ExportError(
            f"a held checkpoint's size must be 1 to {head.size} (the latest checkpoint's), "
            f"not {beyond[0]}"
        )
    inclusion = proofs.inclusions(session, range(first, last + 1), head.size)
    return {
        "format": FORMAT,
        "origin": origin,
        "public_key": notes.verifier_key(origin, public_key),
        "range": {"first": first, "last": last},
        "fields": list(FIELDS),
        "entries": [
            {**values, "proof": [notes.b64(h) for h in inclusion[values["seq"]]]}
            for values in _entries(session, first, last)
        ],
        "checkpoints": [
            {
                "id": checkpoint.id,
                "created_at": checkpoint.created_at.isoformat(timespec="seconds"),
                "note": signed_note(checkpoint),
                "consistency": (
                    None
                    if previous is None
                    else [
                        notes.b64(h)
                        for h in proofs.consistency(session, previous.size, checkpoint.size)
                    ]
                ),
            }
            for previous, checkpoint in zip([None, *checkpoints[:-1]], checkpoints, strict=True)
        ],
        "cosigners": _cosigners(session),
        "held_proofs": {
            str(n): [notes.b64(h) for h in proofs.consistency(session, n, head.size)]
            for n in sorted(set(held_sizes))
        },
    }


def check_range(first: int, last: int) -> None:
    """ExportError unless entries ``first`` to ``last`` are a range of at least one entry:
    an export of none would verify and vouch for nothing."""
    if first < 0:
        raise ExportError(
            f"the range {first} to {last} starts before entry 0: entries are numbered from 0"
        )
    if last < first:
        raise ExportError(
            f"the range {first} to {last} holds no entries, so an export of it would prove "
            "nothing: give --to at or after --from"
        )


def _covering(session: Session, origin: str, first: int, last: int) -> list[AuditCheckpoint]:
    query = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.origin == origin)
        .options(selectinload(AuditCheckpoint.cosignatures).joinedload(AuditCosignature.agency_key))
        .order_by(AuditCheckpoint.size)
    )
    found = list(session.scalars(query.where(AuditCheckpoint.size > first)))
    after = [c for c in found if c.size > last + 1]
    chosen = [c for c in found if c.size <= last + 1] + after[:1] + after[-1:]
    cosigned = _cosigned_sizes(session, origin)
    chosen += session.scalars(query.where(AuditCheckpoint.size.in_(cosigned)))
    chosen = sorted({c.id: c for c in chosen}.values(), key=lambda c: c.size)
    if not chosen or chosen[-1].size <= last:
        raise ExportError(
            f"no checkpoint covers entry {last} yet: make one with `hub audit checkpoint`"
        )
    return chosen


def _cosigned_sizes(session: Session, origin: str) -> set[int]:
    """The sizes of the checkpoints of the log a co-signature policy may need: each one
    whose co-signers did not all co-sign a newer one together. For any co-signers a
    verifier holds and any number of them it requires, the newest checkpoint that carries
    them is one of these (a newer one carrying all of an older one's carries at least as
    many of any verifier's), and so is the newest each of them co-signed."""
    by_agencies = (
        select(AuditCheckpoint.id, AuditCheckpoint.size, AuditCosignature.agency_key_id)
        .join(AuditCosignature, AuditCosignature.checkpoint_id == AuditCheckpoint.id)
        .where(AuditCheckpoint.origin == origin)
    )
    by_witnesses = (
        select(
            AuditCheckpoint.id,
            AuditCheckpoint.size,
            AuditWitnessCosignature.witness,
            AuditWitnessCosignature.key_id,
        )
        .join(AuditWitnessCosignature, AuditWitnessCosignature.checkpoint_id == AuditCheckpoint.id)
        .where(AuditCheckpoint.origin == origin)
    )
    signers: dict[tuple[int, int], set[tuple[object, ...]]] = defaultdict(set)
    for checkpoint_id, size, key_id in session.execute(by_agencies):
        signers[size, checkpoint_id].add(("agency key", key_id))
    for checkpoint_id, size, witness, witness_key in session.execute(by_witnesses):
        signers[size, checkpoint_id].add(("witness", witness, witness_key))
    kept: list[set[tuple[object, ...]]] = []
    sizes = set()
    for (size, _), names in sorted(signers.items(), reverse=True):
        if not any(names <= newer for newer in kept):
            kept.append(names)
            sizes.add(size)
    return sizes


def _entries(session: Session, first: int, last: int) -> list[dict[str, Any]]:
    columns = [getattr(AuditEntry, name) for name in FIELDS]
    rows = session.execute(
        select(*columns).where(AuditEntry.seq.between(first, last)).order_by(AuditEntry.seq)
    )
    found = []
    for row in rows:
        values = dict(zip(FIELDS, row, strict=True))
        values["at"] = at_text(values["at"])
        found.append(values)
    return found


def _cosigners(session: Session) -> list[dict[str, Any]]:
    """The agency keys registered in the hub (a DPO may trust their own copies instead)."""
    rows = session.execute(
        select(AuditAgencyKey, Agency.code)
        .join(Agency, Agency.id == AuditAgencyKey.agency_id)
        .order_by(AuditAgencyKey.id)
    )
    return [
        {
            "name": key.name,
            "agency": code,
            "key": notes.verifier_key(key.name, key.public_key),
            "revoked": key.revoked_at is not None,
        }
        for key, code in rows
    ]
