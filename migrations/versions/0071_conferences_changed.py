"""A case conference changed after it was convened (its time, place or video link): the
notice that tells its chair and the people expected where and when it now meets.

Revision ID: 0071
Revises: 0070
Create Date: 2026-12-09 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0071"
down_revision = "0070"
branch_labels = None
depends_on = None

_NOTICES = (
    "invitation",
    "information_request",
    "minutes_circulated",
    "minutes_agreed",
    "action_due",
    "trigger_review",
    "recommendation",
    "case_given",
    "sitting_moved",
    "sitting_cancelled",
    "safeguarding_referral",
    "taken_off",
    "closed_with_case",
    "conference_cancelled",
    "chair_changed",
)
_NEW_NOTICE = "conference_moved"


def _notice_kind(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name="notice_kind", native_enum=False, create_constraint=True, length=40
    )


def upgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_notice_kind(*_NOTICES),
            type_=_notice_kind(*_NOTICES, _NEW_NOTICE),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("DELETE FROM notices WHERE kind = :moved"), {"moved": _NEW_NOTICE}
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_notice_kind(*_NOTICES, _NEW_NOTICE),
            type_=_notice_kind(*_NOTICES),
            existing_nullable=False,
        )
