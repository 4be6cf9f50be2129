"""The audit log's entries and the state of its Merkle tree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sharing.models.base import Base, UTCDateTime


class AuditEntry(Base):
    """One act, as identifiers and category names only: never personal data."""

    __tablename__ = "audit_entries"

    #: Position in the log, from 0, without gaps: the Merkle tree's leaf index.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None]
    actor_agency_id: Mapped[int | None]
    #: The actor's roles, comma separated.
    actor_roles: Mapped[str] = mapped_column(String(200), default="")
    #: What was done, e.g. ``case.view``, ``share.create``, ``sign_in.failure``.
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(20))
    object_id: Mapped[str | None] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(String(60))
    #: Why it was allowed or refused: protocol, version, clause, share; categories disclosed.
    basis: Mapped[str | None] = mapped_column(String(1000))
    #: ``allowed``, ``refused`` or ``failed``.
    outcome: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str | None] = mapped_column(String(40))
    #: SHA-256(0x00 || canonical entry): the entry's leaf in the tree.
    leaf: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditTree(Base):
    """The tree so far (one row): its size, the roots of its perfect subtrees, its head."""

    __tablename__ = "audit_tree"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(default=0)
    #: The frontier's hashes, 32 bytes each, largest subtree first.
    frontier: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
