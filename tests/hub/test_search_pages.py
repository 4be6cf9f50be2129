"""The search page and the "is this person already known?" check on a new case."""

from __future__ import annotations

from sqlalchemy import func, select

from sharing.cases import people
from sharing.models import Case
from sharing.vocabulary import PartyRole
from tests.fixtures.app import csrf_token


def _search(client, **fields: str):
    """The search form, posted as the page posts it."""
    return client.post("/search", data={"csrf_token": csrf_token(client, "/search"), **fields})


def test_officer_finds_a_case_by_surname(as_user, create_user, create_case) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)  # victim Amelia Testperson, phone 07700 900111
    client = as_user(user=officer)
    assert 'value="surname" checked' in client.get("/search").get_data(as_text=True)
    page = _search(client, kind="surname", surname="TESTPERSON").get_data(as_text=True)
    assert "1 case" in page
    assert case.reference in page
    assert "Victim: Amelia Testperson" in page
    by_phone = _search(client, kind="phone", phone="07700 900 111").get_data(as_text=True)
    assert case.reference in by_phone


def test_a_case_found_by_its_victim_and_its_location_is_one_row(
    as_user, create_user, create_case, monkeypatch
) -> None:
    """A postcode that is both the victim's and the case's lists the case once, saying
    both; the count and the "more than" line count cases."""
    officer = create_user("case_officer")
    cases = [
        create_case(
            officer,
            parties=[
                people.PersonInput(
                    role=PartyRole.VICTIM,
                    given_names=given,
                    family_name="Crowd",
                    postcode="TS1 4AB",
                )
                for given in ("Ann", "Bea", "Cy")
            ],
        )
        for _ in range(3)
    ]
    client = as_user(user=officer)
    page = _search(client, kind="postcode", postcode="TS1 4AB").get_data(as_text=True)
    assert "3 cases" in page
    for case in cases:
        assert page.count(f">{case.reference}</a>") == 1
    assert "Victim: Ann Crowd; Victim: Bea Crowd; Victim: Cy Crowd; Location of the case" in page
    monkeypatch.setattr("sharing.cases.search.MAX_RESULTS", 2)
    cut = _search(client, kind="surname", surname="Crowd").get_data(as_text=True)
    assert "More than 2 cases match. These are 2 of them" in cut
    assert "2 cases" in cut


def test_search_terms_never_travel_in_the_address(as_user) -> None:
    client = as_user("case_officer")
    page = client.get("/search?kind=surname&surname=Testperson").get_data(as_text=True)
    assert 'method="post"' in page
    assert "govuk-table" not in page  # an address cannot run a search


def test_search_with_bad_input_names_the_field(as_user) -> None:
    client = as_user("case_officer")
    response = _search(client, kind="postcode", postcode="nonsense")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a real postcode, like NG1 5AB" in page
    assert 'href="#postcode"' in page
    too_short = _search(client, kind="surname", surname="a").get_data(as_text=True)
    assert "Enter at least 2 letters of the surname" in too_short


def test_a_half_typed_date_of_birth_does_not_stop_a_search_by_phone(
    as_user, create_user, create_case
) -> None:
    """The date of birth is read only for a search by surname and date of birth: one left
    not real in its boxes (typed before choosing to search by phone) is not in the way of
    a search by phone, by the case officer or by the DPO for a subject access request."""
    officer = create_user("case_officer")
    case = create_case(officer)  # victim Amelia Testperson, phone 07700 900111
    left = {"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "19"}
    client = as_user(user=officer)
    found = _search(client, kind="phone", phone="07700 900 111", **left)
    assert found.status_code == 200
    assert case.reference in found.get_data(as_text=True)
    dpo = as_user("dpo")
    page = "/audit/subject-access"
    sent = {"csrf_token": csrf_token(dpo, page), "kind": "phone", "phone": "07700 900111"}
    answer = dpo.post(page, data={**sent, **left})
    assert answer.status_code == 200
    assert "1 person found" in answer.get_data(as_text=True)
    # still read, and refused, when the search is by it
    by_date = _search(client, kind="surname_dob", surname="Testperson", **left)
    assert by_date.status_code == 400
    assert "Year must include 4 numbers" in by_date.get_data(as_text=True)


def test_search_finds_nothing_of_other_agencies(
    as_user, create_user, create_case, partnership
) -> None:
    create_case(create_user("case_officer"))
    police = as_user("case_officer", agency=partnership.police)
    page = _search(police, kind="surname", surname="Testperson").get_data(as_text=True)
    assert "No matches" in page


def test_new_case_form_checks_if_the_person_is_already_known_without_saving(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    known = create_case(officer)
    client = as_user(user=officer)
    data = {
        "csrf_token": csrf_token(client, "/cases/new"),
        "check_known": "y",
        "first_party-family_name": "testperson",
        "first_party-phone": "",
        "summary": "Half-typed summary",
    }
    response = client.post("/cases/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Already known to your agency" in page
    assert known.reference in page
    assert "Half-typed summary" in page  # what was typed is kept
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Case)) == 1
    unknown = client.post("/cases/new", data={**data, "first_party-family_name": "Nobody-Known"})
    assert "Not on any case you can see" in unknown.get_data(as_text=True)
    nothing = client.post("/cases/new", data={**data, "first_party-family_name": ""})
    assert "Enter the person&#39;s last name, phone number or postcode" in nothing.get_data(
        as_text=True
    )


def test_no_matches_speaks_of_the_cases_the_officer_can_see(
    as_user, create_user, create_case, db_session
) -> None:
    """An officer finding nothing is told none of the cases they can see holds the value,
    not that none of their agency's does: another team's case may hold it."""
    north, south = create_user("case_officer"), create_user("case_officer")
    north.team, south.team = "North neighbourhood team", "South neighbourhood team"
    db_session.commit()
    create_case(south)  # victim Amelia Testperson
    page = _search(as_user(user=north), kind="surname", surname="Testperson").get_data(as_text=True)
    assert "No matches" in page
    assert "None of your agency's cases holds" not in page
    assert "None of the cases you can see holds exactly that value" in page
