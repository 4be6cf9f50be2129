"""An action records the case conference that agreed it, if one did.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:14:49.951394
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conference_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_actions_conference_id_conferences"),
            "conferences",
            ["conference_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_actions_conference_id_conferences"), type_="foreignkey"
        )
        batch_op.drop_column("conference_id")
