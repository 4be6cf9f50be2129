"""A row's cells as an import checks them (``RowCells``), by column: a text's length, a
spreadsheet formula, control characters; a choice, a day, a date and time (and which,
in the hour the clocks show twice), a postcode, yes or no, a person's other names. Each
cell's problem names its line and column, never its value."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TypeVar

from sharing import clock
from sharing.cases.people import other_name_problems
from sharing.formats import has_control_characters, normalise_postcode, runs_as_formula
from sharing.imports.columns import Problem
from sharing.vocabulary import Labelled

L = TypeVar("L", bound=Labelled)

#: The longest text a cell may hold.
MAX_CELL = 5_000
#: The most other names a cell may give for one person.
MAX_OTHER_NAMES = 20
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
_YES, _NO = frozenset({"yes", "y", "true", "1"}), frozenset({"no", "n", "false", "0", ""})


class RowCells:
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
