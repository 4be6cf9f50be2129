"""A conference's changes of chair on its own page: who changed it, from whom to whom,
when and why (a reason from the form's list), for the conference's page.

Revision ID: 0080
Revises: 0079
Create Date: 2026-12-06 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0080"
down_revision = "0079"
branch_labels = None
depends_on = None

_TABLE = "conference_chair_changes"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("chair_from_id", sa.Integer(), nullable=False),
        sa.Column("chair_to_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "cannot_attend",
                "left",
                "another_agency",
                "other",
                name="chair_change_reason",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_conference_chair_changes_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_conference_chair_changes_changed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["chair_from_id"],
            ["users.id"],
            name=op.f("fk_conference_chair_changes_chair_from_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["chair_to_id"],
            ["users.id"],
            name=op.f("fk_conference_chair_changes_chair_to_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_chair_changes")),
    )
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conference_chair_changes_conference_id"), ["conference_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_chair_changes_conference_id"))
    op.drop_table(_TABLE)
