"""The partnership's privacy notice and accessibility statement, in the words that are
its own: a reviewed TOML file (format in README.md, "The privacy notice and accessibility
statement"). UK GDPR articles 13 and 14 ask a privacy notice to say who the controller is,
how to reach its data protection officer and how long data is kept; the Public Sector
Bodies Accessibility Regulations 2018 ask an accessibility statement to say whom to
contact about accessibility, the enforcement procedure and when the service was last
tested. The hub's pages say the rest (what it collects, why, who receives it, your
rights). ``parse_statements`` returns them only when the file has no problems; otherwise
``StatementsInvalid`` lists every problem with its line and key (``hub statements check``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sharing.protocols.checker import read_text, read_toml, sorted_problems
from sharing.protocols.fields import Reader, one_of
from sharing.protocols.problems import FileInvalid, Problem

PRIVACY_KEYS = (
    "controller",
    "controller_contact",
    "data_protection_officer",
    "application_kept",
    "survey_kept",
    "updated_on",
)
ACCESSIBILITY_KEYS = ("contact", "enforcement", "known_issues", "tested_on", "prepared_on")
TOP_KEYS = ("privacy", "accessibility")
#: The longest a name and a paragraph may be.
MOST_NAME = 200
MOST_PARAGRAPH = 2000
MOST_ISSUES = 30
_ALLOWED = (
    "a TOML document (https://toml.io) with a [privacy] and an [accessibility] table, as "
    'described in README.md ("The privacy notice and accessibility statement")'
)


class StatementsInvalid(FileInvalid):
    """A privacy and accessibility file has problems, so it is not loaded."""

    what = "privacy notice and accessibility statement"


@dataclass(frozen=True)
class Privacy:
    """What the privacy notice says in the controller's own words."""

    #: The data controller: the body the public's data is given to.
    controller: str
    #: How to reach it (its address, e-mail or phone).
    controller_contact: str
    #: Its data protection officer, and how to reach them.
    data_protection_officer: str
    #: How long an application for a case review is kept, and the survey's answers.
    application_kept: str
    survey_kept: str
    updated_on: date


@dataclass(frozen=True)
class Accessibility:
    """What the accessibility statement says in the partnership's own words."""

    #: Whom to contact about accessibility (a problem, another format).
    contact: str
    #: The enforcement procedure: who enforces the Regulations where the partnership is.
    enforcement: str
    #: Parts of the pages known not to meet WCAG 2.2 AA; () when none are known.
    known_issues: tuple[str, ...]
    tested_on: date
    prepared_on: date


@dataclass(frozen=True)
class Statements:
    privacy: Privacy
    accessibility: Accessibility


def parse_statements(text: str, source: str) -> Statements:
    """The statements in ``text``; ``StatementsInvalid`` listing every problem if any."""
    read = read_toml(text, source, _ALLOWED)
    if isinstance(read, Problem):
        raise StatementsInvalid([read])
    data, reader = read
    reader.unknown_keys(data, TOP_KEYS, "")
    privacy = _privacy(reader, _table(reader, data, "privacy", PRIVACY_KEYS))
    accessibility = _accessibility(
        reader, _table(reader, data, "accessibility", ACCESSIBILITY_KEYS)
    )
    if reader.problems or privacy is None or accessibility is None:
        raise StatementsInvalid(sorted_problems(reader.problems))
    return Statements(privacy, accessibility)


def load_statements(path: str | os.PathLike[str]) -> Statements:
    """The statements at ``path``; ``StatementsInvalid`` if unreadable or with problems."""
    text = read_text(path, _ALLOWED)
    if isinstance(text, Problem):
        raise StatementsInvalid([text])
    return parse_statements(text, os.fspath(path))


def check_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem in the file at ``path``; empty when it is valid."""
    try:
        load_statements(path)
    except StatementsInvalid as invalid:
        return invalid.problems
    return []


def _table(
    reader: Reader, data: Mapping[str, Any], key: str, keys: tuple[str, ...]
) -> Mapping[str, Any] | None:
    value = data.get(key)
    allowed = f"a [{key}] table with {one_of(keys)}"
    if not isinstance(value, dict):
        found = "missing required table" if value is None else "expected a table:"
        reader.add(key, f"{found} [{key}]", allowed)
        return None
    reader.unknown_keys(value, keys, key)
    return value


def _privacy(reader: Reader, table: Mapping[str, Any] | None) -> Privacy | None:
    if table is None:
        return None
    name = reader.text(table, "controller", "privacy", max_length=MOST_NAME)
    texts = [
        reader.text(table, key, "privacy", max_length=MOST_PARAGRAPH)
        for key in ("controller_contact", "data_protection_officer")
        + ("application_kept", "survey_kept")
    ]
    updated = reader.day(table, "updated_on", "privacy")
    if name is None or updated is None or None in texts:
        return None
    contact, officer, application, survey = (t or "" for t in texts)
    return Privacy(name, contact, officer, application, survey, updated)


def _accessibility(reader: Reader, table: Mapping[str, Any] | None) -> Accessibility | None:
    if table is None:
        return None
    contact = reader.text(table, "contact", "accessibility", max_length=MOST_PARAGRAPH)
    enforcement = reader.text(table, "enforcement", "accessibility", max_length=MOST_PARAGRAPH)
    issues = reader.strings(
        table,
        "known_issues",
        "accessibility",
        required=False,
        allowed=f"a list of up to {MOST_ISSUES} sentences, each in quotes",
    )
    if issues is not None and len(issues) > MOST_ISSUES:
        reader.add(
            "accessibility.known_issues", f"has {len(issues)} issues", f"at most {MOST_ISSUES}"
        )
    tested = reader.day(table, "tested_on", "accessibility")
    prepared = reader.day(table, "prepared_on", "accessibility")
    if tested and prepared and prepared < tested:
        reader.add(
            "accessibility.prepared_on",
            f"{prepared} is before the test it reports ({tested}, tested_on)",
            "a date on or after tested_on",
        )
    if contact is None or enforcement is None or tested is None or prepared is None:
        return None
    return Accessibility(contact, enforcement, tuple(issues or ()), tested, prepared)
