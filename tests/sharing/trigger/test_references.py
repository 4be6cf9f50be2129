"""The reference an applicant is given: the year and a random code, never a count of
applications, and never one already given."""

from __future__ import annotations

import random
import re

from sharing import clock
from sharing.trigger import applications, input_checks, references
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_actor
from tests.sharing.trigger.test_complaints import PROCEDURE

_REFERENCE = re.compile(rf"ASBR-(\d{{4}})-[{references.REFERENCE_CHARACTERS}]{{6}}")


def _phoned(session, codes: random.Random) -> str:
    lead = demo_actor(session, "northshire-csp", Role.TRIGGER_LEAD)
    return applications.record_application(
        session,
        lead,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_family_name="Reference-Test",
            victim_address="Flat 2, 7 Test Row",
            problem="Shouting and threats on the stairs",
        ),
        codes=codes,
    ).reference


def test_a_reference_is_the_year_and_a_code_that_cannot_be_misread(demo_session) -> None:
    reference = _phoned(demo_session, random.Random())
    found = _REFERENCE.fullmatch(reference)
    assert found is not None, reference
    assert int(found.group(1)) == clock.today().year
    assert not set("01IOLUV") & set(reference.rsplit("-", 1)[1])
    demo_session.rollback()


def test_a_reference_already_given_is_never_given_again(demo_session) -> None:
    """The second application draws its codes as the first did (the same seed): its first
    draw is the reference already given, so it draws again."""
    first = _phoned(demo_session, random.Random(7))
    second = _phoned(demo_session, random.Random(7))
    assert first != second
    assert _REFERENCE.fullmatch(second) is not None
    demo_session.rollback()
