"""Community Trigger applications can be erased: the moment their data key was destroyed.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
