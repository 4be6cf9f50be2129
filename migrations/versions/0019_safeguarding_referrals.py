"""Safeguarding referrals: a referral names the agency in the hub it went to and the share
it was given; referral kinds and outcomes for adult and children's safeguarding; shares
made by a referral.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 18:05:30.104417
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_KINDS = ("hate_service",)
_NEW_KINDS = ("adult_safeguarding", "childrens_safeguarding")
_OUTCOMES = ("accepted", "declined_by_person", "not_accepted", "no_contact")
_NEW_OUTCOMES = ("enquiry", "advice", "referred_on")
_ORIGINS = ("manual", "conference", "trigger")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("share_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_referrals_agency_id"), ["agency_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_referrals_agency_id_agencies"), "agencies", ["agency_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_referrals_share_id_shares"), "shares", ["share_id"], ["id"]
        )
        batch_op.alter_column(
            "kind",
            existing_type=_enum("referral_kind", *_KINDS),
            type_=_enum("referral_kind", *_KINDS, *_NEW_KINDS),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "outcome",
            existing_type=_enum("referral_outcome", *_OUTCOMES),
            type_=_enum("referral_outcome", *_OUTCOMES, *_NEW_OUTCOMES),
            existing_nullable=True,
        )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.alter_column(
            "origin",
            existing_type=_enum("share_origin", *_ORIGINS),
            type_=_enum("share_origin", *_ORIGINS, "referral"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM referrals WHERE agency_id IS NOT NULL"))
    op.execute(sa.text("UPDATE shares SET origin = 'manual' WHERE origin = 'referral'"))
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.alter_column(
            "origin",
            existing_type=_enum("share_origin", *_ORIGINS, "referral"),
            type_=_enum("share_origin", *_ORIGINS),
            existing_nullable=False,
        )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.alter_column(
            "outcome",
            existing_type=_enum("referral_outcome", *_OUTCOMES, *_NEW_OUTCOMES),
            type_=_enum("referral_outcome", *_OUTCOMES),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "kind",
            existing_type=_enum("referral_kind", *_KINDS, *_NEW_KINDS),
            type_=_enum("referral_kind", *_KINDS),
            existing_nullable=False,
        )
        batch_op.drop_constraint(batch_op.f("fk_referrals_share_id_shares"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_referrals_agency_id_agencies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_referrals_agency_id"))
        batch_op.drop_column("share_id")
        batch_op.drop_column("agency_id")
