"""Reading a partner system's cases from CSV, row by row, and checking each against the
documented columns (``sharing.imports.columns``): what an import's dry run reports, and
what the import itself takes (``read_cases``); one row given as its columns' values, as
the API sends a case (``check_row``).

The file is streamed (a row at a time, whatever its size). Each problem names the line
its row starts on (the heading is line 1; the same as a spreadsheet's row number unless a
cell holds a new line), its column and the reason, and
never quotes a value that may be personal data. A problem with the file itself (not
UTF-8, no heading, a heading missing a column) stops the reading at once. Each cell is
checked as ``sharing.imports.row_cells`` reads it; this module makes the row's case, its
first incident and its people of them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from sharing import clock
from sharing.cases.casework import CaseInput
from sharing.cases.incidents import EARLIEST_INCIDENT, IncidentInput
from sharing.cases.people import PersonInput
from sharing.formats import is_email_address, normalise_phone, normalise_uprn, phone_refusal
from sharing.imports.columns import COLUMNS, NAMES, REQUIRED, Problem
from sharing.imports.row_cells import RowCells
from sharing.vocabulary import CaseCategory, PartyRole, Priority, ProtectedCharacteristic, Triage

#: The longest reference a row may give, and the most rows a file may have.
MAX_REFERENCE = 60
MAX_ROWS = 200_000
NOT_UTF8 = "the file is not UTF-8 text: save it as “CSV UTF-8 (comma delimited)”"
#: The most row problems kept for the report (the count goes on).
MAX_PROBLEMS = 1_000

#: The earliest day a case may have been opened: that of the earliest incident the hub
#: records (a case opened in 1901 is a mistyped year, and would be due for review for ever).
EARLIEST_OPENING = clock.day_of(EARLIEST_INCIDENT)


class FileRejected(ValueError):
    """The file cannot be read as cases at all; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class CaseRow:
    """One accepted row: a case to open with its first incident."""

    line: int
    reference: str
    opened_on: date
    #: The case officer's e-mail address, or empty for the one importing.
    officer_email: str
    case: CaseInput
    incident: IncidentInput


@dataclass
class Report:
    """What a reading found: rows read, accepted and rejected, and the problems."""

    rows: int = 0
    accepted: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Problems found beyond the ``MAX_PROBLEMS`` kept.
    problems_not_kept: int = 0
    #: The line of each reference a row accepted so far holds: a later row with it is
    #: refused as repeating it. A row then refused by the casework is forgotten here
    #: (``forget``), so that it leaves its reference unused, as a row the reading refused does.
    references: dict[str, int] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return self.rows - self.accepted

    def add(self, problems: list[Problem]) -> None:
        room = MAX_PROBLEMS - len(self.problems)
        self.problems.extend(problems[:room])
        self.problems_not_kept += max(0, len(problems) - room)

    def forget(self, reference: str) -> None:
        """The row accepted with ``reference`` was refused after all: not counted as
        accepted, and its reference free for a later row."""
        self.accepted -= 1
        self.references.pop(reference, None)


def read_cases(
    data: IO[bytes],
    *,
    wards: Mapping[str, int],
    report: Report,
    today: date | None = None,
    max_rows: int = MAX_ROWS,
) -> Iterator[CaseRow]:
    """The accepted rows of the CSV in ``data``, one at a time; the rejected ones are in
    ``report``. ``wards`` maps the area's ward names (lower case) to their ids.
    ``FileRejected`` if the file itself cannot be read, or has more than ``max_rows``."""
    today = today or clock.today()
    seen = report.references
    for line, heading, cells in _rows(data, report, max_rows):
        row, problems = _check(line, heading, cells, wards, today)
        if row is not None and row.reference in seen:
            again = f"the same reference is on line {seen[row.reference]}"
            problems.append(Problem(line, "reference", again))
        if problems or row is None:
            report.add(problems)
            continue
        seen[row.reference] = line
        report.accepted += 1
        yield row


def check_file(data: IO[bytes], *, max_rows: int = MAX_ROWS) -> None:
    """Read the whole file as a file (its encoding, heading, CSV and number of rows),
    not checking its rows' values: ``FileRejected`` as ``read_cases`` would raise it."""
    for _ in _rows(data, Report(), max_rows):
        pass


def _rows(
    data: IO[bytes], report: Report, max_rows: int
) -> Iterator[tuple[int, list[str], list[str]]]:
    """The file's heading and each row's line and cells, counted in ``report``; blank
    lines passed over. ``FileRejected`` for a file that cannot be read as CSV, or has more
    than ``max_rows``."""
    reader = csv.reader(_text_lines(data), strict=True)
    heading = _heading(reader)
    ended = 1  # the line the last row ended on
    try:
        for cells in reader:
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            report.rows += 1
            if report.rows > max_rows:
                raise FileRejected(
                    Problem(line, "", f"the file has more than {max_rows:,} rows: split it")
                )
            yield line, heading, cells
    except csv.Error as e:
        raise FileRejected(Problem(ended + 1, "", f"the file is not valid CSV ({e})")) from None


def check_row(
    values: Mapping[str, str],
    *,
    wards: Mapping[str, int],
    today: date | None = None,
    other_names: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> tuple[CaseRow | None, list[Problem]]:
    """One row given as its columns' values (a partner system's API call sends one case
    at a time): the case it opens, or the problems, each naming its column (line 1).
    ``other_names``: a person's other names, each (name, what it is), by their column
    (``victim_other_names``), as a list rather than a cell, so that each is taken whole: a
    semicolon or brackets in it are its own."""
    unknown = sorted((set(values) | set(other_names or {})) - NAMES)
    if unknown:
        return None, [Problem(1, name, "is not one of the documented columns") for name in unknown]
    heading = [c.name for c in COLUMNS]
    cells = [values.get(name, "") for name in heading]
    return _check(1, heading, cells, wards, today or clock.today(), other_names or {})


def _text_lines(data: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, decoded one at a time (a new line is never part of a
    UTF-8 character), without the byte order mark spreadsheets put first; a line that is
    not UTF-8 stops the reading, naming it."""
    for number, raw in enumerate(data, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileRejected(Problem(number, "", NOT_UTF8)) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


#: What a heading cell can be named back as: a column-like name. Nothing else is shown (a
#: cell could hold a person's details, or control characters for the manager's terminal).
_SHOWN_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)


def _named(names: list[str]) -> str:
    """Heading cells for a message: those that look like column names, and how many
    others there are."""
    shown = [name for name in names if _SHOWN_NAME.fullmatch(name)]
    others = len(names) - len(shown)
    if not others:
        return ", ".join(shown)
    more = f"{others} {'cell' if others == 1 else 'cells'} that are not column names"
    return f"{', '.join(shown)} and {more}" if shown else more


def _heading(reader: Iterator[list[str]]) -> list[str]:
    try:
        heading = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise FileRejected(Problem(1, "", "the file is empty: it needs a heading row")) from None
    except csv.Error as e:
        raise FileRejected(Problem(1, "", f"the file is not valid CSV ({e})")) from None
    if NAMES.isdisjoint(heading):
        # A file without its heading: its first row is a case, not named back.
        raise FileRejected(
            Problem(1, "", "the first row is not a heading: it names none of the hub's columns")
        )
    repeated = sorted({name for name in heading if heading.count(name) > 1 and name})
    if repeated:
        raise FileRejected(Problem(1, "", f"the heading repeats {_named(repeated)}"))
    unknown = [name for name in heading if name not in NAMES]
    if unknown:
        raise FileRejected(
            Problem(1, "", f"the heading has columns the hub does not know: {_named(unknown)}")
        )
    missing = [name for name in REQUIRED if name not in heading]
    if missing:
        raise FileRejected(Problem(1, "", f"the heading is missing {', '.join(missing)}"))
    return heading


def _check(
    line: int,
    heading: list[str],
    cells: list[str],
    wards: Mapping[str, int],
    today: date,
    listed: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> tuple[CaseRow | None, list[Problem]]:
    row = RowCells(line, heading, cells, listed or {})
    reference = row.text("reference", required=True)
    if len(reference) > MAX_REFERENCE:
        row.fail("reference", f"is longer than {MAX_REFERENCE} characters")
    officer_email = row.text("officer_email", free=False).lower()
    if officer_email and not is_email_address(officer_email):
        row.fail("officer_email", "is not an e-mail address")
    opened_on = row.day("opened_on", today=today, required=True)
    if opened_on is not None and opened_on < EARLIEST_OPENING:
        row.fail("opened_on", "is before 1 January 1990")
        opened_on = None
    category = row.choice("category", CaseCategory)
    priority = row.choice("priority", Priority)
    triage = row.choice("triage", Triage)
    summary = row.text("summary", required=True)
    ward_name = row.text("ward")
    ward_id = wards.get(ward_name.lower()) if ward_name else None
    if ward_name and ward_id is None:
        row.fail("ward", "is not a ward of your area")
    uprn = row.text("uprn", free=False)
    if uprn and normalise_uprn(uprn) is None:
        row.fail("uprn", "is not a UPRN (a number of up to 12 digits)")
    hate = row.yes_no("hate_motivated")
    characteristic = None
    if hate:
        characteristic = row.choice("protected_characteristic", ProtectedCharacteristic)
    elif row.text("protected_characteristic", free=False):
        row.fail("protected_characteristic", "is given, but hate_motivated is not yes")
    occurred_at = row.moment("incident_at", today=today)
    parties = [
        party
        for party in (
            _person(row, "victim", PartyRole.VICTIM, today),
            _person(row, "reported", PartyRole.REPORTED, today),
        )
        if party is not None
    ]
    reported_on = row.day("incident_reported_on", today=today)
    if reported_on and occurred_at and reported_on < clock.day_of(occurred_at):
        row.fail("incident_reported_on", "is before the day the incident happened")
    description = row.text("incident_description", required=True)
    place, address = row.text("incident_place"), row.text("address")
    postcode = row.postcode("postcode")
    first_contact_on = row.day("first_contact_on", today=today)
    last_contact_on = row.day("last_contact_on", today=today)
    next_review_on = row.day("next_review_on", today=today, future=True)
    if (
        row.problems
        or opened_on is None
        or category is None
        or priority is None
        or triage is None
        or occurred_at is None
    ):
        return None, row.problems
    case = CaseInput(
        category=category,
        priority=priority,
        triage=triage,
        summary=summary,
        hate_motivated=hate,
        protected_characteristic=characteristic,
        ward_id=ward_id,
        address=address,
        postcode=postcode,
        uprn=uprn,
        parties=parties,
        first_contact_on=first_contact_on,
        last_contact_on=last_contact_on,
        next_review_on=next_review_on,
    )
    incident = IncidentInput(
        occurred_at=occurred_at,
        description=description,
        place=place,
        reported_on=reported_on or max(opened_on, clock.day_of(occurred_at)),
    )
    return CaseRow(line, reference, opened_on, officer_email, case, incident), []


def _person(row: RowCells, prefix: str, role: PartyRole, today: date) -> PersonInput | None:
    """The victim or reported person of the row, or None if the row names nobody."""
    given, family = row.text(f"{prefix}_given_names"), row.text(f"{prefix}_family_name")
    born = row.day(f"{prefix}_date_of_birth", today=today)
    postcode = row.postcode(f"{prefix}_postcode")
    phone = email = needs = ""
    if prefix == "victim":
        phone, email = row.text("victim_phone", free=False), row.text("victim_email", free=False)
        needs = row.text("victim_support_needs")
        if phone and normalise_phone(phone) is None:
            why = phone_refusal(phone)
            row.fail("victim_phone", f"is not a phone number: {why[0].lower()}{why[1:]}")
        if email and not is_email_address(email):
            row.fail("victim_email", "is not an e-mail address")
    other_names = row.other_names(f"{prefix}_other_names", family, given)
    if not (given or family):
        if born or postcode or phone or email or needs or other_names:
            row.fail(
                f"{prefix}_family_name", f"is empty, but the row has other details of the {prefix}"
            )
        return None
    return PersonInput(
        role=role,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        phone=phone,
        email=email,
        postcode=postcode,
        support_needs=needs,
        other_names=other_names,
        prefix=f"{prefix}_",  # the core's problems then name the column
    )
