"""A letter the hub produced is read only by those given every category its text holds:
filed under "what happened", it also holds the addressee's name (identity) and address
(location), and an action plan letter the case's actions.

A document's ``also_holds`` names those further categories. The letters already kept are
set to hold identity, location and actions: which letter each was is sealed with it (its
name and description), and a reader not given all three is refused it (deny by default)
rather than shown a name, an address or an action their clauses do not give. A letter is
a "letter sent" PDF about a person (not one of their incidents) filed under "what
happened", as the hub files them; an officer's own scan of a letter sent filed so is
treated alike.

Revision ID: 0062
Revises: 0061
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0062"
down_revision = "0061"
branch_labels = None
depends_on = None

#: What the letters already kept hold, beside what happened (their category).
_LETTERS_HOLD = "identity,location,actions"

_documents = sa.table(
    "documents",
    sa.column("kind", sa.String),
    sa.column("category", sa.String),
    sa.column("content_type", sa.String),
    sa.column("person_id", sa.Integer),
    sa.column("incident_id", sa.Integer),
    sa.column("also_holds", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("also_holds", sa.String(length=100), nullable=True))
    op.execute(
        _documents.update()
        .where(
            _documents.c.kind == "letter_sent",
            _documents.c.category == "narrative",
            _documents.c.content_type == "application/pdf",
            _documents.c.person_id.is_not(None),
            _documents.c.incident_id.is_(None),
        )
        .values(also_holds=_LETTERS_HOLD)
    )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("also_holds")
