"""Case list index: an agency's cases newest first with every list filter, so the count
and a page of the case list are read from the index (replaces the index on agency_id).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:46:13.403490
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_agency_id"))
        batch_op.create_index(
            "ix_cases_list",
            [
                "agency_id",
                "opened_at",
                "id",
                "locked",
                "status",
                "priority",
                "category",
                "officer_id",
                "ward_id",
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_list")
        batch_op.create_index(batch_op.f("ix_cases_agency_id"), ["agency_id"], unique=False)
