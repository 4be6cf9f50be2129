"""Three more reasons a case conference is cancelled for: "It did not take place" (chosen
by its convenor or chair once its time has passed), and its own reason when its
partnership meeting's sitting is cancelled or a panel takes it off the sitting's agenda.
The conferences already cancelled with their sitting are given that reason.

Revision ID: 0068
Revises: 0067
Create Date: 2026-12-08 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0068"
down_revision = "0067"
branch_labels = None
depends_on = None

_TABLE = "conferences"
_COLUMN = "cancel_reason"
_REASON_CHECK = "ck_conferences_conference_cancel_reason"
_REASONS = (
    "no_longer_needed",
    "moved_away",
    "tenancy_ended",
    "convening_again",
    "convened_in_error",
    "other",
    "case_closed",
    "case_erased",
)
_NEW_REASONS = ("did_not_take_place", "sitting_cancelled", "taken_off")


def _allowed(column: str, reasons: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{r}'" for r in reasons) + ")"


def _allow(reasons: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to, which SQLite
        # refuses once it holds rows. A column's own CHECK goes with the column, and
        # renaming a column renames it in its CHECK: so a new column with the new CHECK
        # takes the values, the old one is dropped, and the new one takes its name.
        wide = f"{_COLUMN}_wide"
        op.execute(
            f"ALTER TABLE {_TABLE} ADD COLUMN {wide} VARCHAR(40) "
            f"CONSTRAINT {_REASON_CHECK} CHECK ({_allowed(wide, reasons)})"
        )
        op.execute(f"UPDATE {_TABLE} SET {wide} = {_COLUMN}")  # noqa: S608 - names above
        op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {_COLUMN}")
        op.execute(f"ALTER TABLE {_TABLE} RENAME COLUMN {wide} TO {_COLUMN}")
        return
    op.drop_constraint(op.f(_REASON_CHECK), _TABLE, type_="check")
    op.create_check_constraint(
        "conference_cancel_reason", _TABLE, sa.text(_allowed(_COLUMN, reasons))
    )


def upgrade() -> None:
    _allow(_REASONS + _NEW_REASONS)
    op.execute(
        "UPDATE conferences SET cancel_reason = 'sitting_cancelled' "
        "WHERE status = 'cancelled' AND cancel_reason IS NULL AND sitting_id IN "
        "(SELECT id FROM meeting_sittings WHERE cancelled_at IS NOT NULL)"
    )


def downgrade() -> None:
    # Before this revision a conference cancelled with its sitting or taken off it had no
    # reason of its own, and one that did not take place could not be cancelled.
    op.execute(
        "UPDATE conferences SET cancel_reason = NULL "
        "WHERE cancel_reason IN ('sitting_cancelled', 'taken_off')"
    )
    op.execute(
        "UPDATE conferences SET cancel_reason = 'other', "
        "cancel_note = COALESCE(cancel_note, 'It did not take place') "
        "WHERE cancel_reason = 'did_not_take_place'"
    )
    _allow(_REASONS)
