"""An entry's "why" in words a data protection officer reads aloud: roles by their names,
a protocol clause by its number and the protocol's title, a share by the case and agency
it was made for. The log keeps each entry as it was written (it is verifiable and never
rewritten): this is how it reads on the DPO's pages, in one place. A part of a basis this
does not know is shown as stored, never refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sharing import clock
from sharing.audit import acts, field_words, withheld
from sharing.models import ProtocolRecord
from sharing.protocols import records as protocol_records
from sharing.protocols.policy import basis_parts
from sharing.trigger import corrected_fields
from sharing.vocabulary import (
    CATEGORIES,
    AppealDecision,
    ClosureOutcome,
    ClosureReason,
    ConferenceCancelReason,
    DocumentKind,
    Intervention,
    Labelled,
    LockReason,
    LockStatus,
    Marking,
    ReviewDecision,
    Role,
    SessionEnd,
    SittingCancelReason,
    ThresholdDecision,
)


@dataclass(frozen=True)
class ShareNames:
    """A share as a reader names it: the case (None where the reader may not know it)
    and the agency it was made for."""

    case_reference: str | None
    agency: str


@dataclass(frozen=True)
class Names:
    """What a basis's identifiers are called, for the entries of one page."""

    #: Protocol versions by (key, version).
    protocols: dict[tuple[str, int], ProtocolRecord] = field(default_factory=dict)
    #: Agencies' names by id.
    agencies: dict[int, str] = field(default_factory=dict)
    #: Shares by id.
    shares: dict[int, ShareNames] = field(default_factory=dict)
    #: The Community Trigger's threshold rules' titles by id (the procedure's words).
    rules: dict[str, str] = field(default_factory=dict)


_SHARE_ID = re.compile(r"\bshare (\d+)")
#: An agency named by id: "with agency 3", "signed for agency 3", "agencies 4,6,7".
_AGENCY_ID = re.compile(r"\bagency (\d+)\b")
_AGENCY_IDS = re.compile(r"\bagencies (\d+(?:,\d+)*)\b")
#: A protocol version by its key, as protocol changes and shares name it.
_PROTOCOL = re.compile(
    r"\b(?:protocol )?(?P<key>[a-z0-9]+(?:-[a-z0-9]+)+) version (?P<version>\d+)\b"
)


def shares_named(bases: Iterable[str | None]) -> set[int]:
    """The shares the bases name, to look up their case and agency."""
    return {int(m) for basis in bases for m in _SHARE_ID.findall(basis or "")}


def agencies_named(bases: Iterable[str | None]) -> set[int]:
    """The agencies the bases name by id ("with agency 3", "agencies 4,6")."""
    found = {int(m) for basis in bases for m in _AGENCY_ID.findall(basis or "")}
    for basis in bases:
        for listed in _AGENCY_IDS.findall(basis or ""):
            found.update(int(i) for i in listed.split(","))
    return found


def roles_in_words(values: str) -> str:
    """``analyst,dpo`` as "analyst and data protection officer"; a value that is no role
    is shown as stored."""
    names = []
    for value in values.split(","):
        role = Role.of(value)
        names.append(_in_a_sentence(role.label) if role else value)
    return field_words.listed(names)


def _in_a_sentence(label: str) -> str:
    """A label within a sentence: "data protection officer", but "Community Trigger lead"
    (a name kept as it is written)."""
    first, _, rest = label.partition(" ")
    return label if any(w[:1].isupper() for w in rest.split()) else label[:1].lower() + label[1:]


def _day(text: str) -> str:
    try:
        return clock.day_text(date.fromisoformat(text))
    except ValueError:
        return text


def _protocol(names: Names, key: str, version: str) -> str:
    record = names.protocols.get((key, int(version)))
    return f"{record.title} (version {version})" if record else f"protocol {key} version {version}"


def _share(names: Names, share_id: str) -> str:
    share = names.shares.get(int(share_id))
    if share is None:
        return f"share {share_id}"
    of = f" of case {share.case_reference}" if share.case_reference else ""
    return f"the share{of} to {share.agency} (share {share_id})"


def _agency(names: Names, agency_id: str) -> str:
    return names.agencies.get(int(agency_id), f"agency {agency_id}")


def _kind(value: str) -> str:
    """A document's kind by its label within a sentence ("diary sheet")."""
    label = _label(DocumentKind, value)
    return _lowered(label) if label else value


def _marked(m: re.Match[str], _: Names) -> str:
    """ "document 12 marked official_sensitive (was official)": the markings by the
    labels the document's page shows (OFFICIAL-SENSITIVE)."""
    marking = _label(Marking, m["marking"])
    was = m["was"]
    if was.startswith("was ") and was != "was not marked":
        before = _label(Marking, was.removeprefix("was "))
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
    return f"Refused for what was typed in {record}: " + _named(
        re.sub(field_words.UNDERSCORED, lambda f: field_words.field_in_words(f[0]), rest), names
    )


def _refused_input(m: re.Match[str], names: Names) -> str:
    said = f"Refused for what was typed in {field_words.fields_in_words(m['fields'])}"
    if m["note"]:
        said += f" ({_named(m['note'], names)})"
    return said + (f": {_part(m['why'], names)}" if m["why"] else "")


#: Each kind of part of a basis ("; " between parts) with how it reads.
_PARTS: list[tuple[re.Pattern[str], Callable[[re.Match[str], Names], str]]] = [
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
        lambda m, _: f"{m['what']} {_day(m['day'])}",
    ),
    (
        re.compile(
            r"share (?P<id>\d+) with agency (?P<agency>\d+) under protocol (?P<key>\S+) "
            r"version (?P<version>\d+) until (?P<until>\d{4}-\d\d-\d\d)(?P<rest>.*)"
        ),
        lambda m, names: (
            f"Shared with {_agency(names, m['agency'])} under "
            f"{_protocol(names, m['key'], m['version'])} until {_day(m['until'])} "
            f"(share {m['id']}){m['rest']}"
        ),
    ),
    (
        re.compile(r"share (?P<id>\d+) with agency (?P<agency>\d+)(?P<rest>.*)"),
        lambda m, names: (
            f"Share {m['id']} with {_agency(names, m['agency'])}" + _named(m["rest"], names)
        ),
    ),
    (
        re.compile(r"share (?P<id>\d+) until (?P<until>.+)"),
        lambda m, names: f"under {_share(names, m['id'])}, until {m['until']}",
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
            + _named(
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
        lambda m, _: f"marked {_label(Marking, m[1])}" if Marking.of(m[1]) else m[0],
    ),
    (re.compile(r"(?P<rule>[\w-]+) (?P<found>\d+) of (?P<needed>\d+)"), _rule_count),
    (  # refused for the record's state, said by the act: "refused: action 12 already done"
        re.compile(r"refused: (?P<what>.+)"),
        lambda m, names: f"Refused: {_named(m['what'], names)}",
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


def _label(kind: type[Labelled], value: str) -> str | None:
    """A stored choice by its label (None for a value that is none of ``kind``'s)."""
    member = kind.of(value)
    return member.label if member else None


def _lowered(label: str) -> str:
    """A choice's label within a sentence: "the ASB has been resolved", "warning letter"
    (a first word in capitals, "ICO", kept)."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() and len(first) > 1 else label[:1].lower() + label[1:]


def _choice(kind: type[Labelled], said: str = "{}") -> Callable[[re.Match[str], Names], str]:
    """A part that is one of ``kind``'s values (the match's first group), said by its label
    in ``said``; a value that is none of them is shown as stored."""

    def words(m: re.Match[str], _: Names) -> str:
        label = _label(kind, m[1])
        if label is None:
            return m[0]
        return said.format(label if said.startswith("{}") else _lowered(label))

    return words


def _closed_as(m: re.Match[str], _: Names) -> str:
    """A closed case's outcome (``not_resolved``; ``resolved by warning_letter``)."""
    outcome = _label(ClosureOutcome, m["outcome"])
    if outcome is None:
        return m[0]
    if not m["by"]:
        return outcome
    by = _label(Intervention, m["by"])
    return f"{outcome}; what resolved it: {_lowered(by) if by else m['by']}"


_Rules = list[tuple[re.Pattern[str], Callable[[re.Match[str], Names], str]]]

#: Why a user's sessions were ended, as the DPO reads it (the sign-in page tells the user).
_SESSIONS_ENDED_BECAUSE = {
    SessionEnd.SIGNED_OUT: "they signed out",
    SessionEnd.IDLE: "they had not used the hub for a while",
    SessionEnd.SIGNED_OUT_EVERYWHERE: "they chose to sign out everywhere",
    SessionEnd.ENDED_BY_MANAGER: "their roles or team changed, or whoever acted signed them out",
    SessionEnd.PASSWORD_RESET: "their password was reset",
    SessionEnd.SECOND_FACTOR_RESET: "their authenticator app was reset",
    SessionEnd.ACCOUNT_DISABLED: "their account was disabled",
}


def _sessions_ended(m: re.Match[str], _: Names) -> str:
    """ "password_reset: 2 sessions ended": why, and how many were open."""
    why = SessionEnd.of(m["why"])
    if why is None:
        return m[0]
    count = int(m["count"])
    ended = {0: "none was open", 1: "1 session ended"}.get(count, f"{count} sessions ended")
    return f"Signed out because {_SESSIONS_ENDED_BECAUSE[why]}: {ended}"


#: How a sign-in's first step was recorded: the hub's password, or the agency's identity
#: provider by the name its staff know their account by ("Larkmoor Housing account").
_SIGNED_IN = re.compile(r"(?P<how>password|(?P<provider>.+) account)(?P<code> and security code)?")


def _signed_in(m: re.Match[str], _: Names) -> str:
    """ "password and security code", "Larkmoor Housing account": how who signed in was
    established, in words (the security code is the hub's own, from an authenticator app;
    one a provider asked for itself is the provider's, not recorded)."""
    if m["provider"]:
        said = f"Through their agency's identity provider (their {m['provider']} account)"
        return said + (", then a security code from their authenticator app" if m["code"] else "")
    if m["code"]:
        return "With a password and a security code from their authenticator app"
    return "With a password only (no security code)"


def _lock_requested(m: re.Match[str], _: Names) -> str:
    """ "request 12, reason sensitive": the request and why, in the form's words."""
    label = _label(LockReason, m["reason"])
    return f"Lock request {m['id']}: {_lowered(label)}" if label else m[0]


def _lock_decided(m: re.Match[str], _: Names) -> str:
    """ "lock request 12 approved": the request and how it was decided, in words."""
    decided = {LockStatus.APPROVED.value: "approved", LockStatus.REFUSED.value: "refused"}
    if m["status"] not in decided:
        return m[0]
    return f"{m['kind'].capitalize()} request {m['id']} {decided[m['status']]}"


def _emergency_access(m: re.Match[str], names: Names) -> str:
    """ "emergency access 7 until 2026-12-06T19:47+00:00: <clause>": the access, until when
    in UK time, and the emergency protocol's clause by its title."""
    try:
        until = clock.moment_text(datetime.fromisoformat(m["until"]))
    except ValueError:
        until = m["until"]
    grant = _clause(m["grant"], names) or _named(m["grant"], names)
    return f"Emergency access {m['id']} until {until}: {grant}"


#: Parts that read one way only in the entries of one action: a stored choice's code, a
#: Community Trigger decision, a case's closure. Tried before the parts of any action.
_BY_ACTION: dict[str, _Rules] = {
    acts.Action.CASE_CLOSE.value: [
        (re.compile(r"reason (\w+)"), _choice(ClosureReason, "Closed because {}")),
        (re.compile(r"(?P<outcome>\w+)(?: by (?P<by>\w+))?"), _closed_as),
        (re.compile(r"closed with it: actions none"), lambda m, _: "no open action to close"),
        (
            re.compile(r"closed with it: actions (?P<ids>[\d,]+)"),
            lambda m, _: f"open actions closed with it: {m['ids'].replace(',', ', ')}",
        ),
    ],
    acts.Action.CASE_REVIEW.value: [
        (re.compile(r"review (\d+)"), lambda m, _: f"Review {m[1]}"),
        (re.compile(r"(\w+)"), _choice(ReviewDecision, "decided: {}")),
        (re.compile(r"next review (\d{4}-\d\d-\d\d)"), lambda m, _: f"next review {_day(m[1])}"),
    ],
    acts.Action.CONFERENCE_CANCEL.value: [
        (re.compile(r"reason (\w+)"), _choice(ConferenceCancelReason, "cancelled because {}")),
    ],
    acts.Action.MEETING_CANCEL.value: [
        (re.compile(r"reason (\w+)"), _choice(SittingCancelReason, "Cancelled because {}")),
    ],
    acts.Action.LOCK_REQUEST.value: [
        (re.compile(r"request (?P<id>\d+), reason (?P<reason>\w+)"), _lock_requested),
    ],
    acts.Action.UNLOCK_REQUEST.value: [
        (re.compile(r"request (\d+)"), lambda m, _: f"Unlock request {m[1]}"),
    ],
    acts.Action.LOCK_DECIDE.value: [
        (
            re.compile(r"(?P<kind>lock|unlock) request (?P<id>\d+) (?P<status>\w+)"),
            _lock_decided,
        ),
        (
            re.compile(r"named users ([\d,]+)"),
            lambda m, _: f"locked to users {m[1].replace(',', ', ')}",
        ),
    ],
    acts.Action.TRIGGER_DECIDE.value: [
        (re.compile(r"(\w+)"), _choice(ThresholdDecision)),
        (
            re.compile(r"advice (?P<advice>met|not met): ?(?P<counts>.*)"),
            lambda m, names: (
                f"the rules advised the threshold was {m['advice']}"
                + (f": {_part(m['counts'], names)}" if m["counts"] else "")
            ),
        ),
    ],
    acts.Action.TRIGGER_REVIEW.value: [
        (re.compile(r"sitting (\d+)"), lambda m, _: f"Review panel convened for sitting {m[1]}"),
    ],
    acts.Action.TRIGGER_OUTCOME.value: [
        (
            re.compile(r"no recommendations"),
            lambda m, _: "Outcome recorded with no recommendations",
        ),
        (
            re.compile(r"recommendations ([\d,]+)"),
            lambda m, _: f"Outcome recorded with recommendations {m[1].replace(',', ', ')}",
        ),
    ],
    acts.Action.TRIGGER_APPEAL.value: [
        (
            re.compile(r"received (\d{4}-\d\d-\d\d)"),
            lambda m, _: f"Appeal received on {_day(m[1])}",
        ),
    ],
    acts.Action.TRIGGER_CORRECT.value: [
        (re.compile(r"fields (.+)"), lambda m, _: corrected_fields.corrected(m[1])),
        (re.compile(r"removed (.+)"), lambda m, _: corrected_fields.removed(m[1])),
        (
            re.compile(r"letters to go again (\d+)"),
            lambda m, _: f"letters not yet sent to go to the corrected address: {m[1]}",
        ),
        (
            re.compile(r"letters sent to the earlier details (\d+)"),
            lambda m, _: f"letters already sent to the earlier details: {m[1]}",
        ),
    ],
    acts.Action.TRIGGER_APPEAL_DECIDE.value: [
        (re.compile(r"(\w+)"), _choice(AppealDecision, "Appeal decided: {}")),
    ],
    acts.Action.SIGN_IN.value: [(_SIGNED_IN, _signed_in)],
    acts.Action.BREAK_GLASS.value: [
        (
            re.compile(r"emergency access (?P<id>\d+) until (?P<until>\S+): (?P<grant>.+)"),
            _emergency_access,
        ),
    ],
    acts.Action.SESSIONS_END.value: [
        (re.compile(r"(?P<why>\w+): (?P<count>\d+) sessions ended"), _sessions_ended),
    ],
}


#: The lists of an agency's actions, whose refusals beside them say what was withheld.
_LISTS = {acts.Action.ACTIONS_LIST.value, acts.Action.ACTIONS_CLOSED_LIST.value}


def _part(part: str, names: Names, action: str | None = None) -> str:
    for pattern, words in _BY_ACTION.get(action or "", []):
        found = pattern.fullmatch(part)
        if found is not None:
            return words(found, names)
    for pattern, words in _PARTS:
        found = pattern.fullmatch(part)
        if found is not None:
            return words(found, names)
    return _named(part, names)


def _named(part: str, names: Names) -> str:
    """A part no rule knows, with the agencies and protocol versions it names by id or key
    called by their names; the rest as stored."""
    part = _PROTOCOL.sub(lambda m: _protocol(names, m["key"], m["version"]), part)
    part = _AGENCY_IDS.sub(
        lambda m: field_words.listed([_agency(names, i) for i in m[1].split(",")]), part
    )
    return _AGENCY_ID.sub(lambda m: _agency(names, m[1]), part)


def _clause(basis: str, names: Names) -> str | None:
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
    return "; ".join([said, *(_part(p, names) for p in rest)])


def _categories(text: str) -> str | None:
    """``identity,contact`` as "Identity and contact" ("Every category" for them all);
    None for anything that is not a list of categories."""
    found = text.split(",")
    if not all(c in CATEGORIES for c in found):
        return None
    if set(found) == set(CATEGORIES):
        return "Every category"
    return field_words.listed(found).capitalize()


def _disclosed(segment: str, names: Names) -> str:
    """One "categories: basis" of a disclosure (``acts.disclosed``)."""
    head, colon, basis = segment.partition(": ")
    categories = _categories(head) if colon else None
    if categories is None:
        return _plain(segment, names)
    return f"{categories}: {_plain(basis, names)}"


def _plain(basis: str, names: Names, action: str | None = None) -> str:
    clause = _clause(basis, names)
    if clause is not None:
        return clause
    return "; ".join(_part(p, names, action) for p in basis.split("; "))


def in_words(basis: str | None, names: Names, action: str | None = None) -> str | None:
    """An entry's basis as the DPO reads it (None for none), read as ``action``'s entries
    are where it says their stored choices (a case's closure, a Community Trigger
    decision). What this does not know is shown as stored."""
    if not basis:
        return basis
    if basis.startswith(acts.ON_THE_COMMAND_LINE):  # a command's refusal: the rest in words
        rest = basis[len(acts.ON_THE_COMMAND_LINE) :]
        return f"On the command line: {in_words(rest, names, action)}"
    if acts.answered_not_found(basis):
        rest = basis[len(acts.NOT_FOUND_TO_REQUESTER) :]
        return f"Answered “not found”: {in_words(rest, names)}"
    if action in _LISTS and (found := withheld.WITHHELD.fullmatch(basis)):
        return withheld.in_words(found, closed=action == acts.Action.ACTIONS_CLOSED_LIST.value)
    if action in _BY_ACTION:
        return _plain(basis, names, action)
    return " | ".join(_disclosed(segment, names) for segment in basis.split(" | "))
