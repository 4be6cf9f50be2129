"""The only way a value leaves its sealed column: a reveal bound to a decision.

``reveal`` and ``reveal_rows`` open only the columns whose data category the decision
allows (the others come back as None), and show a value that cannot be read as erased or
unreadable rather than failing the page. ``Comparison`` and ``holds`` answer whether a
sealed value equals a searched one without letting the value out (search, "also known
to"); ``identity_key`` tells whether two records are of the same person (the Community
Trigger's count of complainants). ``names`` opens the names of people a search shows, under each one's decision.

No other module of the hub imports the sealing functions that decrypt; a test holds every
module of ``sharing`` and ``hub`` to that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import DeclarativeBase, Session

from sharing.access.decide import Decision
from sharing.crypto import blind_index
from sharing.crypto.data_keys import load_data_keys
from sharing.crypto.sealed_format import ErasedValue, SealedValueError
from sharing.crypto.sealing import RowOpener, open_file, unseal_many, unseal_records
from sharing.formats import normalise_address, same_value
from sharing.formats import other_names as other_names_of
from sharing.models import Case, DataKey, Person
from sharing.models.base import BY_ROW
from sharing.models.documents import Document

__all__ = [
    "ERASED",
    "UNREADABLE",
    "Comparison",
    "holds",
    "identity_key",
    "load_data_keys",
    "found_by_other_name",
    "may_read",
    "names",
    "reveal",
    "reveal_file",
    "reveal_rows",
]

#: Shown in place of a value whose record was erased (its data key destroyed).
ERASED = "Erased"
#: Shown in place of a value that failed its integrity check (the failure is logged).
UNREADABLE = "Could not be read: this value failed its integrity check"


def allowed_columns(
    decision: Decision, record: DeclarativeBase, columns: Iterable[str]
) -> list[str]:
    """Those of ``columns`` (of ``record``'s table) whose category the decision allows: the
    column's own, or the row's for a column sealed ``BY_ROW``."""
    table = record.__table__
    return [c for c in columns if decision.allows(_category(record, table.c[c].info["category"]))]


def _category(record: DeclarativeBase, category: str) -> str:
    return record.category if category == BY_ROW else category  # type: ignore[attr-defined]


def _by_row(record: DeclarativeBase, columns: Iterable[str]) -> bool:
    table = record.__table__
    return any(table.c[c].info["category"] == BY_ROW for c in columns)


def reveal(
    decision: Decision, record: DeclarativeBase, columns: Sequence[str]
) -> dict[str, str | None]:
    """The values of ``columns`` the decision allows (None for the others), read together
    under the record's key; a value that cannot be read is shown as erased or unreadable,
    on its own."""
    allowed = allowed_columns(decision, record, columns) if decision.allowed else []
    values: dict[str, str | None] = dict.fromkeys(columns)
    try:
        values.update(unseal_many(record, allowed))
    except ErasedValue:
        values.update(dict.fromkeys(allowed, ERASED))
    except SealedValueError:
        values.update({c: _one(record, c) for c in allowed})
    return values


def reveal_one(decision: Decision, record: DeclarativeBase, column: str) -> str | None:
    """``reveal`` of one column: its value if the decision allows it (None otherwise),
    shown as erased or unreadable when it cannot be read."""
    return reveal(decision, record, (column,))[column]


def _one(record: DeclarativeBase, column: str) -> str | None:
    try:
        return unseal_many(record, (column,))[column]
    except ErasedValue:
        return ERASED
    except SealedValueError:
        return UNREADABLE


def reveal_rows(
    decision: Decision, records: Sequence[DeclarativeBase], columns: Sequence[str]
) -> list[dict[str, str | None]]:
    """``reveal`` for each of several records of one table (a case's people, incidents or
    actions), read together; when any value cannot be read, each record is read on its
    own, so that only that record's values show as erased or unreadable."""
    if not records:
        return []
    if _by_row(records[0], columns):
        return [reveal(decision, record, columns) for record in records]
    allowed = allowed_columns(decision, records[0], columns) if decision.allowed else []
    try:
        opened = unseal_records(records, allowed)
    except SealedValueError:
        return [reveal(decision, record, columns) for record in records]
    return [dict.fromkeys(columns) | values for values in opened]


def may_read(decision: Decision, document: Document) -> bool:
    """Whether the decision gives every category the document holds: its own, and those
    its content also holds (a letter's addressee's name and address)."""
    return decision.allowed and all(decision.allows(c) for c in document.categories)


def reveal_file(decision: Decision, document: Document, part: str, sealed: bytes) -> bytes | None:
    """The plain content of a document's file (or preview: ``part``) read from its store,
    when the decision allows every category it holds (``Document.categories``); None when
    it does not. Raises as ``sealing.open_file`` does: ``ErasedValue`` for an erased case,
    ``IntegrityFailure`` for stored bytes that were altered or swapped."""
    if not may_read(decision, document):
        return None
    return open_file(document, part, sealed)


def holds(record: Person | Case, field: str, value: str, *, other_names: bool = False) -> bool:
    """Whether ``record``'s sealed ``field`` (or surname and date of birth, for
    "surname_dob") normalises to ``value`` (a case's "address" lines as
    ``formats.normalise_address`` writes them); with ``other_names``, a person's surname
    also by any of the other names they are also known by. An unreadable value holds
    nothing."""
    if other_names and field in _BY_NAME and isinstance(record, Person):
        try:
            stored = unseal_many(record, ("family_name", "date_of_birth", "other_names"))
        except SealedValueError:
            return False
        return _by_any_name(field, value, stored) is not None
    columns = ("family_name", "date_of_birth") if field == "surname_dob" else (field,)
    try:
        stored = unseal_many(record, columns)
    except SealedValueError:
        return False
    if field == "surname_dob":
        family, dob = stored["family_name"], stored["date_of_birth"]
        return bool(family and dob) and blind_index.surname_dob(family or "", dob or "") == value
    single = stored[field]
    if single is None:
        return False
    if field == "address":
        return normalise_address(single) == value
    if field == "given_names":
        return blind_index.normalise_name(single) == value
    return blind_index.normalise(field, single) == value


#: The index fields a person is found by under any of their names.
_BY_NAME = ("surname", "surname_dob")


def _by_any_name(field: str, value: str, stored: Mapping[str, str | None]) -> str | None:
    """Which of a person's names (``stored``: their family name, date of birth and other
    names, opened) gives the searched surname ``value`` (or surname and date of birth):
    "" for their surname, the other name for one they are also known by, None for none."""
    dob = stored.get("date_of_birth")
    names = [stored.get("family_name") or ""]
    names += [name for name, _ in other_names_of(stored.get("other_names"))]
    for i, name in enumerate(names):
        if not name:
            continue
        if field == "surname":
            found = blind_index.normalise_name(name) == value
        else:
            found = bool(dob) and blind_index.surname_dob(name, dob or "") == value
        if found:
            return name if i else ""
    return None


def found_by_other_name(decision: Decision, person: Person, field: str, value: str) -> str | None:
    """The name they are also known by that a search by surname (or surname and date of
    birth: ``field``, ``value``) found ``person`` by, when the decision allows identity;
    None when it found them by their surname, or the reader may not see names."""
    if field not in _BY_NAME or not decision.allows("identity"):
        return None
    stored = reveal(decision, person, ("family_name", "date_of_birth", "other_names"))
    return _by_any_name(field, value, stored) or None


def not_held(record: Person, sent: Mapping[str, str | None]) -> tuple[str, ...]:
    """The fields of ``sent`` (a person's values, by sealed column) holding a value that
    ``record`` does not hold (``formats.same_value``); only their names leave (an
    unreadable record holds none of them)."""
    names = [name for name, value in sent.items() if value]
    try:
        stored = unseal_many(record, names)
    except SealedValueError:
        stored = {}
    return tuple(name for name in names if not same_value(stored.get(name), sent[name] or ""))


def people_holding(
    session: Session,
    terms: Sequence[tuple[str, str]],
    agency_ids: Iterable[int],
    *,
    other_names: bool = False,
) -> dict[tuple[str, str], list[Person]]:
    """For each (field, normalised value), the people of ``agency_ids``, not erased, whose
    record holds it (with ``other_names``, a surname also by a name they are also known
    by): found through the blind index (one query for every term), then confirmed by
    decrypting (their keys unwrapped in one query)."""
    found = blind_index.people_in_buckets(session, terms, list(agency_ids))
    ids = {person_id for person_ids in found.values() for person_id in person_ids}
    persons = {
        p.id: p
        for p in session.scalars(select(Person).where(Person.id.in_(ids)))
        if p.erased_at is None
    }
    load_data_keys(session, (p.data_key_id for p in persons.values()))
    return {
        (field, value): [
            persons[i]
            for i in person_ids
            if i in persons and holds(persons[i], field, value, other_names=other_names)
        ]
        for (field, value), person_ids in found.items()
    }


def identity_key(person: Person) -> str | None:
    """An opaque key for who ``person`` is (a hash of their normalised surname and date of
    birth, else of their phone number), equal for two agencies' records of the same
    person, so that their complaints can be counted per person without a value leaving;
    None when neither is recorded or the record cannot be read."""
    if person.erased_at is not None:
        return None
    try:
        values = unseal_many(person, ("family_name", "date_of_birth", "phone"))
    except SealedValueError:
        return None
    term = None
    if values["family_name"] and values["date_of_birth"]:
        term = blind_index.surname_dob(values["family_name"], values["date_of_birth"])
    if term is None and values["phone"]:
        term = blind_index.normalise("phone", values["phone"])
    return hashlib.sha256(term.encode()).hexdigest()[:16] if term else None


class Comparison:
    """Whether a search's candidate (a plain row with its ``id``, ``data_key_id``,
    ``kek_version``, ``wrapped`` key and the compared sealed columns, by name) holds the
    searched value: its sealed values opened and normalised (each distinct value once a
    search: a bucket holds few values, most of them many times). Only the answer leaves."""

    def __init__(self, session: Session, field: str, value: str) -> None:
        self.field, self.value = field, value
        self.people, self.cases = RowOpener(session, Person), RowOpener(session, Case)
        self.normalised: dict[Any, str | None] = {}

    def person(self, row: Row[Any]) -> bool:
        """Whether the person holds the value: for a search by surname (or surname and
        date of birth), by their surname or by any of the other names they are also known
        by (the row's ``other_names``)."""
        if self.field not in _BY_NAME:
            return self._holds(self._open(self.people, row, self.field))
        family = self._open(self.people, row, "family_name")
        dob = self._open(self.people, row, "date_of_birth") if self.field == "surname_dob" else None
        if family is not None:
            if self.field == "surname":
                if self._normalise(family, blind_index.normalise_name) == self.value:
                    return True
            elif dob is not None and self._normalise((family, dob), _surname_dob) == self.value:
                return True
        others = self._open(self.people, row, "other_names")
        if not others:
            return False
        stored = {"family_name": None, "date_of_birth": dob, "other_names": others}
        return bool(_by_any_name(self.field, self.value, stored))

    def case(self, row: Row[Any]) -> bool:
        return self._holds(self._open(self.cases, row, self.field))

    @staticmethod
    def _open(opener: RowOpener, row: Row[Any], column: str) -> str | None:
        cipher = opener.key(row.data_key_id, row.kek_version, row.wrapped)
        return opener.open(cipher, column, row.id, row.data_key_id, getattr(row, column))

    def _holds(self, stored: str | None) -> bool:
        if stored is None:
            return False
        field = self.field
        return self._normalise(stored, lambda v: blind_index.normalise(field, v)) == self.value

    def _normalise(self, stored: Any, normalise: Callable[[Any], str | None]) -> str | None:
        known = self.normalised
        if stored not in known:
            known[stored] = normalise(stored)
        return known[stored]


def _surname_dob(pair: tuple[str, str]) -> str | None:
    return blind_index.surname_dob(*pair)


def names(
    session: Session,
    decisions: Mapping[int, Decision],
    searched: tuple[str, str] | None = None,
) -> dict[int, str]:
    """The names of people (person id → decision on the case they are shown on), for those
    whose decision allows identity; "name not recorded" for a person with none. With
    ``searched`` (a search's index field and value, by surname), a person found by a name
    they are also known by, not their surname, is shown saying so and with that name."""
    ids = [person for person, decision in decisions.items() if decision.allows("identity")]
    if not ids:
        return {}
    people = RowOpener(session, Person)
    found = {}
    query = (
        select(
            Person.id,
            Person.data_key_id,
            DataKey.kek_version,
            DataKey.wrapped,
            Person.given_names,
            Person.family_name,
            Person.date_of_birth,
            Person.other_names,
        )
        .join(DataKey, DataKey.id == Person.data_key_id)
        .where(Person.id.in_(bindparam("ids", expanding=True)), DataKey.wrapped.is_not(None))
    )
    for row in session.execute(query, {"ids": ids}):
        cipher = people.key(row.data_key_id, row.kek_version, row.wrapped)
        parts = [
            people.open(cipher, "given_names", row.id, row.data_key_id, row.given_names),
            people.open(cipher, "family_name", row.id, row.data_key_id, row.family_name),
        ]
        name = " ".join(p for p in parts if p) or "name not recorded"
        if searched is not None and searched[0] in _BY_NAME and row.other_names is not None:
            stored = {
                column: people.open(cipher, column, row.id, row.data_key_id, getattr(row, column))
                for column in ("family_name", "date_of_birth", "other_names")
            }
            other = _by_any_name(searched[0], searched[1], stored)
            if other:
                name += f" (found by a name they are also known by: {other})"
        found[row.id] = name
    return found
