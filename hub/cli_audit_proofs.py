"""``hub audit export``, ``proof`` and ``consistency``: the log's entries with their
checkpoints and proofs for a partner's verifier (verify_audit.py), and the proof that an
entry is in a checkpoint's tree, or that one checkpoint's tree extends another's."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from hub import audit_witnesses
from hub.cli_audit_log import damaged, fail
from hub.database import audit_origin, key_store, new_session
from sharing.audit import acts, checkpoints, notes, proofs
from sharing.audit.export import ExportError, build_export, check_range
from sharing.audit.head import LogDamaged
from sharing.audit.log import integrate
from sharing.audit.tree import locked_tree
from sharing.models.audit import AuditCheckpoint


@click.command("export")
@click.option("--from", "first", type=int, required=True, help="First entry (seq).")
@click.option("--to", "last", type=int, required=True, help="Last entry (seq), included.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--held-size",
    "held_sizes",
    type=int,
    multiple=True,
    help="The size of a checkpoint the verifier holds: add a proof the log extends it.",
)
@with_appcontext
def audit_export(first: int, last: int, out: Path, held_sizes: tuple[int, ...]) -> None:
    """Write entries FROM to TO with checkpoints and proofs, for verify_audit.py. Signs a
    checkpoint first if none covers the range yet."""
    try:
        check_range(first, last)  # before anything is signed for it
    except ExportError as e:
        fail(str(e))
    with new_session() as session:
        try:
            integrate(session)
            size = locked_tree(session).size
            covering = checkpoints.latest(session, audit_origin())
            made = None
            if 0 <= last < size and (covering is None or covering.size <= last):
                made = checkpoints.make_checkpoint(session, key_store(), audit_origin())
            session.commit()
            if made is not None:
                audit_witnesses.send(session, made)
            document = build_export(
                session,
                key_store().checkpoint_public_key(),
                audit_origin(),
                first,
                last,
                held_sizes,
            )
            acts.record(
                session,
                acts.Action.AUDIT_EXPORT,
                subject=acts.Subject("audit_log"),
                basis=f"entries {first} to {last}",
            )
            session.commit()
        except (ExportError, proofs.ProofError) as e:
            fail(str(e))
        except LogDamaged as e:
            damaged(e)
    try:
        out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        fail(f"cannot write {out} ({e.strerror})")
    click.echo(
        f"Wrote entries {first} to {last} with {len(document['checkpoints'])} checkpoint(s) to {out}."
    )


@click.command("proof")
@click.argument("seq", type=int)
@click.option("--checkpoint", "checkpoint_id", type=int, help="Default: the latest.")
@with_appcontext
def audit_proof(seq: int, checkpoint_id: int | None) -> None:
    """Print the inclusion proof of entry SEQ in a checkpoint's tree (JSON)."""
    with new_session() as session:
        checkpoint = _checkpoint(session, checkpoint_id)
        try:
            proof = proofs.inclusion(session, seq, checkpoint.size)
        except proofs.ProofError as e:
            fail(f"no inclusion proof for entry {seq}: {e}")
        _print_proof("inclusion", checkpoint, proof, entry=seq)


@click.command("consistency")
@click.argument("old_id", type=int)
@click.argument("new_id", type=int)
@with_appcontext
def audit_consistency(old_id: int, new_id: int) -> None:
    """Print the consistency proof between checkpoints OLD_ID and NEW_ID (JSON)."""
    with new_session() as session:
        old, new = _checkpoint(session, old_id), _checkpoint(session, new_id)
        try:
            proof = proofs.consistency(session, old.size, new.size)
        except proofs.ProofError as e:
            fail(f"no consistency proof from checkpoint {old_id} to {new_id}: {e}")
        _print_proof("consistency", new, proof, old_size=old.size, old_root=notes.b64(old.root))


def _checkpoint(session: Session, checkpoint_id: int | None) -> AuditCheckpoint:
    try:
        if checkpoint_id is not None:
            return checkpoints.get(session, checkpoint_id)
    except checkpoints.CheckpointError as e:
        fail(str(e))
    latest = checkpoints.latest(session, audit_origin())
    if latest is None:
        fail("there is no checkpoint yet: make one with `hub audit checkpoint`")
    return latest


def _print_proof(
    kind: str, checkpoint: AuditCheckpoint, proof: list[bytes], **more: object
) -> None:
    click.echo(
        json.dumps(
            {
                "kind": kind,
                **more,
                "size": checkpoint.size,
                "root": notes.b64(checkpoint.root),
                "checkpoint": checkpoint.id,
                "proof": [notes.b64(h) for h in proof],
            },
            indent=1,
        )
    )
