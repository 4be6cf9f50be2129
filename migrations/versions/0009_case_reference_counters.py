"""Case references are numbered from a counter row per agency and year, taken under its
write lock, so two cases opened at once never get the same reference. The counters start
from the highest reference each agency has given.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:30:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_REFERENCE = re.compile(r"^[A-Z0-9]+-(\d{4})-(\d+)$")


def upgrade() -> None:
    counters = op.create_table(
        "case_reference_counters",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_case_reference_counters_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("agency_id", "year", name=op.f("pk_case_reference_counters")),
    )
    cases = sa.table("cases", sa.column("agency_id", sa.Integer), sa.column("reference", sa.String))
    highest: dict[tuple[int, int], int] = {}
    for agency_id, reference in op.get_bind().execute(
        sa.select(cases.c.agency_id, cases.c.reference)
    ):
        found = _REFERENCE.match(reference or "")
        if found:
            key = (agency_id, int(found.group(1)))
            highest[key] = max(highest.get(key, 0), int(found.group(2)))
    if highest:
        op.bulk_insert(
            counters,
            [{"agency_id": a, "year": y, "last": n} for (a, y), n in sorted(highest.items())],
        )


def downgrade() -> None:
    op.drop_table("case_reference_counters")
