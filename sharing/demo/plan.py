"""The demo's cases as plain values, planned before anything is written.

Planning draws every random choice, in a fixed order, from one ``random.Random``; writing
(``sharing.demo.build``) only replays the plan through the casework services. Agencies
and staff are named by code and e-mail address, so a plan needs no database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sharing.demo.names import Resident
from sharing.demo.places import Address
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseCategory,
    CaseStatus,
    ClosureReason,
    LockReason,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    Triage,
)


@dataclass(frozen=True)
class PartyPlan:
    """A person on a case, as the owning agency records them."""

    role: PartyRole
    resident: Resident
    address: Address | None
    #: Whether the agency knows the date of birth.
    dob_known: bool = True
    #: Whether the agency has the phone number and e-mail address.
    contact_known: bool = True
    support_needs: str = ""
    contact_preferences: str = ""


@dataclass(frozen=True)
class IncidentPlan:
    occurred_at: datetime
    recorded_at: datetime
    description: str
    place: str
    #: Index into the case's parties of who reported it; None when anonymous.
    reported_by: int | None
    #: Code of the agency the report was made to.
    received_by: str
    reported_to_police: bool
    crime_reference: str
    hate_related: bool


@dataclass(frozen=True)
class ActionPlan:
    kind: ActionKind
    description: str
    #: Code of the agency that owns the action.
    owner_agency: str
    #: E-mail address of the named owner, if any.
    owner_email: str | None
    created_at: datetime
    status: ActionStatus
    due_on: date | None
    completed_on: date | None


@dataclass(frozen=True)
class LockPlan:
    reason: LockReason
    note: str
    requested_at: datetime


@dataclass(frozen=True)
class CasePlan:
    """One case, from opening to its state today."""

    agency: str
    #: E-mail address of the case officer who opens and works the case.
    officer: str
    opened_at: datetime
    category: CaseCategory
    priority: Priority
    triage: Triage
    hate: ProtectedCharacteristic | None
    address: Address
    summary: str
    parties: tuple[PartyPlan, ...]
    incidents: tuple[IncidentPlan, ...]
    actions: tuple[ActionPlan, ...]
    status: CaseStatus
    closure_reason: ClosureReason | None
    closure_note: str
    closed_at: datetime | None
    review_due_on: date | None
    lock: LockPlan | None = None

    @property
    def updated_at(self) -> datetime:
        """When the case last changed: its latest recorded event."""
        times = [self.opened_at]
        times += [incident.recorded_at for incident in self.incidents]
        times += [action.created_at for action in self.actions]
        if self.closed_at is not None:
            times.append(self.closed_at)
        if self.lock is not None:
            times.append(self.lock.requested_at)
        return max(times)

    def victims(self) -> list[PartyPlan]:
        return [party for party in self.parties if party.role is PartyRole.VICTIM]


def repeat_victim_count(plans: list[CasePlan]) -> int:
    """How many people (same name and date of birth) are victims in cases of two or more
    agencies."""
    agencies: dict[tuple[str, str, date], set[str]] = defaultdict(set)
    for plan in plans:
        for victim in plan.victims():
            person = victim.resident
            key = (person.given_names, person.family_name, person.date_of_birth)
            agencies[key].add(plan.agency)
    return sum(1 for codes in agencies.values() if len(codes) > 1)
