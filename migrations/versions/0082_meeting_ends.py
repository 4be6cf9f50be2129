"""A conference's chair changed with its partnership meeting's chair is kept with its
other changes of chair, naming the meeting (``meeting_chair``); and the apologies an
agency, or someone of it by name, sends for a partnership meeting's sitting itself.

Revision ID: 0082
Revises: 0081
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0082"
down_revision = "0081"
branch_labels = None
depends_on = None

_CHANGES = "conference_chair_changes"
_REASONS = ("cannot_attend", "left", "another_agency", "other")
_NEW_REASON = "meeting_chair"
_APOLOGIES = "sitting_apologies"


def _reason(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name="chair_change_reason", native_enum=False, create_constraint=True, length=40
    )


def upgrade() -> None:
    with op.batch_alter_table(_CHANGES, schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conference_chair_changes_series_id_meeting_series"),
            "meeting_series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.alter_column(
            "reason",
            existing_type=_reason(*_REASONS),
            type_=_reason(*_REASONS, _NEW_REASON),
            existing_nullable=False,
        )
    op.create_table(
        _APOLOGIES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["meeting_sittings.id"],
            name=op.f("fk_sitting_apologies_sitting_id_meeting_sittings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_sitting_apologies_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_sitting_apologies_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitting_apologies")),
    )
    with op.batch_alter_table(_APOLOGIES, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sitting_apologies_sitting_id"), ["sitting_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table(_APOLOGIES, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sitting_apologies_sitting_id"))
    op.drop_table(_APOLOGIES)
    op.get_bind().execute(
        sa.text("DELETE FROM conference_chair_changes WHERE reason = :meeting"),
        {"meeting": _NEW_REASON},
    )
    with op.batch_alter_table(_CHANGES, schema=None) as batch_op:
        batch_op.alter_column(
            "reason",
            existing_type=_reason(*_REASONS, _NEW_REASON),
            type_=_reason(*_REASONS),
            existing_nullable=False,
        )
        batch_op.drop_constraint(
            batch_op.f("fk_conference_chair_changes_series_id_meeting_series"), type_="foreignkey"
        )
        batch_op.drop_column("series_id")
