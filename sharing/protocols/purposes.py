"""Reading and checking a protocol's ``[[purposes]]`` and their lawful bases."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sharing.protocols.fields import Reader, Table, one_of, path_of
from sharing.protocols.lawful import (
    ARTICLE6,
    ARTICLE9,
    ARTICLE9_NEEDS_SCHEDULE1,
    ARTICLE10,
    ARTICLE10_NEEDS_SCHEDULE1,
    SCHEDULE1,
    paragraph_list,
)
from sharing.protocols.model import Purpose

PURPOSE_KEYS = ("id", "title", "article6", "article9", "schedule1", "article10", "statutory_power")

#: A purpose id: lower-case words joined by underscores, e.g. ``asb_case_management``.
PURPOSE_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
PURPOSE_ID_ALLOWED = "lower-case letters, digits and underscores, e.g. asb_case_management"

#: Schedule 1 paragraphs a message offers as examples, most useful to this partnership first.
_EXAMPLES = ("10", "18", "6", "1", "2", "3", "4")

PURPOSES_ALLOWED = (
    "one [[purposes]] table per purpose, each with id, title and article6 (and article9, "
    "schedule1, article10 and statutory_power as the data needs)"
)


def read_purposes(reader: Reader, data: Mapping[str, object]) -> dict[str, Purpose]:
    """Each purpose by id, as written (checked; the problems are in ``reader``)."""
    purposes: dict[str, Purpose] = {}
    seen: dict[str, int] = {}
    for index, table in reader.tables(data, "purposes", PURPOSES_ALLOWED):
        prefix = f"purposes[{index}]"
        reader.unknown_keys(table, PURPOSE_KEYS, prefix)
        purpose_id = reader.text(
            table, "id", prefix, pattern=PURPOSE_ID, max_length=60, allowed=PURPOSE_ID_ALLOWED
        )
        if purpose_id is not None and purpose_id in seen:
            reader.add(
                path_of(prefix, "id"),
                f'duplicate purpose "{purpose_id}": already purposes[{seen[purpose_id]}]',
                "each purpose id once",
            )
            continue
        purpose = _purpose(reader, table, prefix, purpose_id or "")
        if purpose_id is not None:
            seen[purpose_id] = index
            purposes[purpose_id] = purpose
    return purposes


def _purpose(reader: Reader, table: Table, prefix: str, purpose_id: str) -> Purpose:
    title = reader.text(table, "title", prefix, max_length=200)
    if "article6" not in table:
        reader.add(
            path_of(prefix, "article6"),
            "no Article 6 lawful basis: every purpose needs one",
            one_of(list(ARTICLE6)),
        )
    article6 = reader.choice(table, "article6", prefix, list(ARTICLE6), "Article 6 lawful basis")
    article9 = reader.choice(table, "article9", prefix, list(ARTICLE9), "Article 9 condition")
    article10 = reader.choice(table, "article10", prefix, list(ARTICLE10), "Article 10 condition")
    schedule1 = _schedule1(reader, table, prefix)
    power = reader.text(
        table,
        "statutory_power",
        prefix,
        required=False,
        max_length=300,
        allowed='the power relied on, e.g. "s.115 Crime and Disorder Act 1998"',
    )
    _needs_schedule1(reader, prefix, "Article 9", article9, ARTICLE9_NEEDS_SCHEDULE1, schedule1)
    _needs_schedule1(reader, prefix, "Article 10", article10, ARTICLE10_NEEDS_SCHEDULE1, schedule1)
    if schedule1 and "article9" not in table and "article10" not in table:
        reader.add(
            path_of(prefix, "schedule1"),
            "Schedule 1 conditions are given but no article9 or article10 condition uses them",
            "an article9 or article10 condition with them, or no schedule1",
        )
    # A condition that is written but wrong counts as present, so that clauses using it
    # are not reported a second time.
    return Purpose(
        id=purpose_id,
        title=title or "",
        article6=article6 or "",
        article9=article9 or _written(table, "article9"),
        schedule1=tuple(schedule1 or ()),
        article10=article10 or _written(table, "article10"),
        statutory_power=power,
    )


def _written(table: Table, key: str) -> str | None:
    return None if key not in table else str(table[key])


def _schedule1(reader: Reader, table: Table, prefix: str) -> list[str] | None:
    """Schedule 1 paragraph numbers, written as "10" or 10, each a known condition; None
    when the list has problems (reported)."""
    allowed = "DPA 2018 Schedule 1 paragraph numbers: " + paragraph_list(SCHEDULE1)
    if "schedule1" not in table:
        return []
    raw = table["schedule1"]
    if isinstance(raw, list):
        numbers = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in raw]
        table = {**table, "schedule1": numbers}
    before = len(reader.problems)
    items = reader.strings(table, "schedule1", prefix, required=False, allowed=allowed) or []
    for item in items:
        if item not in SCHEDULE1:
            reader.add(
                path_of(prefix, "schedule1"), f'unknown Schedule 1 condition "{item}"', allowed
            )
    return None if len(reader.problems) > before else items


def _needs_schedule1(
    reader: Reader,
    prefix: str,
    article: str,
    condition: str | None,
    needs: Mapping[str, frozenset[str]],
    schedule1: list[str] | None,
) -> None:
    """A problem if ``condition`` needs a Schedule 1 paragraph (DPA 2018 s.10) and has none."""
    if condition is None or condition not in needs or schedule1 is None:
        return
    wanted = needs[condition]
    if wanted.isdisjoint(schedule1):
        parts = sorted({SCHEDULE1[p][0] for p in wanted})
        where = "Part " + (
            f"{', '.join(map(str, parts[:-1]))} or {parts[-1]}" if len(parts) > 1 else str(parts[0])
        )
        if len(wanted) == 1:
            (only,) = wanted
            allowed = f"schedule1 with paragraph {only} ({SCHEDULE1[only][1]})"
        else:
            examples = "; ".join([f"{p} {SCHEDULE1[p][1]}" for p in _EXAMPLES if p in wanted][:2])
            allowed = f"schedule1 with one of paragraphs {paragraph_list(wanted)} (e.g. {examples})"
        reader.add(
            path_of(prefix, "schedule1"),
            f'{article} condition "{condition}" needs a DPA 2018 Schedule 1 condition '
            f"({where}) and the purpose names none",
            allowed,
        )
