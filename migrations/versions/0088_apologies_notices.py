"""Notices of a case conference's apologies: its chair and convenor are told when
someone expected sends their apologies, or takes them back.

The notices' kinds' check is changed by ``sharing.choice_checks``; a downgrade first
drops the notices of the two new kinds.

Revision ID: 0088
Revises: 0087
Create Date: 2026-12-07 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0088"
down_revision = "0087"
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
)
_NEW = ("apologies", "apologies_taken_back")
_KIND = [ChoiceColumn("notices", "kind", nullable=False)]


def upgrade() -> None:
    change_choices(op, "notice_kind", _KIND, _NOTICES, (*_NOTICES, *_NEW))


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("DELETE FROM notices WHERE kind IN ('apologies', 'apologies_taken_back')")
    )
    change_choices(op, "notice_kind", _KIND, (*_NOTICES, *_NEW), _NOTICES)
