"""Who last changed a person's details, an action or a partnership meeting's settings from
a form, and when: a save from a form opened before that change is refused naming them.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

_TABLES = ("persons", "actions", "meeting_series")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop tables that others refer to, which SQLite
        # refuses once they hold any rows.
        for table in _TABLES:
            op.execute(f"ALTER TABLE {table} ADD COLUMN changed_at DATETIME")
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN changed_by_id INTEGER "
                f"CONSTRAINT fk_{table}_changed_by_id_users REFERENCES users (id)"
            )
        return
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column("changed_by_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_changed_by_id_users"), "users", ["changed_by_id"], ["id"]
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in _TABLES:
            for column in ("changed_by_id", "changed_at"):
                op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # in place, as added
        return
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_changed_by_id_users"), type_="foreignkey"
            )
            batch_op.drop_column("changed_by_id")
            batch_op.drop_column("changed_at")
