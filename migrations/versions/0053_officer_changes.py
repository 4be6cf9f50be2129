"""A case given to another officer of its agency: who from, who to, who gave it and when,
and how many open actions went with it; a notice telling the officer given it.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0053"
down_revision = "0052"
branch_labels = None
depends_on = None

_NOTICES = (
    "invitation",
    "information_request",
    "minutes_circulated",
    "minutes_agreed",
    "action_due",
    "trigger_review",
    "recommendation",
)
_NEW_NOTICE = "case_given"


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name="notice_kind", native_enum=False, create_constraint=True, length=40
    )


def upgrade() -> None:
    op.create_table(
        "officer_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("officer_from_id", sa.Integer(), nullable=False),
        sa.Column("officer_to_id", sa.Integer(), nullable=False),
        sa.Column("actions_moved", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_officer_changes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_officer_changes_changed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["officer_from_id"],
            ["users.id"],
            name=op.f("fk_officer_changes_officer_from_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_to_id"], ["users.id"], name=op.f("fk_officer_changes_officer_to_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_changes")),
    )
    with op.batch_alter_table("officer_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officer_changes_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_enum(*_NOTICES),
            type_=_enum(*_NOTICES, _NEW_NOTICE),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM notices WHERE kind = :kind"), {"kind": _NEW_NOTICE})
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_enum(*_NOTICES, _NEW_NOTICE),
            type_=_enum(*_NOTICES),
            existing_nullable=False,
        )
    with op.batch_alter_table("officer_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_changes_case_id"))
    op.drop_table("officer_changes")
