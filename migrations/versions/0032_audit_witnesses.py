"""The audit log's witnesses: their co-signatures of checkpoints (cosignature/v1), and
what the hub last heard from each.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 15:39:33.544123
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_witness_status",
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("witness", name=op.f("pk_audit_witness_status")),
    )
    op.create_table(
        "audit_witness_cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.LargeBinary(length=4), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=72), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["audit_checkpoints.id"],
            name=op.f("fk_audit_witness_cosignatures_checkpoint_id_audit_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_witness_cosignatures")),
        sa.UniqueConstraint(
            "checkpoint_id", "witness", name=op.f("uq_audit_witness_cosignatures_checkpoint_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("audit_witness_cosignatures")
    op.drop_table("audit_witness_status")
