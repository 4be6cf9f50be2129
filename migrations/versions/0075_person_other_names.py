"""The other names a person is also known by (sealed like their names; each indexed as a
surname is, in the existing blind index).

Revision ID: 0075
Revises: 0074
Create Date: 2026-12-06 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0075"
down_revision = "0074"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table others refer to, which SQLite refuses
        # once they hold rows (as 0047 does).
        op.execute("ALTER TABLE persons ADD COLUMN other_names BLOB")
        return
    op.add_column("persons", sa.Column("other_names", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE persons DROP COLUMN other_names")  # in place, as added
        return
    op.drop_column("persons", "other_names")
