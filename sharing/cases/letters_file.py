"""The letters file: the words of the standard letters of an ASB case and of the
Community Trigger's letters are a reviewed TOML file in ``config/``
(``config/letters.toml``), checked on load like a protocol, each placeholder checked
against the ones the hub fills, with a contact line for each agency.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sharing.cases import letter_words
from sharing.cases.letter_words import Paragraph, placeholders
from sharing.cases.trigger_wording import TriggerWording, trigger_letters
from sharing.protocols.checker import read_header, read_text, read_toml, sorted_problems
from sharing.protocols.fields import Reader, did_you_mean, kind_of, one_of, path_of
from sharing.protocols.problems import FileInvalid, Problem
from sharing.vocabulary import ActionKind, PartyRole

TOP_KEYS = ("id", "title", "version", "contact", "letters", "trigger_letters")
LETTER_KEYS = ("id", "title", "to", "paragraphs", "plain", "details", "hint", "records")
LETTER_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: What the hub fills a letter's placeholders with.
PLACEHOLDERS = (
    "name",
    "reference",
    "agency",
    "officer",
    "officer_email",
    "agency_contact",
    "review_date",
    "first_contact_days",
    "incidents",
    "details",
)
#: An agency's code, as the ``[contact]`` table names it.
AGENCY_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
#: The longest contact line of an agency.
MAX_CONTACT = 300

#: The actions a letter may be recorded as.
RECORDABLE = (
    ActionKind.WARNING_LETTER,
    ActionKind.ABC,
    ActionKind.GOOD_NEIGHBOUR_AGREEMENT,
    ActionKind.PERPETRATOR_VISIT,
)
_ALLOWED = (
    "a TOML document (https://toml.io) with id, title, version and one [[letters]] table "
    'per letter, as README.md describes ("Letters")'
)


class LettersInvalid(FileInvalid):
    """The letters file has problems, so it is not loaded."""

    what = "letters"


@dataclass(frozen=True)
class LetterTemplate:
    id: str
    title: str
    #: The parts on a case the letter may be addressed to.
    to: tuple[PartyRole, ...]
    paragraphs: tuple[Paragraph, ...]
    #: The same letter in plain language.
    plain: tuple[Paragraph, ...]
    #: What the officer writes for this letter (None: nothing), and the hint under it.
    details: str | None = None
    hint: str | None = None
    #: The action the letter is, recorded as done when it is produced.
    records: ActionKind | None = None


@dataclass(frozen=True)
class LetterBook:
    id: str
    title: str
    version: int
    letters: tuple[LetterTemplate, ...]
    #: The Community Trigger's letters, by id (``TRIGGER_LETTERS``).
    trigger: Mapping[str, TriggerWording]
    #: How residents reach each agency (its office, phone), by the agency's code: printed
    #: under its name on its letters.
    contact: Mapping[str, str] = field(default_factory=dict)

    def get(self, letter_id: str) -> LetterTemplate | None:
        return next((t for t in self.letters if t.id == letter_id), None)


def parse_letters(text: str, source: str, known: Collection[str] | None = None) -> LetterBook:
    """The letters in ``text``; ``LettersInvalid`` listing every problem if it has any
    (with ``known``, the partnership's agency codes, a ``[contact]`` line of any other)."""
    read = read_toml(text, source, _ALLOWED)
    if isinstance(read, Problem):
        raise LettersInvalid([read])
    data, reader = read
    book = _read(reader, data, known)
    if reader.problems or book is None:
        raise LettersInvalid(sorted_problems(reader.problems))
    return book


def load_letters(path: str | os.PathLike[str], known: Collection[str] | None = None) -> LetterBook:
    """The letters at ``path``; ``LettersInvalid`` if they cannot be read or have problems."""
    text = read_text(path, _ALLOWED)
    if isinstance(text, Problem):
        raise LettersInvalid([text])
    return parse_letters(text, os.fspath(path), known)


def check_file(path: str | os.PathLike[str], known: Collection[str] | None = None) -> list[Problem]:
    """Every problem in the letters file at ``path`` (with ``known``, the partnership's
    agency codes, a contact line of an agency that is not one); empty when it is valid."""
    try:
        load_letters(path, known)
    except LettersInvalid as invalid:
        return invalid.problems
    return []


def _read(
    reader: Reader, data: Mapping[str, Any], known: Collection[str] | None
) -> LetterBook | None:
    reader.unknown_keys(data, TOP_KEYS, "")
    book_id, title, version = read_header(reader, data, "northshire-asb-letters")
    letters: list[LetterTemplate] = []
    for index, table in reader.tables(data, "letters", "one [[letters]] table a letter"):
        letter = _letter(reader, table, f"letters[{index}]")
        if letter is not None and any(t.id == letter.id for t in letters):
            reader.add(f"letters[{index}].id", f'"{letter.id}" is already a letter of the file')
        elif letter is not None:
            letters.append(letter)
    if not letters and not reader.problems:
        reader.add("letters", "the file has no letters", "at least one [[letters]]")
    trigger = trigger_letters(reader, data)
    contact = _contacts(reader, data, known)
    if reader.problems:
        return None
    return LetterBook(book_id or "", title or "", version or 0, tuple(letters), trigger, contact)


def _contacts(
    reader: Reader, data: Mapping[str, Any], known: Collection[str] | None
) -> dict[str, str]:
    """The ``[contact]`` table: a line of text for each agency code (one of ``known``,
    when given)."""
    table = data.get("contact", {})
    allowed = '[contact] with a line for each agency: northshire-homes = "1 Market Street…"'
    if not isinstance(table, dict):
        reader.add("contact", f"expected a table, found {kind_of(table)}", allowed)
        return {}
    found: dict[str, str] = {}
    for code in table:
        if not AGENCY_CODE.fullmatch(code):
            reader.add(path_of("contact", code), f'"{code}" is not an agency\'s code', allowed)
            continue
        if known is not None and code not in known:
            reader.add(
                path_of("contact", code),
                f'"{code}" is not an agency of the partnership{did_you_mean(code, sorted(known))}',
                one_of(sorted(known)),
            )
            continue
        line = reader.text(table, code, "contact", max_length=MAX_CONTACT)
        if line is not None:
            found[code] = " ".join(line.split())
    return found


def _letter(reader: Reader, table: Mapping[str, Any], prefix: str) -> LetterTemplate | None:
    reader.unknown_keys(table, LETTER_KEYS, prefix)
    before = len(reader.problems)
    letter_id = reader.text(
        table,
        "id",
        prefix,
        pattern=LETTER_ID,
        allowed="lower-case letters, digits and underscores, up to 40",
    )
    title = reader.text(table, "title", prefix, max_length=200)
    roles = reader.choices(table, "to", prefix, [r.value for r in PartyRole], "part")
    details = reader.text(table, "details", prefix, required=False, max_length=200)
    hint = reader.text(table, "hint", prefix, required=False, max_length=500)
    records = reader.choice(table, "records", prefix, [k.value for k in RECORDABLE], "action")
    versions = {}
    for key in ("paragraphs", "plain"):
        paragraphs = letter_words.paragraphs(reader, table, key, prefix)
        if paragraphs is not None:
            texts = [text for p in paragraphs for text in p.by_sender.values()]
            used = placeholders(reader, path_of(prefix, key), texts, PLACEHOLDERS)
            if details and "details" not in used:
                reader.add(
                    path_of(prefix, key),
                    "never uses {details}, though the letter asks the officer for details",
                    "{details} in one of its paragraphs",
                )
            if not details and "details" in used:
                reader.add(
                    path_of(prefix, key),
                    "uses {details}, but the letter does not say what the officer writes",
                    'a details = "…" line saying what to write',
                )
            versions[key] = tuple(paragraphs)
    if len(reader.problems) > before:
        return None
    return LetterTemplate(
        id=letter_id or "",
        title=title or "",
        to=tuple(r for r in (PartyRole.of(v) for v in roles or ()) if r is not None),
        paragraphs=versions["paragraphs"],
        plain=versions["plain"],
        details=details,
        hint=hint,
        records=ActionKind.of(records) if records else None,
    )
