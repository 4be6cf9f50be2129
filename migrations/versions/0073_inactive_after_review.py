"""A case review that finds nothing happening on the case leaves it open but inactive
(procedure 001 §5): the review keeps that it did.

Revision ID: 0073
Revises: 0072
Create Date: 2026-12-10 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0073"
down_revision = "0072"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_reviews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inactive", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("case_reviews", schema=None) as batch_op:
        batch_op.drop_column("inactive")
