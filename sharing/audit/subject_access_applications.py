"""Subject access to Community Trigger applications: the applications an agency holds as
the lead of its area's procedure, found from a requester's details by that agency's data
protection officer (each reported by ``sharing.audit.subject_access_application_report``).

An application's victim (or the person who applied for them) is a data subject of the
lead agency like a person on its cases. Applications have no blind index: they are few
(tens a year in an area), so a search opens the agency's applications inside the core and
compares their details with the requester's; only whether each matched leaves the
comparison. An erased application (its key destroyed at the end of its retention, or on
an erasure request) holds nothing to compare, so no search finds it; the log still shows
every entry about it. As for people (``sharing.audit.subject_access``), the search and the report
are each one entry under the purpose "subject access request", naming ids and counts,
never values, written before any detail is shown; anyone but the DPO is refused and the
refusal recorded, and an application of another agency is "not found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor, decide_subject_access
from sharing.access.reveal import load_data_keys, reveal_rows
from sharing.audit import acts
from sharing.audit.subject_access import (
    KINDS,
    MAX_CANDIDATES,
    PURPOSE,
    require_subject_dpo,
)
from sharing.cases.search import SearchQuery, search_term
from sharing.crypto import blind_index
from sharing.errors import InputError
from sharing.formats import normalise_phone, normalise_postcode
from sharing.models import TriggerApplication

#: The sealed columns a search by each kind compares: the victim's, then the contact (and
#: postal address) the person applying for them gave (no date of birth is taken for them).
_COMPARED = {
    "surname_dob": ("victim_family_name", "victim_date_of_birth"),
    "postcode": ("victim_postcode", "applicant_contact", "applicant_address"),
    "phone": ("victim_phone", "applicant_contact"),
}
_NAMES = ("victim_given_names", "victim_family_name", "applicant_name")
#: Phone numbers and postcodes as they appear in a contact written as free text: a number
#: with any extension after it, as a phone box takes one (``01632 960 123 ext 4``, ``x4``:
#: ``formats.normalise_phone``), so that the number and extension find the person and the
#: switchboard's number alone does not; digits grouped by spaces, brackets, dashes or dots.
_PHONE_IN_TEXT = re.compile(
    r"\+?[0-9][0-9 ().-]{7,}[0-9]"
    r"(?:[\s,;]*(?:extension|extn|ext|x)\.?\s*:?\s*[0-9]{1,6}(?![0-9]))?",
    re.IGNORECASE,
)
_POSTCODE_IN_TEXT = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)
VICTIM = "Victim"
APPLICANT = "Applied for the victim"


@dataclass(frozen=True)
class ApplicationCandidate:
    """An application whose victim, or whoever applied for them, may be the requester."""

    application_id: int
    reference: str
    received_on: date
    #: The matched person's name as the application records it.
    name: str
    #: Whom the details matched: ``VICTIM`` or ``APPLICANT``.
    matched: str


@dataclass(frozen=True)
class FoundApplications:
    """The applications a search lists, at most ``MAX_CANDIDATES``."""

    applications: list[ApplicationCandidate]
    #: More applications hold the details than are listed: the requester's may be among
    #: the others, so the DPO searches by something more particular.
    more: bool = False


def find_applications(session: Session, actor: Actor, query: SearchQuery) -> FoundApplications:
    """The DPO's agency's Community Trigger applications whose victim, or the person who
    applied for them, holds the requester's details exactly: surname and date of birth
    (the victim's), postcode or phone (the victim's, or one in the applicant's contact),
    and whether more match than are listed. InputError, naming the field, for details that
    cannot be searched."""
    if query.kind not in KINDS:
        raise InputError("kind", "Select what to search by")
    field, value = search_term(query)
    require_subject_dpo(session, actor, acts.Action.SUBJECT_ACCESS_SEARCH)
    held = list(
        session.scalars(
            select(TriggerApplication)
            .where(
                TriggerApplication.lead_agency_id == actor.agency_id,
                TriggerApplication.erased_at.is_(None),  # nothing of theirs is left to compare
            )
            .order_by(TriggerApplication.received_on.desc(), TriggerApplication.id.desc())
        )
    )
    decision = decide_subject_access(actor)
    load_data_keys(session, {a.data_key_id for a in held if a.data_key_id})
    compared = reveal_rows(decision, held, _COMPARED[field])
    every = [
        (application, whom)
        for application, values in zip(held, compared, strict=True)
        if (whom := _whom(field, value, values)) is not None
    ]
    matched, more = every[:MAX_CANDIDATES], len(every) > MAX_CANDIDATES
    listed = f", {len(matched)} listed" if more else ""
    acts.record(
        session,
        acts.Action.SUBJECT_ACCESS_SEARCH,
        actor=actor,
        subject=acts.Subject("search"),
        purpose=PURPOSE,
        basis=f"Community Trigger applications by {field}: {len(held)} compared, "
        f"{len(every)} found{listed}; applications {acts.ids([a.id for a, _ in matched])}",
    )
    names = reveal_rows(decision, [a for a, _ in matched], _NAMES)
    found = [
        ApplicationCandidate(
            application_id=application.id,
            reference=application.reference,
            received_on=application.received_on,
            name=(_victim(shown) if whom == VICTIM else shown["applicant_name"])
            or "Name not recorded",
            matched=whom,
        )
        for (application, whom), shown in zip(matched, names, strict=True)
    ]
    return FoundApplications(found, more)


def _whom(field: str, value: str, values: dict[str, str | None]) -> str | None:
    """Whom of the application the searched value matches, if anyone."""
    if field == "surname_dob":
        family, born = values["victim_family_name"], values["victim_date_of_birth"]
        same = bool(family and born) and blind_index.surname_dob(family or "", born or "") == value
        return VICTIM if same else None
    victim = values[f"victim_{field}"]
    normalise = normalise_phone if field == "phone" else normalise_postcode
    if victim is not None and normalise(victim) == value:
        return VICTIM
    contact = "\n".join(
        filter(None, (values["applicant_contact"], values.get("applicant_address")))
    )
    found = (_PHONE_IN_TEXT if field == "phone" else _POSTCODE_IN_TEXT).findall(contact)
    return APPLICANT if any(normalise(text) == value for text in found) else None


def _victim(values: dict[str, str | None]) -> str:
    return " ".join(n for n in (values["victim_given_names"], values["victim_family_name"]) if n)
