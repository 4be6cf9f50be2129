"""Reading and checking a protocol's ``[[clauses]]``: who receives which categories."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sharing.protocols.fields import Reader, Table, did_you_mean, one_of, path_of
from sharing.protocols.lawful import (
    CRIMINAL_OFFENCE,
    EMERGENCY_PURPOSE,
    RECIPIENT_ROLES,
    ROLES_WITHOUT_CASE_DATA,
    SPECIAL_CATEGORY,
)
from sharing.protocols.model import Clause, Purpose
from sharing.protocols.purposes import PURPOSE_ID
from sharing.vocabulary import CATEGORIES, Priority, Role

CLAUSE_KEYS = (
    "id",
    "purpose",
    "recipients",
    "roles",
    "categories",
    "requires_share",
    "priorities",
    "emergency",
)

#: A clause id: a section number such as ``4`` or ``4.1``.
CLAUSE_ID = re.compile(r"[0-9]+(?:\.[0-9]+)*")

CLAUSES_ALLOWED = (
    "one [[clauses]] table per clause, each with id, purpose, recipients, roles and categories"
)

_ROLES = [r.value for r in RECIPIENT_ROLES]
_ROLE = {r.value: r for r in Role}
_PRIORITY = {p.value: p for p in Priority}
_REFUSED_ROLES = {
    r.value: f"cannot receive case data: {why}" for r, why in ROLES_WITHOUT_CASE_DATA.items()
}
_PRIORITIES = [p.value for p in Priority]


def read_clauses(
    reader: Reader,
    data: Mapping[str, object],
    selectors: Sequence[str],
    purposes: Mapping[str, Purpose],
) -> list[Clause]:
    """The clauses as written (checked; the problems are in ``reader``)."""
    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    for index, table in reader.tables(data, "clauses", CLAUSES_ALLOWED):
        prefix = f"clauses[{index}]"
        reader.unknown_keys(table, CLAUSE_KEYS, prefix)
        clause_id = reader.text(
            table, "id", prefix, pattern=CLAUSE_ID, max_length=40, allowed="a number such as 4.1"
        )
        if clause_id is not None and clause_id in seen:
            reader.add(
                path_of(prefix, "id"),
                f'duplicate clause "{clause_id}": already clauses[{seen[clause_id]}]',
                "each clause number once",
            )
        elif clause_id is not None:
            seen[clause_id] = index
        clauses.append(_clause(reader, table, prefix, clause_id or "", selectors, purposes))
    return clauses


def _clause(
    reader: Reader,
    table: Table,
    prefix: str,
    clause_id: str,
    selectors: Sequence[str],
    purposes: Mapping[str, Purpose],
) -> Clause:
    purpose_id = reader.text(
        table, "purpose", prefix, pattern=PURPOSE_ID, max_length=60, allowed=_ids(purposes)
    )
    # With no purposes at all, that one problem is reported once, not for every clause.
    if purpose_id is not None and purposes and purpose_id not in purposes:
        hint = did_you_mean(purpose_id, list(purposes))
        reader.add(
            path_of(prefix, "purpose"), f'unknown purpose "{purpose_id}"{hint}', _ids(purposes)
        )
    recipients = _recipients(reader, table, prefix, selectors)
    roles = reader.choices(table, "roles", prefix, _ROLES, "role", refusals=_REFUSED_ROLES)
    categories = reader.choices(table, "categories", prefix, CATEGORIES, "category")
    priorities = reader.choices(
        table, "priorities", prefix, _PRIORITIES, "priority", required=False
    )
    requires_share = reader.boolean(table, "requires_share", prefix, True)
    emergency = reader.boolean(table, "emergency", prefix, False)
    purpose = purposes.get(purpose_id or "")
    if purpose is not None and categories is not None:
        _lawful(reader, prefix, purpose, categories)
    _emergency(reader, table, prefix, purpose_id)
    return Clause(
        id=clause_id,
        purpose=purpose_id or "",
        recipients=tuple(recipients),
        roles=frozenset(_ROLE[r] for r in roles or ()),
        categories=frozenset(categories or ()),
        requires_share=requires_share,
        priorities=None if priorities is None else frozenset(_PRIORITY[p] for p in priorities),
        emergency=emergency,
    )


def _ids(purposes: Mapping[str, Purpose]) -> str:
    return one_of(list(purposes)) if purposes else "the id of one of the [[purposes]]"


def _recipients(reader: Reader, table: Table, prefix: str, selectors: Sequence[str]) -> list[str]:
    allowed = one_of(selectors) if selectors else "the parties, by agency code or type:<type>"
    recipients = reader.strings(table, "recipients", prefix, required=True, allowed=allowed)
    for recipient in recipients or ():
        if recipient not in selectors:
            hint = did_you_mean(recipient, selectors)
            reader.add(
                path_of(prefix, "recipients"),
                f'recipient "{recipient}" is not a party{hint}',
                allowed,
            )
    return recipients or []


def _lawful(reader: Reader, prefix: str, purpose: Purpose, categories: list[str]) -> None:
    """Special category and criminal offence data need their conditions in the purpose."""
    path = path_of(prefix, "categories")
    if SPECIAL_CATEGORY in categories and purpose.article9 is None:
        reader.add(
            path,
            f'"{SPECIAL_CATEGORY}" is special category data but purpose "{purpose.id}" has no '
            "Article 9 condition",
            f'an article9 condition (and schedule1 if it needs one) in purpose "{purpose.id}", '
            f'or no "{SPECIAL_CATEGORY}"',
        )
    if CRIMINAL_OFFENCE in categories and purpose.article10 is None:
        reader.add(
            path,
            f'"{CRIMINAL_OFFENCE}" is criminal offence data but purpose "{purpose.id}" has no '
            "Article 10 condition",
            f'an article10 condition in purpose "{purpose.id}", or no "{CRIMINAL_OFFENCE}"',
        )


def _emergency(reader: Reader, table: Table, prefix: str, purpose_id: str | None) -> None:
    """Break-glass clauses serve the emergency purpose, with no share; no others do."""
    emergency = table.get("emergency") is True
    requires_share = table.get("requires_share", True) is True
    if emergency and purpose_id is not None and purpose_id != EMERGENCY_PURPOSE:
        reader.add(
            path_of(prefix, "purpose"),
            f'an emergency clause serves the purpose "{EMERGENCY_PURPOSE}", not "{purpose_id}"',
            f'purpose = "{EMERGENCY_PURPOSE}", or emergency = false',
        )
    if emergency and requires_share:
        reader.add(
            path_of(prefix, "requires_share"),
            "an emergency clause cannot require a share: break-glass access has no share",
            "requires_share = false",
            at=path_of(prefix, "requires_share" if "requires_share" in table else "emergency"),
        )
    if not emergency and purpose_id == EMERGENCY_PURPOSE:
        reader.add(
            path_of(prefix, "emergency"),
            f'a clause for the purpose "{EMERGENCY_PURPOSE}" must be a break-glass clause',
            "emergency = true (and requires_share = false)",
        )
