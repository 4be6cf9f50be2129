"""A case's risk is that of the people on it now (demo partnership): a witness assessed
high and then taken off the case keeps their assessment in its history, but the case's
highest current risk (its page and its officer's home page), the risk shared with the
police and the partnership's figures count only the victim still on it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import people
from sharing.figures.areas import Scope
from sharing.figures.counts import Counter
from sharing.figures.months import Months, months_later
from sharing.models import Agency, Case, RiskAssessment, User
from sharing.risk import disclose, reviews_due, shared
from sharing.risk.assessments import AssessmentInput, record_assessment
from sharing.risk.matrix import shipped
from sharing.vocabulary import AssessmentStage, PartyRole, RiskBand, Role
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.sharing.test_risk import HIGHEST, LOWEST, _police_shared_case, _victim

MATRICES = shipped()


def _assess(session: Session, officer: Actor, case: Case, person_id: int, answers, minutes: int):
    return record_assessment(
        session,
        authorise(session, officer, case.id, Act.ASSESS_RISK),
        AssessmentInput(person_id, AssessmentStage.REVIEW, MATRICES.current.version, dict(answers)),
        matrices=MATRICES,
        now=datetime.now(UTC) + timedelta(minutes=minutes),
    )


def _people_counted(session: Session, case: Case) -> int:
    """How many assessed people the figures count for the case's agency this month."""
    this_month = clock.today().replace(day=1)
    agency = session.get(Agency, case.agency_id)
    counter = Counter(
        session,
        agency.area_id,
        Scope(agency.area.name),
        Months(this_month, months_later(this_month, 1)),
    )
    return sum(
        by_agency[case.agency_id].count
        for key, by_agency in counter.risk().items()
        if key.startswith("band:") and case.agency_id in by_agency
    )


def _highest(session: Session, officer: Actor, case: Case) -> RiskBand | None:
    session.expire_all()
    risk = disclose.case_risk(session, authorise(session, officer, case.id, Act.VIEW), MATRICES)
    return risk.highest


def test_someone_taken_off_a_case_no_longer_counts_in_its_risk(demo_hub, demo_session) -> None:
    case = _police_shared_case(demo_session)
    officer = Actor.of(demo_session.get(User, case.officer_id))
    victim = _victim(case)
    witness = people.add_person(
        demo_session,
        authorise(demo_session, officer, case.id, Act.RECORD),
        people.PersonInput(role=PartyRole.WITNESS, given_names="Alex", family_name="Takenoff"),
    )
    _assess(demo_session, officer, case, victim, LOWEST, 1)
    _assess(demo_session, officer, case, witness.person_id, HIGHEST, 2)
    demo_session.commit()
    assert _highest(demo_session, officer, case) is RiskBand.HIGH
    counted_before = _people_counted(demo_session, case)

    people.remove_person(
        demo_session, authorise(demo_session, officer, case.id, Act.RECORD), witness.id
    )
    case.risk_review_due_on = clock.today()  # due, so on the officer's home page
    demo_session.commit()

    # The case's risk is its victim's now; the witness's assessment stays in its history.
    assert _highest(demo_session, officer, case) is RiskBand.LOW
    risk = disclose.case_risk(
        demo_session, authorise(demo_session, officer, case.id, Act.VIEW), MATRICES
    )
    gone = next(p for p in risk.people if p.person_id == witness.person_id)
    assert (gone.on_case, gone.role, gone.latest.band) == (
        False,
        "Taken off the case",
        RiskBand.HIGH,
    )
    assert demo_session.scalar(
        select(RiskAssessment.id).where(RiskAssessment.person_id == witness.person_id)
    )
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert re.search(r"Highest current risk:\s*<strong[^>]*>\s*Low risk", page)
    assert "No longer on this case: their assessments stay in its history" in page
    assert f"person={witness.person_id}" not in page  # not offered to assess again
    assert f"person={victim}" in page

    # The officer's home page gives the case's current risk as its victim's.
    due = reviews_due.risk_reviews_due(demo_session, officer, clock.today(), size=1_000).rows
    assert next(r.band for r in due if r.case_id == case.id) is RiskBand.LOW
    home = html.unescape(client.get("/").get_data(as_text=True))
    due_table = home[home.index("Your cases whose risk assessments are due for review") :]
    row = due_table[due_table.index(f">{case.reference}</a>") :].split("</tr>", 1)[0]
    assert "Low risk" in row
    assert "High risk" not in row

    # The police, with a live share, see the victim's risk and not the witness's.
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    listed = shared.shared_risk(demo_session, police, MATRICES, clock.today(), size=1_000).rows
    demo_session.commit()
    on_this_case = {r.person.person_id for r in listed if r.case_id == case.id}
    assert victim in on_this_case
    assert witness.person_id not in on_this_case
    page = demo_client(
        demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    ).get("/risk/shared?page=1")
    assert page.status_code == 200

    # The figures count the people assessed on the case now.
    assert _people_counted(demo_session, case) == counted_before - 1
