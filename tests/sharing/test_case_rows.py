"""Reading a partner system's cases from CSV: what the dry run of an import tells the
partner about a good file, and about each kind of malformed one (line, column, reason)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from sharing import clock
from sharing.imports.case_rows import MAX_PROBLEMS, CaseRow, FileRejected, Report, read_cases
from sharing.imports.columns import COLUMNS, Problem
from sharing.vocabulary import CaseCategory, PartyRole, Priority, ProtectedCharacteristic, Triage

TODAY = date(2026, 12, 2)
WARDS = {"abbey": 1, "brook": 2}
HEADING = ",".join(c.name for c in COLUMNS)
GOOD = {
    "reference": "HMS-001",
    "opened_on": "2026-11-30",
    "category": "noise",
    "priority": "amber",
    "triage": "low_level",
    "summary": "Loud music most nights from the flat above",
    "officer_email": "",
    "ward": "Abbey",
    "address": "Flat 2, 14 Mill Road",
    "postcode": "ts1 4ab",
    "uprn": "100012345678",
    "hate_motivated": "no",
    "protected_characteristic": "",
    "victim_given_names": "Amelia",
    "victim_family_name": "Testperson",
    "victim_date_of_birth": "03/04/1961",
    "victim_phone": "07700 900111",
    "victim_email": "amelia@example.org",
    "victim_postcode": "TS1 4AB",
    "victim_support_needs": "Lives alone",
    "victim_other_names": "",
    "reported_given_names": "",
    "reported_family_name": "",
    "reported_date_of_birth": "",
    "reported_postcode": "",
    "reported_other_names": "",
    "incident_at": "2026-11-29 23:40",
    "incident_description": "Music until 3am",
    "incident_place": "Stairwell",
    "incident_reported_on": "",
    "first_contact_on": "",
    "last_contact_on": "",
    "next_review_on": "",
}


def line_of(**changes: str) -> str:
    values = {**GOOD, **changes}
    return ",".join(_quoted(values[c.name]) for c in COLUMNS)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def read(data: bytes | str) -> tuple[list[CaseRow], Report]:
    raw = data.encode() if isinstance(data, str) else data
    report = Report()
    rows = list(read_cases(io.BytesIO(raw), wards=WARDS, report=report, today=TODAY))
    return rows, report


def rejected(data: bytes | str) -> Problem:
    with pytest.raises(FileRejected) as refused:
        read(data)
    return refused.value.problem


def problems_of(*lines: str) -> list[str]:
    rows, report = read("\n".join([HEADING, *lines]) + "\n")
    assert report.rejected == len(lines) - len(rows)
    return [str(p) for p in report.problems]


def test_a_good_file_gives_each_case_with_its_first_incident() -> None:
    rows, report = read(f"{HEADING}\n{line_of()}\n{line_of(reference='HMS-002')}\n")
    assert (report.rows, report.accepted, report.rejected) == (2, 2, 0)
    first = rows[0]
    assert (first.line, first.reference, first.opened_on) == (2, "HMS-001", date(2026, 11, 30))
    assert first.case.category is CaseCategory.NOISE
    assert first.case.priority is Priority.AMBER
    assert first.case.triage is Triage.LOW_LEVEL
    assert first.case.ward_id == 1
    [victim] = first.case.parties
    assert victim.role is PartyRole.VICTIM
    assert victim.date_of_birth == date(1961, 4, 3)
    assert first.incident.occurred_at == datetime(
        2026, 11, 29, 23, 40, tzinfo=clock.PARTNERSHIP_ZONE
    )


def test_a_byte_order_mark_and_windows_line_ends_are_read_as_usual() -> None:
    data = ("\ufeff" + HEADING + "\r\n" + line_of() + "\r\n").encode()
    rows, report = read(data)
    assert report.accepted == 1
    assert rows[0].reference == "HMS-001"


def test_columns_may_come_in_any_order_and_optional_ones_be_left_out() -> None:
    required = [c.name for c in COLUMNS if c.required]
    heading = ",".join(reversed(required))
    line = ",".join(_quoted(GOOD[name]) for name in reversed(required))
    rows, _ = read(f"{heading}\n{line}\n")
    assert rows[0].case.parties == []


@pytest.mark.parametrize(
    ("opened_on", "incident_at", "day", "moment"),
    [
        ("2026-11-01", "2026-10-31 22:15", date(2026, 11, 1), datetime(2026, 10, 31, 22, 15)),
        ("01/11/2026", "31/10/2026 22:15", date(2026, 11, 1), datetime(2026, 10, 31, 22, 15)),
        ("1/11/2026", "2026-10-31T07:05", date(2026, 11, 1), datetime(2026, 10, 31, 7, 5)),
        ("29/02/2024", "29/2/2024 9:30", date(2024, 2, 29), datetime(2024, 2, 29, 9, 30)),
    ],
)
def test_dates_are_read_in_iso_and_uk_forms(opened_on, incident_at, day, moment) -> None:
    rows, _ = read(f"{HEADING}\n{line_of(opened_on=opened_on, incident_at=incident_at)}\n")
    assert rows[0].opened_on == day
    assert rows[0].incident.occurred_at == moment.replace(tzinfo=clock.PARTNERSHIP_ZONE)


def test_the_first_incident_was_reported_the_day_the_case_was_opened_unless_the_file_says() -> None:
    rows, _ = read(
        f"{HEADING}\n{line_of()}\n"
        f"{line_of(reference='HMS-002', incident_reported_on='2026-11-29')}\n"
        f"{line_of(reference='HMS-003', opened_on='2026-11-01')}\n"
    )
    assert [r.incident.reported_on for r in rows] == [
        date(2026, 11, 30),
        date(2026, 11, 29),
        date(2026, 11, 29),  # the case was opened before it happened: the day it happened
    ]
    assert problems_of(line_of(incident_reported_on="2026-11-28")) == [
        "line 2, column incident_reported_on: is before the day the incident happened"
    ]


def test_names_and_labels_of_the_hubs_categories_are_both_understood() -> None:
    rows, _ = read(
        f"{HEADING}\n{line_of(category='Neighbour dispute', priority='RED_HIGH', triage='Serious or high risk')}\n"
    )
    assert rows[0].case.category is CaseCategory.NEIGHBOUR_DISPUTE
    assert rows[0].case.priority is Priority.RED_HIGH


def test_a_hate_motivated_case_needs_its_protected_characteristic() -> None:
    assert problems_of(line_of(hate_motivated="yes")) == [
        "line 2, column protected_characteristic: is empty"
    ]
    rows, _ = read(f"{HEADING}\n{line_of(hate_motivated='yes', protected_characteristic='race')}\n")
    assert rows[0].case.protected_characteristic is ProtectedCharacteristic.RACE


# -- the file itself ------------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_refused_at_the_line_it_breaks() -> None:
    data = (HEADING + "\n" + line_of() + "\n").encode() + line_of(summary="Café").encode("cp1252")
    problem = rejected(data)
    assert problem.line == 3
    assert "not UTF-8" in problem.reason


def test_an_empty_file_is_refused() -> None:
    assert rejected(b"").reason == "the file is empty: it needs a heading row"


def test_a_heading_missing_a_required_column_is_refused_naming_it() -> None:
    heading = HEADING.replace("opened_on,", "")
    assert rejected(heading + "\n").reason == "the heading is missing opened_on"


def test_a_heading_with_an_unknown_column_is_refused_naming_it() -> None:
    problem = rejected(HEADING + ",national_insurance_number\n")
    assert problem.line == 1
    assert "does not know: national_insurance_number" in problem.reason


def test_a_file_without_its_heading_is_refused_without_repeating_its_first_row() -> None:
    first_row = "HMS-001,2026-11-30,noise,amelia,Amelia Hartley,07700 900123\n"
    problem = rejected(first_row)
    assert problem.line == 1
    assert problem.reason == "the first row is not a heading: it names none of the hub's columns"


def test_heading_cells_that_are_not_column_names_are_counted_not_shown() -> None:
    problem = rejected(HEADING + ",victim nhs number,\x1b[2J\n")
    assert problem.reason == (
        "the heading has columns the hub does not know: 2 cells that are not column names"
    )


def test_a_heading_repeating_a_column_is_refused() -> None:
    assert "repeats summary" in rejected(HEADING + ",summary\n").reason


def test_a_file_that_is_not_csv_is_refused() -> None:
    problem = rejected(HEADING + '\n"HMS-001,2026-11-30,"noise\n')
    assert "not valid CSV" in problem.reason


def test_a_null_byte_in_a_row_rejects_the_row() -> None:
    last = COLUMNS[-1].name  # the null byte ends the row, in its last column
    assert problems_of(line_of() + "\x00") == [
        f"line 2, column {last}: holds control characters (such as a null byte)"
    ]


def test_a_file_of_more_rows_than_the_limit_is_refused() -> None:
    lines = [line_of(reference=f"R{n}") for n in range(4)]
    data = ("\n".join([HEADING, *lines]) + "\n").encode()
    with pytest.raises(FileRejected) as refused:
        list(read_cases(io.BytesIO(data), wards=WARDS, report=Report(), today=TODAY, max_rows=3))
    problem = refused.value.problem
    assert (problem.line, problem.reason) == (5, "the file has more than 3 rows: split it")


@pytest.mark.long
def test_a_hundred_thousand_rows_are_read_one_at_a_time() -> None:
    rest = line_of(reference="R").removeprefix("R").encode()

    def lines():  # the file is never held whole in memory as text
        yield (HEADING + "\n").encode()
        for n in range(100_000):
            yield b"R%06d%s\n" % (n, rest)

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.chunks, self.left = lines(), b""

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            while not self.left:
                self.left = next(self.chunks, b"")
                if not self.left:
                    return 0
            size = min(len(buffer), len(self.left))
            buffer[:size], self.left = self.left[:size], self.left[size:]
            return size

    report = Report()
    count = sum(
        1 for _ in read_cases(io.BufferedReader(Stream()), wards=WARDS, report=report, today=TODAY)
    )
    assert count == report.accepted == 100_000


# -- rows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"reference": ""}, "column reference: is empty"),
        ({"opened_on": "31/02/2026"}, "column opened_on: is not a date like 2026-03-31"),
        ({"opened_on": "2026-12-25"}, "column opened_on: is in the future"),
        ({"opened_on": "yesterday"}, "column opened_on: is not a date"),
        ({"victim_date_of_birth": "1850-01-01"}, "column victim_date_of_birth: is before 1900"),
        ({"opened_on": "1901-01-01"}, "column opened_on: is before 1 January 1990"),
        ({"opened_on": "31/12/1989"}, "column opened_on: is before 1 January 1990"),
        ({"incident_at": "2026-11-29"}, "column incident_at: is not a date and time"),
        ({"incident_at": "2026-11-29 25:10"}, "column incident_at: is not a date and time"),
        ({"incident_at": "2026-11-29 23:60"}, "column incident_at: is not a date and time"),
        ({"incident_at": "29/02/2026 10:00"}, "column incident_at: is not a date and time"),
        ({"incident_at": "2026-03-29 01:30"}, "column incident_at: is a time the clocks skipped"),
        (
            {"incident_at": "2026-03-29 01:30 BST"},
            "column incident_at: is a time the clocks skipped",
        ),
        (
            {"incident_at": "2026-10-25 01:30"},
            "column incident_at: is a time the clocks showed twice",
        ),
        (
            {"incident_at": "2026-07-01 12:00 GMT"},
            "column incident_at: says GMT, but UK clocks were on summer time (BST) at that time",
        ),
        (
            {"incident_at": "2026-11-29 23:40 BST"},
            "column incident_at: says BST, but UK clocks were on winter time (GMT) at that time",
        ),
        (
            {"incident_at": "2026-10-25 02:30 BST"},  # the clocks had gone back at 02:00 BST
            "column incident_at: says BST, but UK clocks were on winter time (GMT)",
        ),
        ({"incident_at": "2026-11-29 23:40 CET"}, "column incident_at: is not a date and time"),
        (
            {"protected_characteristic": "race"},
            "column protected_characteristic: is given, but hate_motivated is not yes",
        ),
        ({"opened_on": "2026-1-5"}, "column opened_on: is not a date like"),
        (
            {"category": "barking"},
            "column category: is not one of noise, smoke_odour, verbal_abuse",
        ),
        ({"priority": "red"}, "column priority: is not one of red_urgent, red_high, amber"),
        ({"postcode": "XX1"}, "column postcode: is not a UK postcode"),
        ({"victim_postcode": "12345"}, "column victim_postcode: is not a UK postcode"),
        ({"uprn": "12-34"}, "column uprn: is not a UPRN"),
        ({"uprn": "²"}, "column uprn: is not a UPRN"),  # str.isdigit takes it, int does not
        ({"opened_on": "٢٠٢٦-١١-٠١"}, "column opened_on: is not a date like"),  # Arabic-Indic
        ({"ward": "Atlantis"}, "column ward: is not a ward of your area"),
        ({"hate_motivated": "maybe"}, "column hate_motivated: is not yes or no"),
        (
            {"victim_phone": "call me"},
            "column victim_phone: is not a phone number: enter a phone number in digits",
        ),
        (
            {"victim_phone": "0033 1 23 45 67 89"},
            "column victim_phone: is not a phone number: enter a UK phone number starting",
        ),
        ({"victim_email": "amelia at home"}, "column victim_email: is not an e-mail address"),
        (
            {"summary": '=HYPERLINK("http://evil.example","Click")'},
            "column summary: holds a spreadsheet formula",
        ),
        ({"summary": "+SUM(A1:A9)"}, "column summary: holds a spreadsheet formula"),
        ({"incident_place": "@cmd"}, "column incident_place: holds a spreadsheet formula"),
        ({"victim_support_needs": "-2+3"}, "column victim_support_needs: holds a spreadsheet"),
        ({"incident_description": "＝1+2"}, "column incident_description: holds a spreadsheet"),
        ({"victim_given_names": "\t=1+2"}, "column victim_given_names: holds a spreadsheet"),
        ({"summary": "Loud\x1bmusic"}, "column summary: holds control characters"),
        ({"summary": "x" * 5_001}, "column summary: is longer than 5,000 characters"),
        ({"incident_description": "  "}, "column incident_description: is empty"),
        (
            {"victim_given_names": "", "victim_family_name": ""},
            "column victim_family_name: is empty, but the row has other details of the victim",
        ),
        ({"first_contact_on": "2026-12-03"}, "column first_contact_on: is in the future"),
        ({"last_contact_on": "next week"}, "column last_contact_on: is not a date like"),
        ({"next_review_on": "30/02/2027"}, "column next_review_on: is not a date like"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_a_row_with_a_bad_cell_is_rejected_saying_where_and_why(
    change: dict[str, str], expected: str
) -> None:
    [problem] = problems_of(line_of(**change))
    assert problem.startswith(f"line 2, {expected}"), problem


def test_a_case_from_before_may_bring_its_contacts_and_a_next_review_still_to_come() -> None:
    [row], _ = read(
        HEADING
        + "\n"
        + line_of(
            first_contact_on="2026-12-01", last_contact_on="02/12/2026", next_review_on="2027-01-04"
        )
    )
    assert (row.case.first_contact_on, row.case.last_contact_on, row.case.next_review_on) == (
        date(2026, 12, 1),
        date(2026, 12, 2),
        date(2027, 1, 4),
    )


@pytest.mark.parametrize(
    ("incident_at", "utc"),
    [
        ("2026-10-25 01:30 BST", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("25/10/2026 01:30 GMT", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        ("2026-10-25T01:59gmt", datetime(2026, 10, 25, 1, 59, tzinfo=UTC)),
        ("2026-10-25 00:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        ("2026-10-25 02:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
        ("2026-07-01 12:00 BST", datetime(2026, 7, 1, 11, 0, tzinfo=UTC)),
        ("2026-11-29 23:40 GMT", datetime(2026, 11, 29, 23, 40, tzinfo=UTC)),
    ],
)
def test_a_time_may_say_whether_uk_clocks_showed_it_in_summer_or_winter_time(
    incident_at: str, utc: datetime
) -> None:
    """The night the clocks go back, 1:30am comes twice: BST says the first, GMT the
    second, an hour later; outside that hour the time alone says which it is."""
    rows, report = read(f"{HEADING}\n{line_of(incident_at=incident_at)}\n")
    assert report.problems == []
    assert rows[0].incident.occurred_at == utc


def test_a_time_the_clocks_showed_twice_is_refused_saying_what_to_add() -> None:
    """Taken silently as the first, an incident an hour out would count towards the wrong
    night's figures, or a trigger's months from the wrong moment: the file is asked, as
    the incident form asks."""
    problems = problems_of(
        line_of(incident_at="25/10/2026 1:05"), line_of(reference="HMS-002", incident_at="")
    )
    assert problems == [
        "line 2, column incident_at: is a time the clocks showed twice (they went back an hour "
        "at 2am that day, so 1am to 2am came twice): add BST after the time for the first, in "
        "summer time, or GMT for the second, an hour later, like 2026-10-25 01:30 GMT",
        "line 3, column incident_at: is empty",
    ]


def test_a_phone_number_abroad_is_not_taken_for_a_formula() -> None:
    rows, report = read(f"{HEADING}\n{line_of(victim_phone='+44 7700 900111')}\n")
    assert report.problems == []
    assert rows[0].case.parties[0].phone == "+44 7700 900111"


def test_a_rejected_row_does_not_stop_the_rows_after_it() -> None:
    rows, report = read(
        "\n".join([HEADING, line_of(postcode="XX1"), line_of(reference="HMS-002")]) + "\n"
    )
    assert [r.reference for r in rows] == ["HMS-002"]
    assert (report.rows, report.accepted, report.rejected) == (2, 1, 1)


def test_every_problem_of_a_row_is_reported() -> None:
    assert problems_of(line_of(postcode="XX1", category="barking", reference="")) == [
        "line 2, column reference: is empty",
        "line 2, column category: is not one of " + ", ".join(c.value for c in CaseCategory),
        "line 2, column postcode: is not a UK postcode",
    ]


def test_a_reference_used_twice_is_rejected_the_second_time() -> None:
    problems = problems_of(line_of(), line_of(summary="Another"))
    assert problems == ["line 3, column reference: the same reference is on line 2"]


def test_a_row_with_too_few_or_too_many_cells_is_rejected() -> None:
    short = ",".join(line_of().split(",")[:5])
    assert problems_of(short)[0].startswith(
        f"line 2: the row has 5 cells where the heading has {len(COLUMNS)}"
    )


def test_a_problem_never_quotes_the_value_it_is_about() -> None:
    secret = "Testperson-secret-value"
    for change in ({"victim_phone": secret}, {"victim_email": secret}, {"ward": secret}):
        assert not any(secret in p for p in problems_of(line_of(**change)))


def test_lines_count_as_a_spreadsheet_counts_them_across_cells_with_new_lines() -> None:
    problems = problems_of(
        line_of(summary="Two\nlines"), line_of(reference="HMS-002", postcode="XX1")
    )
    assert problems == ["line 4, column postcode: is not a UK postcode"]


def test_blank_lines_are_skipped() -> None:
    rows, report = read(f"{HEADING}\n\n{line_of()}\n,,,\n")
    assert report.rows == report.accepted == 1
    assert rows[0].line == 3


def test_the_report_keeps_a_bounded_number_of_problems() -> None:
    lines = [line_of(reference=f"R{n}", postcode="XX1") for n in range(MAX_PROBLEMS + 5)]
    _, report = read("\n".join([HEADING, *lines]) + "\n")
    assert len(report.problems) == MAX_PROBLEMS
    assert report.problems_not_kept == 5
    assert report.rejected == MAX_PROBLEMS + 5


def test_other_names_are_read_each_with_what_it_is() -> None:
    line = line_of(
        victim_other_names="Spider (nickname); Wood (surname before marriage);Woody ;",
        reported_given_names="Rory",
        reported_family_name="Reported",
        reported_other_names="R.R.",
    )
    rows, report = read(f"{HEADING}\n{line}\n")
    assert report.accepted == 1
    victim, reported = rows[0].case.parties
    assert victim.other_names == (
        ("Spider", "nickname"),
        ("Wood", "surname before marriage"),
        ("Woody", ""),
    )
    assert reported.other_names == (("R.R.", ""),)


def test_bad_other_names_are_refused_naming_the_column_and_which_never_the_value() -> None:
    cell = "Okey; (a note alone); Test(y; Testperson; =HYPERLINK(1); okey; Ok (" + "n" * 101 + ")"
    problems = problems_of(line_of(victim_other_names=cell))
    column = "line 2, column victim_other_names"
    assert problems == [
        f"{column}: other name 3 is not a name with what it is in brackets after it, like "
        "Spider (nickname): a name holding brackets or a semicolon cannot be given in this "
        "column: add it on the case once it is imported (Change their details), or send the "
        "case through the API",
        f"{column}: other name 5 holds a spreadsheet formula",
        f"{column}: other name 2: enter the other name, or clear what it is",
        f"{column}: other name 4: the other name must not be the same as their name",
        f"{column}: other name 6: the other name is given twice: give it once",
        f"{column}: other name 7: what the other name is must be 100 characters or fewer"
        " (you entered 101)",
    ]
    assert not any("Okey" in p or "Testperson" in p for p in problems)
    formula = problems_of(line_of(victim_other_names="Okey; +Spider"))
    assert formula == [f"{column}: other name 2 holds a spreadsheet formula"]
    many = problems_of(line_of(victim_other_names="; ".join(f"N{n}" for n in range(21))))
    assert many == [f"{column}: gives more than 20 other names"]
    # A name holding brackets, however written, is refused saying how to give it whole.
    for cell in (
        "Bobby (the Kid) (street name)",
        "Bobby (the Kid (street name))",
        "Bobby (the Kid) street name",
        "Spider (nickname)) ",
    ):
        [problem] = problems_of(line_of(victim_other_names=f"Okey; {cell}"))
        assert problem.startswith(f"{column}: other name 2 is not a name with what it is in")
        assert "send the case through the API" in problem
        assert "Bobby" not in problem
    # Other names with nobody to be them.
    assert problems_of(line_of(reported_other_names="Spider")) == [
        "line 2, column reported_family_name: is empty, but the row has other details of the "
        "reported"
    ]
