"""A conference pack of a case erased since (demo partnership): the people at the table
still read it, as the conference's page, on the page and as a PDF, with the names of the
people the case kept and none of their details, as the erased case's page shows them.
Before, a kept person's date of birth (no longer part of the case) was read as a date and
the pack answered 500."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.access.reveal import ERASED
from sharing.cases.erasure import erase_case
from sharing.crypto.sealing import unseal
from sharing.models import Case, Conference, User
from sharing.vocabulary import Role
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_client


def _conference_on_a_case_with_someone_born(session: Session) -> Conference:
    """A conference on an unlocked case one of whose people has a date of birth."""
    for conference in session.scalars(
        select(Conference)
        .join(Case)
        .where(Case.locked.is_(False), Case.erased_at.is_(None))
        .order_by(Conference.id)
    ):
        if any(unseal(p.person, "date_of_birth") for p in conference.case.parties):
            return conference
    raise AssertionError("the demo has no conference on a case with someone born")


def test_the_pack_of_a_case_erased_since_names_the_people_it_kept_and_none_of_their_details(
    demo_hub: Flask, demo_session: Session
) -> None:
    session = demo_session
    conference = _conference_on_a_case_with_someone_born(session)
    case = conference.case
    born = next(p.person for p in case.parties if unseal(p.person, "date_of_birth"))
    family = unseal(born, "family_name")
    manager = demo_actor(session, case.agency.code, Role.MANAGER)
    close_for_erasure(session, manager, case.id)
    erase_case(session, authorise(session, manager, case.id, Act.ERASE))
    session.commit()
    chair = demo_client(demo_hub, session.get(User, conference.chair_id))

    page = chair.get(f"/conferences/{conference.id}/pack")
    pdf = chair.get(f"/conferences/{conference.id}/pack.pdf")

    assert page.status_code == 200
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = page.get_data(as_text=True)
    assert family in text  # kept as the agency's record: named, to say who was on it
    assert "(born" not in text
    assert ERASED in text
