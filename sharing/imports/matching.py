"""Linking a person an import row (or a partner system's new case) names to the person
the agency already holds, rather than recording them twice.

A person sent is linked only to someone the acting account could have chosen themselves:
a person on a case of the agency the account may open (the rule the hub's pages use for
the people they offer; never a locked case outside its lock, nor another team's), whose
family name, date of birth and given names are all the same as the index normalises
them (a person sent without given names or date of birth is recorded anew), and only
when exactly one such person is held. Anything else gives a new record with everything
sent, and tells the caller nothing of the people held.

A person linked keeps their record as held: what was sent that the record does not hold
(a new phone number, other support needs) is not written over it, but named, field by
field (never by value), so that the caller can tell the case officer to check it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import visible_cases
from sharing.access.decide import Actor
from sharing.access.reveal import holds, people_holding
from sharing.cases.people import PersonInput
from sharing.crypto import blind_index
from sharing.formats import same_value
from sharing.models import CaseParty, Person
from sharing.vocabulary import PartyRole

#: Who a person sent is, as matching sees them: surname and date of birth (the index's
#: term) and their given names, normalised.
Key = tuple[str, str]


@dataclass(frozen=True)
class Linked:
    """A person sent who was linked to a person held, and what sent was not saved."""

    role: PartyRole
    person_id: int
    #: The person's fields (``check_person``'s names) sent with a value the record held
    #: does not have: the held record was left as it was.
    not_saved: tuple[str, ...]
    #: The import's line (1 for a case sent alone).
    line: int = 1

    @property
    def columns(self) -> list[str]:
        """The fields not saved as the import's columns (victim_phone)."""
        return [f"{self.role.value}_{name}" for name in self.not_saved]

    def __str__(self) -> str:
        return (
            f"line {self.line}: the {self.role.label.lower()} was linked to the person your "
            f"agency holds (person {self.person_id}), whose record was left as it was; not "
            f"saved: {', '.join(self.columns)}"
        )


def key_of(person: PersonInput) -> Key | None:
    """Who ``person`` is, for matching; None when they cannot be matched (no family name,
    date of birth or given names)."""
    if person.date_of_birth is None:
        return None
    term = blind_index.surname_dob(person.family_name, person.date_of_birth)
    given = blind_index.normalise_name(person.given_names)
    return (term, given) if term and given else None


def held_people(session: Session, actor: Actor, keys: Iterable[Key]) -> dict[Key, list[Person]]:
    """For each key, the people of the actor's agency (not erased) it names who are on a
    case the actor may open (found through the blind index, confirmed by decrypting)."""
    wanted = set(keys)
    terms = {("surname_dob", term) for term, _ in wanted}
    found = people_holding(session, sorted(terms), [actor.agency_id])
    candidates = {
        key: [p for p in found[("surname_dob", key[0])] if holds(p, "given_names", key[1])]
        for key in wanted
    }
    ids = {p.id for people in candidates.values() for p in people}
    on_cases: dict[int, set[int]] = defaultdict(set)
    if ids:
        for person_id, case_id in session.execute(
            select(CaseParty.person_id, CaseParty.case_id).where(CaseParty.person_id.in_(ids))
        ):
            on_cases[person_id].add(case_id)
    cases = {case_id for case_ids in on_cases.values() for case_id in case_ids}
    may_open = visible_cases(session, actor, cases).keys() if cases else set()
    return {
        key: [p for p in people if on_cases[p.id] & may_open] for key, people in candidates.items()
    }


def not_saved(held: Mapping[str, str | None], sent: Mapping[str, str | None]) -> tuple[str, ...]:
    """The fields of ``sent`` (checked values, by sealed column) that hold a value the
    values ``held`` (a person recorded by an earlier row of the same import) do not; for
    a person held before, ``sharing.access.reveal.not_held``."""
    return tuple(
        name for name, value in sent.items() if value and not same_value(held.get(name), value)
    )
