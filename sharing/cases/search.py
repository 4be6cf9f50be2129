"""Exact search on encrypted values: by surname, surname and date of birth, postcode,
phone number or UPRN.

The blind index (``sharing.crypto.blind_index``) gives candidate records in the searched value's
bucket, within the agencies whose cases the user may see; each candidate is decrypted and
compared with the normalised search value, and only exact matches are returned. Results
name cases (through ``sharing.cases.pages``'s rules), never more than the user may see.
The bucket's records are read, and compared, by ``sharing.cases.exact_matches``; this
module decides which cases the user may see, names what was found and records the search.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import visible_cases
from sharing.access.decide import Actor, Decision
from sharing.access.reveal import names as reveal_names
from sharing.audit import acts
from sharing.cases.exact_matches import (
    AnyRow,
    cases_shown,
    matching_cases,
    matching_people,
    parties,
)
from sharing.crypto import blind_index
from sharing.errors import InputError
from sharing.models import Case
from sharing.vocabulary import CaseCategory, CaseStatus, Priority

KINDS = {
    "surname": "Surname",
    "surname_dob": "Surname and date of birth",
    "postcode": "Postcode",
    "phone": "Phone number",
    "uprn": "UPRN",
}
MIN_SURNAME = 2
MAX_RESULTS = 50
T = TypeVar("T")


@dataclass(frozen=True)
class SearchQuery:
    kind: str
    surname: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    phone: str = ""
    uprn: str = ""


@dataclass(frozen=True)
class SearchHit:
    """A case that holds the searched value, and where on it: one hit for each case,
    however many of its people (and its own location) hold the value."""

    case_id: int
    reference: str
    category: CaseCategory
    priority: Priority
    status: CaseStatus
    agency: str
    #: Each place the value was found, with the person whose name is shown (None for the
    #: case's own location): ("Victim: Ruth Okonkwo", 36), ("Location of the case", None).
    places: tuple[tuple[str, int | None], ...]

    @property
    def matched(self) -> str:
        """What matched, as a list shows it: "Victim: Ruth Okonkwo; Location of the case"."""
        return "; ".join(what for what, _ in self.places)

    @property
    def person_ids(self) -> list[int]:
        """The people found on the case, whose names are shown."""
        return [person for _, person in self.places if person is not None]


def search_term(query: SearchQuery) -> tuple[str, str]:
    """The index field and normalised value to search for, or InputError saying what
    is wrong with the input."""
    if query.kind not in KINDS:
        raise InputError("kind", "Select what to search by")
    if query.kind in ("surname", "surname_dob"):
        name = blind_index.normalise_name(query.surname) or ""
        if not name:
            raise InputError("surname", "Enter a surname")
        if len(name) < MIN_SURNAME:
            raise InputError(
                "surname",
                f"Enter at least {MIN_SURNAME} letters of the surname: search finds exact surnames only",
            )
        if query.kind == "surname":
            return "surname", name
        if query.date_of_birth is None:
            raise InputError("date_of_birth", "Enter a date of birth")
        return "surname_dob", f"{name}|{query.date_of_birth.isoformat()}"
    raw = getattr(query, query.kind).strip()
    if not raw:
        raise InputError(
            query.kind, f"Enter a {KINDS[query.kind].lower() if query.kind != 'uprn' else 'UPRN'}"
        )
    value = blind_index.normalise(query.kind, raw)
    if value is None:
        raise InputError(query.kind, _FORMAT_HELP[query.kind])
    return query.kind, value


_FORMAT_HELP = {
    "postcode": "Enter a real postcode, like NG1 5AB",
    "phone": "Enter a phone number, like 07700 900 982 (a number abroad: + and its country code)",
    "uprn": "A UPRN is a number of up to 12 digits",
}


@dataclass(frozen=True)
class SearchOutcome:
    #: The cases found, at most MAX_RESULTS, each once.
    hits: list[SearchHit]
    #: More than MAX_RESULTS cases match: the user should narrow the search.
    truncated: bool = False


#: Matches are placed on their cases in batches, stopping once enough are shown: the
#: first batch holds FIRST_BATCH (more than MAX_RESULTS, so a common value needs one), and
#: each next one four times more, up to BATCH.
FIRST_BATCH = 64
BATCH = 3200


def search(session: Session, actor: Actor, query: SearchQuery) -> SearchOutcome:
    """Cases the actor may see that hold exactly the searched value, each once with every
    place it was found (at most MAX_RESULTS cases, sorted by case reference; ``truncated``
    says when more cases match). A search refused for what was typed is recorded naming
    the field (never what was typed)."""
    try:
        field, value = search_term(query)
    except InputError as refused:
        acts.refuse(
            session, acts.Action.SEARCH, actor=actor, reason=f"refused input: {refused.field}"
        )
        raise
    if not actor.works_cases:
        acts.refuse(
            session, acts.Action.SEARCH, actor=actor, reason="your roles do not include casework"
        )
        return SearchOutcome([])
    found = _Found(session, actor)
    agencies = [actor.agency_id]
    with closing(matching_people(session, field, value, agencies)) as people:
        for batch in _batches(person[1] for person in people):
            if found.add({(r.case_id, r.person_id): r for r in parties(session, batch)}):
                break
        else:  # every candidate read: the cases' own locations are known too
            with closing(matching_cases(session, field, value, agencies)) as cases:
                for batch in _batches(case[1] for case in cases):
                    if found.add({(c.case_id, None): c for c in cases_shown(session, batch)}):
                        break
    found.decide()
    # Each case once, its people before its location; names read only for what is shown.
    by_case: dict[int, list[tuple[int | None, AnyRow]]] = {}
    for (case, person), row in sorted(
        found.visible.items(),
        key=lambda item: (item[1].reference, item[0][1] is None, item[0][1] or 0),
    ):
        by_case.setdefault(case, []).append((person, row))
    shown = list(by_case.items())[:MAX_RESULTS]
    names = reveal_names(
        session,
        {person: found.decisions[case] for case, places in shown for person, _ in places if person},
        searched=(field, value),
    )
    ordered = [
        _hit(
            places[0][1],
            tuple(
                (f"{row.role.label}: {names[person]}", person)
                if person
                else ("Location of the case", None)
                for person, row in places
            ),
        )
        for _, places in shown
    ]
    outcome = SearchOutcome(ordered, truncated=len(by_case) > MAX_RESULTS)
    _audit(session, actor, field, outcome)
    return outcome


class _Found:
    """The places a search found, each (case, person) with the row to show (person None
    for the case's own location). Whether the user may see each case is decided for many
    at once, and only once more cases than a page shows could be shown."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.visible: dict[tuple[int, int | None], AnyRow] = {}
        self.decisions: dict[int, Decision] = {}
        self.undecided: dict[tuple[int, int | None], AnyRow] = {}

    def add(self, places: dict[tuple[int, int | None], AnyRow]) -> bool:
        """Add places; whether they are on more cases the user may see than a page shows
        (enough to stop)."""
        self.undecided.update(places)
        if len({case for case, _ in itertools.chain(self.visible, self.undecided)}) > MAX_RESULTS:
            self.decide()
        return len({case for case, _ in self.visible}) > MAX_RESULTS

    def decide(self) -> None:
        """Keep the undecided places on cases the user may see."""
        if not self.undecided:
            return
        cases = {case_id for case_id, _ in self.undecided}
        allowed = visible_cases(self.session, self.actor, cases)
        self.decisions.update(allowed)
        self.visible.update({k: row for k, row in self.undecided.items() if k[0] in allowed})
        self.undecided = {}


def held_on_cases_unseen(session: Session, actor: Actor, query: SearchQuery) -> bool:
    """Whether someone on a case of the actor's agency that the actor may not open (another
    team's; never a locked or erased case) holds exactly the searched value: a flag for
    the "already known" check, which names nothing of those cases."""
    field, value = search_term(query)
    if not actor.works_cases:
        return False
    with closing(matching_people(session, field, value, [actor.agency_id])) as people:
        for batch in _batches(person[1] for person in people):
            cases = {row.case_id for row in parties(session, batch)}
            knowable = set(
                session.scalars(
                    select(Case.id).where(
                        Case.id.in_(cases), Case.locked.is_(False), Case.erased_at.is_(None)
                    )
                )
            )
            if knowable - visible_cases(session, actor, knowable).keys():
                return True
    return False


def _audit(session: Session, actor: Actor, field: str, outcome: SearchOutcome) -> None:
    """The search's entry: what kind of value was searched and what was shown (never the
    value itself). A search whose entry cannot be written shows nothing."""
    cases = sorted({h.case_id for h in outcome.hits})
    people = sorted({person for h in outcome.hits for person in h.person_ids})
    acts.record(
        session,
        acts.Action.SEARCH,
        actor=actor,
        subject=acts.Subject("search"),
        basis=(
            f"by {field}: {len(outcome.hits)} shown{' (more not shown)' if outcome.truncated else ''}"
            f"; cases {acts.ids(cases)}; persons {acts.ids(people)}"
        ),
    )


def _batches(items: Iterable[T]) -> Iterator[list[T]]:
    """``items`` in batches that start small and grow: a search for a common value finds
    enough in its first batch, one for a rare value has few. Only what a batch needs is
    read from ``items``."""
    size, batch = FIRST_BATCH, []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch, size = [], min(size * 4, BATCH)
    if batch:
        yield batch


def _hit(row: AnyRow, places: tuple[tuple[str, int | None], ...]) -> SearchHit:
    return SearchHit(
        case_id=row.case_id,
        reference=row.reference,
        category=row.category,
        priority=row.priority,
        status=row.status,
        agency=row.agency,
        places=places,
    )
