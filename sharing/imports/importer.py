"""Opening the case of one row, for an import or the API, through the same casework as
the hub's own forms: ``Importer`` takes an import's rows (written in batches, or each in a
savepoint of its own where the casework does more than write) or opens one case sent
through the API, linking a person the agency already holds rather than recording them
twice; ``ImportResult`` counts what it did. A row the casework refuses is a problem at its
line and column (``problem_of``), like a row the CSV check rejects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise, decision_on
from sharing.access.decide import Act, Actor
from sharing.access.reveal import not_held
from sharing.cases import casework, first_contact, incidents, reviews
from sharing.cases.people import PersonInput, check_person
from sharing.crypto.data_keys import forget_data_keys
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.imports.batch import CaseBatch
from sharing.imports.case_rows import MAX_PROBLEMS, CaseRow, Report
from sharing.imports.columns import Problem
from sharing.imports.matching import Linked, held_people, key_of
from sharing.models import Agency, Case, CaseParty, Incident, Person, User, Ward

#: The casework's field names, as the CSV's columns.
_COLUMNS = {
    "officer_id": "officer_email",
    "ward_id": "ward",
    "occurred_at": "incident_at",
    "description": "incident_description",
    "place": "incident_place",
}


@dataclass
class ImportResult:
    """What an import (or its dry run) did: the CSV's report, with the casework's own
    refusals added, and the counts."""

    dry_run: bool
    report: Report = field(default_factory=Report)
    #: Cases opened (or, in a dry run, that would be).
    opened: int = 0
    #: Rows whose reference was imported before, left alone.
    already_imported: int = 0
    #: People linked to a person the agency already holds.
    people_matched: int = 0
    #: The people linked whose row sent details their record does not hold (not saved),
    #: by line; at most ``MAX_PROBLEMS`` of them.
    not_saved: list[Linked] = field(default_factory=list)
    #: People linked with details not saved beyond those kept.
    not_saved_not_kept: int = 0

    @property
    def rejected(self) -> int:
        return self.report.rejected - self.already_imported

    def linked(self, people: list[Linked]) -> None:
        """Count people linked, and keep those with details not saved."""
        self.people_matched += len(people)
        unsaved = [p for p in people if p.not_saved]
        room = max(0, MAX_PROBLEMS - len(self.not_saved))
        self.not_saved.extend(unsaved[:room])
        self.not_saved_not_kept += max(0, len(unsaved) - room)


def problem_of(error: InputError, line: int) -> Problem:
    """The casework's refusal of a row, as a problem naming the row's column (a person's
    other names by their one column: ``victim_other_names-1-name`` is ``victim_other_names``)."""
    column = error.field.split("-")[0]
    return Problem(line, _COLUMNS.get(column, column), error.message)


@dataclass(frozen=True)
class Opened:
    case: Case
    incident: Incident
    #: The people sent who were linked to people the agency held.
    people: list[Linked]

    @property
    def people_matched(self) -> int:
        return len(self.people)


#: Why a case officer may not open a case with its first incident for an officer of
#: another team (as the case page's form may: it records no incident).
OTHER_TEAM = (
    "is an officer of another team: a case is opened here with its first incident, which a "
    "case officer records only on their own and their team's cases; name yourself or someone "
    "of your team, or leave it out (a manager's account may name any officer)"
)


def _require_recording(session: Session, actor: Actor, case: Case) -> None:
    """Refuse, as bad input naming the officer, a case just opened for an officer whose
    cases the actor may not record on (another team's): its first incident could not be
    recorded. A refusal of the row, not of the actor (nothing is recorded as refused: the
    case it would name is never written)."""
    decision = decision_on(session, actor, case.id, Act.RECORD)
    if decision is not None and not decision.allowed:
        raise InputError("officer_id", OTHER_TEAM)


def _opened_at(row: CaseRow) -> datetime:
    """When an imported case was opened: nine in the morning of the row's day, or now
    for a case opened today before nine (never a time still to come)."""
    nine = datetime.combine(row.opened_on, time(9), tzinfo=clock.PARTNERSHIP_ZONE)
    return min(nine, clock.now())


def hold_references(session: Session, agency: Agency) -> None:
    """Begin writing, holding the agency's references from its own system until the
    transaction ends (its row's lock; SQLite's write lock): an import or a case sent
    through the API at the same moment waits, then finds the references this one used,
    where both would read a reference unused and the second fail writing it again."""
    read_for_change(session, agency)


class Importer:
    """Opens the cases of an agency's rows for ``actor``, counting them in ``result``:
    ``take`` each row of an import (``bulk``), then ``finish``; or ``open`` one row."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        agency: Agency,
        result: ImportResult,
        *,
        bulk: bool = True,
        review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
        first_contact_days: int = first_contact.DEFAULT_WORKING_DAYS,
    ) -> None:
        self.session, self.actor, self.agency, self.result = session, actor, agency, result
        #: Days between case reviews by priority, which set each case's first review.
        self.review_days = review_days
        #: Working days from opening to each case's first contact.
        self.first_contact_days = first_contact_days
        self.wards = {
            w.name.lower(): w.id
            for w in session.scalars(select(Ward).where(Ward.area_id == agency.area_id))
        }
        #: The references imported before (a bulk import skips their rows; the reading
        #: refuses a reference the file repeats, so the file's own need not be added).
        self.imported: set[str | None] = set()
        if bulk:
            self.imported.update(
                session.scalars(
                    select(Case.external_reference).where(
                        Case.agency_id == agency.id, Case.external_reference.is_not(None)
                    )
                )
            )
        self.officers: dict[str, int | None] = {}
        #: A bulk import's rows are written in batches, but for the rows the casework
        #: must do more for than write (a hate incident is escalated).
        self.batch = (
            CaseBatch(
                session,
                actor,
                agency,
                review_days=review_days,
                first_contact_days=first_contact_days,
            )
            if bulk
            else None
        )

    def take(self, row: CaseRow) -> None:
        """Open the row's case with its first incident (in the batch, or at once), or
        report why not."""
        if row.reference in self.imported:
            self.result.already_imported += 1
            self.result.report.accepted -= 1
            return
        if self.batch is None or row.case.hate_motivated or row.incident.hate_related:
            if self.batch is not None:
                self.batch.write()  # the rows before this one come first
            self._open_now(row)
            return
        try:
            case = replace(row.case, officer_id=self._officer(row))
            self.batch.add(row.reference, case, row.incident, _opened_at(row), row.line)
        except InputError as e:
            self._refused(row, e)
            return
        self.result.opened += 1

    def finish(self) -> None:
        """Write the rows the batch still holds."""
        if self.batch is not None:
            self.batch.write()
            self.result.linked(self.batch.linked)
            self.result.not_saved.sort(key=lambda linked: linked.line)

    def _refused(self, row: CaseRow, error: InputError) -> None:
        """Report the row the casework refused, at its line and column; it leaves its
        reference unused, for a later row of the file."""
        self.result.report.forget(row.reference)
        self.result.report.add([problem_of(error, row.line)])

    def _open_now(self, row: CaseRow) -> None:
        """Open the row's case through the casework, in a savepoint of its own."""
        savepoint = self.session.begin_nested()
        try:
            opened = self.open(row)
        except InputError as e:
            savepoint.rollback()
            self._refused(row, e)
            return
        savepoint.commit()
        # The row's records are not read again: let their keys go, so that the memory an
        # import takes does not grow with its rows.
        forget_data_keys(self.session)
        self.result.opened += 1
        self.result.linked(opened.people)

    def open(self, row: CaseRow, opened_at: datetime | None = None) -> Opened:
        """Open the row's case with its first incident (opened at 9 in the morning of its
        day unless ``opened_at`` says when). ``InputError`` from the casework, which may
        have written part of the row."""
        opened_at = opened_at or _opened_at(row)
        matched: list[tuple[Person, Linked]] = []
        new_people = []
        for party in row.case.parties:
            person = self._held(party)
            if person is None:
                new_people.append(party)
                continue
            sent = check_person(party, opened_at)
            unsaved = not_held(person, sent)
            matched.append((person, Linked(party.role, person.id, unsaved, row.line)))
        case_input = replace(row.case, parties=new_people, officer_id=self._officer(row))
        case = casework.open_case(
            self.session,
            self.actor,
            case_input,
            now=opened_at,
            review_days=self.review_days,
            first_contact_days=self.first_contact_days,
        )
        case.external_reference = row.reference
        for person, linked in matched:
            self.session.add(CaseParty(case=case, person=person, role=linked.role))
        self.session.flush()
        _require_recording(self.session, self.actor, case)
        authorised = authorise(self.session, self.actor, case.id, Act.RECORD)
        incident = incidents.add_incident(self.session, authorised, row.incident)
        return Opened(case, incident, [linked for _, linked in matched])

    def _officer(self, row: CaseRow) -> int | None:
        """The id of the row's case officer (None: the importer); the casework checks
        that they may own cases."""
        if not row.officer_email:
            return None
        if row.officer_email not in self.officers:
            self.officers[row.officer_email] = self.session.scalar(
                select(User.id).where(
                    func.lower(User.email) == row.officer_email, User.agency_id == self.agency.id
                )
            )
        officer = self.officers[row.officer_email]
        if officer is None:
            raise InputError("officer_id", "is not the e-mail address of anyone in your agency")
        return officer

    def _held(self, party: PersonInput) -> Person | None:
        """The one person on a case the actor may open with this family name, date of
        birth and given names, if there is exactly one."""
        key = key_of(party)
        if key is None:
            return None
        held = held_people(self.session, self.actor, [key])[key]
        return held[0] if len(held) == 1 else None
