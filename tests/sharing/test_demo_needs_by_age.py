"""The needs the demo gives its victims and witnesses fit their age (the demo built for
this run, whatever day it runs): no school run at 80, no carer's morning visits at 30,
no early-stage dementia at 40, no care leaver at 60."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from sharing import clock
from sharing.crypto.sealing import unseal
from sharing.demo.names import age_on
from sharing.models import CaseParty, Person
from sharing.vocabulary import PartyRole


def _needs(person: Person) -> tuple[str, str]:
    """What the person's contact needs and support needs say."""
    contact = json.loads(unseal(person, "contact_needs") or "{}")
    return contact.get("times_to_avoid", ""), unseal(person, "support_needs") or ""


def test_the_needs_of_victims_and_witnesses_fit_their_age(demo_session) -> None:
    """No school run for someone of 80, no carer's morning visits for someone of 30, no
    early-stage dementia at 40, no care leaver at 60."""
    today = clock.today()
    people = demo_session.scalars(
        select(Person)
        .join(CaseParty, CaseParty.person_id == Person.id)
        .where(CaseParty.role.in_([PartyRole.VICTIM, PartyRole.WITNESS]))
        .distinct()
        .order_by(Person.id)
    ).all()
    aged = []
    for person in people:
        born = unseal(person, "date_of_birth")
        if born:
            aged.append((age_on(date.fromisoformat(born), today), *_needs(person)))
    assert len([times for _, times, _ in aged if times]) > 10
    assert len([support for _, _, support in aged if support]) > 10
    for age, times, support in aged:
        if "school pick-up" in times:
            assert 22 <= age <= 55, (age, times)
        if "carer visits" in times:
            assert age >= 70, (age, times)
        if "dementia" in support:
            assert age >= 65, (age, support)
        if support.startswith("Care leaver"):
            assert age <= 25, (age, support)
