"""A letter's words in the letters file: its paragraphs, each the same from any agency or
depending on the type of agency sending it, and the placeholders in them, each checked
against the ones the hub fills.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sharing.protocols.fields import Reader, did_you_mean, kind_of, one_of, path_of
from sharing.vocabulary import AgencyType

#: In a paragraph that depends on who sends the letter, the words for any other sender.
OTHERS = "others"
#: What a paragraph that depends on who sends the letter may name: a type of agency.
SENDERS = (*(t.value for t in AgencyType), OTHERS)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a letter: the same words from any agency, or words that depend on
    the type of agency sending it (a landlord may speak of a tenancy; the police have no
    tenants)."""

    #: The words by the type of agency sending the letter, ``OTHERS`` for any other type;
    #: a type given no words (and no ``OTHERS``) leaves the paragraph out.
    by_sender: Mapping[str, str]

    def words(self, sender: AgencyType) -> str | None:
        """The paragraph as a letter from an agency of type ``sender`` says it, if it does."""
        return self.by_sender.get(sender.value, self.by_sender.get(OTHERS))


_PARAGRAPHS = (
    "a list of paragraphs, each in quotes, or one that depends on who sends the letter: "
    '{ landlord = "…", others = "…" }'
)


def paragraphs(
    reader: Reader, table: Mapping[str, Any], key: str, prefix: str
) -> list[Paragraph] | None:
    """A letter's paragraphs: each text in quotes, or a table of texts by the type of
    agency sending the letter (``SENDERS``); None when absent or unusable."""
    path = path_of(prefix, key)
    if key not in table:
        reader.add(path, f'missing required key "{key}"', _PARAGRAPHS)
        return None
    value = table[key]
    if not isinstance(value, list) or not value:
        found = "an empty list" if value == [] else kind_of(value)
        reader.add(path, f"expected a list of paragraphs, found {found}", _PARAGRAPHS)
        return None
    paragraphs: list[Paragraph] = []
    for item in value:
        if isinstance(item, str) and any(p.by_sender == {OTHERS: item} for p in paragraphs):
            reader.add(path, f'"{_start(item)}" is listed twice', _PARAGRAPHS)
        elif isinstance(item, str):
            paragraphs.append(Paragraph({OTHERS: item}))
        elif isinstance(item, dict) and item and all(isinstance(t, str) for t in item.values()):
            for sender in item:
                if sender not in SENDERS:
                    hint = did_you_mean(sender, SENDERS)
                    reader.add(path, f'unknown type of agency "{sender}"{hint}', one_of(SENDERS))
            paragraphs.append(Paragraph(dict(item)))
        else:
            reader.add(path, f"expected a paragraph, found {kind_of(item)}", _PARAGRAPHS)
    return paragraphs


def placeholders(
    reader: Reader, path: str, paragraphs: Sequence[str], known: Sequence[str]
) -> set[str]:
    """The placeholders the paragraphs use; a problem for each one not ``known`` (what
    the hub fills), and for a brace that opens nothing or closes nothing."""
    used: set[str] = set()
    for paragraph in paragraphs:
        try:
            fields = [
                (name, spec, conversion)
                for _, name, spec, conversion in string.Formatter().parse(paragraph)
                if name is not None
            ]
        except ValueError:
            reader.add(
                path,
                f'"{_start(paragraph)}" has a brace that opens or closes nothing',
                "{name} placeholders; {{ and }} for a brace itself",
            )
            continue
        for name, spec, conversion in fields:
            if name not in known:
                hint = did_you_mean(name, known)
                reader.add(
                    path,
                    f"unknown placeholder {{{name}}}{hint}",
                    one_of([f"{{{p}}}" for p in known]),
                )
            elif spec or conversion:
                reader.add(
                    path,
                    f"placeholder {{{name}}} has a format: write it as {{{name}}}",
                    one_of([f"{{{p}}}" for p in known]),
                )
            else:
                used.add(name)
    return used


def _start(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"
