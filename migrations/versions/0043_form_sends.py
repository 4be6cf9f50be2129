"""Forms that make a record are accepted once: the one-time token each was sent with and
the page of what it made (identifiers only), kept for a day.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("made", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_form_sends_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_sends")),
        sa.UniqueConstraint("user_id", "token", name=op.f("uq_form_sends_user_id")),
    )
    with op.batch_alter_table("form_sends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_sends_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_sends_created_at"))

    op.drop_table("form_sends")
