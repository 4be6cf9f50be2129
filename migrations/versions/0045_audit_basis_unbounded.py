"""An audit entry's basis holds all it names: ``basis`` becomes text of any length, in the
log and in its queue. It was cut at 1,000 characters, so an entry of a long list (the
cases a page of actions, the shared risk or an export disclosed) lost the ids at its end,
and a subject access report could not find those disclosures.

Entries already cut stay as they are: they are part of the log's tree. Downgrading on
PostgreSQL fails, changing nothing, if an entry longer than 1,000 characters was written
since; a log is never cut to fit.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

_TABLES = ("audit_entries", "audit_queue")


def upgrade() -> None:
    for table in _TABLES:
        # On SQLite a copy of the table (nothing refers to either); on PostgreSQL the
        # type changes in place, without rewriting the rows.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "basis",
                existing_type=sa.String(length=1000),
                type_=sa.Text(),
                existing_nullable=True,
            )


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "basis",
                existing_type=sa.Text(),
                type_=sa.String(length=1000),
                existing_nullable=True,
            )
