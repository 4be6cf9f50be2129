"""Every malformed protocol file in ``malformed/`` reports exactly its expected problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharing.protocols import ProtocolInvalid, check_file, parse_protocol
from tests.sharing.protocols.samples import DEMO_AGENCIES

MALFORMED = Path(__file__).parent / "malformed"

ALL_CATEGORIES = (
    "identity, contact, location, narrative, risk, vulnerability, offending, actions, outcome"
)

#: file stem → the problems it must report, each (field, line, message fragment); no more.
EXPECTED: dict[str, list[tuple[str, int | None, str]]] = {
    "01_not_toml": [("", 2, "not a valid TOML file: Expected '=' after a key")],
    "02_unknown_category": [("clauses[0].categories", 33, 'unknown category "medical"')],
    "03_unknown_agency": [
        (
            "parties[1].agency",
            16,
            'unknown agency "northshire-polise" (did you mean "northshire-police"?)',
        )
    ],
    "04_missing_lawful_basis": [("purposes[0].article6", 19, "no Article 6 lawful basis")],
    "05_special_category_without_article9": [
        (
            "clauses[0].categories",
            32,
            '"vulnerability" is special category data but purpose "asb_case_management" has no Article 9 condition',
        ),
    ],
    "06_end_before_start": [("end", 7, "end 2025-03-31 is not after start 2026-04-01")],
    "07_duplicate_party": [
        ("parties[2].agency", 20, 'duplicate party "northshire-police": already parties[1]')
    ],
    "08_substantial_public_interest_without_schedule1": [
        (
            "purposes[0].schedule1",
            19,
            'Article 9 condition "substantial_public_interest" needs a DPA 2018 Schedule 1 condition (Part 2)',
        ),
    ],
    "09_unknown_schedule1_paragraph": [
        ("purposes[0].schedule1", 24, 'unknown Schedule 1 condition "5"'),
        ("purposes[0].schedule1", 24, 'unknown Schedule 1 condition "99"'),
    ],
    "10_offending_without_article10": [
        (
            "clauses[1].categories",
            39,
            '"offending" is criminal offence data but purpose "asb_case_management" has no Article 10 condition',
        ),
    ],
    "11_unknown_purpose": [("clauses[1].purpose", 37, 'unknown purpose "case_conference"')],
    "12_recipient_not_party": [
        ("clauses[0].recipients", 31, 'recipient "northshire-eh" is not a party')
    ],
    "13_unknown_role": [("clauses[0].roles", 32, 'unknown role "housing_officer"')],
    "14_duplicate_clause_id": [("clauses[1].id", 36, 'duplicate clause "4.1": already clauses[0]')],
    "15_emergency_wrong_purpose": [
        (
            "clauses[2].purpose",
            50,
            'an emergency clause serves the purpose "emergency", not "asb_case_management"',
        ),
    ],
    "16_emergency_requires_share": [
        ("clauses[2].requires_share", 54, "an emergency clause cannot require a share")
    ],
    "17_clause_without_roles": [("clauses[1].roles", 39, "is an empty list")],
    "18_unknown_priority": [("clauses[1].priorities", 41, 'unknown priority "green"')],
    "19_no_clauses": [("clauses", None, "no [[clauses]] tables")],
    "20_unknown_key": [
        ("clauses[0].categories", 28, 'missing required key "categories"'),
        ("clauses[0].catgories", 33, 'unknown key "catgories" (did you mean "categories"?)'),
    ],
    "21_version_not_positive": [("version", 4, "0 is not a positive whole number")],
    "22_id_not_a_slug": [("id", 2, '"Test Protocol" is not in the right form')],
    "23_review_after_end": [
        ("review", 8, "review 2030-03-31 is not between start 2026-04-01 and end 2029-03-31")
    ],
    "24_unknown_handling": [("handling", 5, 'unknown handling marking "SECRET"')],
    "25_unknown_agency_type": [("parties[0].agency_type", 12, 'unknown agency type "housing"')],
    "26_unknown_signatory_role": [
        ("parties[1].signatory_role", 17, 'unknown signatory role "chief_constable"')
    ],
    "27_unknown_article6_basis": [
        ("purposes[0].article6", 22, 'unknown Article 6 lawful basis "public_interest"')
    ],
    "28_party_agency_and_type": [
        ("parties[0]", 11, "the party names both an agency and an agency type")
    ],
    "29_wrong_types": [
        ("title", 3, "expected text in quotes, found a whole number"),
        ("start", 6, "expected a date, found text"),
        ("clauses[1].requires_share", 41, "expected true or false, found text"),
    ],
    "30_role_without_case_data": [
        ("clauses[0].roles", 32, 'role "administrator" cannot receive case data'),
        ("clauses[0].roles", 32, 'role "analyst" cannot receive case data'),
    ],
    "31_emergency_purpose_without_emergency_clause": [
        (
            "clauses[2].emergency",
            48,
            'a clause for the purpose "emergency" must be a break-glass clause',
        )
    ],
    "32_no_purposes": [("purposes", None, "no [[purposes]] tables")],
    "33_missing_required_keys": [
        ("title", None, 'missing required key "title"'),
        ("retention", None, 'missing required key "retention"'),
    ],
    "34_empty_categories": [("clauses[1].categories", 40, "is an empty list")],
    "35_party_also_covered_by_type": [
        (
            "parties[2].agency",
            20,
            'duplicate party "larkmoor-ha": it is a social landlord, already a party as "type:landlord"',
        ),
    ],
    "36_date_and_time": [("start", 6, "expected a date, found a date and time")],
    "37_duplicate_toml_key": [("", 40, "not a valid TOML file: Cannot overwrite a value")],
    "38_clause_id_not_a_number": [("clauses[0].id", 29, '"landlords" is not in the right form')],
    "39_employment_without_part1": [
        (
            "purposes[0].schedule1",
            24,
            'Article 9 condition "employment" needs a DPA 2018 Schedule 1 condition (Part 1)',
        ),
    ],
    "40_many_problems": [
        ("version", 4, "-2 is not a positive whole number"),
        ("handling", 5, 'unknown handling marking "official"'),
        ("purposes[0].article6", 22, '"public task" (did you mean "public_task"?)'),
        ("clauses[0].categories", 33, 'unknown category "medical"'),
        ("clauses[1].recipients", 38, 'recipient "northshire-eh" is not a party'),
    ],
    "41_multiline_values": [("clauses[0].categories", 31, 'unknown category "medical"')],
}


def test_every_malformed_file_has_its_expected_problems_listed() -> None:
    assert sorted(p.stem for p in MALFORMED.glob("*.toml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 18


@pytest.mark.parametrize(("stem", "expected"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
def test_malformed_file_reports_exactly_its_problems(
    stem: str, expected: list[tuple[str, int | None, str]]
) -> None:
    path = MALFORMED / f"{stem}.toml"
    problems = check_file(path, DEMO_AGENCIES)
    found = [(p.field, p.line, p.message) for p in problems]
    assert len(problems) == len(expected), found
    for (field, line, fragment), problem in zip(expected, problems, strict=True):
        assert (problem.field, problem.line) == (field, line), found
        assert fragment in problem.message, found
        assert problem.source == str(path)
        assert problem.allowed, "every problem says what is allowed"


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_malformed_file_is_never_parsed(stem: str) -> None:
    text = (MALFORMED / f"{stem}.toml").read_text(encoding="utf-8")
    with pytest.raises(ProtocolInvalid) as raised:
        parse_protocol(text, source=stem, known_agencies=DEMO_AGENCIES)
    assert len(raised.value.problems) == len(EXPECTED[stem])


def test_a_file_with_several_problems_reports_them_all_in_line_order() -> None:
    problems = check_file(MALFORMED / "40_many_problems.toml", DEMO_AGENCIES)
    assert [p.line for p in problems] == [4, 5, 22, 33, 38]
    assert {p.field for p in problems} == {
        "version",
        "handling",
        "purposes[0].article6",
        "clauses[0].categories",
        "clauses[1].recipients",
    }


def test_problem_reads_as_file_line_field_message_and_allowed() -> None:
    (problem,) = check_file(MALFORMED / "02_unknown_category.toml", DEMO_AGENCIES)
    assert str(problem) == (
        f"{MALFORMED / '02_unknown_category.toml'}:33: clauses[0].categories: "
        f'unknown category "medical" (allowed: {ALL_CATEGORIES})'
    )


def test_a_problem_without_a_line_names_the_file_only() -> None:
    problems = check_file(MALFORMED / "33_missing_required_keys.toml")
    assert str(problems[0]).startswith(f"{MALFORMED / '33_missing_required_keys.toml'}: title: ")


def test_unknown_agency_is_only_checked_against_known_agencies() -> None:
    path = MALFORMED / "03_unknown_agency.toml"
    assert check_file(path) == []
    assert len(check_file(path, DEMO_AGENCIES)) == 1
