"""An emergency access's reason and review note are sealed under a data key of its own, so
that its record outlives the case's erasure for the six years the emergency protocol keeps
it. Accesses already recorded keep theirs under the case's key (the key store is needed to
seal them again, and a migration has none): the column is empty for them.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to, which SQLite
        # refuses once it holds rows.
        op.execute(
            "ALTER TABLE break_glass ADD COLUMN data_key_id INTEGER "
            "CONSTRAINT fk_break_glass_data_key_id_data_keys REFERENCES data_keys (id)"
        )
        return
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_break_glass_data_key_id_data_keys"),
            "data_keys",
            ["data_key_id"],
            ["id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE break_glass DROP COLUMN data_key_id")
        return
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_break_glass_data_key_id_data_keys"), type_="foreignkey"
        )
        batch_op.drop_column("data_key_id")
