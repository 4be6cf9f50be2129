"""Two moments a case conference keeps, so that the links its notices give keep landing:
when its time, place or video link last changed on its own page (``moved_at``: the notice
of the move links to it, and it no longer shifts as its chair, agenda or attendees change
after), and the partnership meeting's sitting it was taken off (``taken_off_sitting_id``:
the sitting's page says so, where the notice of it links).

The conferences changed before keep the moment of their last change as the moment of their
last move: the notices of a move sent before link to that moment, which is what their
page gave until now. No conference taken off a sitting before names it: nothing recorded
says which it was, but the audit log.

Revision ID: 0085
Revises: 0084
Create Date: 2026-12-06 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0085"
down_revision = "0084"
branch_labels = None
depends_on = None

_TABLE = "conferences"
_SITTING_FK = "fk_conferences_taken_off_sitting_id_meeting_sittings"
_SITTING_INDEX = "ix_conferences_taken_off_sitting_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table others refer to, which SQLite refuses
        # once they hold rows (as 0084 does).
        op.execute(f"ALTER TABLE {_TABLE} ADD COLUMN moved_at DATETIME")
        op.execute(
            f"ALTER TABLE {_TABLE} ADD COLUMN taken_off_sitting_id INTEGER "
            f"CONSTRAINT {_SITTING_FK} REFERENCES meeting_sittings (id)"
        )
    else:
        with op.batch_alter_table(_TABLE, schema=None) as batch_op:
            batch_op.add_column(sa.Column("moved_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column("taken_off_sitting_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                _SITTING_FK, "meeting_sittings", ["taken_off_sitting_id"], ["id"]
            )
    op.create_index(_SITTING_INDEX, _TABLE, ["taken_off_sitting_id"], unique=False)
    op.execute("UPDATE conferences SET moved_at = changed_at WHERE changed_at IS NOT NULL")


def downgrade() -> None:
    op.drop_index(_SITTING_INDEX, table_name=_TABLE)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN taken_off_sitting_id")  # as added
        op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN moved_at")
    else:
        with op.batch_alter_table(_TABLE, schema=None) as batch_op:
            batch_op.drop_constraint(_SITTING_FK, type_="foreignkey")
            batch_op.drop_column("taken_off_sitting_id")
            batch_op.drop_column("moved_at")
