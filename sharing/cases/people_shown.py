"""What a case page shows of the people on a case: each person's details as the decision
allows, their name ("erased" for someone erased), and on an erased case, only the name of
someone whose record was kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sharing.access.decide import Decision
from sharing.access.reveal import ERASED, UNREADABLE
from sharing.formats import other_names
from sharing.models import CaseParty, Person
from sharing.vocabulary import PartyRole


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
    #: The other names they are also known by, as a line ("Spider (nickname); Wood
    #: (surname before marriage)").
    other_names: str | None = None
    #: The same, each (name, what it is: "" for no note); none when the reader may not
    #: see them.
    other_names_listed: tuple[tuple[str, str], ...] = ()
    #: When their record was erased (None: it was not).
    erased_at: datetime | None = None


#: The columns that make up a person's name.
NAME_PARTS = ("given_names", "family_name")

#: What a case page shows of each person on the case (as the decision allows).
PERSON_COLUMNS = (
    *NAME_PARTS,
    "date_of_birth",
    "phone",
    "email",
    "address",
    "postcode",
    "contact_preferences",
    "support_needs",
    "adjustments",
    "contact_needs",
    "other_names",
)


def name(decision: Decision, person: Person, values: dict[str, str | None]) -> str | None:
    """The person's name from their revealed ``values``: someone erased named once, as
    erased, where the reader may see who people are."""
    if person.erased_at is not None and decision.allows("identity"):
        return ERASED
    return " ".join(value for part in NAME_PARTS if (value := values[part])) or None


def other_names_line(value: str | None) -> str | None:
    """The other names someone is also known by (their sealed document, as revealed), in
    a line, each with what it is: "Spider (nickname); Wood (surname before marriage)"."""
    if value in (ERASED, UNREADABLE):
        return value
    listed = other_names(value)
    return "; ".join(f"{n} ({note})" if note else n for n, note in listed) or None


def kept_apart(values: dict[str, str | None]) -> dict[str, str | None]:
    """What an erased case shows of someone whose record was kept: their name, to say who
    was kept, and none of their details, which are no longer part of the case."""
    return {
        column: value if column in NAME_PARTS or value is None else ERASED
        for column, value in values.items()
    }


def parts_text(roles: Sequence[PartyRole]) -> str:
    """A person's parts on a case in words, in the order given: "victim", "victim and
    reporter", "victim, reporter and witness"."""
    named = [r.label.lower() for r in dict.fromkeys(roles)]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def by_person(parties: Sequence[CaseParty]) -> dict[int, list[CaseParty]]:
    """The parties of a case grouped by their person, each person once, in the order
    ``parties`` gives them first (one person may hold two parts: victim and reporter)."""
    grouped: dict[int, list[CaseParty]] = {}
    for party in parties:
        grouped.setdefault(party.person_id, []).append(party)
    return grouped
