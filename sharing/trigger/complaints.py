"""Finding a Community Trigger applicant's complaints in every relevant body's records.

The victim the application is about is matched through the blind indexes, as "also known
to" matches people: their surname and date of birth, or phone number, and the address of
the cases. The index gives candidates in the value's bucket; each candidate is decrypted
and compared inside the core, so only records that hold the applicant's own details are
used, and nothing is shown: the result is ``Complaint`` facts (agency, case, dates,
category and opaque keys) for the threshold engine, and which agency and case holds each.

A case is about the applicant's address only when it is about their own home: the same
UPRN when the case and the applicant both have one; otherwise the same postcode and the
same address lines (``formats.normalise_address``: capitals, spaces and punctuation aside).
A postcode covers some fifteen homes, so a postcode alone finds no case: the neighbours'
complaints are theirs, not the applicant's. Nor is a case at their home on which the
applicant is the reported person (either side of a neighbour dispute may apply): its
complaints are about them.

Locked cases are searched and counted like any other (the Act gives the victim a review
whoever holds the record); erased records are not (nothing of them can be read). Only
relevant bodies' records are searched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.reveal import holds, identity_key
from sharing.crypto import blind_index
from sharing.formats import (
    normalise_address,
    normalise_phone,
    normalise_postcode,
    normalise_uprn,
)
from sharing.models import Agency, Case, CaseParty, Incident, Person
from sharing.trigger.procedure import Procedure
from sharing.trigger.threshold import Complaint
from sharing.vocabulary import PartyRole

#: The people on a case whose complaints are the applicant's when they match.
APPLICANT_ROLES = frozenset({PartyRole.VICTIM, PartyRole.REPORTER})


@dataclass(frozen=True)
class Applicant:
    """The victim an application is about, as the lead recorded them."""

    family_name: str = ""
    date_of_birth: date | None = None
    phone: str = ""
    postcode: str = ""
    uprn: str = ""
    #: The address lines (without the postcode), as given.
    address: str = ""

    def person_terms(self) -> list[tuple[str, str]]:
        terms = []
        if self.family_name and self.date_of_birth:
            value = blind_index.surname_dob(self.family_name, self.date_of_birth)
            if value:
                terms.append(("surname_dob", value))
        phone = normalise_phone(self.phone) if self.phone else None
        if phone:
            terms.append(("phone", phone))
        return terms

    def home(self) -> Home:
        """Their home as the cases are matched to it (normalised; None when not given)."""
        return Home(
            uprn=normalise_uprn(self.uprn) if self.uprn else None,
            postcode=normalise_postcode(self.postcode) if self.postcode else None,
            address=normalise_address(self.address) if self.address else None,
        )


@dataclass(frozen=True)
class Home:
    """The applicant's home, normalised: its UPRN, postcode and address lines."""

    uprn: str | None
    postcode: str | None
    address: str | None

    def terms(self) -> list[tuple[str, str]]:
        """What finds its cases' candidates in the index: the UPRN (one property), and the
        postcode only with the address lines that say which of its homes."""
        terms = [("uprn", self.uprn)] if self.uprn else []
        if self.postcode and self.address:
            terms.append(("postcode", self.postcode))
        return terms

    def holds(self, case: Case) -> bool:
        """Whether ``case`` is about this home: the same UPRN when both have one, else the
        same postcode and address lines (decrypted and compared inside the core)."""
        if self.uprn and case.uprn is not None:
            return holds(case, "uprn", self.uprn)
        return bool(
            self.postcode
            and self.address
            and holds(case, "postcode", self.postcode)
            and holds(case, "address", self.address)
        )


@dataclass(frozen=True)
class Held:
    """Which agency and case holds a complaint (the lead may not be able to open it)."""

    agency_id: int
    agency: str
    case_id: int
    case_reference: str
    locked: bool
    #: How the case matched: "the victim", "the address".
    matched: str


@dataclass(frozen=True)
class Gathered:
    complaints: list[Complaint]
    #: Incident id → where it is held.
    held: dict[int, Held]


def relevant_agencies(session: Session, procedure: Procedure, area_id: int) -> list[Agency]:
    """The area's agencies the procedure names as relevant bodies."""
    return [
        a
        for a in session.scalars(
            select(Agency).where(Agency.area_id == area_id).order_by(Agency.name)
        )
        if procedure.is_relevant(a.code, a.type)
    ]


def gather(session: Session, procedure: Procedure, area_id: int, applicant: Applicant) -> Gathered:
    """Every complaint in the relevant bodies' records about the applicant (as a victim or
    reporter) or their own home (not a case there about the applicant)."""
    agencies = {a.id: a for a in relevant_agencies(session, procedure, area_id)}
    matched: dict[int, str] = {}  # case id -> how it matched
    themselves: list[int] = []  # the applicant's own person records
    for field, value in applicant.person_terms():
        person_ids, _ = blind_index.candidates(session, field, value, agencies)
        people = session.scalars(select(Person).where(Person.id.in_(person_ids)))
        confirmed = [
            p.id for p in people if p.erased_at is None and holds(p, field, value, other_names=True)
        ]
        themselves += confirmed
        for case_id in session.scalars(
            select(CaseParty.case_id).where(
                CaseParty.person_id.in_(confirmed), CaseParty.role.in_(APPLICANT_ROLES)
            )
        ):
            matched.setdefault(case_id, "the victim")
    home = applicant.home()
    at_home: set[int] = set()
    for field, value in home.terms():
        at_home.update(blind_index.candidates(session, field, value, agencies)[1])
    about_them = set(
        session.scalars(
            select(CaseParty.case_id).where(
                CaseParty.person_id.in_(themselves), CaseParty.role == PartyRole.REPORTED
            )
        )
    )
    for case in session.scalars(select(Case).where(Case.id.in_(at_home - about_them))):
        if home.holds(case):
            matched.setdefault(case.id, "the address")
    cases = [
        c
        for c in session.scalars(select(Case).where(Case.id.in_(matched)).order_by(Case.id))
        if c.erased_at is None and c.agency_id in agencies
    ]
    complaints, held = [], {}
    for case in cases:
        # Every complaint found is about the applicant, as the victim or at their home: one
        # person affected, so the same incident reported to an agency that holds the
        # victim and to one that holds only their home counts once.
        for incident in case.incidents:
            complaints.append(
                Complaint(
                    id=incident.id,
                    agency_id=case.agency_id,
                    case_id=case.id,
                    occurred_at=incident.occurred_at,
                    reported_on=incident.reported_day,
                    category=case.category.value,
                    person="applicant",
                    complainant=_complainant(incident),
                    address="applicant" if matched[case.id] == "the address" else None,
                    hate=incident.hate_related,
                    locked=case.locked,
                )
            )
            held[incident.id] = Held(
                agency_id=case.agency_id,
                agency=agencies[case.agency_id].name,
                case_id=case.id,
                case_reference=case.reference,
                locked=case.locked,
                matched=matched[case.id],
            )
    return Gathered(complaints, held)


def _complainant(incident: Incident) -> str | None:
    """An opaque key for who made the complaint, the same for the same person however
    many agencies hold a record of them; None when it was anonymous."""
    return identity_key(incident.reported_by) if incident.reported_by is not None else None


def complaints_by_agency(gathered: Gathered, ids: Iterable[int]) -> dict[int, int]:
    """How many of the complaints ``ids`` each agency (by id) holds."""
    return dict(Counter(gathered.held[complaint_id].agency_id for complaint_id in ids))
