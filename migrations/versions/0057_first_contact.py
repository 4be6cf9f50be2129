"""First contact with the complainant, tracked: the working day each case is due it by (as
the acknowledgement letter promises) and the day it was made.

Existing cases are set as a new one would be: due the default five working days after the
day they were opened (bank holidays excluded), and made on the earlier of their first
risk assessment's day and the first day of contact a case review recorded; a case with
neither has no first contact recorded.

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from sharing.clock import day_of
from sharing.trigger.workdays import CalendarExhausted, england_and_wales

revision = "0057"
down_revision = "0056"
branch_labels = None
depends_on = None

#: The working days the acknowledgement letter promised before the setting existed.
_WORKING_DAYS = 5
_INDEX = "ix_cases_first_contact_due_on"

_cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("opened_at", sa.DateTime),
    sa.column("first_contact_due_on", sa.Date),
    sa.column("first_contact_on", sa.Date),
)
_assessments = sa.table(
    "risk_assessments", sa.column("case_id", sa.Integer), sa.column("assessed_at", sa.DateTime)
)
_reviews = sa.table(
    "case_reviews", sa.column("case_id", sa.Integer), sa.column("contacted_on", sa.Date)
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to.
        op.execute("ALTER TABLE cases ADD COLUMN first_contact_due_on DATE")
        op.execute("ALTER TABLE cases ADD COLUMN first_contact_on DATE")
    else:
        with op.batch_alter_table("cases", schema=None) as batch_op:
            batch_op.add_column(sa.Column("first_contact_due_on", sa.Date(), nullable=True))
            batch_op.add_column(sa.Column("first_contact_on", sa.Date(), nullable=True))
    op.create_index(_INDEX, "cases", ["first_contact_due_on"], unique=False)
    _set_existing(op.get_bind())


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _set_existing(bind: sa.Connection) -> None:
    made: dict[int, date] = {}
    for case_id, assessed_at in bind.execute(
        sa.select(_assessments.c.case_id, sa.func.min(_assessments.c.assessed_at)).group_by(
            _assessments.c.case_id
        )
    ):
        made[case_id] = day_of(_utc(assessed_at))
    for case_id, contacted_on in bind.execute(
        sa.select(_reviews.c.case_id, sa.func.min(_reviews.c.contacted_on))
        .where(_reviews.c.contacted_on.is_not(None))
        .group_by(_reviews.c.case_id)
    ):
        made[case_id] = min(made.get(case_id, contacted_on), contacted_on)
    calendar = england_and_wales()
    rows = []
    for case_id, opened_at in bind.execute(sa.select(_cases.c.id, _cases.c.opened_at)):
        try:
            due: date | None = calendar.add(day_of(_utc(opened_at)), _WORKING_DAYS)
        except CalendarExhausted:
            due = None
        rows.append({"case": case_id, "due": due, "made": made.get(case_id)})
    if rows:
        bind.execute(
            _cases.update()
            .where(_cases.c.id == sa.bindparam("case"))
            .values(
                first_contact_due_on=sa.bindparam("due"), first_contact_on=sa.bindparam("made")
            ),
            rows,
        )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="cases")
    if op.get_bind().dialect.name == "sqlite":
        for column in ("first_contact_on", "first_contact_due_on"):
            op.execute(f"ALTER TABLE cases DROP COLUMN {column}")  # in place, as added
        return
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("first_contact_on")
        batch_op.drop_column("first_contact_due_on")
