"""Reasonable adjustments and contact needs for some of the demo's victims and witnesses:
about one in six, from the procedures' list (an interpreter and the language, large
print, British Sign Language, a named advocate; a preferred way of contact, times to
avoid, no home visits), each fitting the person's age: large print and the phone more
often for older people, texts and e-mail for younger ones, the school run only for those
of an age to have children at school, a carer's visits only for the old. Its own random
numbers, so the rest of the demo is unchanged."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.cases.needs import Needs
from sharing.crypto.sealing import seal_many
from sharing.demo.names import age_on
from sharing.models import CaseParty, Person
from sharing.vocabulary import Adjustment, ContactMethod, PartyRole

LANGUAGES = ("Polish", "Urdu", "Romanian", "Punjabi", "Arabic", "Somali")
ADVOCATES = (
    "Jo Pemberton, Northshire Advocacy (01632 960 411)",
    "Sam Adeyemi, Victim Support (01632 960 527)",
)
#: Times to avoid, and the ages (from, to) each fits.
TIMES: tuple[tuple[str, int, int], ...] = (
    ("not before 10am", 0, 120),
    ("school pick-up, 3 to 4pm", 22, 55),
    ("evenings after 7pm", 0, 120),
    ("Friday afternoons", 0, 120),
    ("working hours: at work 9 to 5", 18, 66),
    ("mornings, when the carer visits", 70, 120),
    ("after dark", 65, 120),
)
#: From this age a person is "older" here: large print and the phone more often.
OLDER = 65


def _adjustment_weight(adjustment: Adjustment, age: int) -> int:
    """How likely ``adjustment`` is for someone of ``age``, against the others."""
    if adjustment is Adjustment.LARGE_PRINT:
        return 4 if age >= OLDER else 1
    return 2


def _contact_by(rng: random.Random, age: int) -> ContactMethod:
    """How someone of ``age`` prefers to be contacted: older people by phone mostly."""
    methods = (ContactMethod.PHONE, ContactMethod.EMAIL, ContactMethod.TEXT)
    weights = (6, 1, 1) if age >= 75 else (3, 2, 1) if age >= OLDER else (1, 1, 1)
    return rng.choices(methods, weights)[0]


def _adjustments(rng: random.Random, age: int) -> tuple[Adjustment, ...]:
    """One or two adjustments, weighted for ``age``, never the same twice."""
    left = list(Adjustment)
    chosen: list[Adjustment] = []
    for _ in range(rng.randint(1, 2)):
        pick = rng.choices(left, [_adjustment_weight(a, age) for a in left])[0]
        chosen.append(pick)
        left.remove(pick)
    return tuple(chosen)


def record_needs(session: Session, seed: int, born: Mapping[int, date], today: date) -> int:
    """Give some victims and witnesses their needs, fitting their age on ``today`` (from
    ``born``: each person's date of birth by their id, as planned, whether or not the
    officer knows it); how many were given them."""
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
        # Someone the build did not plan (none yet) is taken as of working age.
        age = age_on(born[person.id], today) if person.id in born else 40
        times = [text for text, youngest, oldest in TIMES if youngest <= age <= oldest]
        needs = Needs(
            adjustments=_adjustments(rng, age),
            language=rng.choice(LANGUAGES),
            advocate=rng.choice(ADVOCATES),
            contact_by=_contact_by(rng, age),
            times_to_avoid=rng.choice(times) if rng.random() < 0.5 else "",
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
