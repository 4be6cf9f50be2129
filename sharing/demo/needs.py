"""Reasonable adjustments and contact needs for some of the demo's victims and witnesses:
about one in six, from the procedures' list (an interpreter and the language, large
print, British Sign Language, a named advocate; a preferred way of contact, times to
avoid, no home visits). Its own random numbers, so the rest of the demo is unchanged."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.cases.needs import Needs
from sharing.crypto.sealing import seal_many
from sharing.models import CaseParty, Person
from sharing.vocabulary import Adjustment, ContactMethod, PartyRole

LANGUAGES = ("Polish", "Urdu", "Romanian", "Punjabi", "Arabic", "Somali")
ADVOCATES = (
    "Jo Pemberton, Northshire Advocacy (01632 960 411)",
    "Sam Adeyemi, Victim Support (01632 960 527)",
)
TIMES = ("not before 10am", "school pick-up, 3 to 4pm", "evenings after 7pm", "Friday afternoons")


def record_needs(session: Session, seed: int) -> int:
    """Give some victims and witnesses their needs; how many were given them."""
    rng = random.Random(f"{seed}-needs")
    people = session.scalars(
        select(Person)
        .join(CaseParty, CaseParty.person_id == Person.id)
        .where(CaseParty.role.in_([PartyRole.VICTIM, PartyRole.WITNESS]))
        .distinct()
        .order_by(Person.id)
    ).all()
    given = 0
    for person in people:
        if person.erased_at is not None or rng.random() > 1 / 6:
            continue
        adjustments = rng.sample(list(Adjustment), k=rng.randint(1, 2))
        needs = Needs(
            adjustments=tuple(adjustments),
            language=rng.choice(LANGUAGES),
            advocate=rng.choice(ADVOCATES),
            contact_by=rng.choice([ContactMethod.PHONE, ContactMethod.EMAIL, ContactMethod.TEXT]),
            times_to_avoid=rng.choice(TIMES) if rng.random() < 0.5 else "",
            no_home_visits=rng.random() < 0.3,
        ).checked()
        seal_many(
            person,
            {
                "adjustments": needs.adjustments_document(),
                "contact_needs": needs.contact_document(),
            },
        )
        given += 1
    return given
