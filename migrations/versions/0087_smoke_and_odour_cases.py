"""A case's category for smoke, fumes, odours and bonfires: the statutory nuisances
(Environmental Protection Act 1990 s.79) environmental health deals with besides noise,
which were recorded as "Other".

The categories' check is changed by ``sharing.choice_checks`` (on SQLite in place, in the
table's stored schema: the new list only adds a category, and a downgrade first records
its cases as "other").

Revision ID: 0087
Revises: 0086
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0087"
down_revision = "0086"
branch_labels = None
depends_on = None

_CATEGORIES = (
    "noise",
    "verbal_abuse",
    "physical_violence",
    "drugs",
    "alcohol",
    "damage",
    "litter",
    "vehicles",
    "animals",
    "communal_areas",
    "neighbour_dispute",
    "criminal",
    "other",
)
_NEW = "smoke_odour"


def _change_categories(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    change_choices(op, "case_category", [ChoiceColumn("cases", "category", False)], old, new)


def upgrade() -> None:
    _change_categories(_CATEGORIES, (*_CATEGORIES, _NEW))


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("UPDATE cases SET category = 'other' WHERE category = :new"), {"new": _NEW}
    )
    _change_categories((*_CATEGORIES, _NEW), _CATEGORIES)
