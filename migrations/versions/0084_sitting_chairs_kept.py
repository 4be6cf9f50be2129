"""Who chaired a partnership meeting's sitting and who were its members, kept on the
sitting as it is held or cancelled, so that a past sitting still names them once the
meeting's chair or members change.

The sittings already held (their time passed, or minutes recorded for a case on their
agenda) or cancelled are given what the data allows: as chair, the chair of their first
case's conference (a conference keeps the chair it was held or cancelled with), or, on a
sitting with no cases, the meeting's chair now; as members, the meeting's standing
members now. This assumes the meeting's chair (for a sitting with no cases) and its
members did not change since the sitting: nothing recorded before says otherwise. The
sittings to come keep none: they name the meeting's chair and members until they are
held or cancelled.

Revision ID: 0084
Revises: 0083
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0084"
down_revision = "0083"
branch_labels = None
depends_on = None

_SITTINGS = "meeting_sittings"
_MEMBERS = "meeting_sitting_members"
_CHAIR_FK = "fk_meeting_sittings_chair_id_users"

#: The sittings held or cancelled (``sittings.why_fixed``), as of ``:now``.
_PAST = """
    cancelled_at IS NOT NULL OR starts_at <= :now OR EXISTS (
        SELECT 1 FROM conferences
        WHERE conferences.sitting_id = meeting_sittings.id
        AND conferences.minutes_status IS NOT NULL
    )
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table others refer to, which SQLite refuses
        # once they hold rows (as 0056 does).
        op.execute(
            f"ALTER TABLE {_SITTINGS} ADD COLUMN chair_id INTEGER "
            f"CONSTRAINT {_CHAIR_FK} REFERENCES users (id)"
        )
    else:
        with op.batch_alter_table(_SITTINGS, schema=None) as batch_op:
            batch_op.add_column(sa.Column("chair_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(_CHAIR_FK, "users", ["chair_id"], ["id"])
    op.create_table(
        _MEMBERS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            [f"{_SITTINGS}.id"],
            name=op.f("fk_meeting_sitting_members_sitting_id_meeting_sittings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_sitting_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_sitting_members")),
        sa.UniqueConstraint(
            "sitting_id", "user_id", name=op.f("uq_meeting_sitting_members_sitting_id")
        ),
    )
    with op.batch_alter_table(_MEMBERS, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_sitting_members_sitting_id"), ["sitting_id"], unique=False
        )
    _keep_who_sat()


def _keep_who_sat() -> None:
    """The chair and members of each sitting held or cancelled, as the data allows."""
    now = sa.bindparam("now", datetime.now(UTC).replace(tzinfo=None), type_=sa.DateTime())
    bind = op.get_bind()
    bind.execute(
        sa.text(
            f"""
            UPDATE {_SITTINGS} SET chair_id = COALESCE(
                (SELECT conferences.chair_id FROM conferences
                 WHERE conferences.sitting_id = {_SITTINGS}.id
                 ORDER BY conferences.id LIMIT 1),
                (SELECT meeting_series.chair_id FROM meeting_series
                 WHERE meeting_series.id = {_SITTINGS}.series_id)
            )
            WHERE {_PAST}
            """  # noqa: S608 (names of our own tables, no input)
        ).bindparams(now)
    )
    bind.execute(
        sa.text(
            f"""
            INSERT INTO {_MEMBERS} (sitting_id, user_id)
            SELECT {_SITTINGS}.id, meeting_series_members.user_id
            FROM {_SITTINGS} JOIN meeting_series_members
            ON meeting_series_members.series_id = {_SITTINGS}.series_id
            WHERE {_SITTINGS}.chair_id IS NOT NULL
            ORDER BY {_SITTINGS}.id, meeting_series_members.id
            """  # noqa: S608 (names of our own tables, no input)
        )
    )


def downgrade() -> None:
    with op.batch_alter_table(_MEMBERS, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_sitting_members_sitting_id"))
    op.drop_table(_MEMBERS)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {_SITTINGS} DROP COLUMN chair_id")  # as added
        return
    with op.batch_alter_table(_SITTINGS, schema=None) as batch_op:
        batch_op.drop_constraint(_CHAIR_FK, type_="foreignkey")
        batch_op.drop_column("chair_id")
