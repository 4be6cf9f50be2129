"""The closure survey by link: a hash of the link's secret, when it stops working, when it
was answered; "link" as a way the survey was offered.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 22:23:12.637449
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_CHANNELS = ("in_person", "phone", "declined", "unreachable")


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name="survey_channel", native_enum=False, create_constraint=True, length=40
    )


def upgrade() -> None:
    with op.batch_alter_table("closure_surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("link_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_closure_surveys_link_hash"), ["link_hash"])
        batch_op.alter_column(
            "channel",
            existing_type=_enum(*_CHANNELS),
            type_=_enum("in_person", "phone", "link", "declined", "unreachable"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute(sa.text("UPDATE closure_surveys SET channel = 'declined' WHERE channel = 'link'"))
    with op.batch_alter_table("closure_surveys", schema=None) as batch_op:
        batch_op.alter_column(
            "channel",
            existing_type=_enum("in_person", "phone", "link", "declined", "unreachable"),
            type_=_enum(*_CHANNELS),
            existing_nullable=False,
        )
        batch_op.drop_constraint(batch_op.f("uq_closure_surveys_link_hash"), type_="unique")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("link_expires_at")
        batch_op.drop_column("link_hash")
