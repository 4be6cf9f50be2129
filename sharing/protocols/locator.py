"""Line numbers for fields of a TOML protocol file.

``tomllib`` gives values without positions, so this scans the raw text for key lines and
table headers, well enough for the shapes protocol files use: top-level keys, arrays of
tables (``[[clauses]]``) and plain tables (``[timescales]``) and the keys within them, and
multi-line strings and arrays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_-]+)[^\]]*\]")
_KEY = re.compile(r"""^\s*([A-Za-z0-9_-]+|"[^"\\]*"|'[^']*')\s*[.=]""")
_PATH = re.compile(r"^([^.\[]+)(?:\[(\d+)\])?(?:\.([^.\[]+))?")


@dataclass
class _Table:
    line: int
    keys: dict[str, int] = field(default_factory=dict)


@dataclass
class Locator:
    """Maps a dotted field path (``clauses[2].categories``) to its line in the text."""

    #: Top-level key or table name → the line it is first written on.
    top: dict[str, int] = field(default_factory=dict)
    #: Array-of-tables name → each table in order, with its header line and key lines.
    arrays: dict[str, list[_Table]] = field(default_factory=dict)
    #: Plain table name (``[timescales]``) → its header line and key lines.
    tables: dict[str, _Table] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> Locator:
        """Scan ``text`` once."""
        locator = cls()
        current: _Table | None = None
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _ARRAY_HEADER.match(line)
            if header:
                current = _Table(number)
                locator.arrays.setdefault(header.group(1), []).append(current)
                locator.top.setdefault(header.group(1), number)
                continue
            table = _TABLE_HEADER.match(line)
            if table:
                current = _Table(number)
                locator.top.setdefault(table.group(1), number)
                locator.tables.setdefault(table.group(1), current)
                continue
            key = _KEY.match(line)
            if key:
                name = key.group(1).strip("\"'")
                (current.keys if current is not None else locator.top).setdefault(name, number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote
                    break
        return locator

    def line(self, path: str) -> int | None:
        """The line of the field at ``path``, else of its table, else None."""
        match = _PATH.match(path)
        if not match:
            return None
        name, index, key = match.group(1), match.group(2), match.group(3)
        tables = self.arrays.get(name, [])
        if index is not None and int(index) < len(tables):
            table = tables[int(index)]
            if key is None:
                return table.line
            return table.keys.get(key, table.line)
        if index is None and key is not None and name in self.tables:
            return self.tables[name].keys.get(key, self.tables[name].line)
        return self.top.get(name)
