"""A partner agency's action closed with its case: the notice that tells whoever holds it
(its named owner, else the agency's managers) that it is no longer to be done.

Revision ID: 0064
Revises: 0063
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0064"
down_revision = "0063"
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
)
_NEW_NOTICE = "closed_with_case"


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
        sa.text("DELETE FROM notices WHERE kind = :closed"), {"closed": _NEW_NOTICE}
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_notice_kind(*_NOTICES, _NEW_NOTICE),
            type_=_notice_kind(*_NOTICES),
            existing_nullable=False,
        )
