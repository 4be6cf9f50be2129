"""What an erased case's page shows (demo partnership): that it was erased, when and by
whom, and what is kept and why, with no one's details from it. The people it kept for
their other live cases are counted, with links to those cases the reader may open; their
names and the risk scores the erased case recorded of them are not shown (before, each
kept person was named beside their scores)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import people
from sharing.cases.erasure import cases_holding, erase_case
from sharing.models import Case, CaseParty, RiskAssessment
from sharing.vocabulary import PartyRole, Role
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_client, demo_user, open_cases

AGENCY = "larkmoor-ha"
#: A person's heading in the risk and people sections: their part, then their name.
HEADING = re.compile(r'<h3 class="govuk-heading-s">[A-Za-z ]+: ([^<(]+?)(?: \(|</h3>)')


def _assessed_on_two_cases(session: Session) -> tuple[Case, CaseParty]:
    """A case of the agency (not locked or erased) whose risk assessment is of someone the
    agency's officer then links to another of its open cases, as a witness."""
    assessment = session.scalars(
        select(RiskAssessment)
        .join(Case, Case.id == RiskAssessment.case_id)
        .join(
            CaseParty,
            (CaseParty.case_id == RiskAssessment.case_id)
            & (CaseParty.person_id == RiskAssessment.person_id),
        )
        .where(Case.agency.has(code=AGENCY), Case.locked.is_(False), Case.erased_at.is_(None))
        .order_by(RiskAssessment.id)
    ).first()
    assert assessment is not None
    case = session.get_one(Case, assessment.case_id)
    other = next(c for c in open_cases(session, AGENCY) if c.id != case.id)
    officer = Actor.of(other.officer)
    people.add_person(
        session,
        authorise(session, officer, other.id, Act.RECORD),
        people.PersonInput(role=PartyRole.WITNESS),
        known_person_id=assessment.person_id,
    )
    session.commit()
    party = session.scalar(
        select(CaseParty).where(
            CaseParty.case_id == case.id, CaseParty.person_id == assessment.person_id
        )
    )
    assert party is not None
    return case, party


def test_an_erased_case_counts_the_people_it_kept_and_shows_none_of_their_risk(
    demo_hub: Flask, demo_session: Session
) -> None:
    session = demo_session
    case, party = _assessed_on_two_cases(session)
    other = sorted(cases_holding(session, party.person_id) - {case.id})
    manager_user = demo_user(session, AGENCY, Role.MANAGER)
    client = demo_client(demo_hub, manager_user)
    before = client.get(f"/cases/{case.id}").get_data(as_text=True)
    names = set(HEADING.findall(before))
    assert names, "the page named its people"
    assert "score" in before

    actor = demo_actor(session, AGENCY, Role.MANAGER)
    close_for_erasure(session, actor, case.id)
    erase_case(session, authorise(session, actor, case.id, Act.ERASE))
    session.commit()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)

    assert "This case was erased on " in page
    assert f"by {manager_user.display_name}: its key was destroyed" in page
    for name in names:
        assert name.strip() not in page  # not in People, Risk, incidents or referrals
    assert " score " not in page
    assert "Assessments of" not in page
    assert "its risk assessments are not shown" in page
    assert "kept for the other cases they are on" in page
    for case_id in other:
        reference = session.get_one(Case, case_id).reference
        assert f'href="/cases/{case_id}">case {reference}</a>' in page
