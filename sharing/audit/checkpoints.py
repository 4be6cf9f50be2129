"""Signed checkpoints of the audit log, and partner agencies' co-signatures.

A checkpoint is the tree head (origin, size, root) signed with the hub's Ed25519 key, which
the key store holds (``KeyProvider.sign_checkpoint``), never the database. They are made on
a schedule (``hub audit checkpoint`` from cron or a systemd timer, and after a request when
the latest is older than ``audit_checkpoint_minutes``) and on demand. A partner agency's
DPO co-signs a checkpoint's note text offline with their agency's key (registered here with
``register_agency_key``), so that rewriting history would need every co-signer's help.
Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts, head, notes
from sharing.audit.head import LogDamaged, check_head
from sharing.audit.log import integrate
from sharing.audit.tree import locked_tree, read_head
from sharing.crypto.keys import KeyProvider
from sharing.models import Agency, User
from sharing.models.audit import AuditAgencyKey, AuditCheckpoint, AuditCosignature
from sharing.models.base import MAX_ID
from sharing.vocabulary import Role


class CheckpointError(ValueError):
    """A checkpoint, key or co-signature that cannot be used; the message says why."""


def latest(session: Session, origin: str | None = None) -> AuditCheckpoint | None:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)
    if origin is not None:
        query = query.where(AuditCheckpoint.origin == origin)
    return session.scalar(query)


def recent(session: Session, origin: str, limit: int) -> list[AuditCheckpoint]:
    """The latest ``limit`` checkpoints of the log, newest first, with co-signatures."""
    return list(
        session.scalars(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.origin == origin)
            .options(selectinload(AuditCheckpoint.cosignatures))
            .order_by(AuditCheckpoint.id.desc())
            .limit(limit)
        )
    )


def agency_keys(session: Session, agency_id: int) -> list[AuditAgencyKey]:
    """An agency's keys for co-signing that are not revoked, oldest first."""
    return list(
        session.scalars(
            select(AuditAgencyKey)
            .where(AuditAgencyKey.agency_id == agency_id, AuditAgencyKey.revoked_at.is_(None))
            .order_by(AuditAgencyKey.id)
        )
    )


def make_checkpoint(
    session: Session,
    provider: KeyProvider,
    origin: str,
    now: datetime | None = None,
    *,
    actor: Actor | None = None,
) -> AuditCheckpoint | None:
    """Sign the current tree head, unless the latest checkpoint already has it (then that
    one is returned) or the log is empty (None). Holds the tree lock while it signs, so the
    head cannot move underneath it. The head is first checked against the entries since
    the latest checkpoint (``sharing.audit.head``): ``LogDamaged``, naming the first bad
    entry, and nothing signed, if they do not give it.

    A checkpoint a person asks for (``actor``) is recorded in the log, after the head it
    signs; the scheduled ones are not, or each would leave a head for the next to sign."""
    if not notes.valid_name(origin):
        raise CheckpointError(f"the origin {origin!r} has spaces, plus signs or other characters")
    # The entries committed (and this transaction's own) are added to the log first. An
    # entry already where the next should go stops that: the head check below names it.
    try:
        with session.begin_nested():
            integrate(session)
    except IntegrityError:
        pass
    # Never sign a head the entries do not give: check the entries since the latest
    # checkpoint without holding the lock (appends go on meanwhile), then, under it, only
    # those appended since.
    before = read_head(session)
    checked = check_head(session, before, latest(session, origin)) if before else None
    tree = locked_tree(session)
    if tree.size == 0:
        return None
    previous = latest(session, origin)
    if previous is not None and previous.size == tree.size and previous.root == tree.root:
        return previous
    if checked is None:
        check_head(session, tree, previous)
    else:
        head.check_from(session, checked, tree)
    head.check_nothing_beyond(session, tree)
    public_key = provider.checkpoint_public_key()
    text = notes.checkpoint_text(origin, tree.size, tree.root)
    checkpoint = AuditCheckpoint(
        origin=origin,
        size=tree.size,
        root=tree.root,
        created_at=now or clock.now(),
        key_id=notes.key_id(origin, public_key),
        signature=provider.sign_checkpoint(text.encode()),
    )
    session.add(checkpoint)
    session.flush()
    if actor is not None:
        acts.record(
            session,
            acts.Action.AUDIT_CHECKPOINT,
            actor=actor,
            subject=acts.Subject("checkpoint", checkpoint.id),
            basis=f"tree size {checkpoint.size}",
        )
    return checkpoint


def damage(session: Session, origin: str) -> LogDamaged | None:
    """Why the next checkpoint would be refused (the log is damaged), or None."""
    return head.damage(session, latest(session, origin))


def get(session: Session, checkpoint_id: int) -> AuditCheckpoint:
    """The checkpoint ``checkpoint_id`` with its co-signatures; CheckpointError if there is
    none (a number larger than any id included)."""
    checkpoint = (
        session.scalar(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.id == checkpoint_id)
            .options(selectinload(AuditCheckpoint.cosignatures))
        )
        if 1 <= checkpoint_id <= MAX_ID
        else None
    )
    if checkpoint is None:
        raise CheckpointError(f"there is no checkpoint {checkpoint_id}")
    return checkpoint


def text_of(checkpoint: AuditCheckpoint) -> str:
    """The note text the hub and co-signers sign."""
    return notes.checkpoint_text(checkpoint.origin, checkpoint.size, checkpoint.root)


def signed_note(checkpoint: AuditCheckpoint) -> str:
    """The checkpoint as a signed note: the hub's signature line, then the agencies' and
    the witnesses' co-signatures."""
    lines = [notes.SignatureLine(checkpoint.origin, checkpoint.key_id, checkpoint.signature)]
    lines += [
        notes.SignatureLine(c.agency_key.name, c.agency_key.key_id, c.signature)
        for c in checkpoint.cosignatures
    ]
    lines += [
        notes.SignatureLine(w.witness, w.key_id, w.signature)
        for w in checkpoint.witness_cosignatures
    ]
    return text_of(checkpoint) + "\n" + "".join(str(line) for line in lines)


#: The longest name of an agency's co-signing key (its column).
MAX_KEY_NAME = 100


def register_agency_key(
    session: Session,
    *,
    agency: Agency,
    public_key: bytes,
    name: str,
    registered_by: User | None = None,
) -> AuditAgencyKey:
    """Register a partner agency's Ed25519 public key for co-signing checkpoints.

    ``registered_by`` (when a person registers it) must be that agency's DPO or
    administrator: anyone else, another agency's administrator included, is refused and
    the attempt recorded as a refused ``audit.key_register``."""
    if not notes.valid_name(name):
        raise CheckpointError(
            f"the key name {name!r} must be printable ASCII without spaces or plus signs"
        )
    if len(name) > MAX_KEY_NAME:
        raise CheckpointError(f"the key name must be {MAX_KEY_NAME} characters or fewer")
    if len(public_key) != 32:
        raise CheckpointError("an Ed25519 public key is 32 bytes")
    if registered_by is not None:
        _may_register(session, agency, registered_by)
    if session.scalar(select(AuditAgencyKey.id).where(AuditAgencyKey.public_key == public_key)):
        raise CheckpointError("that public key is already registered")
    if session.scalar(select(AuditAgencyKey.id).where(AuditAgencyKey.name == name)):
        raise CheckpointError(f"a key named {name!r} is already registered")
    key = AuditAgencyKey(
        agency_id=agency.id,
        name=name,
        public_key=public_key,
        key_id=notes.key_id(name, public_key),
        registered_at=clock.now(),
        registered_by_user_id=registered_by.id if registered_by else None,
    )
    session.add(key)
    session.flush()
    acts.record(
        session,
        acts.Action.AUDIT_KEY_REGISTER,
        actor=Actor.of(registered_by) if registered_by else None,
        subject=acts.Subject("agency_key", key.id),
        basis=f"agency {agency.id}; key ID {key.key_id.hex()}",
    )
    return key


def _may_register(session: Session, agency: Agency, user: User) -> None:
    """CheckpointError, recorded as a refusal, unless ``user`` is ``agency``'s own DPO or
    administrator: an administrator acts only for their own agency, as everywhere."""
    if user.agency_id == agency.id and (
        user.has_role(Role.DPO) or user.has_role(Role.ADMINISTRATOR)
    ):
        return
    why = f"{agency.code}'s co-signing key is registered by its own DPO or administrator"
    raise acts.refused(
        session,
        acts.Action.AUDIT_KEY_REGISTER,
        actor=Actor.of(user),
        subject=acts.Subject("agency", agency.id),
        reason=why,
        answer=CheckpointError(why),
    )


def signature_from(text: str, key: AuditAgencyKey) -> bytes:
    """The 64-byte signature in a co-signer's answer: a signature line
    (``— name base64(key ID || signature)``) or base64 of the signature alone."""
    text = text.strip()
    try:
        if text.startswith(notes.EM_DASH):
            line = notes.parse_signature_line(text)
            if (line.name, line.key_id) != (key.name, key.key_id):
                raise CheckpointError(
                    f"the signature line is by {line.name} (key ID {line.key_id.hex()}), "
                    f"not by agency key {key.id} ({key.name}, key ID {key.key_id.hex()})"
                )
            return line.signature
        raw = notes.unb64(text, "the signature")
    except notes.NoteError as e:
        raise CheckpointError(str(e)) from None
    if len(raw) == 68 and raw[:4] == key.key_id:
        raw = raw[4:]
    if len(raw) != 64:
        raise CheckpointError("an Ed25519 signature is 64 bytes (base64: 88 characters)")
    return raw


def agency_key(session: Session, agency_key_id: int) -> AuditAgencyKey:
    """The agency key ``agency_key_id``; CheckpointError if there is none (a number larger
    than any id included)."""
    key = session.get(AuditAgencyKey, agency_key_id) if 1 <= agency_key_id <= MAX_ID else None
    if key is None:
        raise CheckpointError(f"there is no agency key {agency_key_id}")
    return key


def cosign(
    session: Session,
    checkpoint_id: int,
    agency_key_id: int,
    signature: bytes,
    *,
    actor: Actor | None = None,
) -> AuditCosignature:
    """Store an agency's co-signature of a checkpoint, once it verifies over the
    checkpoint's exact note text (otherwise CheckpointError and nothing is stored)."""
    checkpoint = get(session, checkpoint_id)
    key = agency_key(session, agency_key_id)
    if key.revoked_at is not None:
        raise CheckpointError(f"agency key {agency_key_id} ({key.name}) has been revoked")
    if any(c.agency_key_id == key.id for c in checkpoint.cosignatures):
        raise CheckpointError(f"checkpoint {checkpoint_id} is already co-signed by {key.name}")
    if not notes.signs(key.public_key, text_of(checkpoint).encode(), signature):
        raise CheckpointError(
            f"the signature is not {key.name}'s signature of checkpoint {checkpoint_id} "
            f"(size {checkpoint.size}): nothing was stored"
        )
    cosignature = AuditCosignature(
        checkpoint_id=checkpoint.id, agency_key_id=key.id, signature=signature, at=clock.now()
    )
    session.add(cosignature)
    session.flush()
    session.refresh(checkpoint, ["cosignatures"])
    acts.record(
        session,
        acts.Action.AUDIT_COSIGN,
        actor=actor,
        subject=acts.Subject("checkpoint", checkpoint.id),
        basis=f"agency key {key.id} of agency {key.agency_id}; tree size {checkpoint.size}",
    )
    return cosignature


def revoke_agency_key(session: Session, agency_key_id: int) -> AuditAgencyKey:
    """Stop accepting co-signatures by a key; those it made still verify."""
    key = agency_key(session, agency_key_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        session.flush()
        acts.record(
            session,
            acts.Action.AUDIT_KEY_REVOKE,
            subject=acts.Subject("agency_key", key.id),
            basis=f"agency {key.agency_id}",
        )
    return key
