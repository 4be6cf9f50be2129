"""What the identifiers in an audit entry's basis are called, for the DPO's "Why"
(``sharing.audit.reasons``): the shares and agencies a page's bases name by id (to look up
once for the page), and a part of a basis with the agencies and protocol versions it names
called by their names. An identifier a page did not look up is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sharing.audit import field_words
from sharing.models import ProtocolRecord


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


def protocol_named(names: Names, key: str, version: str) -> str:
    """A protocol version by its title ("protocol KEY version 2" where not looked up)."""
    record = names.protocols.get((key, int(version)))
    return f"{record.title} (version {version})" if record else f"protocol {key} version {version}"


def share_named(names: Names, share_id: str) -> str:
    """A share by its case (where the reader may know it) and the agency it was made for."""
    share = names.shares.get(int(share_id))
    if share is None:
        return f"share {share_id}"
    of = f" of case {share.case_reference}" if share.case_reference else ""
    return f"the share{of} to {share.agency} (share {share_id})"


def agency_named(names: Names, agency_id: str) -> str:
    """An agency by its name ("agency 3" where not looked up)."""
    return names.agencies.get(int(agency_id), f"agency {agency_id}")


def with_names(part: str, names: Names) -> str:
    """A part no rule knows, with the agencies and protocol versions it names by id or key
    called by their names; the rest as stored."""
    part = _PROTOCOL.sub(lambda m: protocol_named(names, m["key"], m["version"]), part)
    part = _AGENCY_IDS.sub(
        lambda m: field_words.listed([agency_named(names, i) for i in m[1].split(",")]), part
    )
    return _AGENCY_ID.sub(lambda m: agency_named(names, m[1]), part)
