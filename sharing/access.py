"""Access decisions: who may see or work which case, and which data categories.

Deny by default. Every decision names its basis, so a page can say "why you can see
this" and the audit log can record it. In this release the only basis is the user's own
agency: information sharing protocols and shares add further bases later, through this
same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sharing.models import Case, User
from sharing.vocabulary import Role

#: The data categories a case's values fall into (DESIGN.md §3, "Case summary").
CATEGORIES: tuple[str, ...] = (
    "identity",
    "contact",
    "location",
    "narrative",
    "risk",
    "vulnerability",
    "offending",
    "actions",
    "outcome",
)

#: Roles that work their own agency's cases.
CASEWORK_ROLES = frozenset({Role.CASE_OFFICER, Role.MANAGER})


class Act(StrEnum):
    """What the user wants to do with a case."""

    VIEW = "view"
    RECORD = "record"  # add incidents, actions, parties; change status
    CLOSE = "close"


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the core sees them: who, which agency, which roles."""

    user_id: int
    agency_id: int
    roles: frozenset[Role]

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user_id=user.id, agency_id=user.agency_id, roles=user.roles)

    def has(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def works_cases(self) -> bool:
        return self.has(*CASEWORK_ROLES)


@dataclass(frozen=True)
class Decision:
    """The answer to "may this actor do this to this case?", with its reasons."""

    allowed: bool
    #: Data categories the actor may see, each with the basis that allows it.
    categories: dict[str, str] = field(default_factory=dict)
    #: Why the request was refused (for the audit log and the denial page).
    reason: str = ""

    def allows(self, category: str) -> bool:
        return category in self.categories

    def bases_for(self, *categories: str) -> dict[str, list[str]]:
        """Basis → the given categories it allows, for "why you can see this"."""
        grouped: dict[str, list[str]] = {}
        for category in categories:
            if category in self.categories:
                grouped.setdefault(self.categories[category], []).append(category)
        return grouped


def decide(actor: Actor, case: Case, act: Act = Act.VIEW) -> Decision:
    """Decide whether ``actor`` may do ``act`` to ``case`` and which categories they see."""
    if case.erased_at is not None and act is not Act.VIEW:
        return Decision(False, reason="the case has been erased")
    if case.agency_id != actor.agency_id:
        return Decision(False, reason="the case belongs to another agency and is not shared")
    if not actor.works_cases:
        return Decision(False, reason="your roles do not include casework")
    basis = "Your agency's own case: " + ", ".join(
        sorted(r.label.lower() for r in actor.roles & CASEWORK_ROLES)
    )
    return Decision(True, categories=dict.fromkeys(CATEGORIES, basis))


def visible_agency_ids(actor: Actor) -> set[int]:
    """Agencies whose case lists the actor may see (own agency for caseworkers)."""
    return {actor.agency_id} if actor.works_cases else set()
