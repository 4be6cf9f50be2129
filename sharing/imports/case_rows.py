"""Reading a partner system's cases from CSV, row by row, and checking each against the
documented columns (``COLUMNS``): what an import's dry run reports, and what the import
itself takes (``read_cases``).

The file is streamed (a row at a time, whatever its size). Each problem names the line
its row starts on (the heading is line 1; the same as a spreadsheet's row number unless a
cell holds a new line), its column and the reason, and
never quotes a value that may be personal data. A problem with the file itself (not
UTF-8, no heading, a heading missing a column) stops the reading at once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, TypeVar

from sharing import clock
from sharing.cases.casework import CaseInput
from sharing.cases.incidents import EARLIEST_INCIDENT, IncidentInput
from sharing.cases.people import PersonInput, other_name_problems
from sharing.formats import (
    has_control_characters,
    is_email_address,
    normalise_phone,
    normalise_postcode,
    normalise_uprn,
    phone_refusal,
    runs_as_formula,
)
from sharing.vocabulary import (
    CaseCategory,
    Labelled,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    Triage,
)

L = TypeVar("L", bound=Labelled)

#: The longest text a cell may hold, and the most rows a file may have.
MAX_CELL = 5_000
MAX_REFERENCE = 60
MAX_ROWS = 200_000
NOT_UTF8 = "the file is not UTF-8 text: save it as “CSV UTF-8 (comma delimited)”"
#: The most row problems kept for the report (the count goes on).
MAX_PROBLEMS = 1_000


#: The most other names a cell may give for one person.
MAX_OTHER_NAMES = 20
_OTHER_NAMES = (
    ": each with what it is in brackets if you like, separated by semicolons: "
    "Spider (nickname); Wood (surname before marriage). A name holding brackets or a "
    "semicolon of its own cannot be given here: add it on the case once it is imported"
)
#: One other name of a cell: the name, then what it is in brackets if given.
_OTHER_NAME = re.compile(r"(?P<name>[^();]*?)\s*(?:\((?P<note>[^();]*)\))?")
#: What a row is told of an other name of a cell that is not one name with what it is in
#: one pair of brackets after it: how to write it, and where a name that holds brackets
#: (or a semicolon, which the cell takes for the next name) can be given whole.
_NOT_ONE_NAME = (
    "is not a name with what it is in brackets after it, like Spider (nickname): a name "
    "holding brackets or a semicolon cannot be given in this column: add it on the case "
    "once it is imported (Change their details), or send the case through the API"
)


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    required: bool = False


#: The documented column set, in the order a template file lists them.
COLUMNS = (
    Column(
        "reference",
        "the case's reference in your own system (up to 60 characters); unique in the file",
        True,
    ),
    Column(
        "opened_on",
        "the day the case was opened: 2026-03-31 or 31/03/2026 (1 January 1990 or later)",
        True,
    ),
    Column("category", "one of the hub's categories, by code or name (e.g. noise)", True),
    Column("priority", "red_urgent, red_high or amber", True),
    Column("triage", "advice_only, low_level or serious", True),
    Column("summary", "what the problem is", True),
    Column("officer_email", "the case officer's e-mail address in the hub (empty: yours)"),
    Column("ward", "the ward's name, in your area"),
    Column("address", "where the problem is"),
    Column("postcode", "the postcode of that address"),
    Column("uprn", "the address's Unique Property Reference Number"),
    Column("hate_motivated", "yes or no (empty: no)"),
    Column("protected_characteristic", "if hate motivated: e.g. race, religion, disability"),
    Column("victim_given_names", "the victim's given names"),
    Column("victim_family_name", "the victim's family name"),
    Column("victim_date_of_birth", "the victim's date of birth"),
    Column("victim_phone", "the victim's phone number"),
    Column("victim_email", "the victim's e-mail address"),
    Column("victim_postcode", "the victim's postcode"),
    Column("victim_support_needs", "what support the victim needs"),
    Column("victim_other_names", "other names the victim is also known by" + _OTHER_NAMES),
    Column("reported_given_names", "the reported person's given names"),
    Column("reported_family_name", "the reported person's family name"),
    Column("reported_date_of_birth", "the reported person's date of birth"),
    Column("reported_postcode", "the reported person's postcode"),
    Column(
        "reported_other_names",
        "other names the reported person is also known by, written as for the victim",
    ),
    Column(
        "incident_at",
        "when the first incident happened: 2026-03-30 22:15 (UK time); in the hour the clocks "
        "go back, which time it was: 2026-10-25 01:30 BST, the first, or 01:30 GMT, the second",
        True,
    ),
    Column("incident_description", "what happened", True),
    Column("incident_place", "where it happened"),
    Column(
        "incident_reported_on",
        "the day it was reported to your agency (default: the day the case was opened, or the "
        "day it happened if later)",
    ),
    Column(
        "first_contact_on",
        "for a case your system holds from before: the day your agency first contacted the "
        "complainant about it (empty: not yet, so it is due as for a new case)",
    ),
    Column(
        "last_contact_on",
        "the day your agency was last in touch with the complainant (empty: the first contact)",
    ),
    Column(
        "next_review_on",
        "the day the case is next due for review, in the past if it is overdue (empty: its "
        "priority's interval after the day it was opened)",
    ),
)
_NAMES = frozenset(c.name for c in COLUMNS)
_REQUIRED = tuple(c.name for c in COLUMNS if c.required)
#: A day as 2026-03-31 or 31/03/2026 (or 1/3/2026), then, for a moment, the time.
_DAY = r"(?:(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})|(?P<dd>\d{1,2})/(?P<mm>\d{1,2})/(?P<yy>\d{4}))"
_DAY_ONLY = re.compile(_DAY, re.ASCII)
#: The time may be followed by BST or GMT: which UK clocks showed it in (the night the
#: clocks go back, 1am to 2am comes twice, first in BST and then in GMT).
_DAY_AND_TIME = re.compile(
    _DAY + r"[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?:\s*(?P<zone>(?i:BST|GMT)))?", re.ASCII
)
#: What a row is told of a time the clocks showed twice, given without which it was.
SHOWN_TWICE = (
    "is a time the clocks showed twice (they went back an hour at 2am that day, so 1am to "
    "2am came twice): add BST after the time for the first, in summer time, or GMT for the "
    "second, an hour later, like 2026-10-25 01:30 GMT"
)
#: The earliest day a case may have been opened: that of the earliest incident the hub
#: records (a case opened in 1901 is a mistyped year, and would be due for review for ever).
EARLIEST_OPENING = clock.day_of(EARLIEST_INCIDENT)
_YES, _NO = frozenset({"yes", "y", "true", "1"}), frozenset({"no", "n", "false", "0", ""})


@dataclass(frozen=True)
class Problem:
    """Why a row (or the file, at line 1 or the line reached) was rejected."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


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
    unknown = sorted((set(values) | set(other_names or {})) - _NAMES)
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
    if _NAMES.isdisjoint(heading):
        # A file without its heading: its first row is a case, not named back.
        raise FileRejected(
            Problem(1, "", "the first row is not a heading: it names none of the hub's columns")
        )
    repeated = sorted({name for name in heading if heading.count(name) > 1 and name})
    if repeated:
        raise FileRejected(Problem(1, "", f"the heading repeats {_named(repeated)}"))
    unknown = [name for name in heading if name not in _NAMES]
    if unknown:
        raise FileRejected(
            Problem(1, "", f"the heading has columns the hub does not know: {_named(unknown)}")
        )
    missing = [name for name in _REQUIRED if name not in heading]
    if missing:
        raise FileRejected(Problem(1, "", f"the heading is missing {', '.join(missing)}"))
    return heading


class _Cells:
    """A row's cells by column name, checked as they are read; problems are collected."""

    def __init__(
        self,
        line: int,
        heading: list[str],
        cells: list[str],
        listed: Mapping[str, Sequence[tuple[str, str]]],
    ) -> None:
        self.line = line
        self.values = dict(zip(heading, cells, strict=False))
        #: Other names sent as lists, by column, rather than in a cell (``check_row``).
        self.listed = listed
        self.problems: list[Problem] = []
        if len(cells) != len(heading):
            self.fail("", f"the row has {len(cells)} cells where the heading has {len(heading)}")

    def fail(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, reason))

    def text(self, column: str, *, required: bool = False, free: bool = True) -> str:
        """The cell's text, trimmed. Free text may not start as a spreadsheet formula
        does; a value with its own format (``free=False``: a phone number, a day) may
        start with + or -, and its format is checked by the caller."""
        raw = self.values.get(column, "")
        value = raw.strip()
        if required and not value:
            self.fail(column, "is empty")
        elif len(value) > MAX_CELL:
            self.fail(column, f"is longer than {MAX_CELL:,} characters")
        elif runs_as_formula(raw) if free else value.startswith("="):
            self.fail(column, "holds a spreadsheet formula: export the values, not the formulas")
        elif has_control_characters(value):
            self.fail(column, "holds control characters (such as a null byte)")
        else:
            return value
        return ""

    def choice(self, column: str, vocabulary: type[L]) -> L | None:
        value = self.text(column, required=True, free=False)
        if not value:
            return None
        for member in vocabulary:
            if value.lower() in (member.value, member.label.lower()):
                return member
        codes = ", ".join(m.value for m in vocabulary)
        self.fail(column, f"is not one of {codes}")
        return None

    def day(
        self, column: str, *, today: date, required: bool = False, future: bool = False
    ) -> date | None:
        """The cell's day, or None (and a problem) if it is not one; a day after ``today``
        only if ``future``."""
        value = self.text(column, required=required, free=False)
        if not value:
            return None
        match = _DAY_ONLY.fullmatch(value)
        day = _day_of(match) if match else None
        if day is None:
            self.fail(column, "is not a date like 2026-03-31 or 31/03/2026 (or no such day)")
        elif day > today and not future:
            self.fail(column, "is in the future")
        elif day.year < 1900:
            self.fail(column, "is before 1900")
        else:
            return day
        return None

    def moment(self, column: str, *, today: date) -> datetime | None:
        value = self.text(column, required=True, free=False)
        if not value:
            return None
        match = _DAY_AND_TIME.fullmatch(value)
        day = _day_of(match) if match else None
        hour, minute = (int(match["hour"]), int(match["minute"])) if match else (24, 0)
        if day is None or hour > 23 or minute > 59:
            self.fail(column, "is not a date and time like 2026-03-30 22:15 (or no such time)")
            return None
        if day > today:
            self.fail(column, "is in the future")
            return None
        moment = clock.uk_moment(day, hour, minute)
        zone = (match["zone"] or "").upper() if match else ""
        if moment is None:
            self.fail(column, "is a time the clocks skipped (they went forward at 1am that day)")
        elif zone:
            return self._shown_in(column, day, hour, minute, zone)
        elif clock.shown_twice(moment):
            self.fail(column, SHOWN_TWICE)
        else:
            return moment
        return None

    def _shown_in(
        self, column: str, day: date, hour: int, minute: int, zone: str
    ) -> datetime | None:
        """The moment of a time written with the one UK clocks showed it in (BST or GMT)."""
        moment = clock.uk_moment_in(day, hour, minute, zone)
        if moment is None:
            shown = "summer time (BST)" if zone == clock.WINTER_TIME else "winter time (GMT)"
            self.fail(
                column,
                f"says {zone}, but UK clocks were on {shown} at that time: correct it, or give "
                "the time alone",
            )
        return moment

    def other_names(self, column: str, family: str, given: str) -> tuple[tuple[str, str], ...]:
        """The other names in the cell (or the list sent for it), each (name, what it is),
        as the person form takes them: each refused as the form refuses it
        (``other_name_problems``), named by its place ("other name 2"), never by its value."""
        typed = self.listed.get(column)
        written = self._other_names_written(column) if typed is None else list(typed)
        if len(written) > MAX_OTHER_NAMES:
            self.fail(column, f"gives more than {MAX_OTHER_NAMES} other names")
            return ()
        numbers, names = [], []
        for number, pair in enumerate(written, start=1):
            if pair is None:
                self.fail(column, f"other name {number} {_NOT_ONE_NAME}")
            elif runs_as_formula(pair[0]) or runs_as_formula(pair[1]):
                self.fail(column, f"other name {number} holds a spreadsheet formula")
            else:
                numbers.append(number)
                names.append(pair)
        for problem in other_name_problems(names, family, given):
            number = numbers[int(problem.field.split("-")[1])]
            reason = problem.message[0].lower() + problem.message[1:]
            self.fail(column, f"other name {number}: {reason}")
        return tuple(names)

    def _other_names_written(self, column: str) -> list[tuple[str, str] | None]:
        """Each other name of the cell as (name, what it is), or None for one that is not a
        name with what it is in one pair of brackets after it."""
        parts = [part.strip() for part in self.text(column).split(";") if part.strip()]
        matches = [_OTHER_NAME.fullmatch(part) for part in parts]
        return [(m["name"], m["note"] or "") if m else None for m in matches]

    def postcode(self, column: str) -> str:
        value = self.text(column, free=False)
        if value and normalise_postcode(value) is None:
            self.fail(column, "is not a UK postcode")
            return ""
        return value

    def yes_no(self, column: str) -> bool:
        value = self.text(column, free=False).lower()
        if value not in _YES | _NO:
            self.fail(column, "is not yes or no")
        return value in _YES


def _day_of(match: re.Match[str]) -> date | None:
    """The day a match of ``_DAY`` names, or None if there is no such day (31 February)."""
    if match["y"]:
        parts = int(match["y"]), int(match["m"]), int(match["d"])
    else:
        parts = int(match["yy"]), int(match["mm"]), int(match["dd"])
    try:
        return date(*parts)
    except ValueError:
        return None


def _check(
    line: int,
    heading: list[str],
    cells: list[str],
    wards: Mapping[str, int],
    today: date,
    listed: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> tuple[CaseRow | None, list[Problem]]:
    row = _Cells(line, heading, cells, listed or {})
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


def _person(row: _Cells, prefix: str, role: PartyRole, today: date) -> PersonInput | None:
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
