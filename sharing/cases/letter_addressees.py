"""The people on a case a standard letter (``sharing.cases.standard_letters``) may be
addressed to, and the one it goes to as the letter reads them: their name and address,
and the form their reasonable adjustments ask of it (large print, plain language).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import AuthorisedCase
from sharing.access.reveal import load_data_keys, reveal
from sharing.cases import people_shown
from sharing.cases.letters_file import LetterTemplate
from sharing.cases.needs import RecordedNeeds, adjustments_of
from sharing.models import CaseParty
from sharing.vocabulary import Adjustment, PartyRole


def addressees(
    session: Session, authorised: AuthorisedCase, template: LetterTemplate | None
) -> list[tuple[int, str, str]]:
    """The people on the case a letter may be addressed to (any letter's, without
    ``template``), each once however many parts they hold: (person id, their parts,
    "Name (victim and reporter)"), by name where the decision allows, in the order they
    were added. No audit entry: the form that lists them records its view."""
    roles = template.to if template else tuple(PartyRole)
    parties = session.scalars(
        select(CaseParty)
        .where(CaseParty.case_id == authorised.id, CaseParty.role.in_(roles))
        .order_by(CaseParty.id)
    ).all()
    load_data_keys(session, [p.person.data_key_id for p in parties])
    found = []
    for person_id, held in people_shown.by_person(parties).items():
        values = reveal(authorised.decision, held[0].person, people_shown.NAME_PARTS)
        name = people_shown.name(authorised.decision, held[0].person, values)
        parts = people_shown.parts_text([p.role for p in held])
        found.append((person_id, parts, f"{name or 'Name not recorded'} ({parts})"))
    return found


@dataclass(frozen=True)
class Recipient:
    """The person a letter goes to, as the decision lets the officer read them: the parts
    they hold it is addressed in, their name and address, the letter's form (large print,
    plain language: as asked, else as their adjustments ask, and why) and their needs."""

    person_id: int
    part: str
    name: str | None
    address: tuple[str, ...]
    large_print: bool
    plain: bool
    because: str | None
    needs: RecordedNeeds

    @classmethod
    def of(
        cls,
        session: Session,
        authorised: AuthorisedCase,
        held: Sequence[CaseParty],
        *,
        large_print: bool | None,
        plain: bool | None,
    ) -> Recipient:
        """The person of ``held`` (the parts they hold that the letter goes to), read;
        ``large_print`` and ``plain`` as the officer chose them (None: as the person's
        adjustments ask)."""
        person = held[0].person
        load_data_keys(session, [person.data_key_id, authorised.case.data_key_id])
        values = reveal(authorised.decision, person, _READ)
        asked = adjustments_of(values["adjustments"])
        reasons = [a.label.lower() for a in asked if a in _FORMS]
        address = tuple(line for line in (values["address"] or "").splitlines() if line.strip())
        return cls(
            person_id=person.id,
            part=people_shown.parts_text([p.role for p in held]),
            name=people_shown.name(authorised.decision, person, values),
            address=address + ((values["postcode"],) if values["postcode"] else ()),
            large_print=_chosen(large_print, Adjustment.LARGE_PRINT in asked),
            plain=_chosen(plain, Adjustment.PLAIN_LANGUAGE in asked),
            because=f"their reasonable adjustments ask for {' and '.join(reasons)}"
            if reasons
            else None,
            needs=RecordedNeeds.of(values["adjustments"], values["contact_needs"]),
        )


#: What a letter reads of the person it goes to.
_READ = (*people_shown.NAME_PARTS, "address", "postcode", "adjustments", "contact_needs")
#: The adjustments a letter follows by its form.
_FORMS = (Adjustment.LARGE_PRINT, Adjustment.PLAIN_LANGUAGE)


def _chosen(given: bool | None, asked: bool) -> bool:
    """A form of the letter as the officer chose it, else as the adjustments ask."""
    return asked if given is None else given
