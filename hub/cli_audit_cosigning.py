"""``hub audit keys`` and ``hub audit cosign``: partner agencies' public keys for
co-signing checkpoints (register, list, revoke), and storing a co-signature once checked."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from hub.cli_audit_log import fail
from hub.database import new_session
from sharing import accounts
from sharing.audit import acts, checkpoints, notes
from sharing.models import Agency
from sharing.models.audit import AuditAgencyKey


@click.group("keys", cls=AppGroup)
def audit_keys() -> None:
    """Partner agencies' public keys for co-signing checkpoints."""


def _read_public_key(text: str) -> tuple[str | None, bytes]:
    try:
        return notes.read_public_key(text)
    except notes.NoteError as e:
        fail(f"the public key file: {e}")


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
        fail("the public key file is not text")
    key_name, public_key = _read_public_key(text)
    if name and key_name and name != key_name:
        fail(f"the verifier key is named {key_name!r}, not {name!r}")
    with new_session() as session:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            fail(f"no agency with the code {agency_code!r}")
        user = accounts.find_user(session, email)
        if user is None:
            fail("no user with that e-mail address")
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
            fail(str(e))
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
            fail(str(e))
        session.commit()
        click.echo(f"Agency key {key.id} ({key.name}) revoked.")


@click.command("cosign")
@click.argument("checkpoint_id", type=int)
@click.option("--agency-key", "agency_key_id", type=int, required=True)
@click.option(
    "--signature",
    "signature_file",
    required=True,
    type=click.File("r", encoding="utf-8"),
    help="The line printed by verify_audit.py cosign (or base64), in a file or - for stdin.",
)
@with_appcontext
def audit_cosign(
    checkpoint_id: int, agency_key_id: int, signature_file: click.utils.LazyFile
) -> None:
    """Store an agency's co-signature of a checkpoint, after checking it."""
    try:
        text = signature_file.read()
    except UnicodeDecodeError:
        fail("the signature file is not text")
    with new_session() as session:
        try:
            key = checkpoints.agency_key(session, agency_key_id)
            signature = checkpoints.signature_from(text, key)
            checkpoints.cosign(session, checkpoint_id, agency_key_id, signature)
        except checkpoints.CheckpointError as e:
            fail(str(e))
        session.commit()
        click.echo(f"Checkpoint {checkpoint_id} co-signed by {key.name}.")
