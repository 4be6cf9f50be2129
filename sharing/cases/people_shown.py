"""What a case page shows of the people on a case: each person's details as the decision
allows, their name ("erased" for someone erased), and on an erased case, only the name of
someone whose record was kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from sharing.access.decide import Decision
from sharing.access.reveal import ERASED
from sharing.models import Person


@dataclass(frozen=True)
class PersonView:
    person_id: int
    #: The person's place on this case (one person may hold two roles).
    party_id: int
    role: str
    erased: bool
    name: str | None
    date_of_birth: str | None
    phone: str | None
    email: str | None
    address: str | None
    postcode: str | None
    contact_preferences: str | None
    support_needs: str | None
    #: Reasonable adjustments ("vulnerability") and how to contact them ("contact"), as
    #: sentences.
    adjustments: str | None = None
    contact_needs: str | None = None


#: What a case page shows of each person on the case (as the decision allows).
PERSON_COLUMNS = (
    "given_names",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "postcode",
    "contact_preferences",
    "support_needs",
    "adjustments",
    "contact_needs",
)


def name(decision: Decision, person: Person, values: dict[str, str | None]) -> str | None:
    if person.erased_at is not None and decision.allows("identity"):
        return ERASED
    parts = [values["given_names"], values["family_name"]]
    return " ".join(p for p in parts if p) or None


def kept_apart(values: dict[str, str | None]) -> dict[str, str | None]:
    """What an erased case shows of someone whose record was kept: their name, to say who
    was kept, and none of their details, which are no longer part of the case."""
    return {
        column: value if column in ("given_names", "family_name") or value is None else ERASED
        for column, value in values.items()
    }
