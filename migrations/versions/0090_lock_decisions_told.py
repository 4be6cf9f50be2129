"""A lock request told by e-mail to the managers who may decide it (``lock_requested``),
and its decision to the officer who asked (``lock_decided``), with the deciding manager's
reason for a refusal (sealed); a partner's emergency access told by e-mail to the case's
agency's managers and data protection officer (``emergency_access``).

The notices' kinds' check is changed by ``sharing.choice_checks``; a downgrade first
drops the notices of the new kinds.

Revision ID: 0090
Revises: 0089
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0090"
down_revision = "0089"
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
    "action_restricted",
    "apologies",
    "apologies_taken_back",
)
_NEW = ("lock_decided", "lock_requested", "emergency_access")
_KIND = [ChoiceColumn("notices", "kind", nullable=False)]


def upgrade() -> None:
    change_choices(op, "notice_kind", _KIND, _NOTICES, (*_NOTICES, *_NEW))
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to.
        op.execute("ALTER TABLE lock_requests ADD COLUMN decision_note BLOB")
        return
    op.add_column("lock_requests", sa.Column("decision_note", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "DELETE FROM notices WHERE kind IN ('lock_decided', 'lock_requested', "
            "'emergency_access')"
        )
    )
    change_choices(op, "notice_kind", _KIND, (*_NOTICES, *_NEW), _NOTICES)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE lock_requests DROP COLUMN decision_note")
        return
    op.drop_column("lock_requests", "decision_note")
