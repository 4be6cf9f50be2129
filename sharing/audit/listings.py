"""The records an entry's basis lists by identifier (the cases a search or an export
showed, the people a subject access search found, the case a conference's page, pack or
minutes disclosed), and their index beside the log, so that a DPO's log of one case finds
every entry that showed it without reading every entry's basis.

The index is not part of what the tree proves, so ``hub audit verify`` compares it with
the entries (``first_mismatch``): a listing removed to hide that a search showed a case is
found as surely as a changed entry, and ``hub audit reindex`` makes it again (``rebuild``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, delete, insert, or_, select
from sqlalchemy.orm import Session

from sharing.audit.tree import locked_tree
from sharing.formats import is_digits
from sharing.models.audit import AuditEntry, AuditListing
from sharing.models.base import table_of

#: What a basis may list by identifier and a DPO's log of one of them finds: the cases,
#: people, applications and recommendations a list, a search or an export showed.
LISTED_KINDS = ("cases", "persons", "applications", "recommendations")
#: An entry about a record of one case (a conference's page, pack and minutes, a case
#: brought to a meeting's sitting) names that case on its own, in a part ``case N``,
#: indexed among the cases it lists.
ONE_CASE = "case"
#: The subject of a search of the log, whose basis names the case it was filtered by in
#: the same way (``case 3; action case.view: …``): a case searched for, not one shown.
LOG_SEARCHED = "audit_log"
#: Read and written by plain statements: an entry is added, and the whole log checked,
#: without an object a row.
_ENTRIES = table_of(AuditEntry)
_LISTINGS = table_of(AuditListing)


def listed(basis: str | None, kind: str) -> set[int]:
    """The identifiers a basis lists under ``kind``: ``listed("...; cases 3,4; ...",
    "cases")`` is ``{3, 4}`` (the reverse of writing ``f"{kind} {ids(...)}"``), and so is
    ``listed("person record and cases 3,4; ...", "cases")``: the word before the
    identifiers names their kind, whatever words lead to it."""
    return {i for _, i in _lists(basis, (kind,))}


def listings(basis: str | None, object_type: str | None = None) -> set[tuple[str, int]]:
    """Each ``(kind, identifier)`` a basis lists under one of ``LISTED_KINDS``, wherever
    in the basis the list stands and whatever words lead to it: ``listings("page 1 of 2;
    cases 3,4")`` and ``listings("person record and cases 3,4")`` (the cases a subject
    access report showed) are ``{("cases", 3), ("cases", 4)}``; and each case it names
    on its own (``listings("case 3; …", "conference")`` is ``{("cases", 3)}``), except
    in a search of the log (``object_type`` ``LOG_SEARCHED``)."""
    found = _lists(basis, LISTED_KINDS)
    if object_type != LOG_SEARCHED:
        found.update(("cases", case_id) for case_id in _named_alone(basis))
    return found


def case_through(basis: str | None, object_type: str | None) -> int | None:
    """The one case an entry about another record of it names on its own (a conference's
    page read names the conference as its object and ``case 3`` in its basis); None for
    an entry about a case itself, a search of the log, or a basis naming no case or
    several."""
    if object_type in ("case", LOG_SEARCHED):
        return None
    named = _named_alone(basis)
    return next(iter(named)) if len(named) == 1 else None


def _lists(basis: str | None, kinds: tuple[str, ...]) -> set[tuple[str, int]]:
    """The first list of each of ``kinds`` in ``basis``, read in one pass: a part's last
    word is its identifiers, and the word before them their kind."""
    found: set[tuple[str, int]] = set()
    seen: set[str] = set()
    for part in (basis or "").split("; "):
        words, _, values = part.rpartition(" ")
        label = words.rpartition(" ")[2]
        if label in kinds and label not in seen:
            seen.add(label)
            found.update((label, int(v)) for v in values.split(",") if is_digits(v))
    return found


def _named_alone(basis: str | None) -> set[int]:
    """The cases a basis names each on its own, in a part ``case N``."""
    found: set[int] = set()
    for part in (basis or "").split("; "):
        label, _, value = part.partition(" ")
        if label == ONE_CASE and is_digits(value):
            found.add(int(value))
    return found


def index(to: Connection | Session, entries: Sequence[Mapping[str, Any]]) -> int:
    """Write the listings of ``entries`` (rows just added to the log: their ``seq``,
    ``object_type`` and ``basis``) in the same transaction; how many."""
    rows = [
        {"kind": kind, "listed_id": listed_id, "seq": entry["seq"]}
        for entry in entries
        for kind, listed_id in sorted(listings(entry["basis"], entry["object_type"]))
    ]
    if rows:
        to.execute(insert(_LISTINGS), rows)
    return len(rows)


#: Entries compared, or indexed again, a batch at a time.
BATCH = 50_000


def _may_list() -> ColumnElement[bool]:
    """Entries whose basis may list something (those it cannot are not read)."""
    return or_(*(_ENTRIES.c.basis.like(f"%{kind} %") for kind in (*LISTED_KINDS, ONE_CASE)))


def first_mismatch(session: Session, size: int) -> int | None:
    """The first of the log's first ``size`` entries whose listings in the index are not
    the ones its basis lists (one missing, one too many, or one naming another record);
    None when the index matches them all."""
    for start in range(0, size, BATCH):
        end = min(start + BATCH, size)
        entries = session.connection().execute(
            select(_ENTRIES.c.seq, _ENTRIES.c.object_type, _ENTRIES.c.basis).where(
                _ENTRIES.c.seq >= start, _ENTRIES.c.seq < end, _may_list()
            )
        )
        expected = {
            (seq, kind, i)
            for seq, object_type, basis in entries
            for kind, i in listings(basis, object_type)
        }
        stored = session.connection().execute(
            select(_LISTINGS.c.seq, _LISTINGS.c.kind, _LISTINGS.c.listed_id).where(
                _LISTINGS.c.seq >= start, _LISTINGS.c.seq < end
            )
        )
        differing = expected.symmetric_difference((seq, kind, i) for seq, kind, i in stored)
        if differing:
            first: int = min(seq for seq, _, _ in differing)
            return first
    return None


def rebuild(session: Session) -> int:
    """Make the index again from the entries, in the session's transaction, with the
    tree's row locked (no entry joins the log meanwhile); how many listings it holds."""
    locked_tree(session)
    session.execute(delete(_LISTINGS))
    after, made = -1, 0
    connection = session.connection()
    while batch := connection.execute(_entries_after(after)).all():
        made += index(connection, [row._asdict() for row in batch])
        after = batch[-1].seq
    return made


def _entries_after(after: int) -> Select[Any, Any]:
    """The next batch of entries past ``after`` that may list something."""
    return (
        select(_ENTRIES.c.seq, _ENTRIES.c.object_type, _ENTRIES.c.basis)
        .where(_ENTRIES.c.seq > after, _may_list())
        .order_by(_ENTRIES.c.seq)
        .limit(BATCH)
    )
