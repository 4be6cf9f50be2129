"""A case imported from an agency's own system keeps its reference there, unique in the
agency.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 12:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_reference", sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(
            "uq_cases_external_reference", ["agency_id", "external_reference"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_external_reference", type_="unique")
        batch_op.drop_column("external_reference")
