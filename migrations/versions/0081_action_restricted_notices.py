"""A case locked while partner agencies hold open actions on it: the notice that tells
each such agency's managers that an action it holds is now on a restricted case.

Revision ID: 0081
Revises: 0080
Create Date: 2026-12-06 11:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0081"
down_revision = "0080"
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
    "conference_moved",
    "new_chair",
    "recommendation_cancelled",
)
_NEW_NOTICE = "action_restricted"


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
        sa.text("DELETE FROM notices WHERE kind = :restricted"), {"restricted": _NEW_NOTICE}
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_notice_kind(*_NOTICES, _NEW_NOTICE),
            type_=_notice_kind(*_NOTICES),
            existing_nullable=False,
        )
