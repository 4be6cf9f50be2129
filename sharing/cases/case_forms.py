"""What a form on a case shows of it: the case's reference and the names of its people
(``case_heading``), the details of someone on the case for the form that changes them,
and an open action for the form that changes it; each recorded as one view of what it
shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import stamps
from sharing.access.authorise import AuthorisedCase
from sharing.access.reveal import load_data_keys, reveal, reveal_one, reveal_rows
from sharing.audit import acts
from sharing.cases.actions import open_action
from sharing.cases.needs import Needs, needs_of
from sharing.cases.people_shown import NAME_PARTS, PERSON_COLUMNS, by_person, name, parts_text
from sharing.errors import NotFound
from sharing.models import Action, CaseParty
from sharing.vocabulary import PartyRole, Priority


@dataclass(frozen=True)
class CaseHeading:
    """What a form on a case shows of it: its reference, and the names of its people."""

    id: int
    reference: str
    priority: Priority
    #: (person id, "Name (victim and reporter)"): each person once, with their parts, in
    #: the order they were added.
    people: list[tuple[int, str]]
    #: (party id, "Name (role)"): each person's place on the case, in the same order.
    parties: list[tuple[int, str]] = field(default_factory=list)


def case_heading(session: Session, authorised: AuthorisedCase, form: str) -> CaseHeading:
    """The reference and people's names a form shows, recorded as one view of the case's
    identity category (the form's name is its section)."""
    case = authorised.case
    parties = session.scalars(
        select(CaseParty)
        .where(CaseParty.case_id == case.id)
        .options(selectinload(CaseParty.person))
        .order_by(CaseParty.id)
    ).all()
    names = {
        p.person_id: name(authorised.decision, p.person, values) or "Name not recorded"
        for p, values in zip(
            parties,
            reveal_rows(authorised.decision, [p.person for p in parties], NAME_PARTS),
            strict=True,
        )
    }
    people = [
        (person_id, f"{names[person_id]} ({parts_text([p.role for p in held])})")
        for person_id, held in by_person(parties).items()
    ]
    if people and authorised.decision.allows("identity"):
        acts.record(
            session,
            acts.Action.CASE_VIEW,
            actor=authorised.actor,
            subject=authorised.subject,
            basis=f"identity: {authorised.decision.categories['identity']} | sections {form}",
        )
    places = [(p.id, f"{names[p.person_id]} ({p.role.label.lower()})") for p in parties]
    return CaseHeading(case.id, case.reference, case.priority, people, places)


@dataclass(frozen=True)
class PersonToChange:
    """Someone on the case as the form that changes them shows them."""

    party_id: int
    role: PartyRole
    #: Their sealed details, by column, as the reader's decision reveals them.
    values: dict[str, str | None]
    needs: Needs
    #: The stamp of the record as shown (``sharing.stamps``), for the form to carry.
    stamp: str


def person_to_change(session: Session, authorised: AuthorisedCase, party_id: int) -> PersonToChange:
    """The details of someone on the case for the form that changes them, recorded as one
    view of the categories it shows; ``NotFound`` for a party of another case or a person
    erased."""
    party = next((p for p in authorised.case.parties if p.id == party_id), None)
    if party is None or party.person.erased_at is not None:
        raise NotFound("no such person on this case")
    values = reveal(authorised.decision, party.person, PERSON_COLUMNS)
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"person {party.person_id} | sections change a person form",
    )
    return PersonToChange(
        party.id,
        party.role,
        values,
        needs_of(values["adjustments"], values["contact_needs"]),
        stamps.of(session, party.person, party),
    )


def action_to_change(
    session: Session, authorised: AuthorisedCase, action_id: int
) -> tuple[Action, str | None]:
    """An open action of the case and its description, for the form that changes it
    (recorded as one view of the actions category, the form its section)."""
    action = open_action(session, authorised, action_id)
    load_data_keys(session, {authorised.case.data_key_id})
    description = reveal_one(authorised.decision, action, "description")
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"actions: {authorised.decision.categories.get('actions')} "
        f"| sections action {action.id} form",
    )
    return action, description
