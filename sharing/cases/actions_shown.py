"""The actions of a case as a reader sees them: what is to be done and its outcome as the
decision allows, open ones past their due date flagged overdue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sharing.access.decide import Decision
from sharing.access.reveal import reveal_rows
from sharing.models import Action
from sharing.vocabulary import ActionStatus


@dataclass(frozen=True)
class ActionView:
    id: int
    kind: str
    status: str
    owner_agency: str
    owner_user: str | None
    due_on: date | None
    description: str | None
    overdue: bool
    #: What was done, or why it was cancelled.
    outcome_note: str | None = None
    #: The day it was done (done actions only).
    completed_on: date | None = None


def action_views(decision: Decision, actions: Sequence[Action], today: date) -> list[ActionView]:
    """Actions as the decision lets the reader see them (what is to be done and its
    outcome under "actions"), open ones past their due date flagged overdue."""
    return [
        ActionView(
            id=a.id,
            kind=a.kind.label,
            status=a.status_label,
            owner_agency=a.owner_agency.name,
            owner_user=_owner(a),
            due_on=a.due_on,
            completed_on=a.completed_on if a.status is ActionStatus.DONE else None,
            **values,
            overdue=a.due_on is not None and a.due_on < today and a.status is ActionStatus.OPEN,
        )
        for a, values in zip(
            actions, reveal_rows(decision, actions, ("description", "outcome_note")), strict=True
        )
    ]


def _owner(action: Action) -> str | None:
    """The action's named owner, "(has left)" after an open action's once their account is
    disabled: it waits for someone to take it on."""
    owner = action.owner_user
    if owner is None:
        return None
    gone = not owner.active and action.status is ActionStatus.OPEN
    return f"{owner.display_name} (has left)" if gone else owner.display_name
