"""A partner's request for more of a case ends unanswered when its case is closed, locked
or erased, or the share it was asked through ends (``sharing.cases.more_ending``): when
(``ended_at``) and why (``ended_because``); and the three notices' kinds telling the
asker (the case closed, the share ended, the case now restricted, naming no case).

The notices' kinds' check is changed by ``sharing.choice_checks``; a downgrade first
drops the notices of the new kinds.

Revision ID: 0094
Revises: 0093
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0094"
down_revision = "0093"
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
    "trigger_answered",
    "trigger_all_answered",
)
_NEW = ("more_closed", "more_share_ended", "more_restricted")
_KIND = [ChoiceColumn("notices", "kind", nullable=False)]
_TABLE = "more_requests"
_ENDS = ("case_closed", "case_locked", "case_erased", "share_ended")
_CHECK = "ck_more_requests_more_request_end"


def upgrade() -> None:
    change_choices(op, "notice_kind", _KIND, _NOTICES, (*_NOTICES, *_NEW))
    if op.get_bind().dialect.name == "sqlite":
        # In place, as the other tables' columns are added (a batch copy would turn the
        # columns added in place before into table constraints).
        allowed = ", ".join(f"'{end}'" for end in _ENDS)
        for column in (
            "ended_at DATETIME",
            f"ended_because VARCHAR(40) CONSTRAINT {_CHECK} CHECK (ended_because IN ({allowed}))",
        ):
            op.execute(f"ALTER TABLE {_TABLE} ADD COLUMN {column}")
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "ended_because",
                sa.Enum(
                    *_ENDS,
                    name="more_request_end",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column in ("ended_because", "ended_at"):
            op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {column}")  # in place, as added
    else:
        with op.batch_alter_table(_TABLE, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(_CHECK), type_="check")
            batch_op.drop_column("ended_because")
            batch_op.drop_column("ended_at")
    kinds = ", ".join(f"'{kind}'" for kind in _NEW)
    op.get_bind().execute(sa.text(f"DELETE FROM notices WHERE kind IN ({kinds})"))  # noqa: S608
    change_choices(op, "notice_kind", _KIND, (*_NOTICES, *_NEW), _NOTICES)
