"""``hub audit``'s commands on the log itself: verify it, make its index again, add the
entries waiting, sign a checkpoint, show one, print the hub's public key; and how every
``hub audit`` command ends on a failure (``fail``, ``damaged``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask.cli import with_appcontext

from hub import audit_witnesses
from hub.database import audit_origin, key_store, new_session
from sharing import clock
from sharing.audit import checkpoints, listings, notes
from sharing.audit.head import LogDamaged
from sharing.audit.log import integrate_committed, waiting
from sharing.audit.policy import PolicyNotMet, check_policy
from sharing.audit.verification import verify
from sharing.audit.verify_audit import Policy, Problem, read_cosigner_key, read_text


def fail(message: str) -> NoReturn:
    click.echo(f"hub audit: {message}", err=True)
    sys.exit(1)


def damaged(e: LogDamaged) -> NoReturn:
    fail(
        f"the audit log is damaged from entry {e.first_bad}: {e}. Nothing was signed. "
        "See the README, 'When the audit log is damaged'."
    )


@click.command("verify")
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
@with_appcontext
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
        fail(str(e))
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
            fail(f"FAILED: {result.problem}")
        if (unlike := listings.first_mismatch(session, result.size)) is not None:
            fail(
                f"FAILED: the index of the records entries list does not match entry "
                f"{unlike} (a DPO's log of one case would not show it rightly): make it again "
                "from the entries with `hub audit reindex`, and find out who changed it"
            )
        click.echo("The index of the records entries list: matches the entries")
        try:
            for line in check_policy(session, audit_origin(), public_key, result, policy):
                click.echo(line)
        except PolicyNotMet as e:
            fail(f"FAILED: {e}")
    click.echo("OK: the audit log is whole.")


@click.command("reindex")
@with_appcontext
def audit_reindex() -> None:
    """Make the index of the records entries list (the cases, people, applications and
    recommendations lists and searches showed) again from the entries, when `hub audit
    verify` finds it does not match them. Entries wait in the queue meanwhile."""
    with new_session() as session:
        made = listings.rebuild(session)
        session.commit()
    click.echo(f"Indexed {made} records listed by the log's entries.")


@click.command("integrate")
@with_appcontext
def audit_integrate() -> None:
    """Add the entries waiting in the queue to the log now (the hub does it a moment after
    each act; run this from a timer to catch any left by a failure)."""
    added = integrate_committed(current_app.extensions["hub.engine"])
    click.echo(f"Added {added} waiting entries to the log.")


@click.command("checkpoint")
@with_appcontext
def audit_checkpoint() -> None:
    """Sign a checkpoint of the log now (nothing new if it has not grown). Run it from cron
    or a systemd timer, e.g. every 15 minutes, so quiet periods are covered too."""
    with new_session() as session:
        try:
            checkpoint = checkpoints.make_checkpoint(session, key_store(), audit_origin())
        except LogDamaged as e:
            damaged(e)
        if checkpoint is None:
            click.echo("The audit log is empty: no checkpoint made.")
            return
        session.commit()
        for outcome in audit_witnesses.send(session, checkpoint):
            said = "co-signed" if outcome.cosigned else f"did not co-sign: {outcome.problem}"
            click.echo(f"Witness {outcome.witness} {said}", err=True)
        click.echo(f"Checkpoint {checkpoint.id} (size {checkpoint.size}):", err=True)
        click.echo(checkpoints.signed_note(checkpoint), nl=False)


@click.command("show")
@click.argument("checkpoint_id", type=int, required=False)
@with_appcontext
def audit_show(checkpoint_id: int | None) -> None:
    """Print a checkpoint as a signed note (default: the latest), e.g. for a DPO to co-sign."""
    with new_session() as session:
        try:
            if checkpoint_id is None:
                latest = checkpoints.latest(session, audit_origin())
                if latest is None:
                    fail("there is no checkpoint yet: make one with `hub audit checkpoint`")
                checkpoint_id = latest.id
            checkpoint = checkpoints.get(session, checkpoint_id)
        except checkpoints.CheckpointError as e:
            fail(str(e))
        click.echo(checkpoints.signed_note(checkpoint), nl=False)


@click.command("public-key")
@click.option("--pem", is_flag=True, help="PEM instead of the signed-note verifier key.")
@with_appcontext
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
