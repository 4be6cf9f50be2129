"""Reading typed fields out of parsed TOML, collecting a ``Problem`` for each fault.

Every reader returns the value when it is usable and None (or a fallback) when it is not,
having recorded why; the checker carries on, so one pass finds every problem in a file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sharing.protocols.locator import Locator
from sharing.protocols.problems import Problem

Table = Mapping[str, Any]


def path_of(prefix: str, key: str) -> str:
    """``clauses[2]`` + ``roles`` → ``clauses[2].roles``."""
    return f"{prefix}.{key}" if prefix else key


def kind_of(value: object) -> str:
    """What a TOML value is, in a reader's words."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number with a decimal point"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a time"


def one_of(values: Sequence[str]) -> str:
    """Allowed values for a message: ``a, b, c``."""
    return ", ".join(values)


def did_you_mean(value: str, values: Sequence[str]) -> str:
    """`` (did you mean "x"?)`` when ``value`` looks like a typo of one of ``values``."""
    guess = difflib.get_close_matches(value, values, n=1, cutoff=0.85)
    return f' (did you mean "{guess[0]}"?)' if guess else ""


class Reader:
    """Reads fields of one protocol file and collects its problems."""

    def __init__(self, source: str, locator: Locator) -> None:
        self.source = source
        self.locator = locator
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, allowed: str = "", at: str | None = None) -> None:
        """Record a problem with the field at ``path``, on the line of ``at`` if given."""
        line = self.locator.line(at or path)
        self.problems.append(Problem(self.source, line, path, message, allowed))

    def unknown_keys(self, table: Table, known: Sequence[str], prefix: str) -> None:
        """A problem for each key of ``table`` that is not in ``known`` (usually a typo)."""
        for key in table:
            if key not in known:
                hint = did_you_mean(key, known)
                self.add(path_of(prefix, key), f'unknown key "{key}"{hint}', one_of(known))

    def _get(self, table: Table, key: str, prefix: str, required: bool, allowed: str) -> Any:
        if key not in table:
            if required:
                self.add(path_of(prefix, key), f'missing required key "{key}"', allowed)
            return None
        return table[key]

    def _wrong_type(self, path: str, expected: str, value: object, allowed: str) -> None:
        self.add(path, f"expected {expected}, found {kind_of(value)}", allowed)

    def text(
        self,
        table: Table,
        key: str,
        prefix: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        allowed: str = "non-empty text in quotes",
        max_length: int = 2000,
    ) -> str | None:
        """A non-empty string, optionally matching ``pattern``."""
        path = path_of(prefix, key)
        value = self._get(table, key, prefix, required, allowed)
        if value is None:
            return None
        if not isinstance(value, str):
            self._wrong_type(path, "text in quotes", value, allowed)
            return None
        if not value.strip():
            self.add(path, "is empty", allowed)
            return None
        if len(value) > max_length:
            self.add(path, f"is {len(value)} characters long", f"at most {max_length}")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.add(path, f'"{value}" is not in the right form', allowed)
            return None
        return value

    def choice(
        self, table: Table, key: str, prefix: str, values: Sequence[str], what: str
    ) -> str | None:
        """A string that is one of ``values``; None if absent (optional) or wrong."""
        path = path_of(prefix, key)
        value = self._get(table, key, prefix, False, one_of(values))
        if value is None:
            return None
        if not isinstance(value, str):
            self._wrong_type(path, "text in quotes", value, one_of(values))
            return None
        if value not in values:
            hint = did_you_mean(value, values)
            self.add(path, f'unknown {what} "{value}"{hint}', one_of(values))
            return None
        return value

    def integer(self, table: Table, key: str, prefix: str, most: int | None = None) -> int | None:
        """A positive whole number; with ``most``, no larger than it."""
        path = path_of(prefix, key)
        allowed = f"a whole number from 1{'' if most is None else f' to {most}'}, without quotes"
        value = self._get(table, key, prefix, True, allowed)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(path, "a whole number", value, allowed)
            return None
        if value < 1:
            self.add(path, f"{value} is not a positive whole number", allowed)
            return None
        if most is not None and value > most:
            self.add(path, f"{value} is too large", allowed)
            return None
        return value

    def boolean(self, table: Table, key: str, prefix: str, default: bool) -> bool:
        """true or false; ``default`` when absent."""
        value = table.get(key, default)
        if not isinstance(value, bool):
            self._wrong_type(path_of(prefix, key), "true or false", value, "true, false")
            return default
        return value

    def day(self, table: Table, key: str, prefix: str) -> date | None:
        """A TOML local date such as ``2026-04-01`` (no quotes, no time)."""
        path = path_of(prefix, key)
        allowed = "a date such as 2026-04-01, without quotes"
        value = self._get(table, key, prefix, True, allowed)
        if value is None:
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            self._wrong_type(path, "a date", value, allowed)
            return None
        return value

    def strings(
        self, table: Table, key: str, prefix: str, *, required: bool, allowed: str
    ) -> list[str] | None:
        """A non-empty list of strings, each listed once; None when absent or unusable."""
        path = path_of(prefix, key)
        value = self._get(table, key, prefix, required, allowed)
        if value is None:
            return None
        if not isinstance(value, list):
            self._wrong_type(path, 'a list such as ["a", "b"]', value, allowed)
            return None
        if not value:
            self.add(path, "is an empty list", allowed)
            return None
        items: list[str] = []
        for item in value:
            if not isinstance(item, str):
                self._wrong_type(path, "text in quotes in the list", item, allowed)
            elif item in items:
                self.add(path, f'"{item}" is listed twice', allowed)
            else:
                items.append(item)
        return items

    def choices(
        self,
        table: Table,
        key: str,
        prefix: str,
        values: Sequence[str],
        what: str,
        *,
        required: bool = True,
        refusals: Mapping[str, str] | None = None,
    ) -> list[str] | None:
        """A non-empty list, each item one of ``values``; ``refusals`` say why some others
        are refused (``role "analyst" <refusal>``)."""
        path = path_of(prefix, key)
        items = self.strings(table, key, prefix, required=required, allowed=one_of(values))
        if items is None:
            return None
        good: list[str] = []
        for item in items:
            if refusals and item in refusals:
                self.add(path, f'{what} "{item}" {refusals[item]}', one_of(values))
            elif item not in values:
                hint = did_you_mean(item, values)
                self.add(path, f'unknown {what} "{item}"{hint}', one_of(values))
            else:
                good.append(item)
        return good

    def tables(self, data: Table, key: str, allowed: str) -> list[tuple[int, Table]]:
        """An array of tables (``[[key]]``), each with its index; others are problems."""
        value = data.get(key)
        if value is None or value == []:
            self.add(key, f"no [[{key}]] tables", allowed)
            return []
        if not isinstance(value, list):
            self._wrong_type(key, f"[[{key}]] tables", value, allowed)
            return []
        found: list[tuple[int, Table]] = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append((index, item))
            else:
                self._wrong_type(f"{key}[{index}]", f"a [[{key}]] table", item, allowed)
        return found
