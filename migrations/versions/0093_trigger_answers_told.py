"""The Community Trigger lead told by e-mail when an agency asked about one of its cases
answers: the notices' kinds for an answer (``trigger_answered``) and for the last answer
awaited (``trigger_all_answered``).

The notices' kinds' check is changed by ``sharing.choice_checks``; a downgrade first
drops the notices of the new kinds.

Revision ID: 0093
Revises: 0092
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0093"
down_revision = "0092"
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
    "lock_decided",
    "lock_requested",
    "emergency_access",
    "more_asked",
    "more_answered",
)
_NEW = ("trigger_answered", "trigger_all_answered")
_KIND = [ChoiceColumn("notices", "kind", nullable=False)]


def upgrade() -> None:
    change_choices(op, "notice_kind", _KIND, _NOTICES, (*_NOTICES, *_NEW))


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("DELETE FROM notices WHERE kind IN ('trigger_answered', 'trigger_all_answered')")
    )
    change_choices(op, "notice_kind", _KIND, (*_NOTICES, *_NEW), _NOTICES)
