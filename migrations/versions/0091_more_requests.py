"""A partner agency's request to a case's owning agency for more of the case than its
share gives (``more_requests``: what it asks for, why and by when, sealed as the case's
narrative; the owner's answer, a share made or declined with a reason, sealed too), and
the two notices' kinds: the owner told of a request (``more_asked``), the asker told of
its answer (``more_answered``).

The notices' kinds' check is changed by ``sharing.choice_checks``; a downgrade first
drops the notices of the new kinds.

Revision ID: 0091
Revises: 0090
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0091"
down_revision = "0090"
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
)
_NEW = ("more_asked", "more_answered")
_KIND = [ChoiceColumn("notices", "kind", nullable=False)]
_TABLE = "more_requests"


def upgrade() -> None:
    change_choices(op, "notice_kind", _KIND, _NOTICES, (*_NOTICES, *_NEW))
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("categories", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("why", sa.LargeBinary(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("share_made_id", sa.Integer(), nullable=True),
        sa.Column("decline_reason", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_more_requests_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_more_requests_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name=op.f("fk_more_requests_share_id_shares")
        ),
        sa.ForeignKeyConstraint(
            ["share_made_id"], ["shares.id"], name=op.f("fk_more_requests_share_made_id_shares")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["users.id"], name=op.f("fk_more_requests_asked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_more_requests_answered_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_more_requests")),
    )
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_more_requests_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_more_requests_agency_id"), ["agency_id"], unique=False)


def downgrade() -> None:
    op.drop_table(_TABLE)
    op.get_bind().execute(
        sa.text("DELETE FROM notices WHERE kind IN ('more_asked', 'more_answered')")
    )
    change_choices(op, "notice_kind", _KIND, (*_NOTICES, *_NEW), _NOTICES)
