"""Two more roles a person may have on a case: a member of a household involved, and a
business or community group making the complaint.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 06:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_ROLES = ("victim", "reporter", "witness", "reported")


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="party_role", native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=_enum(*_ROLES),
            type_=_enum(*_ROLES, "household", "group"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute("DELETE FROM case_parties WHERE role IN ('household', 'group')")
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=_enum(*_ROLES, "household", "group"),
            type_=_enum(*_ROLES),
            existing_nullable=False,
        )
