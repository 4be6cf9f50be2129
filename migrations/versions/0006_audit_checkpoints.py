"""Audit checkpoints: signed tree heads, partner agencies' keys and co-signatures; each
entry keeps the hashes of the subtrees its leaf completes. Entries already logged are
rehashed in the JSON-array canonical form (see sharing.audit.log).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 20:45:04.610734
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FIELDS = (
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
_entries = sa.table(
    "audit_entries",
    sa.column("seq", sa.Integer()),
    sa.column("at", sa.String()),  # SQLite's stored text as it is; PostgreSQL's timestamp
    *(sa.column(name, sa.String()) for name in _FIELDS[4:]),
    sa.column("actor_user_id", sa.Integer()),
    sa.column("actor_agency_id", sa.Integer()),
    sa.column("leaf", sa.LargeBinary()),
    sa.column("subtrees", sa.LargeBinary()),
)
_tree = sa.table(
    "audit_tree",
    sa.column("id", sa.Integer()),
    sa.column("size", sa.Integer()),
    sa.column("frontier", sa.LargeBinary()),
    sa.column("root", sa.LargeBinary()),
)


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.LargeBinary(length=4), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("origin", "size", name=op.f("uq_audit_checkpoints_origin")),
    )
    op.create_table(
        "audit_agency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("key_id", sa.LargeBinary(length=4), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("registered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_audit_agency_keys_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_user_id"],
            ["users.id"],
            name=op.f("fk_audit_agency_keys_registered_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_agency_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_audit_agency_keys_name")),
        sa.UniqueConstraint("public_key", name=op.f("uq_audit_agency_keys_public_key")),
    )
    op.create_table(
        "audit_cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("agency_key_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_key_id"],
            ["audit_agency_keys.id"],
            name=op.f("fk_audit_cosignatures_agency_key_id_audit_agency_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["audit_checkpoints.id"],
            name=op.f("fk_audit_cosignatures_checkpoint_id_audit_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_cosignatures")),
        sa.UniqueConstraint(
            "checkpoint_id", "agency_key_id", name=op.f("uq_audit_cosignatures_checkpoint_id")
        ),
    )
    op.add_column(
        "audit_entries",
        sa.Column("subtrees", sa.LargeBinary(), server_default=sa.text("''"), nullable=False),
    )
    _rehash_entries()


def _rehash_entries() -> None:
    """Give entries logged before this migration their leaves in the new canonical form,
    their subtree hashes, and the tree its new head (a frozen copy of sharing.audit.log)."""
    bind = op.get_bind()
    columns = [getattr(_entries.c, name) for name in _FIELDS]
    stack: list[bytes] = []
    size = 0
    updates = []
    for row in bind.execute(sa.select(*columns).order_by(_entries.c.seq)):
        values = list(row)
        at: str | datetime = values[1]
        values[1] = at if isinstance(at, str) else at.isoformat(" ", "microseconds")
        text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        leaf = hashlib.sha256(b"\x00" + text.encode()).digest()
        stack.append(leaf)
        made = b""
        carry = size
        while carry & 1:
            right = stack.pop()
            made += (merged := hashlib.sha256(b"\x01" + stack.pop() + right).digest())
            stack.append(merged)
            carry >>= 1
        updates.append({"s": row.seq, "leaf": leaf, "subtrees": made})
        size += 1
    if not updates:
        return
    bind.execute(
        _entries.update().where(_entries.c.seq == sa.bindparam("s")),
        updates,
    )
    head = stack[-1]
    for subtree in reversed(stack[:-1]):
        head = hashlib.sha256(b"\x01" + subtree + head).digest()
    bind.execute(
        _tree.update().where(_tree.c.id == 1).values(size=size, frontier=b"".join(stack), root=head)
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("subtrees")
    op.drop_table("audit_cosignatures")
    op.drop_table("audit_agency_keys")
    op.drop_table("audit_checkpoints")
