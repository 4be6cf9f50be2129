"""The checker on small protocols written in the tests, and on files that are not text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sharing.protocols import (
    Party,
    ProtocolInvalid,
    check_file,
    check_text,
    parse_protocol,
)
from sharing.protocols.__main__ import main
from sharing.protocols.locator import Locator
from sharing.vocabulary import AgencyType, Priority, Role
from tests.sharing.protocols.samples import DEMO_AGENCIES, SHIPPED, VALID


def test_valid_protocol_parses_into_its_parts() -> None:
    document = parse_protocol(VALID, "valid.toml", DEMO_AGENCIES)
    assert (document.id, document.version, document.handling) == ("test-protocol", 1, "OFFICIAL")
    assert (document.start, document.end, document.review) == (
        date(2026, 4, 1),
        date(2029, 3, 31),
        date(2027, 3, 31),
    )
    assert document.parties == (
        Party(None, AgencyType.LANDLORD, Role.MANAGER),
        Party("northshire-police", None, Role.DPO),
    )
    assert document.party_selectors() == ("type:landlord", "northshire-police")
    first, second = document.clauses
    assert first.requires_share
    assert first.priorities is None
    assert not first.emergency
    assert first.roles == {Role.CASE_OFFICER}
    assert second.requires_share is False
    assert second.priorities == frozenset({Priority.RED_URGENT})
    assert document.source == "valid.toml"
    assert document.purpose("asb_case_management").article9 is None
    assert document.clause("4.2") is second


def test_clauses_for_an_agency_follow_its_party() -> None:
    document = parse_protocol(VALID, "valid.toml")
    assert [c.id for c in document.clauses_for("northshire-police", AgencyType.POLICE)] == [
        "4.1",
        "4.2",
    ]
    assert [c.id for c in document.clauses_for("wealdbrook-ht", AgencyType.LANDLORD)] == ["4.1"]
    assert document.clauses_for("northshire-eh", AgencyType.ENVIRONMENTAL_HEALTH) == ()


def test_a_party_that_receives_nothing_is_allowed() -> None:
    text = VALID.replace(
        "[[purposes]]",
        '[[parties]]\nagency = "northshire-eh"\nsignatory_role = "manager"\n\n[[purposes]]',
    )
    document = parse_protocol(text, "provider-only.toml", DEMO_AGENCIES)
    assert document.party_for("northshire-eh", AgencyType.ENVIRONMENTAL_HEALTH) is not None
    assert document.clauses_for("northshire-eh", AgencyType.ENVIRONMENTAL_HEALTH) == ()


def test_schedule1_paragraphs_may_be_written_as_numbers() -> None:
    text = VALID.replace(
        'article6 = "public_task"',
        'article6 = "public_task"\narticle9 = "substantial_public_interest"\nschedule1 = [10, "18"]',
    )
    (purpose,) = parse_protocol(text, "numbers.toml").purposes
    assert purpose.schedule1 == ("10", "18")


def test_schedule1_without_a_condition_that_uses_it_is_a_problem() -> None:
    text = VALID.replace('article6 = "public_task"', 'article6 = "public_task"\nschedule1 = ["10"]')
    (problem,) = check_text(text, "x.toml")
    assert problem.field == "purposes[0].schedule1"
    assert "no article9 or article10" in problem.message


def test_authorised_by_law_needs_a_schedule1_condition() -> None:
    text = VALID.replace(
        'article6 = "public_task"', 'article6 = "public_task"\narticle10 = "authorised_by_law"'
    )
    (problem,) = check_text(text, "x.toml")
    assert problem.message.startswith('Article 10 condition "authorised_by_law" needs')
    assert "Part 1, 2 or 3" in problem.message


def test_duplicate_purpose_is_a_problem() -> None:
    purpose = VALID[VALID.index("[[purposes]]") : VALID.index("[[clauses]]")]
    text = VALID.replace("[[clauses]]", purpose + "[[clauses]]", 1)
    (problem,) = check_text(text, "x.toml")
    assert (problem.field, problem.line) == ("purposes[1].id", 24)
    assert problem.message == 'duplicate purpose "asb_case_management": already purposes[0]'


def test_item_listed_twice_is_a_problem() -> None:
    text = VALID.replace('roles = ["case_officer"]', 'roles = ["case_officer", "case_officer"]')
    (problem,) = check_text(text, "x.toml")
    assert problem.message == '"case_officer" is listed twice'


def test_parse_raises_with_every_problem() -> None:
    text = VALID.replace("version = 1", "version = 0").replace('"OFFICIAL"', '"RESTRICTED"')
    with pytest.raises(ProtocolInvalid) as raised:
        parse_protocol(text, "x.toml")
    assert [p.field for p in raised.value.problems] == ["version", "handling"]
    assert "(and 1 more)" in str(raised.value)


@pytest.mark.parametrize("version", ["10000", "9223372036854775807", "99999999999999999999"])
def test_a_version_above_9999_is_too_large(version: str) -> None:
    (problem,) = check_text(VALID.replace("version = 1", f"version = {version}"), "x.toml")
    assert (problem.field, problem.message) == ("version", f"{version} is too large")
    assert problem.allowed == "a whole number from 1 to 9999, without quotes"
    assert check_text(VALID.replace("version = 1", "version = 9999"), "x.toml") == []


def test_empty_file_reports_each_missing_key() -> None:
    problems = check_text("", "empty.toml")
    assert all(p.line is None for p in problems)
    assert {p.field for p in problems} == {
        "id",
        "title",
        "version",
        "handling",
        "start",
        "end",
        "review",
        "retention",
        "parties",
        "purposes",
        "clauses",
    }


def test_a_file_that_is_not_utf8_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    (problem,) = check_file(path)
    assert problem.message == "not a text file in UTF-8"


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode())
    assert check_file(path, DEMO_AGENCIES) == []


def test_a_missing_file_is_a_problem(tmp_path: Path) -> None:
    (problem,) = check_file(tmp_path / "nowhere.toml")
    assert problem.message.startswith("cannot read the file")


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 2_000 + "]" * 2_000 + "\n", "version = " + "9" * 5_000 + "\n"],
    ids=["nested-2000-deep", "a-5000-digit-number"],
)
def test_toml_beyond_what_python_reads_is_a_problem_not_a_crash(text: str) -> None:
    (problem,) = check_text(text, "deep.toml")
    assert problem.message == (
        "not a TOML file the hub reads: nested too deeply, or holding a number of more than "
        "4,300 digits"
    )


def test_toml_error_at_the_end_of_the_file_names_the_last_line() -> None:
    (problem,) = check_text('id = "x"\ntitle = "unterminated', "x.toml")
    assert problem.line == 2
    assert problem.message.startswith("not a valid TOML file")


def test_locator_finds_keys_in_arrays_of_tables_and_falls_back_to_the_header() -> None:
    locator = Locator.of(VALID)
    assert locator.line("version") == 3
    assert locator.line("parties[1]") == 14
    assert locator.line("parties[1].signatory_role") == 16
    assert locator.line("clauses[1].priorities") == 37
    assert locator.line("clauses[1].emergency") == 30
    assert locator.line("clauses[7].roles") == 23
    assert locator.line("missing") is None


def test_command_checks_files_and_exits_non_zero_on_problems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    malformed = Path(__file__).parent / "malformed"
    assert main(["check", "--demo-agencies", *map(str, sorted(SHIPPED.glob("*.toml")))]) == 0
    assert capsys.readouterr().out.count(": OK") == 5
    status = main(
        ["check", str(malformed / "40_many_problems.toml"), str(malformed / "01_not_toml.toml")]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert len(captured.out.splitlines()) == 6
    assert "6 problems found" in captured.err
