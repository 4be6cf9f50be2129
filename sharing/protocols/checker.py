"""Checking a protocol file and parsing it into a ``ProtocolDocument``.

``parse_protocol`` returns a document only when the file has no problems at all; otherwise
it raises ``ProtocolInvalid`` with every problem found, each naming its line and field, what
is wrong and what is allowed. ``check_file`` is the same for a file on disk, returning the
problems. The checks are listed in ``protocols/README.md``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date

from sharing.formats import BEYOND_THE_PARSER
from sharing.protocols.clauses import read_clauses
from sharing.protocols.fields import Reader, did_you_mean, one_of, path_of
from sharing.protocols.lawful import HANDLING
from sharing.protocols.locator import Locator
from sharing.protocols.model import TYPE_PREFIX, Party, ProtocolDocument
from sharing.protocols.problems import Problem, ProtocolInvalid
from sharing.protocols.purposes import read_purposes
from sharing.vocabulary import AgencyType, Role

TOP_KEYS = (
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
)
PARTY_KEYS = ("agency", "agency_type", "signatory_role")

#: A protocol id: lower-case words joined by hyphens, like the file's name.
PROTOCOL_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: The largest version a reviewed file may have: ample for any file's life, and far below
#: a number that would overflow its column or leave no room for a later version.
MAX_VERSION = 9999
#: An agency code, as ``Agency.code`` holds it.
AGENCY_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")
_TOML_ALLOWED = (
    "a TOML document (https://toml.io): key = value lines and [[parties]], [[purposes]] "
    "and [[clauses]] tables, as described in protocols/README.md"
)
_PARTIES_ALLOWED = (
    'one [[parties]] table per party, each with agency = "<agency code>" or '
    'agency_type = "<agency type>", and signatory_role'
)


def parse_protocol(
    text: str, source: str, known_agencies: Mapping[str, AgencyType] | None = None
) -> ProtocolDocument:
    """The protocol in ``text``; ``ProtocolInvalid`` listing every problem if it has any.

    ``source`` names where the text came from, for messages. With ``known_agencies``
    (agency code → type), parties must name agencies of the partnership.
    """
    read = read_toml(text, source, _TOML_ALLOWED)
    if isinstance(read, Problem):
        raise ProtocolInvalid([read])
    data, reader = read
    document = _read(reader, data, source, known_agencies)
    if reader.problems or document is None:
        raise ProtocolInvalid(sorted_problems(reader.problems))
    return document


def read_toml(text: str, source: str, allowed: str) -> tuple[dict[str, object], Reader] | Problem:
    """The TOML document in ``text`` (a byte order mark, as some editors write, ignored)
    with a reader of its fields, or the problem that it is not TOML (``allowed`` says what
    the file should be)."""
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return not_toml(source, text, error, allowed)
    except (RecursionError, ValueError):
        return Problem(
            source, None, "", f"not a TOML file the hub reads: {BEYOND_THE_PARSER}", allowed
        )
    return data, Reader(source, Locator.of(text))


def read_header(
    reader: Reader, data: Mapping[str, object], example_id: str
) -> tuple[str | None, str | None, int | None]:
    """The ``id`` (lower-case words joined by hyphens, like ``example_id``), ``title`` and
    ``version`` every reviewed file of the hub starts with."""
    file_id = reader.text(
        data,
        "id",
        "",
        pattern=PROTOCOL_ID,
        max_length=80,
        allowed=f"lower-case letters, digits and hyphens, e.g. {example_id}",
    )
    return (
        file_id,
        reader.text(data, "title", "", max_length=200),
        reader.integer(data, "version", "", most=MAX_VERSION),
    )


def check_text(
    text: str, source: str, known_agencies: Mapping[str, AgencyType] | None = None
) -> list[Problem]:
    """Every problem in the protocol ``text``; empty when it is valid."""
    try:
        parse_protocol(text, source, known_agencies)
    except ProtocolInvalid as invalid:
        return invalid.problems
    return []


def read_text(path: str | os.PathLike[str], allowed: str = _TOML_ALLOWED) -> str | Problem:
    """The text of the file at ``path``, or the problem that stops it being read
    (``allowed`` says what the file should be: by default, a protocol)."""
    source = os.fspath(path)
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as error:
        return Problem(source, None, "", f"cannot read the file: {error.strerror}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Problem(source, None, "", "not a text file in UTF-8", allowed)


def check_file(
    path: str | os.PathLike[str], known_agencies: Mapping[str, AgencyType] | None = None
) -> list[Problem]:
    """Every problem in the protocol file at ``path``; empty when it is valid."""
    text = read_text(path)
    if isinstance(text, Problem):
        return [text]
    return check_text(text, os.fspath(path), known_agencies)


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems without a line (missing keys) first, then in line order."""
    return sorted(problems, key=lambda p: (p.line is not None, p.line or 0))


def not_toml(
    source: str, text: str, error: tomllib.TOMLDecodeError, allowed: str = _TOML_ALLOWED
) -> Problem:
    """The problem of a text that is not TOML, on the line the parser stopped at."""
    message = str(error)
    line: int | None = None
    position = _TOML_POSITION.search(message)
    if position:
        line = int(position.group(1))
        message = message[: position.start()] + f" (column {position.group(2)})"
    elif _TOML_END.search(message):
        line = max(1, len(text.splitlines()))
        message = _TOML_END.sub(" (at the end of the file)", message)
    return Problem(source, line, "", f"not a valid TOML file: {message}", allowed)


def _read(
    reader: Reader,
    data: Mapping[str, object],
    source: str,
    known_agencies: Mapping[str, AgencyType] | None,
) -> ProtocolDocument | None:
    reader.unknown_keys(data, TOP_KEYS, "")
    protocol_id, title, version = read_header(reader, data, "northshire-asb-case-management")
    handling = reader.choice(data, "handling", "", HANDLING, "handling marking")
    if "handling" not in data:
        reader.add("handling", 'missing required key "handling"', one_of(HANDLING))
    retention = reader.text(data, "retention", "")
    start, end, review = _dates(reader, data)
    parties, selectors = _parties(reader, data, known_agencies)
    purposes = read_purposes(reader, data)
    clauses = read_clauses(reader, data, selectors, purposes)
    if reader.problems:
        return None
    if None in (protocol_id, title, version, handling, retention, start, end, review):
        raise AssertionError("a missing field was not reported")  # pragma: no cover
    return ProtocolDocument(
        id=protocol_id or "",
        title=title or "",
        version=version or 0,
        handling=handling or "",
        start=start or date.min,
        end=end or date.max,
        review=review or date.min,
        retention=retention or "",
        parties=tuple(parties),
        purposes=tuple(purposes.values()),
        clauses=tuple(clauses),
        source=source,
    )


def _dates(
    reader: Reader, data: Mapping[str, object]
) -> tuple[date | None, date | None, date | None]:
    start = reader.day(data, "start", "")
    end = reader.day(data, "end", "")
    review = reader.day(data, "review", "")
    if start is not None and end is not None and end <= start:
        reader.add("end", f"end {end} is not after start {start}", f"a date after {start}")
    elif start is not None and end is not None and review is not None and not start < review <= end:
        reader.add(
            "review",
            f"review {review} is not between start {start} and end {end}",
            f"a date after {start} and on or before {end}",
        )
    return start, end, review


_TYPES = {t.value: t for t in AgencyType}
_ROLES = {r.value: r for r in Role}


def _parties(
    reader: Reader, data: Mapping[str, object], known: Mapping[str, AgencyType] | None
) -> tuple[list[Party], list[str]]:
    """The valid parties, and every party's selector as written (for clauses to name)."""
    parties: list[Party] = []
    seen: dict[str, int] = {}
    for index, table in reader.tables(data, "parties", _PARTIES_ALLOWED):
        prefix = f"parties[{index}]"
        party = _party(reader, table, prefix, known)
        written = {
            key: head + value
            for key, head in (("agency", ""), ("agency_type", TYPE_PREFIX))
            if isinstance(value := table.get(key), str)
        }
        for key, selector in written.items():
            if selector in seen:
                reader.add(
                    path_of(prefix, key),
                    f'duplicate party "{selector}": already parties[{seen[selector]}]',
                    "each agency or agency type once",
                )
                party = None
            else:
                seen[selector] = index
        if party is not None:
            parties.append(party)
    for party in parties:
        _covered_by_type(reader, party, seen, known)
    return parties, list(seen)


def _party(
    reader: Reader, table: Mapping[str, object], prefix: str, known: Mapping[str, AgencyType] | None
) -> Party | None:
    """The party in ``table``; None (with its problems reported) if it is not valid."""
    reader.unknown_keys(table, PARTY_KEYS, prefix)
    if ("agency" in table) == ("agency_type" in table):
        both = "both an agency and an agency type" if "agency" in table else "no agency"
        reader.add(prefix, f"the party names {both}", _PARTIES_ALLOWED)
    agency = agency_type = None
    if "agency" in table:
        agency = reader.text(
            table, "agency", prefix, pattern=AGENCY_CODE, max_length=40, allowed=_codes(known)
        )
        if agency is not None and known is not None and agency not in known:
            hint = did_you_mean(agency, list(known))
            reader.add(path_of(prefix, "agency"), f'unknown agency "{agency}"{hint}', _codes(known))
            agency = None
    if "agency_type" in table:
        agency_type = reader.choice(table, "agency_type", prefix, list(_TYPES), "agency type")
    if "signatory_role" not in table:
        reader.add(
            path_of(prefix, "signatory_role"),
            'missing required key "signatory_role"',
            one_of(list(_ROLES)),
        )
    role = reader.choice(table, "signatory_role", prefix, list(_ROLES), "signatory role")
    if role is None or (agency is None) == (agency_type is None):
        return None
    return Party(agency, _TYPES[agency_type] if agency_type else None, _ROLES[role])


def _covered_by_type(
    reader: Reader, party: Party, seen: Mapping[str, int], known: Mapping[str, AgencyType] | None
) -> None:
    """A party named by its agency code must not also be a party through its type."""
    kind = known.get(party.agency) if known is not None and party.agency else None
    if kind is None or TYPE_PREFIX + kind.value not in seen:
        return
    selector = TYPE_PREFIX + kind.value
    reader.add(
        f"parties[{seen[party.selector]}].agency",
        f'duplicate party "{party.agency}": it is a {kind.label.lower()}, already a party as '
        f'"{selector}" (parties[{seen[selector]}])',
        "each agency once: by its code or through its agency type, not both",
    )


def _codes(known: Mapping[str, AgencyType] | None) -> str:
    if known is None:
        return "an agency code: lower-case letters, digits and hyphens"
    return one_of(sorted(known))
