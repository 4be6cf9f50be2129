"""A document's protective marking (OFFICIAL or OFFICIAL-SENSITIVE), given when it is
attached, shown on its page instead of OFFICIAL-SENSITIVE for every document.

Letters sent already kept (the hub's letters to residents, and officers' own) are
OFFICIAL, as a landlord's letter to a tenant is; every other document kept has no marking
recorded, and its page says so and that it is handled as the case's information
(OFFICIAL-SENSITIVE): nobody said what it is, and the hub does not guess.

Revision ID: 0065
Revises: 0064
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0065"
down_revision = "0064"
branch_labels = None
depends_on = None

_MARKINGS = ("official", "official_sensitive")

_documents = sa.table(
    "documents",
    sa.column("kind", sa.String),
    sa.column("marking", sa.String),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place, as 0044 adds a column with its CHECK: a batch copy of the table would
        # name the new column in its CHECK before the column exists.
        allowed = ", ".join(f"'{marking}'" for marking in _MARKINGS)
        op.execute(
            "ALTER TABLE documents ADD COLUMN marking VARCHAR(40) CONSTRAINT "
            f"ck_documents_document_marking CHECK (marking IN ({allowed}))"
        )
    else:
        _add_column()
    op.execute(
        _documents.update().where(_documents.c.kind == "letter_sent").values(marking="official")
    )


def _add_column() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "marking",
                sa.Enum(
                    *_MARKINGS,
                    name="document_marking",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE documents DROP COLUMN marking")  # in place, as added
        return
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("marking")
