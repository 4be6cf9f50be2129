"""Exact search on encrypted values: by surname, surname and date of birth, postcode,
phone number or UPRN.

The blind index (``sharing.blind_index``) gives candidate records in the searched value's
bucket, within the agencies whose cases the user may see; each candidate is decrypted and
compared with the normalised search value, and only exact matches are returned. Results
name cases (through ``sharing.disclosure``'s rules), never more than the user may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from sharing import blind_index
from sharing.access import Actor
from sharing.audit import acts
from sharing.gate import visible_own_cases
from sharing.models import Agency, Case, CaseParty, Person
from sharing.sealing import SealedValueError, load_data_keys, open_sealed
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


class SearchError(ValueError):
    """Search input that cannot be searched for; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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
    """A case that holds the searched value, and where."""

    case_id: int
    reference: str
    category: CaseCategory
    priority: Priority
    status: CaseStatus
    agency: str
    #: What matched, e.g. "Victim: Ruth Okonkwo" or "Location of the case".
    matched: str
    #: The person whose name is shown (None when the case's location matched).
    person_id: int | None = None


def search_term(query: SearchQuery) -> tuple[str, str]:
    """The index field and normalised value to search for, or SearchError saying what
    is wrong with the input."""
    if query.kind not in KINDS:
        raise SearchError("kind", "Choose what to search by")
    if query.kind in ("surname", "surname_dob"):
        name = blind_index.normalise_name(query.surname) or ""
        if not name:
            raise SearchError("surname", "Enter a surname")
        if len(name) < MIN_SURNAME:
            raise SearchError(
                "surname",
                f"Enter at least {MIN_SURNAME} letters of the surname: search finds exact surnames only",
            )
        if query.kind == "surname":
            return "surname", name
        if query.date_of_birth is None:
            raise SearchError("date_of_birth", "Enter a date of birth")
        return "surname_dob", f"{name}|{query.date_of_birth.isoformat()}"
    raw = getattr(query, query.kind).strip()
    if not raw:
        raise SearchError(
            query.kind, f"Enter a {KINDS[query.kind].lower() if query.kind != 'uprn' else 'UPRN'}"
        )
    value = blind_index.normalise(query.kind, raw)
    if value is None:
        raise SearchError(query.kind, _FORMAT_HELP[query.kind])
    return query.kind, value


_FORMAT_HELP = {
    "postcode": "Enter a real postcode, like NG1 5AB",
    "phone": "Enter a phone number, like 07700 900 982 or +44 7700 900 982",
    "uprn": "A UPRN is a number of up to 12 digits",
}


@dataclass(frozen=True)
class SearchOutcome:
    hits: list[SearchHit]
    #: More than MAX_RESULTS matches: the user should narrow the search.
    truncated: bool = False


#: Candidates are loaded and compared in batches, stopping once enough match: the first
#: batch holds FIRST_BATCH, and each next one four times more, up to BATCH.
FIRST_BATCH = 64
BATCH = 3200


def search(session: Session, actor: Actor, query: SearchQuery) -> SearchOutcome:
    """Cases the actor may see that hold exactly the searched value (at most MAX_RESULTS,
    sorted by case reference; ``truncated`` says when there were more)."""
    field, value = search_term(query)
    if not actor.works_cases:
        acts.refuse(
            session, acts.Action.SEARCH, actor=actor, reason="your roles do not include casework"
        )
        return SearchOutcome([])
    case_ids: list[int] = []
    people = _people_first(
        blind_index.stream_candidates(session, field, value, [actor.agency_id]), case_ids
    )
    # (case, person) → the row to show; person None for the case's own location
    found: dict[tuple[int, int | None], Row[Any]] = {}
    for batch in _batches(people):
        matched = [
            p.id
            for p in _people(session, batch, field)
            if _person_matches(session, p, field, value)
        ]
        rows = _parties(session, matched)
        visible = visible_own_cases(session, actor, {row.case_id for row in rows})
        found.update({(r.case_id, r.person_id): r for r in rows if r.case_id in visible})
        if len(found) > MAX_RESULTS:
            break
    else:  # every candidate read: the cases' own locations are known too
        for batch in _batches(case_ids):
            matched_cases = [
                c for c in _cases(session, batch) if _matches(session, Case, c, field, value)
            ]
            visible = visible_own_cases(session, actor, {c.id for c in matched_cases})
            found.update({(c.id, None): c for c in matched_cases if c.id in visible})
            if len(found) > MAX_RESULTS:
                break
    # Names are read only for what is shown.
    shown = sorted(
        found.items(),
        key=lambda item: (item[1].reference, item[0][1] is None, item[0][1] or 0),
    )
    names = _names(session, [person for (_, person), _ in shown[:MAX_RESULTS] if person])
    ordered = [
        _hit(row, f"{row.role.label}: {names[person]}", person)
        if person
        else _hit(row, "Location of the case")
        for (_, person), row in shown[:MAX_RESULTS]
    ]
    outcome = SearchOutcome(ordered, truncated=len(shown) > MAX_RESULTS)
    _audit(session, actor, field, outcome)
    return outcome


def _audit(session: Session, actor: Actor, field: str, outcome: SearchOutcome) -> None:
    """The search's entry: what kind of value was searched and what was shown (never the
    value itself). A search whose entry cannot be written shows nothing."""
    cases = sorted({h.case_id for h in outcome.hits})
    people = sorted({h.person_id for h in outcome.hits if h.person_id is not None})
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


def people_matching(
    session: Session, field: str, value: str, agency_ids: list[int], limit: int
) -> list[Row[Any]]:
    """People of ``agency_ids`` (not erased) holding exactly the searched value, as plain
    rows with their searched columns still sealed; at most ``limit``, by id."""
    people = _people_first(blind_index.stream_candidates(session, field, value, agency_ids), [])
    matched: list[Row[Any]] = []
    for batch in _batches(people):
        matched += [
            p for p in _people(session, batch, field) if _person_matches(session, p, field, value)
        ]
        if len(matched) >= limit:
            break
    return matched[:limit]


def _people_first(
    candidates: Iterable[tuple[int | None, int | None]], case_ids: list[int]
) -> Iterator[int]:
    """The candidate people, as the index gives them; the candidate cases are kept in
    ``case_ids`` on the way, for when every person has been read."""
    for person_id, case_id in candidates:
        if person_id is not None:
            yield person_id
        elif case_id is not None:
            case_ids.append(case_id)


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    """``ids`` in batches that start small and grow: a search for a common value finds
    enough matches in its first candidates, one for a rare value reads few batches. Only
    what a batch needs is read from ``ids``."""
    size, batch = FIRST_BATCH, []
    for id_ in ids:
        batch.append(id_)
        if len(batch) == size:
            yield batch
            batch, size = [], min(size * 4, BATCH)
    if batch:
        yield batch


#: The sealed person columns a search by each field compares (and reads no others).
_COMPARED = {
    "surname": ("family_name",),
    "surname_dob": ("family_name", "date_of_birth"),
    "postcode": ("postcode",),
    "phone": ("phone",),
    "uprn": (),
}


def _people(session: Session, ids: list[int], field: str) -> list[Row[Any]]:
    """Candidate people as plain rows (a search may read hundreds), with only the sealed
    columns the search compares."""
    columns = _COMPARED[field]
    if not ids or not columns:
        return []
    people = list(
        session.execute(
            select(Person.id, Person.data_key_id, *(getattr(Person, c) for c in columns)).where(
                Person.id.in_(bindparam("ids", expanding=True)), Person.erased_at.is_(None)
            ),
            {"ids": ids},
        )
    )
    load_data_keys(session, {p.data_key_id for p in people if p.data_key_id})
    return people


def _names(session: Session, ids: list[int]) -> dict[int, str]:
    """The names of the people a search shows (matched, on a case the user may see)."""
    if not ids:
        return {}
    people: list[Row[Any]] = list(
        session.execute(
            select(Person.id, Person.data_key_id, Person.given_names, Person.family_name).where(
                Person.id.in_(bindparam("ids", expanding=True))
            ),
            {"ids": ids},
        )
    )
    return {p.id: _name(session, p) for p in people}


def _parties(session: Session, person_ids: list[int]) -> list[Row[Any]]:
    """Where the matched people appear: plain columns only (no ORM objects to build)."""
    if not person_ids:
        return []
    return list(
        session.execute(
            select(
                CaseParty.case_id,
                CaseParty.person_id,
                CaseParty.role,
                Case.reference,
                Case.category,
                Case.priority,
                Case.status,
                Agency.name.label("agency"),
            )
            .join(Case, Case.id == CaseParty.case_id)
            .join(Agency, Agency.id == Case.agency_id)
            .where(
                CaseParty.person_id.in_(bindparam("ids", expanding=True)),
                Case.erased_at.is_(None),
            )
            .order_by(CaseParty.id),
            {"ids": person_ids},
        )
    )


def _cases(session: Session, ids: list[int]) -> list[Row[Any]]:
    """Candidate case locations as plain rows."""
    if not ids:
        return []
    cases: list[Row[Any]] = list(
        session.execute(
            select(
                Case.id,
                Case.data_key_id,
                Case.postcode,
                Case.uprn,
                Case.id.label("case_id"),
                Case.reference,
                Case.category,
                Case.priority,
                Case.status,
                Agency.name.label("agency"),
            )
            .join(Agency, Agency.id == Case.agency_id)
            .where(Case.id.in_(bindparam("ids", expanding=True)), Case.erased_at.is_(None)),
            {"ids": ids},
        )
    )
    load_data_keys(session, {c.data_key_id for c in cases if c.data_key_id})
    return cases


def _read(session: Session, model: type, row: Row[Any], column: str) -> str | None:
    try:
        return open_sealed(session, model, column, row.id, row.data_key_id, getattr(row, column))
    except SealedValueError:
        return None  # erased or failing its integrity check (logged): never a match


def _person_matches(session: Session, person: Row[Any], field: str, value: str) -> bool:
    if field in ("surname", "surname_dob"):
        family = _read(session, Person, person, "family_name")
        if field == "surname":
            return family is not None and blind_index.normalise_name(family) == value
        dob = _read(session, Person, person, "date_of_birth")
        return (
            family is not None and dob is not None and blind_index.surname_dob(family, dob) == value
        )
    return _matches(session, Person, person, field, value)


def _matches(session: Session, model: type, row: Row[Any], field: str, value: str) -> bool:
    stored = _read(session, model, row, field)
    return stored is not None and blind_index.normalise(field, stored) == value


def _name(session: Session, person: Row[Any]) -> str:
    parts = [
        _read(session, Person, person, "given_names"),
        _read(session, Person, person, "family_name"),
    ]
    return " ".join(p for p in parts if p) or "name not recorded"


def _hit(row: Row[Any], matched: str, person_id: int | None = None) -> SearchHit:
    return SearchHit(
        case_id=row.case_id,
        reference=row.reference,
        category=row.category,
        priority=row.priority,
        status=row.status,
        agency=row.agency,
        matched=matched,
        person_id=person_id,
    )
