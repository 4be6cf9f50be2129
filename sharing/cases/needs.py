"""A person's reasonable adjustments and how to contact them, as structured values: what
the procedures ask officers to find out and every agency to respect (large print, an
interpreter and the language, British Sign Language, a named advocate; the way they
prefer to be contacted, times to avoid, no home visits).

Each is kept as a small JSON document sealed in its own column, both read under "contact":
they say how to reach and communicate with the person, which every partner that contacts
them must respect. Why they need an adjustment (a disability, a health condition) is
special category data and stays in the free-text support needs, under "vulnerability".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.vocabulary import Adjustment, ContactMethod

MAX_LINE = 200


@dataclass(frozen=True)
class Needs:
    adjustments: tuple[Adjustment, ...] = ()
    #: The language an interpreter is needed for.
    language: str = ""
    #: The advocate or supporter to go through.
    advocate: str = ""
    contact_by: ContactMethod | None = None
    times_to_avoid: str = ""
    no_home_visits: bool = False
    #: The form's prefix for the fields an error names, e.g. ``person-``.
    prefix: str = field(default="", compare=False)

    def checked(self) -> Needs:
        """The needs with their texts trimmed; ``InputError`` at the field for an
        interpreter without a language, an advocate without a name, a text too long."""
        p = self.prefix
        language = checked_text(p + "language", self.language, limit=MAX_LINE, what="the language")
        advocate = checked_text(
            p + "advocate", self.advocate, limit=MAX_LINE, what="the advocate or supporter"
        )
        times = checked_text(
            p + "times_to_avoid", self.times_to_avoid, limit=MAX_LINE, what="the times to avoid"
        )
        if Adjustment.INTERPRETER in self.adjustments and not language:
            raise InputError(p + "language", "Say which language the interpreter is for")
        if Adjustment.ADVOCATE in self.adjustments and not advocate:
            raise InputError(p + "advocate", "Say who the advocate or supporter is")
        return Needs(
            tuple(a for a in Adjustment if a in self.adjustments),  # once each, in order
            language if Adjustment.INTERPRETER in self.adjustments else "",
            advocate if Adjustment.ADVOCATE in self.adjustments else "",
            self.contact_by,
            times,
            self.no_home_visits,
            p,
        )

    def adjustments_document(self) -> str | None:
        if not self.adjustments:
            return None
        return json.dumps(
            {
                # In the vocabulary's order, whatever order they were given in: the same
                # needs are always the same document (a form saved as it was changes nothing).
                "adjustments": [a.value for a in Adjustment if a in self.adjustments],
                "language": self.language,
                "advocate": self.advocate,
            }
        )

    def contact_document(self) -> str | None:
        if not (self.contact_by or self.times_to_avoid or self.no_home_visits):
            return None
        return json.dumps(
            {
                "contact_by": self.contact_by.value if self.contact_by else None,
                "times_to_avoid": self.times_to_avoid,
                "no_home_visits": self.no_home_visits,
            }
        )


def _document(text: str | None) -> dict[str, Any] | None:
    """The JSON object a revealed value holds; None for none, or for what the reveal put
    in its place (an erased person's marker)."""
    if not text or not text.startswith("{"):
        return None
    found = json.loads(text)
    return found if isinstance(found, dict) else None


def needs_of(adjustments: str | None, contact: str | None) -> Needs:
    """The needs two sealed documents hold, as a form shows them to change."""
    about = _document(adjustments) or {}
    how = _document(contact) or {}
    return Needs(
        adjustments=adjustments_of(adjustments),
        language=about.get("language") or "",
        advocate=about.get("advocate") or "",
        contact_by=ContactMethod.of(how.get("contact_by") or ""),
        times_to_avoid=how.get("times_to_avoid") or "",
        no_home_visits=bool(how.get("no_home_visits")),
    )


def adjustments_of(document: str | None) -> tuple[Adjustment, ...]:
    """The adjustments a sealed document holds (none for none)."""
    data = _document(document)
    if data is None:
        return ()
    found = (Adjustment.of(v) for v in data.get("adjustments", []))
    return tuple(a for a in found if a is not None)


def adjustments_sentence(document: str | None) -> str | None:
    """The adjustments as a reader sees them: "Large print; an interpreter (Polish)"
    (what the reveal put in place of an erased person's, as it is)."""
    data = _document(document)
    if data is None:
        return document or None
    parts = []
    for adjustment in adjustments_of(document):
        if adjustment is Adjustment.INTERPRETER:
            parts.append(f"An interpreter ({data.get('language') or 'language not given'})")
        elif adjustment is Adjustment.ADVOCATE:
            parts.append(f"Through their advocate or supporter, {data.get('advocate')}")
        else:
            parts.append(adjustment.label)
    return "; ".join(parts) or None


@dataclass(frozen=True)
class RecordedNeeds:
    """What is recorded of how to communicate with someone, as sentences, for an officer
    about to write to them (a letter is in English, addressed to them: an interpreter, a
    BSL interpreter or an advocate is for the officer to arrange)."""

    #: "An interpreter (Polish); Through their advocate or supporter, Jan Nowak"
    adjustments: str | None = None
    #: "By phone; No home visits"
    contact: str | None = None

    @classmethod
    def of(cls, adjustments: str | None, contact: str | None) -> RecordedNeeds:
        """From the two sealed documents, as revealed."""
        return cls(adjustments_sentence(adjustments), contact_sentence(contact))

    def __bool__(self) -> bool:
        return bool(self.adjustments or self.contact)


def contact_sentence(document: str | None) -> str | None:
    """How to contact them, as a reader sees it: "By phone; not before 10am; no home
    visits" (what the reveal put in place of an erased person's, as it is)."""
    data = _document(document)
    if data is None:
        return document or None
    parts = []
    way = ContactMethod.of(data.get("contact_by") or "")
    if way is not None:
        parts.append(way.label)
    if data.get("times_to_avoid"):
        parts.append(f"Avoid: {data['times_to_avoid']}")
    if data.get("no_home_visits"):
        parts.append("No home visits")
    return "; ".join(parts) or None
