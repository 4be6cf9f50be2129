"""A person's reasonable adjustments and how to contact them, as structured values (each
sealed like any personal field).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adjustments", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("contact_needs", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("contact_needs")
        batch_op.drop_column("adjustments")
