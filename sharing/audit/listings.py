"""The records an entry's basis lists by identifier (the cases a search or an export
showed, the people a subject access search found), and their index beside the log, so
that a DPO's log of one case finds every entry that showed it without reading every
entry's basis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from sharing.formats import is_digits
from sharing.models.audit import AuditListing

#: What a basis may list by identifier and a DPO's log of one of them finds: the cases,
#: people, applications and recommendations a list, a search or an export showed.
LISTED_KINDS = ("cases", "persons", "applications", "recommendations")


def listed(basis: str | None, kind: str) -> set[int]:
    """The identifiers a basis lists under ``kind``: ``listed("...; cases 3,4; ...",
    "cases")`` is ``{3, 4}`` (the reverse of writing ``f"{kind} {ids(...)}"``)."""
    for part in (basis or "").split("; "):
        label, _, values = part.partition(" ")
        if label == kind:
            return {int(v) for v in values.split(",") if is_digits(v)}
    return set()


def listings(basis: str | None) -> set[tuple[str, int]]:
    """Each ``(kind, identifier)`` a basis lists under one of ``LISTED_KINDS``, wherever
    in the basis the list stands: ``listings("page 1 of 2; cases 3,4")`` is
    ``{("cases", 3), ("cases", 4)}``."""
    return {(kind, i) for kind in LISTED_KINDS for i in listed(basis, kind)}


def index(to: Connection | Session, entries: Sequence[Mapping[str, Any]]) -> None:
    """Write the listings of ``entries`` (rows just added to the log: their ``seq`` and
    ``basis``) in the same transaction."""
    rows = [
        {"kind": kind, "listed_id": listed_id, "seq": entry["seq"]}
        for entry in entries
        for kind, listed_id in sorted(listings(entry["basis"]))
    ]
    if rows:
        to.execute(insert(AuditListing), rows)
