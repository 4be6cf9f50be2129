"""Who last changed a case conference (its time, place, video link, question, agenda, the
agencies invited or the people expected; moved with its sitting; given a new chair with
its partnership meeting), and when: a save from a form opened before that change is
refused naming them. Conferences changed before this release name no one.

Revision ID: 0072
Revises: 0071
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0072"
down_revision = "0071"
branch_labels = None
depends_on = None

_TABLE = "conferences"
_FK = f"fk_{_TABLE}_changed_by_id_users"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to, which SQLite
        # refuses once it holds rows.
        op.execute(f"ALTER TABLE {_TABLE} ADD COLUMN changed_at DATETIME")
        op.execute(
            f"ALTER TABLE {_TABLE} ADD COLUMN changed_by_id INTEGER "
            f"CONSTRAINT {_FK} REFERENCES users (id)"
        )
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("changed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f(_FK), "users", ["changed_by_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column in ("changed_by_id", "changed_at"):
            op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {column}")  # in place, as added
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(_FK), type_="foreignkey")
        batch_op.drop_column("changed_by_id")
        batch_op.drop_column("changed_at")
