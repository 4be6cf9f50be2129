"""A conference pack of a case erased since (demo partnership): the people at the table
still read it, on the page and as a PDF, and it says of the case what the erased case's
page says: when it was erased and by whom, how many people it kept (for the other cases
they are on, or on none), naming no one, with none of their details and none of the risk
assessments the case recorded. Before, the pack named the people the case kept (and
before that, read a kept person's date of birth as a date and answered 500)."""

from __future__ import annotations

import html
import io
import re

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import people
from sharing.cases.erasure import erase_case
from sharing.crypto.sealing import unseal
from sharing.models import Case, Conference, RiskAssessment, User
from sharing.vocabulary import PartyRole, Role
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_client, demo_user, open_cases

#: The erased case's notice, as the page and the pack write it.
NOTICE = re.compile(r"This case was erased on [^<]+?counted under People\.")


def _conference_on_an_assessed_case(session: Session) -> Conference:
    """A conference on an unlocked case with someone born on it and a risk assessment."""
    for conference in session.scalars(
        select(Conference)
        .join(Case)
        .where(Case.locked.is_(False), Case.erased_at.is_(None))
        .order_by(Conference.id)
    ):
        case = conference.case
        assessed = session.scalar(
            select(RiskAssessment.id).where(RiskAssessment.case_id == case.id)
        )
        if assessed and any(unseal(p.person, "date_of_birth") for p in case.parties):
            return conference
    raise AssertionError("the demo has no conference on an assessed case with someone born")


def _on_another_case(session: Session, case: Case) -> Case:
    """Link the case's first person to another open case of its agency, as a witness."""
    other = next(c for c in open_cases(session, case.agency.code) if c.id != case.id)
    people.add_person(
        session,
        authorise(session, Actor.of(other.officer), other.id, Act.RECORD),
        people.PersonInput(role=PartyRole.WITNESS),
        known_person_id=case.parties[0].person_id,
    )
    session.commit()
    return other


def _pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_pack_of_a_case_erased_since_counts_the_people_it_kept_and_names_none(
    demo_hub: Flask, demo_session: Session
) -> None:
    session = demo_session
    conference = _conference_on_an_assessed_case(session)
    case = conference.case
    names = {unseal(p.person, "family_name") for p in case.parties} - {None, ""}
    other = _on_another_case(session, case)
    chair = demo_client(demo_hub, session.get_one(User, conference.chair_id))
    before = html.unescape(chair.get(f"/conferences/{conference.id}/pack").get_data(as_text=True))
    assert all(name in before for name in names), "the pack named the case's people"

    manager_user = demo_user(session, case.agency.code, Role.MANAGER)
    manager = demo_actor(session, case.agency.code, Role.MANAGER)
    close_for_erasure(session, manager, case.id)
    erase_case(session, authorise(session, manager, case.id, Act.ERASE))
    session.commit()

    page = chair.get(f"/conferences/{conference.id}/pack")
    pdf = chair.get(f"/conferences/{conference.id}/pack.pdf")
    assert page.status_code == 200
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = html.unescape(page.get_data(as_text=True))
    printed = _pdf_text(pdf.data)
    for said in (text, printed):
        for name in names:
            assert name not in said  # in People, Risk history or anywhere
        assert "(born" not in said
        assert "Score" not in said
        assert f"by {manager_user.display_name}: its key was destroyed" in said
        assert "1 person on it was kept for the other cases they are on." in said
        assert "its risk assessments are not shown" in said
    assert f"Their details are on case {other.reference}." in text
    assert 'href="/cases/' not in text.split("The case</h2>")[1]  # a pack has no links
    assert "Erase the people" not in text


def test_the_pack_and_the_erased_case_page_say_the_same_of_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    session = demo_session
    conference = _conference_on_an_assessed_case(session)
    case = conference.case
    _on_another_case(session, case)
    manager = demo_actor(session, case.agency.code, Role.MANAGER)
    close_for_erasure(session, manager, case.id)
    erase_case(session, authorise(session, manager, case.id, Act.ERASE))
    session.commit()
    officer = demo_client(demo_hub, case.officer)

    page = html.unescape(officer.get(f"/cases/{case.id}").get_data(as_text=True))
    pack = html.unescape(officer.get(f"/conferences/{conference.id}/pack").get_data(as_text=True))

    said = NOTICE.findall(page)
    assert said
    assert NOTICE.findall(pack) == said
    assert "kept as your agency's record" in pack
