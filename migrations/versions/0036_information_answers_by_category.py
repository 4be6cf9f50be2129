"""Information-request answers get a part for vulnerability and one for offending, each
sealed under its own data category (before, they went in "risk" and "concerns", which
agencies the protocol withholds them from could read).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vulnerability_note", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("offending_note", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.drop_column("offending_note")
        batch_op.drop_column("vulnerability_note")
