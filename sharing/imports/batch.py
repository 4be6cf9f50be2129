"""Writing an import's cases a batch at a time: each row checked as it comes, through the
casework's own checks, and the batch's rows then written together.

A case opened through the casework is written a record at a time: flushed for its id
(sealing binds each value to its row), its data key made and flushed, its index entries
replaced, its references and entries written one statement each (about 60 statements a
row). An import of a partner's whole system (100,000 rows) cannot afford that, so a
batch writes what the casework writes, in a few statements for all its rows:

- ids reserved from each table's sequence at once, so values are sealed before their
  rows are inserted;
- one data key a case and a person, made and wrapped in Python, inserted together;
- the case references taken from the agency's counter once a year of the batch;
- the people matched to those the agency already holds on cases the importer may open
  (and to those earlier rows of the batch record) through one blind-index query, one
  decryption each and one access decision for all their cases (``sharing.imports.matching``);
- the persons, cases, parties, incidents and index entries inserted a table at a time;
- each case's audit entries (opened, and its first incident recorded), in one statement.

The rows, the checks and the result are the casework's: a case read back is the one a
form would have opened. What the casework does beyond writing (a hate incident's
escalation) is not done here: such rows go through the casework itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.access.reveal import not_held
from sharing.audit import acts
from sharing.cases import first_contact, reviews
from sharing.cases.casework import CaseInput, check_case, history_basis, next_references
from sharing.cases.incidents import IncidentInput, check_incident
from sharing.cases.people import PersonInput, check_person
from sharing.cases.recording import Checked
from sharing.crypto import blind_index
from sharing.crypto.data_keys import forget_data_keys, new_data_keys, provider_of
from sharing.crypto.sealing import sealed_values
from sharing.db import insert_rows, reserve_ids
from sharing.formats import other_names
from sharing.imports.matching import Key, Linked, held_people, key_of, not_saved
from sharing.models import (
    Agency,
    BlindIndex,
    Case,
    CaseParty,
    DataKey,
    Incident,
    Person,
    User,
    Ward,
)
from sharing.models.base import table_of

#: Rows written together: large enough that a statement carries many rows, small enough
#: that a batch's values and keys take little memory.
BATCH_ROWS = 500


@dataclass(eq=False)
class _NewPerson:
    """A person a row names: their checked values, and once the batch is written, their
    id (a new record's, or the one held person they were linked to)."""

    data: PersonInput
    values: dict[str, str | None]
    #: Who they are, for matching (None: they are not matched).
    key: Key | None
    recorded_at: datetime
    line: int
    id: int = 0
    #: The person an earlier row of the batch records, when it is the same one.
    same_as: _NewPerson | None = None
    #: Once linked to a person held (or an earlier row's), the fields sent not saved.
    not_saved: tuple[str, ...] | None = None

    @property
    def person_id(self) -> int:
        return self.same_as.id if self.same_as is not None else self.id


@dataclass
class _Row:
    reference: str
    opened_at: datetime
    case: Checked
    incident: Checked
    parties: list[_NewPerson]
    #: What the opening's audit entry says of the days the row came with.
    history: str | None = None


class CaseBatch:
    """An import's cases, each with its first incident, checked as they are added and
    written ``size`` at a time (and by ``write``, for the last ones)."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        agency: Agency,
        size: int | None = None,
        *,
        review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
        first_contact_days: int = first_contact.DEFAULT_WORKING_DAYS,
    ) -> None:
        self.session, self.actor, self.agency = session, actor, agency
        #: Days between case reviews by priority, which set each case's first review.
        self.review_days = review_days
        #: Working days from opening to each case's first contact.
        self.first_contact_days = first_contact_days
        self.size = size or BATCH_ROWS
        self.rows: list[_Row] = []
        #: People linked to one the agency already held, over every batch written.
        self.linked: list[Linked] = []
        #: The kinds of case (officer, priority) the actor was allowed to record on.
        self._decided: set[tuple[object, object]] = set()
        #: The agency's wards and staff, held so that the checks find them in the session
        #: (which holds only what something else refers to) rather than read each again.
        self._known = [
            *session.scalars(select(Ward).where(Ward.area_id == agency.area_id)),
            *session.scalars(select(User).where(User.agency_id == agency.id)),
        ]

    def add(
        self,
        reference: str,
        case: CaseInput,
        incident: IncidentInput,
        opened_at: datetime,
        line: int = 1,
    ) -> None:
        """Check a case opened at ``opened_at`` with its people, and its first incident
        recorded now, as the casework checks them: ``InputError`` at the first field that
        is not right, with nothing kept. Writes the batch once it holds ``size`` rows."""
        checked = check_case(
            self.session,
            self.actor,
            self.agency,
            case,
            opened_at,
            self.review_days,
            first_contact_days=self.first_contact_days,
        )
        parties = []
        for party in case.parties:
            values = check_person(party, opened_at)
            parties.append(_NewPerson(party, values, key_of(party), opened_at, line))
        first = check_incident(
            self.session, self.actor, self.agency.area_id, (), incident, clock.now()
        )
        self.rows.append(_Row(reference, opened_at, checked, first, parties, history_basis(case)))
        if len(self.rows) >= self.size:
            self.write()

    def write(self) -> None:
        """Write the rows added since the last write (see the module's docstring)."""
        rows, self.rows = self.rows, []
        if not rows:
            return
        session = self.session
        session.flush()
        references = self._references(rows)
        new_people = self._link(rows)
        for person, person_id in zip(
            new_people, reserve_ids(session, table_of(Person), len(new_people)), strict=True
        ):
            person.id = person_id
        self.linked += [
            Linked(p.data.role, p.person_id, p.not_saved, p.line)
            for row in rows
            for p in row.parties
            if p.not_saved is not None
        ]
        case_ids = reserve_ids(session, table_of(Case), len(rows))
        incident_ids = reserve_ids(session, table_of(Incident), len(rows))
        key_ids = reserve_ids(session, table_of(DataKey), len(rows) + len(new_people))
        ciphers = new_data_keys(session, key_ids)
        case_keys, case_ciphers = key_ids[: len(rows)], ciphers[: len(rows)]
        provider = provider_of(session)
        people, index = [], []
        for person, key_id, cipher in zip(
            new_people, key_ids[len(rows) :], ciphers[len(rows) :], strict=True
        ):
            people.append(
                {
                    "id": person.id,
                    "agency_id": self.agency.id,
                    "created_at": person.recorded_at,
                    "data_key_id": key_id,
                    **sealed_values(Person, person.id, key_id, cipher, person.values),
                }
            )
            terms = blind_index.person_terms(
                family_name=person.values["family_name"],
                date_of_birth=person.data.date_of_birth,
                postcode=person.values["postcode"],
                phone=person.values["phone"],
            )
            # Their other names indexed as surnames are, as the person form indexes them.
            known_by = [name for name, _ in other_names(person.values["other_names"])]
            index += blind_index.entries(
                provider,
                terms,
                agency_id=self.agency.id,
                person_id=person.id,
                more=blind_index.other_name_terms(known_by, person.data.date_of_birth),
            )
        cases, parties, incidents = [], [], []
        done: list[tuple[acts.Action, acts.Subject, str | None]] = []
        for row, reference, case_id, incident_id, key_id, cipher in zip(
            rows, references, case_ids, incident_ids, case_keys, case_ciphers, strict=True
        ):
            cases.append(
                {
                    "id": case_id,
                    "reference": reference,
                    "external_reference": row.reference,
                    "data_key_id": key_id,
                    **row.case.columns,
                    **sealed_values(Case, case_id, key_id, cipher, row.case.sealed),
                }
            )
            terms = blind_index.case_terms(
                postcode=row.case.sealed["postcode"], uprn=row.case.sealed["uprn"]
            )
            index += blind_index.entries(provider, terms, agency_id=self.agency.id, case_id=case_id)
            parties += [
                {"case_id": case_id, "person_id": person.person_id, "role": person.data.role}
                for person in row.parties
            ]
            incidents.append(
                {
                    "id": incident_id,
                    "case_id": case_id,
                    **row.incident.columns,
                    **sealed_values(Incident, incident_id, key_id, cipher, row.incident.sealed),
                }
            )
            subject = acts.Subject("case", case_id)
            done.append((acts.Action.CASE_OPEN, subject, row.history))
            done.append((acts.Action.CASE_RECORD, subject, f"incident {incident_id}"))
        for model, values in (
            (Person, people),
            (Case, cases),
            (CaseParty, parties),
            (Incident, incidents),
            (BlindIndex, index),
        ):
            insert_rows(session, table_of(model), values)
        self._decide(rows, case_ids)
        acts.record_many(session, self.actor, done)
        forget_data_keys(session)

    def _references(self, rows: list[_Row]) -> list[str]:
        """The rows' case references, in order, each from its year's counter."""
        by_year: dict[int, list[int]] = defaultdict(list)
        for n, row in enumerate(rows):
            by_year[row.opened_at.year].append(n)
        references = [""] * len(rows)
        for year, positions in by_year.items():
            taken = next_references(self.session, self.agency, year, len(positions))
            for n, reference in zip(positions, taken, strict=True):
                references[n] = reference
        return references

    def _link(self, rows: list[_Row]) -> list[_NewPerson]:
        """Link each person the rows name to the one person with their family name, date
        of birth and given names, if there is exactly one: held before the batch on a case
        the actor may open (``sharing.imports.matching``) or recorded by an earlier row of
        it; what they sent that it does not hold is noted, not saved. The people left to
        record, in order."""
        keys = {p.key for row in rows for p in row.parties if p.key is not None}
        held = held_people(self.session, self.actor, keys) if keys else {}
        recorded: dict[Key, list[_NewPerson]] = defaultdict(list)
        new: list[_NewPerson] = []
        for person in (p for row in rows for p in row.parties):
            if person.key is not None:
                before, earlier = held[person.key], recorded[person.key]
                if len(before) + len(earlier) == 1:
                    if before:
                        person.id = before[0].id
                        person.not_saved = not_held(before[0], person.values)
                    else:
                        person.same_as = earlier[0]  # whose id is reserved with the others
                        person.not_saved = not_saved(earlier[0].values, person.values)
                    continue
            new.append(person)
            if person.key is not None:
                recorded[person.key].append(person)
        return new

    def _decide(self, rows: list[_Row], case_ids: list[int]) -> None:
        """Ask the access decision, once for each kind of case the batch opened (its
        officer and priority), whether the actor may record on it, as the casework asks
        for each case: ``NotAllowed`` (and nothing of the import kept) if not."""
        for row, case_id in zip(rows, case_ids, strict=True):
            kind = (row.case.columns["officer_id"], row.case.columns["priority"])
            if kind not in self._decided:
                authorise(self.session, self.actor, case_id, Act.RECORD)
                self._decided.add(kind)
