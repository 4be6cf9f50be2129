"""``hub audit``: verify the log, sign checkpoints, export, prove, and co-sign."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import audit_witnesses
from hub.database import audit_origin, key_store, new_session
from sharing import accounts, clock
from sharing.audit import acts, checkpoints, listings, notes, proofs
from sharing.audit.export import ExportError, build_export, check_range
from sharing.audit.head import LogDamaged
from sharing.audit.log import integrate, integrate_committed, waiting
from sharing.audit.policy import PolicyNotMet, check_policy
from sharing.audit.tree import locked_tree
from sharing.audit.verification import verify
from sharing.audit.verify_audit import Policy, Problem, read_cosigner_key, read_text
from sharing.models import Agency
from sharing.models.audit import AuditAgencyKey, AuditCheckpoint


def _fail(message: str) -> NoReturn:
    click.echo(f"hub audit: {message}", err=True)
    sys.exit(1)


def _damaged(e: LogDamaged) -> NoReturn:
    _fail(
        f"the audit log is damaged from entry {e.first_bad}: {e}. Nothing was signed. "
        "See the README, 'When the audit log is damaged'."
    )


@click.group(cls=AppGroup)
def audit() -> None:
    """The audit log: verification, checkpoints, exports, proofs, co-signatures."""


@audit.command("verify")
@click.option(
    "--cosigner-key",
    "cosigner_keys",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="A partner's (witness's) verifier key you hold yourself (repeatable).",
)
@click.option(
    "--require-cosigners",
    type=click.IntRange(min=0),
    help="Co-signatures the newest checkpoint co-signed by those keys must carry from them "
    "(default: 1 when keys are given, else 0).",
)
@click.option(
    "--trusted-checkpoint",
    "held",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="A checkpoint you hold (a signed note): the log must extend it (repeatable).",
)
def audit_verify(
    cosigner_keys: tuple[Path, ...], require_cosigners: int | None, held: tuple[Path, ...]
) -> None:
    """Recompute the log from its entries and check every checkpoint and signature, and the
    policy given: co-signatures by partners' keys you hold, checkpoints you hold."""
    try:
        keys = [read_cosigner_key(read_text(path), str(path)) for path in cosigner_keys]
        policy = Policy(
            {key.name: key for key in keys},
            require_cosigners,
            [read_text(path) for path in held],
        )
    except Problem as e:
        _fail(str(e))
    public_key = key_store().checkpoint_public_key()
    with new_session() as session:
        witnesses = {w.name: w.key for w in audit_witnesses.configured()}
        result = verify(session, public_key=public_key, witnesses=witnesses)
        click.echo(f"Entries: {result.size}; root {notes.b64(result.root)}")
        click.echo(
            f"Checkpoints matching the entries, signed by the hub's key: {result.checkpoints}"
        )
        cosigned = ", ".join(f"{name} {n}" for name, n in sorted(result.cosignatures.items()))
        click.echo(f"Co-signatures that verify: {cosigned or 'none'}")
        queued = waiting(session)
        if queued.count and queued.oldest is not None:
            age = (clock.now() - queued.oldest).total_seconds()
            click.echo(
                f"Entries waiting to be added to the log: {queued.count} (the oldest "
                f"{age:,.0f} s old; not covered by this check until added)"
            )
        else:
            click.echo("Entries waiting to be added to the log: none")
        if not result.ok:
            _fail(f"FAILED: {result.problem}")
        if (unlike := listings.first_mismatch(session, result.size)) is not None:
            _fail(
                f"FAILED: the index of the records entries list does not match entry "
                f"{unlike} (a DPO's log of one case would not show it rightly): make it again "
                "from the entries with `hub audit reindex`, and find out who changed it"
            )
        click.echo("The index of the records entries list: matches the entries")
        try:
            for line in check_policy(session, audit_origin(), public_key, result, policy):
                click.echo(line)
        except PolicyNotMet as e:
            _fail(f"FAILED: {e}")
    click.echo("OK: the audit log is whole.")


@audit.command("reindex")
def audit_reindex() -> None:
    """Make the index of the records entries list (the cases, people, applications and
    recommendations lists and searches showed) again from the entries, when `hub audit
    verify` finds it does not match them. Entries wait in the queue meanwhile."""
    with new_session() as session:
        made = listings.rebuild(session)
        session.commit()
    click.echo(f"Indexed {made} records listed by the log's entries.")


@audit.command("integrate")
def audit_integrate() -> None:
    """Add the entries waiting in the queue to the log now (the hub does it a moment after
    each act; run this from a timer to catch any left by a failure)."""
    added = integrate_committed(current_app.extensions["hub.engine"])
    click.echo(f"Added {added} waiting entries to the log.")


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the log now (nothing new if it has not grown). Run it from cron
    or a systemd timer, e.g. every 15 minutes, so quiet periods are covered too."""
    with new_session() as session:
        try:
            checkpoint = checkpoints.make_checkpoint(session, key_store(), audit_origin())
        except LogDamaged as e:
            _damaged(e)
        if checkpoint is None:
            click.echo("The audit log is empty: no checkpoint made.")
            return
        session.commit()
        for outcome in audit_witnesses.send(session, checkpoint):
            said = "co-signed" if outcome.cosigned else f"did not co-sign: {outcome.problem}"
            click.echo(f"Witness {outcome.witness} {said}", err=True)
        click.echo(f"Checkpoint {checkpoint.id} (size {checkpoint.size}):", err=True)
        click.echo(checkpoints.signed_note(checkpoint), nl=False)


@audit.command("show")
@click.argument("checkpoint_id", type=int, required=False)
def audit_show(checkpoint_id: int | None) -> None:
    """Print a checkpoint as a signed note (default: the latest), e.g. for a DPO to co-sign."""
    with new_session() as session:
        try:
            if checkpoint_id is None:
                latest = checkpoints.latest(session, audit_origin())
                if latest is None:
                    _fail("there is no checkpoint yet: make one with `hub audit checkpoint`")
                checkpoint_id = latest.id
            checkpoint = checkpoints.get(session, checkpoint_id)
        except checkpoints.CheckpointError as e:
            _fail(str(e))
        click.echo(checkpoints.signed_note(checkpoint), nl=False)


@audit.command("public-key")
@click.option("--pem", is_flag=True, help="PEM instead of the signed-note verifier key.")
def audit_public_key(pem: bool) -> None:
    """Print the hub's checkpoint public key, for partners and verify_audit.py."""
    raw = key_store().checkpoint_public_key()
    if pem:
        key = Ed25519PublicKey.from_public_bytes(raw)
        text = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        click.echo(text.decode(), nl=False)
    else:
        click.echo(notes.verifier_key(audit_origin(), raw))


@audit.command("export")
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
def audit_export(first: int, last: int, out: Path, held_sizes: tuple[int, ...]) -> None:
    """Write entries FROM to TO with checkpoints and proofs, for verify_audit.py. Signs a
    checkpoint first if none covers the range yet."""
    try:
        check_range(first, last)  # before anything is signed for it
    except ExportError as e:
        _fail(str(e))
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
            _fail(str(e))
        except LogDamaged as e:
            _damaged(e)
    try:
        out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {out} ({e.strerror})")
    click.echo(
        f"Wrote entries {first} to {last} with {len(document['checkpoints'])} checkpoint(s) to {out}."
    )


@audit.command("proof")
@click.argument("seq", type=int)
@click.option("--checkpoint", "checkpoint_id", type=int, help="Default: the latest.")
def audit_proof(seq: int, checkpoint_id: int | None) -> None:
    """Print the inclusion proof of entry SEQ in a checkpoint's tree (JSON)."""
    with new_session() as session:
        checkpoint = _checkpoint(session, checkpoint_id)
        try:
            proof = proofs.inclusion(session, seq, checkpoint.size)
        except proofs.ProofError as e:
            _fail(f"no inclusion proof for entry {seq}: {e}")
        _print_proof("inclusion", checkpoint, proof, entry=seq)


@audit.command("consistency")
@click.argument("old_id", type=int)
@click.argument("new_id", type=int)
def audit_consistency(old_id: int, new_id: int) -> None:
    """Print the consistency proof between checkpoints OLD_ID and NEW_ID (JSON)."""
    with new_session() as session:
        old, new = _checkpoint(session, old_id), _checkpoint(session, new_id)
        try:
            proof = proofs.consistency(session, old.size, new.size)
        except proofs.ProofError as e:
            _fail(f"no consistency proof from checkpoint {old_id} to {new_id}: {e}")
        _print_proof("consistency", new, proof, old_size=old.size, old_root=notes.b64(old.root))


def _checkpoint(session: Session, checkpoint_id: int | None) -> AuditCheckpoint:
    try:
        if checkpoint_id is not None:
            return checkpoints.get(session, checkpoint_id)
    except checkpoints.CheckpointError as e:
        _fail(str(e))
    latest = checkpoints.latest(session, audit_origin())
    if latest is None:
        _fail("there is no checkpoint yet: make one with `hub audit checkpoint`")
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


@audit.group("keys")
def audit_keys() -> None:
    """Partner agencies' public keys for co-signing checkpoints."""


def _read_public_key(text: str) -> tuple[str | None, bytes]:
    try:
        return notes.read_public_key(text)
    except notes.NoteError as e:
        _fail(f"the public key file: {e}")


@audit_keys.command("register")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. northshire-police.")
@click.option(
    "--public-key",
    "key_file",
    required=True,
    type=click.File("r", encoding="utf-8"),
    help="PEM, or the verifier key printed by verify_audit.py keygen.",
)
@click.option("--name", help="The key's name on signature lines (default: from the key or agency).")
@click.option(
    "--by", "email", required=True, help="E-mail of the agency's own DPO or administrator."
)
def audit_keys_register(
    agency_code: str, key_file: click.utils.LazyFile, name: str | None, email: str
) -> None:
    """Register an agency's Ed25519 public key for co-signing checkpoints."""
    try:
        text = key_file.read()
    except UnicodeDecodeError:
        _fail("the public key file is not text")
    key_name, public_key = _read_public_key(text)
    if name and key_name and name != key_name:
        _fail(f"the verifier key is named {key_name!r}, not {name!r}")
    with new_session() as session:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            _fail(f"no agency with the code {agency_code!r}")
        user = accounts.find_user(session, email)
        if user is None:
            _fail("no user with that e-mail address")
        try:
            key = checkpoints.register_agency_key(
                session,
                agency=agency,
                public_key=public_key,
                name=name or key_name or agency.code,
                registered_by=user,
            )
        except checkpoints.CheckpointError as e:
            acts.roll_back_keeping_refusals(session)
            _fail(str(e))
        session.commit()
        click.echo(
            f"Registered agency key {key.id}: {notes.verifier_key(key.name, key.public_key)}"
        )


@audit_keys.command("list")
def audit_keys_list() -> None:
    """Agency keys, with the number of checkpoints each has co-signed."""
    with new_session() as session:
        rows = session.execute(
            select(AuditAgencyKey, Agency.code)
            .join(Agency, Agency.id == AuditAgencyKey.agency_id)
            .order_by(AuditAgencyKey.id)
        ).all()
        if not rows:
            click.echo("No agency keys registered.")
        for key, code in rows:
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            click.echo(
                f"{key.id}  {code}  {notes.verifier_key(key.name, key.public_key)}  "
                f"registered {key.registered_at:%Y-%m-%d}  {state}"
            )


@audit_keys.command("revoke")
@click.argument("agency_key_id", type=int)
def audit_keys_revoke(agency_key_id: int) -> None:
    """Stop accepting co-signatures by a key (those it made still verify)."""
    with new_session() as session:
        try:
            key = checkpoints.revoke_agency_key(session, agency_key_id)
        except checkpoints.CheckpointError as e:
            _fail(str(e))
        session.commit()
        click.echo(f"Agency key {key.id} ({key.name}) revoked.")


@audit.command("cosign")
@click.argument("checkpoint_id", type=int)
@click.option("--agency-key", "agency_key_id", type=int, required=True)
@click.option(
    "--signature",
    "signature_file",
    required=True,
    type=click.File("r", encoding="utf-8"),
    help="The line printed by verify_audit.py cosign (or base64), in a file or - for stdin.",
)
def audit_cosign(
    checkpoint_id: int, agency_key_id: int, signature_file: click.utils.LazyFile
) -> None:
    """Store an agency's co-signature of a checkpoint, after checking it."""
    try:
        text = signature_file.read()
    except UnicodeDecodeError:
        _fail("the signature file is not text")
    with new_session() as session:
        try:
            key = checkpoints.agency_key(session, agency_key_id)
            signature = checkpoints.signature_from(text, key)
            checkpoints.cosign(session, checkpoint_id, agency_key_id, signature)
        except checkpoints.CheckpointError as e:
            _fail(str(e))
        session.commit()
        click.echo(f"Checkpoint {checkpoint_id} co-signed by {key.name}.")
