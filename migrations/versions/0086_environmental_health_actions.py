"""Environmental health's own actions on a case: noise monitoring (equipment installed or
an out-of-hours visit), a community protection warning, and an abatement notice served
for a statutory nuisance (Environmental Protection Act 1990 s.80), which a conference's
decision to take legal action can name too.

The kinds' check is changed by ``sharing.choice_checks`` (on SQLite in place, in the
table's stored schema: the new list only adds kinds, and a downgrade first records them
as the old ones).

Revision ID: 0086
Revises: 0085
Create Date: 2026-12-06 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0086"
down_revision = "0085"
branch_labels = None
depends_on = None

_KINDS = (
    "perpetrator_visit",
    "warning_letter",
    "early_intervention_housing",
    "early_intervention_other",
    "referral_other_agency",
    "referral_police",
    "mediation",
    "good_neighbour_agreement",
    "abc",
    "family_intervention",
    "support_referral",
    "safeguarding_referral",
    "victim_support",
    "community_protection_notice",
    "notice_seeking_possession",
    "injunction",
    "closure_order",
    "management_transfer",
    "other_legal",
    "eviction",
    "surrender",
    "dissatisfaction_follow_up",
    "other",
)
#: The new kinds, each with the kind a downgrade records it as.
_NEW_KINDS = {
    "noise_monitoring": "other",
    "community_protection_warning": "early_intervention_other",
    "abatement_notice": "other_legal",
}
#: The columns that hold an action kind.
_KIND_COLUMNS = (
    ChoiceColumn("actions", "kind", nullable=False),
    ChoiceColumn("conference_decisions", "tool", nullable=True),
)


def _change_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    change_choices(op, "action_kind", _KIND_COLUMNS, old, new)


def upgrade() -> None:
    _change_kinds(_KINDS, (*_KINDS, *_NEW_KINDS))


def downgrade() -> None:
    bind = op.get_bind()
    for kind, recorded_as in _NEW_KINDS.items():
        bind.execute(
            sa.text("UPDATE actions SET kind = :old WHERE kind = :new"),
            {"old": recorded_as, "new": kind},
        )
        bind.execute(
            sa.text("UPDATE conference_decisions SET tool = 'other_legal' WHERE tool = :new"),
            {"new": kind},
        )
    _change_kinds((*_KINDS, *_NEW_KINDS), _KINDS)
