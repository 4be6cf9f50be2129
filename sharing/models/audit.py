"""The audit log's entries, the state of its Merkle tree, its signed checkpoints, and the
partner agencies' keys and co-signatures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.base import Base, UTCDateTime


class _ActFields:
    """An act's fields, as an entry of the log and an entry waiting in the queue hold
    them: identifiers and category names only, never personal data."""

    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None]
    actor_agency_id: Mapped[int | None]
    #: The actor's roles, comma separated; in an entry no user acted in, where the act
    #: came from (``sharing.audit.acts.ORIGINS``), or empty for one that answered a request.
    actor_roles: Mapped[str] = mapped_column(String(200), default="")
    #: What was done, e.g. ``case.view``, ``share.create``, ``sign_in.failure``.
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(20))
    object_id: Mapped[str | None] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(String(60))
    #: Why it was allowed or refused: protocol, version, clause, share; categories disclosed;
    #: the ids of every record a list showed (of any length: never cut).
    basis: Mapped[str | None] = mapped_column(Text)
    #: ``allowed``, ``refused`` or ``failed``.
    outcome: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str | None] = mapped_column(String(40))


class AuditEntry(_ActFields, Base):
    """One act in the log."""

    __tablename__ = "audit_entries"
    #: The entries about one object, newest first (a locked case's refused attempts, the
    #: case views under an emergency access, a DPO's log of one case), without reading
    #: the whole log; and the entries of one agency's users (a DPO's log of an agency whose
    #: entries are few among many).
    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id", "seq"),
        Index("ix_audit_entries_actor_agency", "actor_agency_id", "seq"),
    )

    #: Position in the log, from 0, without gaps: the Merkle tree's leaf index.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, sort_order=-1)
    #: SHA-256(0x00 || canonical entry): the entry's leaf in the tree.
    leaf: Mapped[bytes] = mapped_column(LargeBinary(32), sort_order=1)
    #: Hashes of the perfect subtrees this leaf completes, 32 bytes each, heights 1, 2, ...
    #: (as many as trailing zeros of seq + 1; empty for even seq): proofs read them.
    subtrees: Mapped[bytes] = mapped_column(
        LargeBinary, default=b"", server_default=text("''"), sort_order=1
    )


class AuditListing(Base):
    """An entry's basis listing a case, person, application or recommendation by its
    identifier (``sharing.audit.listings``: the lists, searches and exports that
    showed it): written with the entry as it joins the log, so that a DPO's log of one
    case finds them without reading every entry's basis. It is an index of the entries,
    made again from them by migrations 0048 and 0049; the entries alone are what the tree
    proves."""

    __tablename__ = "audit_listings"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    listed_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class AuditQueued(_ActFields, Base):
    """An entry written by an act's transaction and not yet added to the log: the
    integrator (``sharing.audit.log.integrate``) gives it its sequence number and leaf,
    moves it to ``audit_entries`` and grows the tree, a moment after the act commits."""

    __tablename__ = "audit_queue"

    #: Order of arrival: entries are added to the log in this order.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class AuditTree(Base):
    """The tree so far (one row): its size, the roots of its perfect subtrees, its head."""

    __tablename__ = "audit_tree"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(default=0)
    #: The frontier's hashes, 32 bytes each, largest subtree first.
    frontier: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    root: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A tree head signed by the hub's checkpoint key (a C2SP signed note: origin, size,
    root). The key itself lives in the key store, never in the database."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("origin", "size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The log's name, first line of the note and name of the hub's signing key.
    origin: Mapped[str] = mapped_column(String(200))
    #: Number of entries covered (entries 0 .. size - 1).
    size: Mapped[int]
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The signed-note key ID of the hub key that signed (SHA-256(name, 0x0A, 0x01, key)[:4]).
    key_id: Mapped[bytes] = mapped_column(LargeBinary(4))
    #: Ed25519 signature of the note text.
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))

    cosignatures: Mapped[list[AuditCosignature]] = relationship(
        back_populates="checkpoint", order_by="AuditCosignature.id"
    )
    witness_cosignatures: Mapped[list[AuditWitnessCosignature]] = relationship(
        back_populates="checkpoint", order_by="AuditWitnessCosignature.id"
    )


class AuditAgencyKey(Base):
    """A partner agency's Ed25519 public key for co-signing checkpoints (its DPO holds the
    private key, outside the hub)."""

    __tablename__ = "audit_agency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    #: The signed-note key name on its signature lines, e.g. ``northshire-police``.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    #: The signed-note key ID (SHA-256(name, 0x0A, 0x01, public key)[:4]).
    key_id: Mapped[bytes] = mapped_column(LargeBinary(4))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the agency withdrew the key; older co-signatures still verify.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditCosignature(Base):
    """A partner agency's signature over a checkpoint's exact note text."""

    __tablename__ = "audit_cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_id", "agency_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"))
    agency_key_id: Mapped[int] = mapped_column(ForeignKey("audit_agency_keys.id"))
    #: Ed25519 signature of the checkpoint's note text by the agency key.
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    checkpoint: Mapped[AuditCheckpoint] = relationship(back_populates="cosignatures")
    agency_key: Mapped[AuditAgencyKey] = relationship()


class AuditWitnessCosignature(Base):
    """A witness's co-signature of a checkpoint (cosignature/v1: its time and signature)."""

    __tablename__ = "audit_witness_cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_id", "witness"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"))
    #: The witness's name, as in its verifier key.
    witness: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[bytes] = mapped_column(LargeBinary(4))
    #: The timestamp (8 bytes, big-endian) and the Ed25519 signature (64 bytes).
    signature: Mapped[bytes] = mapped_column(LargeBinary(72))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    checkpoint: Mapped[AuditCheckpoint] = relationship(back_populates="witness_cosignatures")


class AuditWitnessStatus(Base):
    """What the hub last heard from each witness: the size it last co-signed, when it
    last did, and its last failure (for the DPO page)."""

    __tablename__ = "audit_witness_status"

    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    size: Mapped[int] = mapped_column(default=0)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure: Mapped[str | None] = mapped_column(String(300))
