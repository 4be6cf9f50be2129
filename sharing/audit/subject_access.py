"""Subject access: everything the hub holds about a person for their agency, and every
access to it — compiled by that agency's data protection officer.

A DPO sees the audit log, not case content. Compiling a subject access report is the one
exception, and an explicit act: it is recorded under the purpose "subject access request"
before anything is decrypted, like every other disclosure (``sharing.cases.pages``). It
covers the person's record and the cases of the DPO's agency they are on, or were taken off
while its records still name them (``sharing.audit.subject_cases``). A locked case is named
but not opened: its content is for its named users to review for the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.decide import Actor, Decision, decide_subject_access
from sharing.access.reveal import ERASED, found_by_other_name, load_data_keys, reveal_one
from sharing.audit import acts, subject_cases, subject_held
from sharing.audit.log_rows import LogRow, rows
from sharing.audit.trail import concerning_person, require_dpo
from sharing.cases.erasure import cases_naming
from sharing.cases.exact_matches import people_matching
from sharing.cases.needs import adjustments_sentence, contact_sentence
from sharing.cases.people_shown import other_names_line
from sharing.cases.search import SearchQuery, search_term
from sharing.cases.survey import Survey
from sharing.errors import NotFound
from sharing.models import (
    AuditEntry,
    Case,
    CaseParty,
    Person,
)

#: The purpose every subject access act is recorded under.
PURPOSE = "subject_access_request"
#: Identifying a requester needs more than a surname.
KINDS = {
    "surname_dob": "Surname and date of birth",
    "postcode": "Postcode",
    "phone": "Phone number",
}
MAX_CANDIDATES = 20
#: The part of someone taken off a case whose records still name them.
TAKEN_OFF = "Taken off the case"


@dataclass(frozen=True)
class Candidate:
    """A person who may be the requester, with enough to tell them apart."""

    person_id: int
    name: str
    date_of_birth: str | None
    postcode: str | None
    cases: list[str]
    #: The name they are also known by that the search found them by (None: by their
    #: surname, or by other details).
    found_by: str | None = None


def require_subject_dpo(session: Session, actor: Actor, action: acts.Action) -> None:
    """Refuse, recording why, anyone but a data protection officer."""
    require_dpo(
        session,
        actor,
        action,
        "only data protection officers compile subject access reports",
        purpose=PURPOSE,
    )


@dataclass(frozen=True)
class Found:
    """The people a search lists, at most ``MAX_CANDIDATES``."""

    people: list[Candidate]
    #: More people hold the details than are listed: the requester may be among the
    #: others, so the DPO searches by something more particular.
    more: bool = False


def find_people(session: Session, actor: Actor, query: SearchQuery) -> Found:
    """People of the DPO's agency matching the requester's details exactly, and whether
    more match than are listed (InputError, naming the field, for details that cannot be
    searched)."""
    field, value = search_term(query)
    require_subject_dpo(session, actor, acts.Action.SUBJECT_ACCESS_SEARCH)
    matched = people_matching(session, field, value, [actor.agency_id], MAX_CANDIDATES + 1)
    more = len(matched) > MAX_CANDIDATES
    matched = matched[:MAX_CANDIDATES]
    people = list(
        session.scalars(
            select(Person)
            .where(Person.id.in_([p.id for p in matched]))
            .options(selectinload(Person.parties).selectinload(CaseParty.case))
            .order_by(Person.id)
        )
    )
    counted = (
        f"more than {MAX_CANDIDATES} found, {len(people)} listed"
        if more
        else f"{len(people)} found"
    )
    acts.record(
        session,
        acts.Action.SUBJECT_ACCESS_SEARCH,
        actor=actor,
        subject=acts.Subject("search"),
        purpose=PURPOSE,
        basis=f"by {field}: {counted}; persons {acts.ids([p.id for p in people])}",
    )
    decision = decide_subject_access(actor)
    listed = [
        Candidate(
            person_id=p.id,
            name=_name(decision, p),
            date_of_birth=_read(decision, p, "date_of_birth"),
            postcode=_read(decision, p, "postcode"),
            cases=sorted(party.case.reference for party in p.parties),
            found_by=found_by_other_name(decision, p, field, value),
        )
        for p in people
    ]
    return Found(listed, more)


def _name(decision: Decision, person: Person) -> str:
    parts = [_read(decision, person, "given_names"), _read(decision, person, "family_name")]
    return " ".join(p for p in parts if p) or "Name not recorded"


@dataclass(frozen=True)
class SubjectAccessReport:
    person_id: int
    agency: str
    compiled_at: datetime
    erased: bool
    #: (label, value) of the person's own record, in order.
    details: list[tuple[str, str | None]]
    cases: list[subject_cases.CaseSection]
    #: Every audit entry about the person, their record or their cases, oldest first.
    accesses: list[LogRow]
    #: Their risk assessments, the documents and letters addressed to them, the
    #: referrals made for them and the closure surveys of the cases they complained on,
    #: on the agency's cases that are not locked.
    held: subject_held.Held


_NAMES = (("Given names", "given_names"), ("Family name", "family_name"))
_DETAILS = (
    ("Date of birth", "date_of_birth"),
    ("Phone", "phone"),
    ("E-mail", "email"),
    ("Address", "address"),
    ("Postcode", "postcode"),
    ("Contact preferences", "contact_preferences"),
    ("Support needs", "support_needs"),
)
#: The person's structured needs, as sentences as the case page shows them.
_NEEDS = (
    ("Reasonable adjustments", "adjustments", adjustments_sentence),
    ("How to contact them", "contact_needs", contact_sentence),
)


def compile_report(
    session: Session,
    actor: Actor,
    person_id: int,
    survey: Survey | None = None,
    *,
    rules: Mapping[str, str] | None = None,
) -> SubjectAccessReport:
    """The report for a person of the DPO's agency. NotFound for anyone else's.
    ``survey``: the closure survey file, whose questions' words the report gives;
    ``rules``: the Community Trigger's threshold rules' titles by id, for the log's "why"."""
    require_subject_dpo(session, actor, acts.Action.SUBJECT_ACCESS)
    person = session.get(Person, person_id)
    subject = acts.Subject("person", person_id)
    if person is None or person.agency_id != actor.agency_id:
        raise acts.refused(
            session,
            acts.Action.SUBJECT_ACCESS,
            actor=actor,
            subject=subject,
            purpose=PURPOSE,
            reason="no such person in your agency's records",
            answer=NotFound(person_id),
        )
    # The cases they are on, and those whose records still name them after they were
    # taken off (the incidents they reported, their assessments, documents, referrals).
    own = list(
        session.scalars(
            select(Case)
            .where(Case.id.in_(cases_naming(session, person_id)), Case.agency_id == actor.agency_id)
            .order_by(Case.id)
        )
    )
    roles = {case.id: _roles(case, person_id) for case in own}
    # The log is read before this report's own entry is written: the report shows the
    # accesses before it, and its own entry is the next one.
    entries = list(
        session.scalars(
            select(AuditEntry).where(concerning_person(session, person_id)).order_by(AuditEntry.seq)
        )
    )
    opened = [c.id for c in own if not c.locked and c.erased_at is None]
    held = subject_held.rows_about(session, person_id, opened)
    acts.record(
        session,
        acts.Action.SUBJECT_ACCESS,
        actor=actor,
        subject=subject,
        purpose=PURPOSE,
        basis=(
            f"person record and cases {acts.ids(opened)}; "
            f"locked cases named only {acts.ids([c.id for c in own if c.locked])}; "
            f"erased cases named only {acts.ids([c.id for c in own if c.erased_at])}; "
            f"{held.basis()}"
        ),
    )
    load_data_keys(session, {k for k in [person.data_key_id, *(c.data_key_id for c in own)] if k})
    erased = person.erased_at is not None
    decision = decide_subject_access(actor)
    return SubjectAccessReport(
        person_id=person.id,
        agency=person.agency.name,
        compiled_at=clock.now(),
        erased=erased,
        details=[
            *((label, ERASED if erased else _read(decision, person, c)) for label, c in _NAMES),
            *_also_known_as(decision, person),
            *((label, ERASED if erased else _read(decision, person, c)) for label, c in _DETAILS),
            *(
                (label, ERASED if erased else sentence(_read(decision, person, c)))
                for label, c, sentence in _NEEDS
            ),
        ],
        cases=[
            subject_cases.case_section(session, case, roles[case.id], person_id, decision, held)
            for case in own
        ],
        accesses=[
            _as_their_access(row, entry, person_id)
            for row, entry in zip(
                rows(session, entries, actor.agency_id, rules=rules), entries, strict=True
            )
        ],
        held=subject_held.read(held, decision, survey),
    )


#: What an entry of a subject access search, or of another person's report, that showed
#: the person's case says in their report: that the case was read for such a request,
#: without whose, nor the records it showed.
FOR_A_REQUEST = "for a subject access request"


def _as_their_access(row: LogRow, entry: AuditEntry, person_id: int) -> LogRow:
    """An access as the person's report shows it: a subject access search, or another
    person's report, that showed their case names no one and none of the records it
    showed."""
    another = entry.purpose == PURPOSE and not (
        entry.object_type == "person" and entry.object_id == str(person_id)
    )
    if not another:
        return row
    return replace(row, object_type=None, object_id=None, basis=FOR_A_REQUEST, why=FOR_A_REQUEST)


def _roles(case: Case, person_id: int) -> str:
    """The person's parts on the case ("Victim, Reporter"), or that they were taken off it."""
    parts = [p.role.label for p in case.parties if p.person_id == person_id]
    return ", ".join(parts) or TAKEN_OFF


def _also_known_as(decision: Decision, person: Person) -> list[tuple[str, str | None]]:
    """The report's "Also known as" row: only for someone with other names (most people
    have none, and an erased record's are gone with it)."""
    if person.erased_at is not None:
        return []
    line = other_names_line(_read(decision, person, "other_names"))
    return [("Also known as", line)] if line else []


def _read(decision: Decision, record: object, column: str) -> str | None:
    """The value of ``column`` as the decision reveals it; a date of birth as people write
    it ("24 February 1977"), a marker in its place (erased, not shared) as it is."""
    value = reveal_one(decision, record, column)  # type: ignore[arg-type]
    return as_a_day(value) if column == "date_of_birth" else value


def as_a_day(value: str | None) -> str | None:
    """A date of birth as people write it ("24 February 1977"); a marker in its place
    (erased, not shared, left out) as it is."""
    try:
        return clock.day_text(date.fromisoformat(value)) if value else value
    except ValueError:  # the reveal's marker, not a day
        return value
