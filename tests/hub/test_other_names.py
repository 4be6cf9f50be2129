"""The other names someone is also known by (demo partnership): recorded on a person when
they are added or changed, sealed as their names are and indexed as surnames are; search,
the check for a person already known and the DPO's subject access search find them by any
of them, saying which name matched; the case page, the conference pack, a partner's view and
the subject access report show them, for those who have them only; bad input refused at its box, every problem at once; erasure
takes their index entries with them; never in the audit log."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sharing.crypto import blind_index
from sharing.crypto.data_keys import load_data_keys
from sharing.crypto.sealing import seal_many, unseal_many
from sharing.formats import other_names_document
from sharing.models import AuditEntry, BlindIndex, Case, CaseParty, Person
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, open_cases, share_demo_case
from tests.hub.test_conference_pack import _people
from tests.hub.test_conferences import _convened

FOUND_BY = "found by a name they are also known by"


def _add(client, case_id: int, **values: str | list[str]):
    url = f"/cases/{case_id}/people/new"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **values})


def _search(client, **fields: str):
    return client.post("/search", data={"csrf_token": csrf_token(client, "/search"), **fields})


def _added(session, case_id: int) -> CaseParty:
    session.expire_all()
    return max(session.get(Case, case_id).parties, key=lambda p: p.id)


def _no_name_in_the_log(session, *names: str) -> None:
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(40)):
        text = " ".join(str(v) for v in (entry.basis, entry.object_id, entry.purpose) if v)
        for name in names:
            assert name.casefold() not in text.casefold()


def test_other_names_are_recorded_sealed_indexed_and_found_by_search(demo_hub, demo_session):
    case = open_cases(demo_session, "northshire-homes")[7]
    officer = demo_client(demo_hub, case.officer)
    response = _add(
        officer,
        case.id,
        role="witness",
        **{
            "person-given_names": "Dorota",
            "person-family_name": "Quillfeather",
            "person-date_of_birth-day": "4",
            "person-date_of_birth-month": "5",
            "person-date_of_birth-year": "1990",
            "person-other_names-0-name": "Spudzy",
            "person-other_names-0-note": "nickname",
            "person-other_names-1-name": "Wiśniewska-Brandt",
            "person-other_names-1-note": "surname before marriage",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    party = _added(demo_session, case.id)
    person = party.person
    # Sealed (never in plain in the row), as identity, and indexed as surnames are.
    assert b"Spudzy" not in (person.other_names or b"")
    assert "Spudzy" in unseal_many(person, ("other_names",))["other_names"]
    surnames = demo_session.scalars(
        select(BlindIndex).where(BlindIndex.person_id == person.id, BlindIndex.field == "surname")
    ).all()
    assert len(surnames) == 3  # their surname and each other name
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Also known as" in page
    assert "Spudzy (nickname); Wiśniewska-Brandt (surname before marriage)" in page
    _no_name_in_the_log(demo_session, "Spudzy", "Brandt", "Quillfeather")

    # Search finds them by an other name (as a surname is found: capitals, accents),
    # saying which name matched; by their surname, without saying so.
    found = _search(officer, kind="surname", surname="WISNIEWSKA-BRANDT").get_data(as_text=True)
    assert case.reference in found
    assert f"Witness: Dorota Quillfeather ({FOUND_BY}: Wiśniewska-Brandt)" in found
    by_surname = _search(officer, kind="surname", surname="Quillfeather").get_data(as_text=True)
    assert case.reference in by_surname
    assert FOUND_BY not in by_surname
    by_dob = _search(
        officer,
        kind="surname_dob",
        surname="spudzy",
        **{"date_of_birth-day": "4", "date_of_birth-month": "5", "date_of_birth-year": "1990"},
    ).get_data(as_text=True)
    assert f"({FOUND_BY}: Spudzy)" in by_dob
    wrong_day = _search(
        officer,
        kind="surname_dob",
        surname="spudzy",
        **{"date_of_birth-day": "5", "date_of_birth-month": "5", "date_of_birth-year": "1990"},
    ).get_data(as_text=True)
    assert case.reference not in wrong_day
    _no_name_in_the_log(demo_session, "Spudzy", "Brandt")

    # "Check if this person is already known" finds them by a name they are also known by.
    checked = _add(
        officer, case.id, role="reporter", check_known="y", **{"person-family_name": "Spudzy"}
    ).get_data(as_text=True)
    assert "Already known to your agency" in checked
    assert f'value="{person.id}"' in checked
    assert f"({FOUND_BY}: Spudzy)" in checked

    # Another agency's officer finds nothing by it.
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert case.reference not in _search(police, kind="surname", surname="Spudzy").get_data(
        as_text=True
    )


def test_changing_other_names_changes_what_search_finds(demo_hub, demo_session) -> None:
    case = open_cases(demo_session, "northshire-homes")[8]
    officer = demo_client(demo_hub, case.officer)
    added = _add(
        officer,
        case.id,
        role="witness",
        **{
            "person-family_name": "Marchbanks",
            "person-other_names-0-name": "Tinker",
            "person-other_names-1-name": "Marchbank",
            "person-other_names-1-note": "another spelling",
        },
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    party = _added(demo_session, case.id)
    url = f"/cases/{case.id}/people/{party.id}/change"
    form = officer.get(url).get_data(as_text=True)
    assert 'value="Tinker"' in form
    assert 'value="another spelling"' in form
    assert 'name="person-other_names-4-name"' in form  # three empty rows beyond the two
    changed = officer.post(
        url,
        data={
            "csrf_token": csrf_token(officer, url),
            "role": "witness",
            "person-family_name": "Marchbanks",
            "person-other_names-0-name": "",
            "person-other_names-1-name": "Marchbank",
            "person-other_names-1-note": "another spelling",
            "person-other_names-2-name": "Tinks",
        },
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)
    assert case.reference not in _search(officer, kind="surname", surname="Tinker").get_data(
        as_text=True
    )
    assert case.reference in _search(officer, kind="surname", surname="tinks").get_data(
        as_text=True
    )
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Marchbank (another spelling); Tinks" in page
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.record").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis == f"person {party.person_id} changed (witness)"


def test_bad_other_names_are_refused_at_their_boxes_all_at_once(demo_hub, demo_session) -> None:
    case = open_cases(demo_session, "northshire-homes")[9]
    officer = demo_client(demo_hub, case.officer)
    before = len(case.parties)
    response = _add(
        officer,
        case.id,
        role="witness",
        **{
            "person-given_names": "Petra",
            "person-family_name": "Oakhurst",
            "person-other_names-0-note": "nickname",  # no name
            "person-other_names-1-name": "x" * 201,
            "person-other_names-2-name": "Pet\x07",
            "person-other_names-3-name": "OAKHURST",  # their own name
            "person-other_names-4-name": "Petra Oakhurst",  # their whole name
            "person-other_names-5-name": "Okey",
            "person-other_names-6-name": "okey",  # given twice
            "person-other_names-7-name": "Ok",
            "person-other_names-7-note": "n" * 101,
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for box in ("0-name", "1-name", "2-name", "3-name", "4-name", "6-name", "7-note"):
        assert f'href="#person-other_names-{box}"' in page, box
    assert 'href="#person-other_names-5-name"' not in page
    assert "Enter the other name, or clear what it is" in page
    assert "must be 200 characters or fewer" in page
    assert "must not be the same as their name" in page
    assert "given twice" in page
    assert "must be 100 characters or fewer" in page
    demo_session.expire_all()
    assert len(demo_session.get(Case, case.id).parties) == before


def test_a_partner_sees_other_names_where_it_sees_names(demo_hub, demo_session) -> None:
    case = open_cases(demo_session, "northshire-homes")[6]
    officer = demo_client(demo_hub, case.officer)
    response = _add(
        officer,
        case.id,
        role="witness",
        **{"person-family_name": "Threlkeld", "person-other_names-0-name": "Skiddaw"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    share_demo_case(demo_session, case, "northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = police.get(f"/cases/{case.id}?purpose=asb_case_management").get_data(as_text=True)
    assert ("Threlkeld" in page) == ("Skiddaw" in page)


def test_a_person_erased_takes_their_other_names_index_entries(demo_hub, demo_session) -> None:
    case = open_cases(demo_session, "northshire-homes")[5]
    officer = demo_client(demo_hub, case.officer)
    added = _add(
        officer,
        case.id,
        role="witness",
        **{"person-family_name": "Mistakenly", "person-other_names-0-name": "Oopsie"},
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    party = _added(demo_session, case.id)
    person_id = party.person_id
    url = f"/cases/{case.id}/people/{party.id}/remove"
    assert officer.post(url, data={"csrf_token": csrf_token(officer, url)}).status_code == 302
    demo_session.expire_all()
    person = demo_session.get(Person, person_id)
    assert person.erased_at is not None
    assert person.data_key.wrapped is None
    assert not demo_session.scalars(
        select(BlindIndex).where(BlindIndex.person_id == person_id)
    ).all()
    assert case.reference not in _search(officer, kind="surname", surname="Oopsie").get_data(
        as_text=True
    )


def test_the_dpo_finds_a_requester_by_a_name_they_are_also_known_by(demo_hub, demo_session) -> None:
    case = open_cases(demo_session, "larkmoor-ha")[0]
    officer = demo_client(demo_hub, case.officer)
    added = _add(
        officer,
        case.id,
        role="witness",
        **{
            "person-family_name": "Fairweather",
            "person-date_of_birth-day": "17",
            "person-date_of_birth-month": "11",
            "person-date_of_birth-year": "1984",
            "person-other_names-0-name": "Stormcrow",
            "person-other_names-0-note": "street name",
        },
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    person_id = _added(demo_session, case.id).person_id
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    found = dpo.post(
        "/audit/subject-access",
        data={
            "csrf_token": csrf_token(dpo, "/audit/subject-access"),
            "kind": "surname_dob",
            "surname": "stormcrow",
            "date_of_birth-day": "17",
            "date_of_birth-month": "11",
            "date_of_birth-year": "1984",
        },
    ).get_data(as_text=True)
    assert f"/audit/subject-access/{person_id}" in found
    assert "Found by a name they are also known by: Stormcrow" in found
    report = dpo.get(f"/audit/subject-access/{person_id}").get_data(as_text=True)
    assert "Also known as" in report
    assert "Stormcrow (street name)" in report
    _no_name_in_the_log(demo_session, "Stormcrow")


def test_other_names_are_indexed_as_surnames_are() -> None:
    terms = blind_index.other_name_terms(["Müller", "MULLER", "O’Neill"], date(1990, 5, 4))
    assert terms == [
        ("surname", "muller"),
        ("surname_dob", "muller|1990-05-04"),
        ("surname", "o'neill"),
        ("surname_dob", "o'neill|1990-05-04"),
    ]
    assert blind_index.other_name_terms(["Spud"], None) == [("surname", "spud")]


def test_also_known_as_is_shown_only_for_someone_with_other_names(demo_hub, demo_session) -> None:
    conference, officer = _convened(demo_hub, demo_session, with_victim=True)
    victim = next(p.person for p in conference.case.parties if p.role.value == "victim")
    case_id, victim_id = conference.case_id, victim.id
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))

    def shown() -> tuple[str, str, dict[str, str], str]:
        case_page = officer.get(f"/cases/{case_id}").get_data(as_text=True)
        pack = officer.get(f"/conferences/{conference.id}/pack").get_data(as_text=True)
        row = next(r for r in _people(pack) if r["Role"] == "Victim")
        report = dpo.get(f"/audit/subject-access/{victim_id}").get_data(as_text=True)
        return case_page, pack, row, report

    # Nobody on the case has other names: no "Also known as" anywhere, no "Not recorded".
    case_page, pack, row, report = shown()
    for page in (case_page, pack, report):
        assert "Also known as" not in page
    assert "Not recorded" not in row["Name"]

    load_data_keys(demo_session, [victim.data_key_id])
    seal_many(victim, {"other_names": other_names_document([("Spider", "nickname"), ("Wood", "")])})
    demo_session.commit()
    case_page, pack, row, report = shown()
    # Their row alone, on the case page; beside their name in the pack; in their report.
    assert case_page.count("Also known as") == 1
    assert "Spider (nickname); Wood" in case_page
    assert "Also known as: Spider (nickname); Wood" in row["Name"]
    assert pack.count("Also known as") == 1
    assert "Also known as" in report
    assert "Spider (nickname); Wood" in report
