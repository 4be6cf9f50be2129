"""Actions record who marked them done or cancelled, when, and what was done or why (sealed
under the case, as actions).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:35:21.388173
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("outcome_note", sa.LargeBinary(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_actions_closed_by_id_users"), "users", ["closed_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_actions_closed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("outcome_note")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("closed_by_id")
