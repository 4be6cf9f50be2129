"""Uses of the public forms (a keyed hash of the address and the time), to limit how often
one address, or all together, may send them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 19:15:11.617547
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_form_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_form_uses")),
    )
    with op.batch_alter_table("public_form_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_form_uses_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_public_form_uses_key"), ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("public_form_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_form_uses_key"))
        batch_op.drop_index(batch_op.f("ix_public_form_uses_at"))

    op.drop_table("public_form_uses")
