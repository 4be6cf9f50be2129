""" "Also known to": whether a case's victims or its address match records other agencies
hold, found by blind index and confirmed by decrypting the candidates inside the core.

The owning agency's officer sees only the flag, the other agency and the role to contact,
never the other record, unless a live share already lets them open the other case (then
they get its reference and the share's purpose). Records on locked or erased cases never
produce a flag.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, decide_case
from sharing.access.decide import Act, Actor
from sharing.access.facts import facts_of, shares_with
from sharing.access.reveal import (
    ERASED,
    UNREADABLE,
    holds,
    people_holding,
    reveal,
    reveal_one,
)
from sharing.access.scope import Lock
from sharing.crypto import blind_index
from sharing.formats import other_names
from sharing.models import Agency, Case, CaseParty, Person, UserRole
from sharing.vocabulary import PartyRole, Role

#: People on a case whose records are matched against other agencies'.
MATCHED_ROLES = frozenset({PartyRole.VICTIM, PartyRole.REPORTER, PartyRole.WITNESS})


@dataclass(frozen=True)
class KnownTo:
    agency: str
    #: Whom to contact there, by role (never a record's content).
    contact_role: str
    #: What matched: "a victim", "the address" (no values).
    matched: tuple[str, ...]
    #: Cases of that agency a live share already lets the user open: (id, reference, purpose).
    shared: tuple[tuple[int, str, str], ...] = ()


def _person_terms(authorised: AuthorisedCase, person: Person) -> list[tuple[str, str]]:
    """The person's surname and date of birth, by each of their names (their surname and
    the other names they are also known by), and their phone number."""
    values = reveal(
        authorised.decision, person, ("family_name", "date_of_birth", "phone", "other_names")
    )
    family, dob, phone = values["family_name"], values["date_of_birth"], values["phone"]
    terms = []
    names = [family] if family else []
    if values["other_names"] not in (None, ERASED, UNREADABLE):
        names += [name for name, _ in other_names(values["other_names"])]
    for name in names if dob else []:
        value = blind_index.surname_dob(name, dob or "")
        if value and ("surname_dob", value) not in terms:
            terms.append(("surname_dob", value))
    if phone:
        normalised = blind_index.normalise("phone", phone)
        if normalised:
            terms.append(("phone", normalised))
    return terms


def known_to_others(session: Session, authorised: AuthorisedCase) -> list[KnownTo]:
    """Other agencies holding records that match this case's victims or address; for
    the owning agency's users only (anyone else gets an empty list), and none for an
    erased case, which holds no one (the people it kept are no longer part of it). The case
    page that shows them records the check in its own audit entry."""
    case = authorised.case
    if not authorised.decision.own_agency or case.erased_at is not None:
        return []
    others = {
        agency.id: agency.name
        for agency in session.scalars(select(Agency).where(Agency.area_id == case.agency.area_id))
        if agency.id != case.agency_id
    }
    # Each of the case's people's values, and who has it: "a victim", "a witness".
    whose: dict[tuple[str, str], set[str]] = {}
    for party in case.parties:
        if party.role in MATCHED_ROLES:
            for term in _person_terms(authorised, party.person):
                whose.setdefault(term, set()).add(f"a {party.role.label.lower()}")
    found = _cases_of_people(session, whose, list(others))  # matched case id -> what matched
    uprn = reveal_one(authorised.decision, case, "uprn")
    if uprn:
        _, case_ids = blind_index.candidates(session, "uprn", uprn, list(others))
        if case_ids:
            for other in session.scalars(select(Case).where(Case.id.in_(case_ids))):
                if holds(other, "uprn", uprn):
                    found.setdefault(other.id, set()).add("the address")
    return _flags(session, authorised.actor, found, others)


def _cases_of_people(
    session: Session, whose: dict[tuple[str, str], set[str]], agency_ids: list[int]
) -> dict[int, set[str]]:
    """The cases of the people of ``agency_ids`` who hold any of the values ``whose``
    names (by index, then confirmed by decrypting), each with who on this case matched:
    a few queries for all the case's people and values."""
    matched: dict[int, set[str]] = {}
    for term, people in people_holding(session, list(whose), agency_ids, other_names=True).items():
        for person in people:
            matched.setdefault(person.id, set()).update(whose[term])
    found: dict[int, set[str]] = {}
    if matched:
        for person_id, case_id in session.execute(
            select(CaseParty.person_id, CaseParty.case_id).where(CaseParty.person_id.in_(matched))
        ):
            found.setdefault(case_id, set()).update(matched[person_id])
    return found


def _flags(
    session: Session, actor: Actor, found: dict[int, set[str]], agency_names: dict[int, str]
) -> list[KnownTo]:
    """One flag per agency; locked and erased cases are left out before anything else.
    Four queries however many cases matched, and a decision (two more) for each matched
    case with a live share with the actor's agency."""
    facts = facts_of(session, found)
    seen = [f for f in facts.values() if not f.erased and Lock.holds(actor, f)]
    if not seen:
        return []
    case_officers = set(
        session.scalars(
            select(UserRole.user_id).where(
                UserRole.user_id.in_({f.officer_id for f in seen}),
                UserRole.role == Role.CASE_OFFICER,
            )
        )
    )
    shares = shares_with(session, (f.id for f in seen), actor.agency_id)
    references: dict[int, str] = {}
    if shares:
        query = select(Case.id, Case.reference).where(Case.id.in_(list(shares)))
        references = {case_id: reference for case_id, reference in session.execute(query)}
    now = clock.now()
    by_agency: dict[int, tuple[set[str], list[tuple[int, str, str]], set[str]]] = {}
    for other in seen:
        matched, shared, contacts = by_agency.setdefault(other.agency_id, (set(), [], set()))
        matched.update(found[other.id])
        contacts.add(
            Role.CASE_OFFICER.label.lower()
            if other.officer_id in case_officers
            else Role.MANAGER.label.lower()
        )
        for share in shares.get(other.id, ()):
            if (
                share.live(clock.day_of(now))
                and decide_case(session, actor, other, Act.VIEW, share.purpose, now=now).allowed
            ):
                shared.append((other.id, references[other.id], share.purpose))
                break
    return sorted(
        (
            KnownTo(
                agency=agency_names[agency_id],
                contact_role=", ".join(sorted(contacts)),
                matched=tuple(sorted(matched)),
                shared=tuple(sorted(shared)),
            )
            for agency_id, (matched, shared, contacts) in by_agency.items()
        ),
        key=lambda k: k.agency,
    )
