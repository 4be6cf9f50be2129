"""A Community Trigger application closed without a decision or review of its own: the day
the applicant withdrew it and the lead's note of it (sealed), or the application it
duplicates; when that was recorded, and by whom.

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-05 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0054"
down_revision = "0053"
branch_labels = None
depends_on = None

_TABLE = "trigger_applications"
#: Column, its type and, for a reference, the table it refers to.
_COLUMNS = (
    ("withdrawn_on", "DATE", sa.Date(), None),
    ("withdrawal_note", "BLOB", sa.LargeBinary(), None),
    ("duplicate_of_id", "INTEGER", sa.Integer(), "trigger_applications"),
    ("closed_at", "DATETIME", sa.DateTime(), None),
    ("closed_by_id", "INTEGER", sa.Integer(), "users"),
)


def _fk(column: str, table: str) -> str:
    return f"fk_{_TABLE}_{column}_{table}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to, which SQLite
        # refuses once it holds rows.
        for column, sql_type, _, refers in _COLUMNS:
            constraint = f" CONSTRAINT {_fk(column, refers)} REFERENCES {refers} (id)"
            op.execute(
                f"ALTER TABLE {_TABLE} ADD COLUMN {column} {sql_type}"
                + (constraint if refers else "")
            )
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column, _, column_type, refers in _COLUMNS:
            batch_op.add_column(sa.Column(column, column_type, nullable=True))
            if refers:
                batch_op.create_foreign_key(_fk(column, refers), refers, [column], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column, *_ in reversed(_COLUMNS):
            op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {column}")
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column, _, _, refers in reversed(_COLUMNS):
            if refers:
                batch_op.drop_constraint(_fk(column, refers), type_="foreignkey")
            batch_op.drop_column(column)
