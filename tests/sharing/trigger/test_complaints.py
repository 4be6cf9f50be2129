"""Finding a Community Trigger applicant's complaints across the relevant bodies (demo
partnership): a repeat victim known to several agencies is found by the blind indexes in
each, locked cases count, erased ones and bodies that are not relevant do not, and an
address finds the complaints made about it: the home's UPRN, or its postcode with its
address lines, never a postcode alone (some fifteen homes, the neighbours' included)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.crypto import blind_index
from sharing.crypto.sealing import seal_many, unseal_many
from sharing.formats import normalise_address
from sharing.models import (
    Agency,
    Case,
    CaseParty,
    Incident,
    Person,
    TriggerApplication,
    TriggerCaseRequest,
)
from sharing.trigger import applications, input_checks
from sharing.trigger.complaints import Applicant, gather, relevant_agencies
from sharing.trigger.procedure import load_procedure
from sharing.trigger.threshold import assess
from sharing.vocabulary import PartyRole

PROCEDURE = load_procedure(
    Path(__file__).parents[3] / "config" / "northshire-community-trigger.toml"
)


def _area(session: Session) -> int:
    return session.scalars(select(Agency.area_id)).first()


def _repeat_victim(session: Session, *, unasked: bool = False) -> tuple[Applicant, set[int]]:
    """A victim the demo holds at two or more relevant bodies, and the ids of the cases
    they are a victim or reporter on there; ``unasked``, one with a case there that is not
    locked and that no ASB Case Review has asked about (the demo's own reviews ask about
    some, which differ from day to day)."""
    relevant = {a.id for a in relevant_agencies(session, PROCEDURE, _area(session))}
    cases: dict[tuple[str, str], set[int]] = defaultdict(set)
    agencies: dict[tuple[str, str], set[int]] = defaultdict(set)
    rows = session.execute(
        select(Person, CaseParty.case_id, Case.agency_id)
        .join(CaseParty, CaseParty.person_id == Person.id)
        .join(Case, Case.id == CaseParty.case_id)
        .where(
            CaseParty.role.in_([PartyRole.VICTIM, PartyRole.REPORTER]),
            Case.erased_at.is_(None),
            Person.erased_at.is_(None),
        )
    ).all()
    for person, case_id, agency_id in rows:
        values = unseal_many(person, ("family_name", "date_of_birth"))
        if values["family_name"] and values["date_of_birth"] and agency_id in relevant:
            key = (values["family_name"], values["date_of_birth"])
            cases[key].add(case_id)
            agencies[key].add(agency_id)
    taken = set(session.scalars(select(Case.id).where(Case.locked.is_(True)))) | set(
        session.scalars(select(TriggerCaseRequest.case_id))
    )
    key = next(
        k
        for k, found in sorted(agencies.items())
        if len(found) >= 2 and (not unasked or cases[k] - taken)
    )
    family, dob = key
    return Applicant(family_name=family.upper(), date_of_birth=date.fromisoformat(dob)), cases[key]


def _phoned_by_a_repeat_victim(
    session: Session, lead: Actor, *, unasked: bool = False
) -> TriggerApplication:
    """An application the lead records today from a phone call by ``_repeat_victim``
    (not committed)."""
    victim, _ = _repeat_victim(session, unasked=unasked)
    return applications.record_application(
        session,
        lead,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_family_name=victim.family_name,
            victim_date_of_birth=victim.date_of_birth,
            victim_address="Flat 2, 7 Test Row",
            problem="Shouting and threats on the stairs",
        ),
    )


def test_a_repeat_victim_is_found_at_every_relevant_body_that_holds_them(demo_session) -> None:
    applicant, expected = _repeat_victim(demo_session)
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    found_cases = {h.case_id for h in gathered.held.values() if h.matched == "the victim"}
    assert found_cases == expected
    assert len({h.agency_id for h in gathered.held.values()}) >= 2
    incidents = sum(len(demo_session.get(Case, c).incidents) for c in expected)
    assert len(gathered.complaints) == incidents
    advice = assess(
        gathered.complaints,
        PROCEDURE,
        max(c.reported_on for c in gathered.complaints),
    )
    assert advice.rules[0].found >= 1


def test_a_complaint_counts_from_the_day_it_was_made_not_the_day_it_was_written_up(
    demo_session,
) -> None:
    """An incident typed in (or imported) weeks after the victim reported it is a
    complaint made the day they reported it: s.104 counts complaints made within a month
    of the behaviour, whenever the agency recorded them."""
    applicant, expected = _repeat_victim(demo_session)
    incident = demo_session.get(Case, min(expected)).incidents[0]
    made = clock.day_of(incident.occurred_at)
    incident.recorded_at = incident.occurred_at + timedelta(days=60)  # written up late
    incident.reported_on = made
    demo_session.flush()
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    [complaint] = [c for c in gathered.complaints if c.id == incident.id]
    assert complaint.reported_on == made
    advice = assess(gathered.complaints, PROCEDURE, made + timedelta(days=1))
    assert complaint not in [e.complaint for e in advice.excluded]
    demo_session.rollback()


def test_locked_cases_count_and_erased_ones_do_not(demo_session) -> None:
    applicant, expected = _repeat_victim(demo_session)
    first, second = sorted(expected)[:2]
    demo_session.get(Case, first).locked = True
    demo_session.flush()
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    assert any(h.locked and h.case_id == first for h in gathered.held.values())
    assert all(c.locked == (c.case_id == first) for c in gathered.complaints)
    demo_session.get(Case, second).erased_at = clock.now()
    demo_session.flush()
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    assert second not in {h.case_id for h in gathered.held.values()}
    demo_session.rollback()


def test_bodies_that_are_not_relevant_are_not_searched(demo_session) -> None:
    codes = {a.code for a in relevant_agencies(demo_session, PROCEDURE, _area(demo_session))}
    assert {"northshire-csp", "northshire-police", "northshire-icb", "larkmoor-ha"} <= codes
    assert "northshire-eh" not in codes
    assert "northshire-adults" not in codes


def test_someone_with_no_records_has_no_complaints(demo_session) -> None:
    # Demo residents' phones are in Ofcom's drama range 07700 900000-900999; this one is
    # in another drama range (Newcastle's 0191 498 0000-0999), so nobody in the demo has it.
    nobody = Applicant(family_name="Zzyzx-Nobody", phone="0191 498 0999")
    assert gather(demo_session, PROCEDURE, _area(demo_session), nobody).complaints == []


def test_an_address_finds_the_complaints_about_it(demo_session) -> None:
    case = demo_session.scalars(
        select(Case)
        .where(Case.uprn.is_not(None), Case.erased_at.is_(None), Case.agency.has(type="landlord"))
        .order_by(Case.id)
    ).first()
    uprn = unseal_many(case, ("uprn",))["uprn"]
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), Applicant(uprn=uprn))
    assert case.id in {h.case_id for h in gathered.held.values()}
    assert all(c.address == "applicant" for c in gathered.complaints)
    assert {h.matched for h in gathered.held.values()} == {"the address"}


def _homes_at_one_postcode(session: Session) -> tuple[str, dict[int, dict[str, str | None]]]:
    """The postcode of the most homes with cases at relevant bodies, and each of its
    cases' address lines and UPRN (by case id)."""
    relevant = {a.id for a in relevant_agencies(session, PROCEDURE, _area(session))}
    at: dict[str, dict[int, dict[str, str | None]]] = defaultdict(dict)
    for case in session.scalars(select(Case).where(Case.erased_at.is_(None)).order_by(Case.id)):
        values = unseal_many(case, ("postcode", "address", "uprn"))
        if (
            values["postcode"]
            and values["address"]
            and case.agency_id in relevant
            and case.incidents
        ):
            at[values["postcode"]][case.id] = values
    homes = Counter(
        {
            pc: len({normalise_address(v["address"] or "") for v in cases.values()})
            for pc, cases in at.items()
        }
    )
    postcode, count = homes.most_common(1)[0]
    assert count >= 2, "the demo has a postcode with cases about two homes or more"
    return postcode, at[postcode]


def test_a_postcode_alone_finds_no_ones_complaints(demo_session) -> None:
    postcode, cases = _homes_at_one_postcode(demo_session)
    nobody = Applicant(family_name="Unheardof", postcode=postcode.lower())
    assert gather(demo_session, PROCEDURE, _area(demo_session), nobody).complaints == []


def test_a_postcode_with_the_address_lines_finds_that_homes_cases_and_not_the_neighbours(
    demo_session,
) -> None:
    postcode, cases = _homes_at_one_postcode(demo_session)
    chosen = next(iter(cases.values()))
    home = normalise_address(chosen["address"] or "")
    # Typed as people do: capitals, commas for line breaks.
    typed = ", ".join((chosen["address"] or "").upper().splitlines())
    applicant = Applicant(family_name="Unheardof", postcode=postcode, address=typed)
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    found = {h.case_id for h in gathered.held.values()}
    expected = {i for i, v in cases.items() if normalise_address(v["address"] or "") == home}
    assert found == expected
    assert {i for i in cases if i not in expected}, "a neighbour's case is left out"
    assert all(h.matched == "the address" for h in gathered.held.values())
    # Another address at the same postcode finds none of these.
    elsewhere = Applicant(family_name="Unheardof", postcode=postcode, address="1 Nowhere Street")
    assert gather(demo_session, PROCEDURE, _area(demo_session), elsewhere).complaints == []


def test_a_case_with_another_uprn_is_another_home_whatever_its_address_lines(demo_session) -> None:
    postcode, cases = _homes_at_one_postcode(demo_session)
    case_id, chosen = next((i, v) for i, v in cases.items() if v["uprn"])
    applicant = Applicant(postcode=postcode, address=chosen["address"] or "", uprn="1")
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    assert case_id not in {h.case_id for h in gathered.held.values()}
    same = Applicant(postcode=postcode, address=chosen["address"] or "", uprn=chosen["uprn"] or "")
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), same)
    assert case_id in {h.case_id for h in gathered.held.values()}


def test_one_incident_reported_to_two_agencies_counts_once_however_each_found_the_victim(
    demo_session,
) -> None:
    """The police hold the victim by name and date of birth; the landlord, who recorded
    neither, holds a case about their home (its UPRN). The same night's noise reported to
    both is one complaint, as it would be were both found by the victim's name."""
    applicant, cases = _repeat_victim(demo_session)
    by_agency: dict[int, Case] = {}
    for case_id in sorted(cases):
        case = demo_session.get(Case, case_id)
        by_agency.setdefault(case.agency_id, case)
    police, landlord = list(by_agency.values())[:2]
    for party in list(landlord.parties):  # the landlord did not record the victim
        demo_session.delete(party)
    seal_many(landlord, {"uprn": "100012345678"})
    blind_index.index_case(demo_session, landlord, postcode=None, uprn="100012345678")
    landlord.category = police.category
    night = clock.now() - timedelta(days=3)
    for case in (police, landlord):
        case.incidents.append(
            Incident(
                occurred_at=night,
                recorded_by_id=case.officer_id,
                received_by_agency_id=case.agency_id,
            )
        )
    demo_session.flush()
    home = replace(applicant, uprn="100012345678")
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), home)
    assert {h.matched for h in gathered.held.values() if h.case_id == landlord.id} == {
        "the address"
    }
    advice = assess(gathered.complaints, PROCEDURE, clock.today())
    tonight = [i for i in advice.incidents if i.first.occurred_at == night]
    assert len(tonight) == 1, "one incident, reported to two agencies"
    assert {r.agency_id for r in tonight[0].reports} == {police.agency_id, landlord.agency_id}


def test_complaints_about_the_applicant_at_their_home_are_not_theirs(demo_session) -> None:
    """In a neighbour dispute either side may apply. A case at the home the applicant
    gives, on which they are the reported person, holds complaints about them: it finds
    none of theirs, however its address matches."""
    relevant = {a.id for a in relevant_agencies(demo_session, PROCEDURE, _area(demo_session))}
    rows = demo_session.execute(
        select(Case, Person)
        .join(CaseParty, CaseParty.case_id == Case.id)
        .join(Person, Person.id == CaseParty.person_id)
        .where(
            CaseParty.role == PartyRole.REPORTED,
            Case.uprn.is_not(None),
            Case.erased_at.is_(None),
            Person.erased_at.is_(None),
        )
        .order_by(Case.id, Person.id)
    ).all()
    for case, person in rows:
        named = unseal_many(person, ("family_name", "date_of_birth"))
        if case.agency_id in relevant and case.incidents and all(named.values()):
            break
    else:
        pytest.fail("the demo has a reported person with a name and date of birth")
    applicant = Applicant(
        family_name=named["family_name"] or "",
        date_of_birth=date.fromisoformat(named["date_of_birth"] or ""),
        uprn=unseal_many(case, ("uprn",))["uprn"] or "",
    )
    gathered = gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    assert case.id not in {h.case_id for h in gathered.held.values()}
    # Someone else giving that home (the victim next door, at the same UPRN) finds it.
    other = Applicant(family_name="Unheardof", uprn=applicant.uprn)
    assert case.id in {
        h.case_id for h in gather(demo_session, PROCEDURE, _area(demo_session), other).held.values()
    }


@pytest.fixture(autouse=True)
def _fresh(demo_session):
    yield
    demo_session.rollback()
