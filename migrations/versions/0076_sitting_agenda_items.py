"""A partnership meeting's sitting's agenda: the items its coordinator adds in their own
words, the figures pack attached, and the order they set.

Revision ID: 0076
Revises: 0075
Create Date: 2026-12-06 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0076"
down_revision = "0075"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sitting_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["meeting_sittings.id"],
            name=op.f("fk_sitting_agenda_items_sitting_id_meeting_sittings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_sitting_agenda_items_added_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitting_agenda_items")),
    )
    with op.batch_alter_table("sitting_agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sitting_agenda_items_sitting_id"), ["sitting_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sitting_agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sitting_agenda_items_sitting_id"))
    op.drop_table("sitting_agenda_items")
