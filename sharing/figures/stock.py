"""Each social landlord's homes, by tenure, as at a date: configuration (a reviewed TOML
file in ``config/``, checked on load like a protocol), so "cases per 1,000 homes" uses
the homes the landlord had at the time, not today's. A period uses each landlord's latest
count on or before its end."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sharing.protocols.checker import (
    AGENCY_CODE,
    read_header,
    read_text,
    read_toml,
    sorted_problems,
)
from sharing.protocols.fields import Reader, did_you_mean, one_of, path_of
from sharing.protocols.problems import FileInvalid, Problem

TOP_KEYS = ("id", "title", "version", "stock")
#: The regulator's relevant homes: low-cost rental (three kinds) and low-cost ownership.
TENURES = ("general_needs", "supported_housing", "older_people", "shared_ownership")
STOCK_KEYS = ("agency", "as_of", *TENURES)
_ALLOWED = (
    "a TOML document (https://toml.io) with id, title, version and one [[stock]] table per "
    'count, as README.md describes ("The housing stock file")'
)
#: More homes than any English landlord owns: a count over it is a typing slip.
MOST_HOMES = 500_000


class StockInvalid(FileInvalid):
    """The housing stock file has problems, so it is not loaded."""

    what = "housing stock"


@dataclass(frozen=True)
class Count:
    """One landlord's homes by tenure, as at a date."""

    agency: str
    as_of: date
    homes: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.homes.values())


@dataclass(frozen=True)
class Stock:
    id: str
    title: str
    version: int
    counts: tuple[Count, ...]

    def homes_on(self, agency: str, day: date) -> Count | None:
        """The landlord's latest count on or before ``day`` (None: none yet)."""
        found = [c for c in self.counts if c.agency == agency and c.as_of <= day]
        return max(found, key=lambda c: c.as_of) if found else None

    @property
    def landlords(self) -> list[str]:
        return list(dict.fromkeys(c.agency for c in self.counts))


def parse_stock(text: str, source: str, known_agencies: Mapping[str, str] | None = None) -> Stock:
    """The stock in ``text``; ``StockInvalid`` listing every problem if it has any. With
    ``known_agencies`` (code → type value), each must be a landlord of the partnership."""
    read = read_toml(text, source, _ALLOWED)
    if isinstance(read, Problem):
        raise StockInvalid([read])
    data, reader = read
    stock = _read(reader, data, known_agencies)
    if reader.problems or stock is None:
        raise StockInvalid(sorted_problems(reader.problems))
    return stock


def load_stock(
    path: str | os.PathLike[str], known_agencies: Mapping[str, str] | None = None
) -> Stock:
    """The stock at ``path``; ``StockInvalid`` if it cannot be read or has problems."""
    text = read_text(path, _ALLOWED)
    if isinstance(text, Problem):
        raise StockInvalid([text])
    return parse_stock(text, os.fspath(path), known_agencies)


def check_file(
    path: str | os.PathLike[str], known_agencies: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every problem in the stock file at ``path``; empty when it is valid."""
    try:
        load_stock(path, known_agencies)
    except StockInvalid as invalid:
        return invalid.problems
    return []


def _read(reader: Reader, data: Mapping[str, Any], known: Mapping[str, str] | None) -> Stock | None:
    reader.unknown_keys(data, TOP_KEYS, "")
    stock_id, title, version = read_header(reader, data, "northshire-housing-stock")
    counts: list[Count] = []
    for index, table in reader.tables(data, "stock", "one [[stock]] table per count"):
        prefix = f"stock[{index}]"
        reader.unknown_keys(table, STOCK_KEYS, prefix)
        agency = reader.text(
            table, "agency", prefix, pattern=AGENCY_CODE, allowed="a landlord's agency code"
        )
        if agency and known is not None and known.get(agency) != "landlord":
            landlords = sorted(code for code, kind in known.items() if kind == "landlord")
            reader.add(
                path_of(prefix, "agency"),
                f'"{agency}" is not a landlord of the partnership{did_you_mean(agency, landlords)}',
                one_of(landlords),
            )
        as_of = reader.day(table, "as_of", prefix)
        homes = {}
        for tenure in TENURES:
            value = _homes(reader, table, tenure, prefix)
            if value is not None:
                homes[tenure] = value
        if agency and as_of and len(homes) == len(TENURES):
            if sum(homes.values()) == 0:
                reader.add(
                    path_of(prefix, "general_needs"),
                    "the landlord has no homes in this count",
                    "at least one home",
                )
            if any(c.agency == agency and c.as_of == as_of for c in counts):
                reader.add(
                    path_of(prefix, "as_of"),
                    f"{agency} is already counted as at {as_of.isoformat()}",
                )
            counts.append(Count(agency, as_of, homes))
    if reader.problems:
        return None
    return Stock(id=stock_id or "", title=title or "", version=version or 0, counts=tuple(counts))


def _homes(reader: Reader, table: Mapping[str, Any], key: str, prefix: str) -> int | None:
    """A number of homes: a whole number from 0 to ``MOST_HOMES``."""
    path = path_of(prefix, key)
    allowed = f"a whole number from 0 to {MOST_HOMES}, without quotes"
    value = table.get(key)
    if value is None:
        reader.add(path, f'missing required key "{key}"', allowed)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST_HOMES:
        reader.add(path, f"{value!r} is not a number of homes", allowed)
        return None
    return value
