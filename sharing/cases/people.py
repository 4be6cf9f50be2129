"""The people on a case: a person's details and needs as given and checked, recorded on
a case when it opens or later, changed, or taken off it (a person then held by no case is
erased).

Each function checks its input again (the web forms check first, for the user), asks
``sharing.access.decide`` whether the actor may act, writes, and flushes. The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import erasure, recording
from sharing.cases.needs import Needs
from sharing.crypto import blind_index
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import (
    is_email_address,
    normalise_phone,
    other_names,
    other_names_document,
    phone_refusal,
    tidied,
)
from sharing.models import Case, CaseParty, Person
from sharing.vocabulary import PartyRole


@dataclass
class PersonInput:
    role: PartyRole
    family_name: str = ""
    given_names: str = ""
    date_of_birth: date | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    support_needs: str = ""
    contact_preferences: str = ""
    prefix: str = ""  # form field prefix for error messages, e.g. "victim-"
    #: Reasonable adjustments and contact needs, structured.
    needs: Needs = field(default_factory=Needs)
    #: The other names they are also known by, each (name, what it is), as typed: a
    #: nickname, a former surname, another spelling. Both empty: nothing given.
    other_names: tuple[tuple[str, str], ...] = ()


#: The longest note of what another name is ("nickname", "surname before marriage").
MAX_OTHER_NAME_NOTE = 100


#: The oldest age a date of birth may give (an older one is a mistyped year).
MAX_AGE = 120


def earliest_date_of_birth(today: date) -> date:
    """The earliest date of birth a form takes: ``MAX_AGE`` years before ``today``."""
    return clock.years_after(today, -MAX_AGE)


def add_party(
    session: Session, actor: Actor, case: Case, data: PersonInput, now: datetime | None = None
) -> CaseParty:
    """Record a new person on the case in the given role."""
    now = now or clock.now()
    values = check_person(data, now)
    person = Person(agency_id=case.agency_id, created_at=now)
    session.add(person)
    _fill(session, person, data, values)
    party = CaseParty(case=case, person=person, role=data.role)
    session.add(party)
    return party


def check_person(data: PersonInput, now: datetime) -> dict[str, str | None]:
    """A person's details checked and normalised, by sealed column; ``InputError`` at the
    field (with the form's prefix) for the first that is not right."""
    p = data.prefix
    family = recording.text(
        p + "family_name", data.family_name, limit=recording.MAX_LINE, what="the last name"
    )
    given = recording.text(
        p + "given_names", data.given_names, limit=recording.MAX_LINE, what="the first names"
    )
    if not family and not given:
        raise InputError(p + "family_name", "Enter the person's name, or leave the section out")
    today = clock.day_of(now)
    if data.date_of_birth and data.date_of_birth > today:
        raise InputError(p + "date_of_birth", "Date of birth must be in the past")
    if data.date_of_birth and data.date_of_birth < earliest_date_of_birth(today):
        raise InputError(
            p + "date_of_birth", f"Date of birth must be within the last {MAX_AGE} years"
        )
    phone = None
    if data.phone.strip():
        phone = normalise_phone(data.phone)
        if phone is None:
            raise InputError(p + "phone", phone_refusal(data.phone))
    email = recording.text(p + "email", data.email, limit=254, what="the e-mail address")
    if email and not is_email_address(email):
        raise InputError(
            p + "email", "Enter an e-mail address in the correct format, like name@example.org"
        )
    needs = data.needs.checked()
    return {
        "family_name": family,
        "given_names": given,
        "other_names": other_names_document(check_other_names(data, family, given)),
        "date_of_birth": data.date_of_birth.isoformat() if data.date_of_birth else None,
        "phone": phone,
        "email": email,
        "address": recording.text(
            p + "address", data.address, limit=recording.MAX_LINE * 3, what="the address"
        ),
        "postcode": recording.postcode(p + "postcode", data.postcode),
        "support_needs": recording.text(
            p + "support_needs", data.support_needs, what="the vulnerability and support needs"
        ),
        "contact_preferences": recording.text(
            p + "contact_preferences",
            data.contact_preferences,
            limit=1000,
            what="the contact preferences",
        ),
        "adjustments": needs.adjustments_document(),
        "contact_needs": needs.contact_document(),
    }


def check_other_names(data: PersonInput, family: str, given: str) -> list[tuple[str, str]]:
    """The other names given, checked, each (name, what it is); ``InputError`` at the
    first name or note that is not right (``other_name_problems``)."""
    problems = other_name_problems(data.other_names, family, given)
    if problems:
        first = problems[0]
        raise InputError(data.prefix + first.field, first.message)
    return [(tidied(name), tidied(note)) for name, note in data.other_names if tidied(name + note)]


def other_name_problems(
    typed: Sequence[tuple[str, str]], family: str, given: str
) -> list[InputError]:
    """Every problem with the other names typed (each (name, what it is); both empty: none
    given), each at its box (``other_names-<n>-name`` or ``-note``), so that a form says
    them all at once: a note without its name, too long, control characters, the same as
    their name or as another of their other names (as a search sees names)."""
    own = {blind_index.normalise_name(n) for n in (family, f"{given} {family}") if n.strip()}
    problems: list[InputError] = []
    seen: set[str | None] = set()
    for i, (typed_name, typed_note) in enumerate(typed):
        at = f"other_names-{i}-"
        name = note = ""
        try:
            name = recording.text(
                at + "name", typed_name, limit=recording.MAX_LINE, what="the other name"
            )
        except InputError as refused:
            problems.append(refused)
        try:
            note = recording.text(
                at + "note", typed_note, limit=MAX_OTHER_NAME_NOTE, what="what the other name is"
            )
        except InputError as refused:
            problems.append(refused)
        if not name:
            if note and not tidied(typed_name):
                problems.append(
                    InputError(at + "name", "Enter the other name, or clear what it is")
                )
            continue
        normalised = blind_index.normalise_name(name)
        if normalised in own:
            problems.append(
                InputError(at + "name", "The other name must not be the same as their name")
            )
        elif normalised in seen:
            problems.append(InputError(at + "name", "The other name is given twice: give it once"))
        seen.add(normalised)
    return problems


def _fill(
    session: Session, person: Person, data: PersonInput, values: dict[str, str | None]
) -> bool:
    """Seal ``values`` into the person and index them for the already-known check; whether
    any of them changed."""
    changed = bool(seal_many(person, values))
    blind_index.index_person(
        session,
        person,
        family_name=values["family_name"],
        date_of_birth=data.date_of_birth,
        postcode=values["postcode"],
        phone=values["phone"],
        other_names=[name for name, _ in other_names(values["other_names"])],
    )
    return changed


def change_person(
    session: Session,
    authorised: AuthorisedCase,
    party_id: int,
    data: PersonInput,
    now: datetime | None = None,
    *,
    opened: str | None = None,
) -> bool:
    """Change the details, adjustments and contact needs of someone on an open case, and
    their part in it (authorised for ``Act.RECORD``): the agency keeps one record of the
    person, so their other cases show the change too. Whether anything changed: nothing
    is recorded for a form saved as it was. ``NotFound`` for a party of another case;
    ``InputError`` at the field, recorded, with nothing changed; ``ChangedMeanwhile``,
    naming who changed them last and when, if the person or their part changed after
    the form was opened (its stamp ``opened``)."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    party = next((p for p in case.parties if p.id == party_id), None)
    if party is None or party.person.erased_at is not None:
        raise NotFound("no such person on this case")
    stamps.check(session, opened, party.person, party)
    with acts.refusing_input(
        session, acts.Action.CASE_RECORD, actor=actor, subject=authorised.subject
    ):
        values = check_person(data, now or clock.now())
        if data.role is not party.role:
            _not_yet_in_part(case, party.person_id, data.role, "role")
    changed = _fill(session, party.person, data, values) or data.role is not party.role
    party.role = data.role
    if not changed:
        return False
    party.person.changed_by_user(actor.user_id, now or clock.now())
    session.flush()
    recording.recorded(
        session, actor, case, f"person {party.person_id} changed ({data.role.value})"
    )
    return True


def _not_yet_in_part(case: Case, person_id: int, role: PartyRole, field: str) -> None:
    """``InputError`` at ``field`` when the person already is on the case in ``role``
    (a person holds each part on a case once)."""
    if any(p.person_id == person_id and p.role is role for p in case.parties):
        raise InputError(field, f"They are already on this case as {role.label.lower()}")


def add_person(
    session: Session,
    authorised: AuthorisedCase,
    data: PersonInput,
    known_person_id: int | None = None,
    now: datetime | None = None,
) -> CaseParty:
    """Add someone to an open case after it was opened (authorised for ``Act.RECORD``): a
    new person from ``data``, or, with ``known_person_id``, a person the agency already
    holds (found by the blind-index check), in ``data.role``. Refused at the field, with
    the refusal audited and nothing written: a known person who is not the agency's, or
    who is already on the case in that role; a new person without a name."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    with acts.refusing_input(
        session, acts.Action.CASE_RECORD, actor=actor, subject=authorised.subject
    ):
        if known_person_id is not None:
            person = session.get(Person, known_person_id)
            if person is not None:  # not erased meanwhile, as they are taken off elsewhere
                read_for_change(session, person)
            if person is None or person.agency_id != case.agency_id or person.erased_at:
                raise InputError("known_person", "Select a person your agency holds")
            _not_yet_in_part(case, person.id, data.role, "known_person")
            party = CaseParty(case=case, person=person, role=data.role)
            session.add(party)
        else:
            party = add_party(session, actor, case, data, now)
    session.flush()
    recording.recorded(
        session,
        actor,
        case,
        f"person {party.person_id} added as {data.role.value}"
        + (" (already known)" if known_person_id is not None else ""),
    )
    return party


def remove_person(session: Session, authorised: AuthorisedCase, party_id: int) -> bool:
    """Take someone off an open case (authorised for ``Act.RECORD``): the person stays on
    the agency's other cases and in what was recorded about them (incidents they
    reported, their risk assessments); a person then held by no case is erased. Whether
    they were. ``NotFound`` for a party of another case."""
    authorised.require(Act.RECORD)
    case = authorised.case
    party = next((p for p in case.parties if p.id == party_id), None)
    if party is None:
        raise NotFound("no such person on this case")
    # Locked as a change to their details locks them, the person first: one waits for the
    # other, and a change saved meanwhile finds them gone.
    read_for_change(session, party.person, party)
    case.parties.remove(party)
    session.flush()
    recording.recorded(
        session,
        authorised.actor,
        case,
        f"person {party.person_id} removed as {party.role.value}",
    )
    return erasure.erase_if_held_by_no_case(session, authorised.actor, party.person)
