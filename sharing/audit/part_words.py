"""The parts of an audit entry's basis ("; " between them) in the words the DPO reads, as
any action's entries say them: roles by their names, a share by its agency and protocol,
a refusal by the fields its form names, a document's kind and marking by their labels, a
protocol clause by its number and the protocol's title (``sharing.audit.reasons``). A
part this does not know is shown as stored, with the agencies and protocols it names by
their names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sharing import clock
from sharing.audit import acts, field_words
from sharing.audit.basis_names import Names, agency_named, protocol_named, share_named, with_names
from sharing.protocols import records as protocol_records
from sharing.protocols.policy import basis_parts
from sharing.vocabulary import DocumentKind, Labelled, Marking, Role

#: Each kind of part with how it reads.
Rules = list[tuple[re.Pattern[str], Callable[[re.Match[str], Names], str]]]


def roles_in_words(values: str) -> str:
    """``analyst,dpo`` as "analyst and data protection officer"; a value that is no role
    is shown as stored."""
    names = []
    for value in values.split(","):
        role = Role.of(value)
        names.append(_in_a_sentence(role.label) if role else value)
    return field_words.listed(names)


def roles_named(values: str) -> str:
    """``case_officer,dpo`` as "case officer, data protection officer": the roles of
    whoever acted, as the audit log's "Who" names them; a value that is no role as stored,
    its underscores as spaces."""
    return ", ".join(
        _in_a_sentence(role.label) if (role := Role.of(value)) else value.replace("_", " ")
        for value in values.split(",")
        if value
    )


def _in_a_sentence(label: str) -> str:
    """A label within a sentence: "data protection officer", but "Community Trigger lead"
    (a name kept as it is written)."""
    first, _, rest = label.partition(" ")
    return label if any(w[:1].isupper() for w in rest.split()) else label[:1].lower() + label[1:]


def day_in_words(text: str) -> str:
    """A stored day (``2026-12-06``) as the hub writes days; anything else as stored."""
    try:
        return clock.day_text(date.fromisoformat(text))
    except ValueError:
        return text


def _kind(value: str) -> str:
    """A document's kind by its label within a sentence ("diary sheet")."""
    label = label_of(DocumentKind, value)
    return lowered(label) if label else value


def _marked(m: re.Match[str], _: Names) -> str:
    """ "document 12 marked official_sensitive (was official)": the markings by the
    labels the document's page shows (OFFICIAL-SENSITIVE)."""
    marking = label_of(Marking, m["marking"])
    was = m["was"]
    if was.startswith("was ") and was != "was not marked":
        before = label_of(Marking, was.removeprefix("was "))
        was = f"was {before}" if before else was
    return f"Document {m['id']} marked {marking} ({was})" if marking else m[0]


def _rule_count(m: re.Match[str], names: Names) -> str:
    """ "three-complaints 2 of 3": a Community Trigger threshold rule by its words (those
    the application's page shows) and what it counted; a rule it does not know as stored."""
    title = names.rules.get(m["rule"])
    return f"{title}: {m['found']} of {m['needed']}" if title else m[0]


def _refused_on_a_record(m: re.Match[str], names: Names) -> str:
    """ "refused input: action 12 done_on note", of a form on one record: the fields in
    words with the record after them, as other forms' refusals name theirs ("(conference
    3)"); "document 12 marking changed meanwhile" as what happened."""
    record, rest = f"{m['kind']} {m['id']}", m["rest"]
    if rest.endswith("changed meanwhile"):
        what = rest.removesuffix("changed meanwhile").strip()
        changed = f"{record}'s {what}" if what else record
        return f"Refused: someone else changed {changed} meanwhile"
    if re.fullmatch(field_words.FIELDS, rest):
        return f"Refused for what was typed in {field_words.fields_in_words(rest)} ({record})"
    return f"Refused for what was typed in {record}: " + with_names(
        re.sub(field_words.UNDERSCORED, lambda f: field_words.field_in_words(f[0]), rest), names
    )


def _refused_input(m: re.Match[str], names: Names) -> str:
    said = f"Refused for what was typed in {field_words.fields_in_words(m['fields'])}"
    if m["note"]:
        said += f" ({with_names(m['note'], names)})"
    return said + (f": {part_in_words(m['why'], names)}" if m["why"] else "")


#: Each kind of part of a basis ("; " between parts) with how it reads.
_PARTS: Rules = [
    (
        re.compile(r"roles (?P<before>[\w,]+) to (?P<after>[\w,]+)"),
        lambda m, _: (
            f"Roles changed from {roles_in_words(m['before'])} to {roles_in_words(m['after'])}"
        ),
    ),
    (re.compile(r"roles (?P<roles>[\w,]+)"), lambda m, _: f"Roles: {roles_in_words(m['roles'])}"),
    (re.compile(r"team changed"), lambda m, _: "their team changed"),
    (
        re.compile(r"(?P<what>first contact|last contact|next review) (?P<day>\d{4}-\d\d-\d\d)"),
        lambda m, _: f"{m['what']} {day_in_words(m['day'])}",
    ),
    (
        re.compile(
            r"share (?P<id>\d+) with agency (?P<agency>\d+) under protocol (?P<key>\S+) "
            r"version (?P<version>\d+) until (?P<until>\d{4}-\d\d-\d\d)(?P<rest>.*)"
        ),
        lambda m, names: (
            f"Shared with {agency_named(names, m['agency'])} under "
            f"{protocol_named(names, m['key'], m['version'])} until {day_in_words(m['until'])} "
            f"(share {m['id']}){m['rest']}"
        ),
    ),
    (
        re.compile(r"share (?P<id>\d+) with agency (?P<agency>\d+)(?P<rest>.*)"),
        lambda m, names: (
            f"Share {m['id']} with {agency_named(names, m['agency'])}"
            + with_names(m["rest"], names)
        ),
    ),
    (
        re.compile(r"share (?P<id>\d+) until (?P<until>.+)"),
        lambda m, names: f"under {share_named(names, m['id'])}, until {m['until']}",
    ),
    (
        re.compile(f"refused input: ({'|'.join(map(re.escape, field_words.REFUSED_AS))})"),
        lambda m, _: field_words.REFUSED_AS[m[1]],
    ),
    (
        re.compile(
            r"refused input: (?P<kind>action|document|emergency access) (?P<id>\d+) (?P<rest>.+)"
        ),
        _refused_on_a_record,
    ),
    (
        re.compile(
            rf"refused input: (?P<fields>{field_words.FIELDS})"
            r"(?: \((?P<note>[^)]*)\))?(?:: (?P<why>.*))?"
        ),
        _refused_input,
    ),
    (
        re.compile(r"refused input: (?P<what>.+)"),
        lambda m, names: (
            "Refused for what was typed in "
            + with_names(
                re.sub(
                    field_words.UNDERSCORED, lambda f: field_words.field_in_words(f[0]), m["what"]
                ),
                names,
            )
        ),
    ),
    (
        re.compile(r"document (?P<id>\d+) (?P<how>added|removed) \((?P<kind>\w+)(?P<rest>,.*)"),
        lambda m, _: (
            f"Document {m['id']} {m['how']} ({_kind(m['kind'])}{m['rest']}"
            if DocumentKind.of(m["kind"])
            else m[0]
        ),
    ),
    (
        re.compile(r"document (?P<id>\d+) marked (?P<marking>\w+) \((?P<was>.*)\)"),
        _marked,
    ),
    (
        re.compile(r"marked (\w+)"),
        lambda m, _: f"marked {label_of(Marking, m[1])}" if Marking.of(m[1]) else m[0],
    ),
    (re.compile(r"(?P<rule>[\w-]+) (?P<found>\d+) of (?P<needed>\d+)"), _rule_count),
    (  # refused for the record's state, said by the act: "refused: action 12 already done"
        re.compile(r"refused: (?P<what>.+)"),
        lambda m, names: f"Refused: {with_names(m['what'], names)}",
    ),
    (
        re.compile(re.escape(acts.NO_SUCH_CASE)),
        lambda m, _: "No case has that number",
    ),
    (
        re.compile(r"Your agency's own case \((?P<roles>[^)]*)\)"),
        lambda m, _: f"Their agency's own case (as {m['roles']})",
    ),
]


def label_of(kind: type[Labelled], value: str) -> str | None:
    """A stored choice by its label (None for a value that is none of ``kind``'s)."""
    member = kind.of(value)
    return member.label if member else None


def lowered(label: str) -> str:
    """A choice's label within a sentence: "the ASB has been resolved", "warning letter"
    (a first word in capitals, "ICO", kept)."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() and len(first) > 1 else label[:1].lower() + label[1:]


def part_in_words(part: str, names: Names) -> str:
    """One part of a basis as any action's entries read it; what no rule knows as stored,
    with the agencies and protocol versions it names by their names."""
    for pattern, words in _PARTS:
        found = pattern.fullmatch(part)
        if found is not None:
            return words(found, names)
    return with_names(part, names)


def clause_in_words(basis: str, names: Names) -> str | None:
    """A basis that begins with a protocol clause: the clause by its number and the
    protocol's title, the purpose by its title, then what came after it."""
    parts = basis_parts(basis)
    if parts is None:
        return None
    record = names.protocols.get((parts.key, parts.version))
    if record is None:
        protocol = f"protocol {parts.key} version {parts.version}"
        purpose = parts.purpose.replace("_", " ")
    else:
        protocol = f"{record.title} (version {record.version})"
        purpose = protocol_records.purpose_title(record, parts.purpose)
    said = f"Clause {parts.clause} of {protocol}, for {purpose}"
    rest = [p for p in parts.rest.split("; ") if p]
    return "; ".join([said, *(part_in_words(p, names) for p in rest)])
