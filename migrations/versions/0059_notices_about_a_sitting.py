"""A notice of a partnership meeting's sitting moved or cancelled points at its sitting,
where it kept "sitting 12" in the column that holds a case's reference: a notice's
reference is a case's (or, for a recommendation, a Community Trigger application's) and
is empty for a notice about a sitting.

Revision ID: 0059
Revises: 0058
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0059"
down_revision = "0058"
branch_labels = None
depends_on = None

_FK = "fk_notices_sitting_id_meeting_sittings"
_INDEX = "ix_notices_sitting_id"
#: The notices of a sitting, whose reference was "sitting 12": 12 (after eight characters).
_OF_A_SITTING = (
    "DELETE FROM notices WHERE kind IN ('sitting_moved', 'sitting_cancelled') "
    "AND CAST(substr(reference, 9) AS INTEGER) NOT IN (SELECT id FROM meeting_sittings)",
    "UPDATE notices SET sitting_id = CAST(substr(reference, 9) AS INTEGER), reference = NULL "
    "WHERE kind IN ('sitting_moved', 'sitting_cancelled')",
)


def upgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sitting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            _FK, "meeting_sittings", ["sitting_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(_INDEX, ["sitting_id"], unique=False)
        batch_op.alter_column("reference", existing_type=sa.String(40), nullable=True)
    for statement in _OF_A_SITTING:  # a notice of a sitting no longer there goes with it
        op.execute(statement)


def downgrade() -> None:
    op.execute(
        "UPDATE notices SET reference = 'sitting ' || CAST(sitting_id AS VARCHAR(20)) "
        "WHERE sitting_id IS NOT NULL"
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(40), nullable=False)
        batch_op.drop_index(_INDEX)
        batch_op.drop_constraint(_FK, type_="foreignkey")
        batch_op.drop_column("sitting_id")
