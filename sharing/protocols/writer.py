"""Writing a ``ProtocolDocument`` back out as a protocol file.

``parse_protocol(render_protocol(doc), doc.source) == doc`` for every valid document; the
hub can use it to show a protocol, and the tests use it to check the parser.
"""

from __future__ import annotations

from collections.abc import Iterable

from sharing.protocols.model import Clause, Party, ProtocolDocument, Purpose
from sharing.vocabulary import CATEGORIES, Priority, Role

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string, quoted and escaped."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def _in_order(values: Iterable[str], order: Iterable[str]) -> list[str]:
    wanted = set(values)
    return [v for v in order if v in wanted]


def _comment(text: str) -> str:
    """``text`` as one comment line: TOML comments hold no line breaks or control codes."""
    flat = " ".join(text.split())
    return "# " + "".join(c for c in flat if ord(c) >= 0x20 and ord(c) != 0x7F)


def render_protocol(document: ProtocolDocument) -> str:
    """The text of a protocol file that parses back to ``document``."""
    lines = [
        _comment(document.title),
        "",
        f"id = {toml_string(document.id)}",
        f"title = {toml_string(document.title)}",
        f"version = {document.version}",
        f"handling = {toml_string(document.handling)}",
        f"start = {document.start.isoformat()}",
        f"end = {document.end.isoformat()}",
        f"review = {document.review.isoformat()}",
        f"retention = {toml_string(document.retention)}",
    ]
    for party in document.parties:
        lines += ["", *_party(party)]
    for purpose in document.purposes:
        lines += ["", *_purpose(purpose)]
    for clause in document.clauses:
        lines += ["", *_clause(clause)]
    return "\n".join(lines) + "\n"


def _party(party: Party) -> list[str]:
    if party.agency is not None:
        who = f"agency = {toml_string(party.agency)}"
    else:
        who = f"agency_type = {toml_string(party.selector.removeprefix('type:'))}"
    return ["[[parties]]", who, f"signatory_role = {toml_string(party.signatory_role.value)}"]


def _purpose(purpose: Purpose) -> list[str]:
    lines = [
        "[[purposes]]",
        f"id = {toml_string(purpose.id)}",
        f"title = {toml_string(purpose.title)}",
        f"article6 = {toml_string(purpose.article6)}",
    ]
    if purpose.article9 is not None:
        lines.append(f"article9 = {toml_string(purpose.article9)}")
    if purpose.schedule1:
        lines.append(f"schedule1 = {_list(purpose.schedule1)}")
    if purpose.article10 is not None:
        lines.append(f"article10 = {toml_string(purpose.article10)}")
    if purpose.statutory_power is not None:
        lines.append(f"statutory_power = {toml_string(purpose.statutory_power)}")
    return lines


def _clause(clause: Clause) -> list[str]:
    lines = [
        "[[clauses]]",
        f"id = {toml_string(clause.id)}",
        f"purpose = {toml_string(clause.purpose)}",
        f"recipients = {_list(clause.recipients)}",
        f"roles = {_list(_in_order(clause.roles, (r.value for r in Role)))}",
        f"categories = {_list(_in_order(clause.categories, CATEGORIES))}",
        f"requires_share = {'true' if clause.requires_share else 'false'}",
    ]
    if clause.priorities is not None:
        priorities = _in_order(clause.priorities, (p.value for p in Priority))
        lines.append(f"priorities = {_list(priorities)}")
    if clause.emergency:
        lines.append("emergency = true")
    return lines
