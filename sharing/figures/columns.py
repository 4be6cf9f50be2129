"""Whose cases a column of the partnership's figures (``sharing.figures.partnership``)
counts: every agency's in the area, rounded; or, for a manager, their own agency's
exactly (those they may see: ``seen_by``) beside the others' rounded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_

from sharing.access.decide import Actor
from sharing.access.scope import Lock
from sharing.errors import NotAllowed
from sharing.figures.areas import Scope
from sharing.models import Agency, Case
from sharing.vocabulary import Role

EXACT_FIELD = "exact"


@dataclass(frozen=True)
class Group:
    """The cases one column counts: all in the area, or one agency's only (exact for its
    managers), or all but one agency's."""

    title: str
    exact: bool = False
    only: int | None = None
    but: int | None = None

    def holds(self, agency_id: int) -> bool:
        if self.only is not None:
            return agency_id == self.only
        return agency_id != self.but


def groups_for(actor: Actor, own: Agency, scope: Scope, exact_asked: bool) -> tuple[Group, ...]:
    """The columns a reader sees: a manager their own agency's cases exactly and the
    others' rounded; anyone else every agency's cases rounded. ``NotAllowed`` when exact
    figures are asked for an agency that is not the reader's own to manage."""
    manager = actor.has(Role.MANAGER)
    if exact_asked and not (manager and scope.agency is not None and scope.agency.id == own.id):
        raise NotAllowed(
            "Exact figures are only for an agency's own managers, and only for their "
            "agency: select your own agency, or see the figures rounded"
        )
    if not manager or (scope.agency is not None and scope.agency.id != own.id):
        return (Group(scope.agency.name if scope.agency else "All agencies"),)
    yours = Group(f"{own.name} (exact)", exact=True, only=own.id)
    if scope.agency is not None:
        return (yours,)
    return (yours, Group("Other agencies", but=own.id))


def seen_by(actor: Actor, groups: tuple[Group, ...]) -> list[ColumnElement[bool]]:
    """SQL: the cases the figures count for ``groups``. An exact column counts only the
    cases of its agency the reader may see: a locked case they are not named on is in
    none of their lists, so counted exactly it would show, less what the lists show, that
    a locked case was opened then, there and of that kind. Rounded columns count every
    case, locked or not."""
    return [
        or_(Case.agency_id != group.only, Lock.where(actor))
        for group in groups
        if group.exact and group.only is not None
    ]
