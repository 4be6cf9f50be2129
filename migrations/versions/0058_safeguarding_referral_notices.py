"""The notice that tells a safeguarding team a case was referred to it.

Revision ID: 0058
Revises: 0057
Create Date: 2026-12-05 20:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0058"
down_revision = "0057"
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
)
_NEW_NOTICE = "safeguarding_referral"


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
    op.get_bind().execute(sa.text("DELETE FROM notices WHERE kind = :kind"), {"kind": _NEW_NOTICE})
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_notice_kind(*_NOTICES, _NEW_NOTICE),
            type_=_notice_kind(*_NOTICES),
            existing_nullable=False,
        )
