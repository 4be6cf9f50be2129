"""Small numbers in published tables: withheld so that nobody can work them out.

The method, as a page that publishes a table says it:

1. **Primary suppression.** Every count below the threshold (5 unless the caller says
   otherwise), 0 included, is withheld and shown as "fewer than 5".
2. **Secondary suppression.** The table's line totals are taken to be known exactly
   (every column's, and every row's when the caller says row totals are shown), whether
   or not the table prints them. A withheld count could then be worked out by
   subtraction: a column with one withheld count gives it away as its total less the
   counts shown. So while any withheld count could be worked out, the smallest count still
   shown in one of its lines (failing that, in the table) is withheld too, shown as
   "withheld". Withholding one count can expose another line, so this repeats until no
   withheld count can be worked out.
3. **The last resort.** If that would withhold every count of the table and one could
   still be worked out (because "fewer than 5" and "withheld" themselves say something:
   0 to 4, and 5 or more), every count of the table is shown as "withheld", so a reader
   knows no more than the totals tell them.
4. **What the totals tell.** A count the totals fix on their own (every count of a line
   whose total is 0, or the one count of a line) cannot be hidden by withholding others,
   so nothing more is withheld for it: a column of zeros stays "fewer than 5".

"Worked out" is meant in full, not only by one subtraction: a withheld count is safe when
at least two values are consistent with everything published (the counts shown, the
totals, "fewer than 5" meaning 0 to 4 and "withheld" meaning 5 or more). The check is
exact: a count can take another value when a move of one up or down can be balanced
around a cycle of withheld counts through lines with totals (up in one, down in another of
the same line, and so on back), staying within what each label allows; a table's line
totals form a network, so any other consistent table is reached by such moves.

The Community Trigger's four totals are published exactly, as the Act requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Counts below this are withheld unless the caller says otherwise.
THRESHOLD = 5


class Shown(StrEnum):
    """How a count is published."""

    EXACT = "exact"
    #: Below the threshold: shown as "fewer than 5".
    SMALL = "small"
    #: Withheld so that a small count cannot be worked out: 5 or more.
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Cell:
    """One published count: ``value`` is None when it is withheld."""

    value: int | None
    shown: Shown
    text: str


def small_text(threshold: int = THRESHOLD) -> str:
    return f"fewer than {threshold}"


WITHHELD_TEXT = "withheld"

_Key = tuple[int, int]
#: A vertex of the lines' network: ("row", i), ("column", j), or FREE for every line
#: without a total (nothing constrains what moves through it).
_Vertex = tuple[str, int]
FREE: _Vertex = ("free", 0)


def suppress(
    table: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    row_totals: bool = False,
    column_totals: bool = True,
) -> list[list[Cell]]:
    """The table's counts as they may be published (see the module's method)."""
    counts = [list(row) for row in table]
    if any(len(row) != len(counts[0]) for row in counts) or any(
        v < 0 for row in counts for v in row
    ):
        raise ValueError("a table of counts has rows of one length and no negative count")
    shown = {
        (i, j): Shown.SMALL if v < threshold else Shown.EXACT
        for i, row in enumerate(counts)
        for j, v in enumerate(row)
    }
    lines = _Lines(row_totals, column_totals)
    # What the totals tell on their own, every count withheld ("withheld" from 0 up):
    # nothing in the table can hide it, so nothing more is withheld for it.
    nothing = dict.fromkeys(shown, Shown.WITHHELD)
    told = {k for k in shown if _fixed(counts, nothing, k, lines, 0)}
    while pinned := [
        k
        for k, s in shown.items()
        if s is not Shown.EXACT and k not in told and _fixed(counts, shown, k, lines, threshold)
    ]:
        more = _next_to_withhold(counts, shown, pinned[0], lines)
        if more is None:
            shown = dict.fromkeys(shown, Shown.WITHHELD)
            break
        shown[more] = Shown.WITHHELD
    return [
        [_cell(v, shown[(i, j)], threshold) for j, v in enumerate(row)]
        for i, row in enumerate(counts)
    ]


def _cell(value: int, shown: Shown, threshold: int) -> Cell:
    if shown is Shown.EXACT:
        return Cell(value, shown, str(value))
    return Cell(None, shown, small_text(threshold) if shown is Shown.SMALL else WITHHELD_TEXT)


@dataclass(frozen=True)
class _Lines:
    rows: bool
    columns: bool

    def of(self, key: _Key) -> tuple[_Vertex, _Vertex]:
        i, j = key
        return (("row", i) if self.rows else FREE, ("column", j) if self.columns else FREE)


def _fixed(
    counts: list[list[int]], shown: dict[_Key, Shown], key: _Key, lines: _Lines, threshold: int
) -> bool:
    """Whether the withheld count at ``key`` is the only value consistent with what is
    published: it can move neither up nor down around a cycle of withheld counts."""
    return not (
        _moves(counts, shown, key, lines, threshold, up=True)
        or _moves(counts, shown, key, lines, threshold, up=False)
    )


def _can_move(value: int, shown: Shown, threshold: int, up: bool) -> bool:
    """Whether a withheld count may go one up (or down) and keep to its label."""
    if shown is Shown.SMALL:
        return value < threshold - 1 if up else value > 0
    return up or value > threshold  # "withheld": the threshold or more (0 or more at 0)


def _moves(
    counts: list[list[int]],
    shown: dict[_Key, Shown],
    key: _Key,
    lines: _Lines,
    threshold: int,
    *,
    up: bool,
) -> bool:
    """Whether the count at ``key`` can go one up (or down), balanced around a cycle.

    Each withheld count is an edge between its row and column (or the free vertex): going
    up, from row to column; going down, from column to row. In a row, a count going up is
    balanced by one going down; the same in a column; the free vertex balances anything.
    A move exists when the edge of ``key`` closes a directed cycle."""
    i, j = key
    if not _can_move(counts[i][j], shown[key], threshold, up):
        return False
    row, column = lines.of(key)
    if row == column == FREE:
        return True  # in no line with a total: nothing ties it
    start, goal = (column, row) if up else (row, column)
    edges: dict[_Vertex, list[_Vertex]] = {}
    for other, label in shown.items():
        if other == key or label is Shown.EXACT:
            continue
        a, b = lines.of(other)
        value = counts[other[0]][other[1]]
        if _can_move(value, label, threshold, up=True):
            edges.setdefault(a, []).append(b)
        if _can_move(value, label, threshold, up=False):
            edges.setdefault(b, []).append(a)
    seen, todo = {start}, [start]
    while todo:
        vertex = todo.pop()
        if vertex == goal:
            return True
        for following in edges.get(vertex, []):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return False


def _next_to_withhold(
    counts: list[list[int]], shown: dict[_Key, Shown], key: _Key, lines: _Lines
) -> _Key | None:
    """The smallest count still shown in a line with a total through ``key``, else the
    smallest shown anywhere in the table; None when every count is withheld."""
    i, j = key
    ours = [
        k
        for k, s in shown.items()
        if s is Shown.EXACT and ((lines.rows and k[0] == i) or (lines.columns and k[1] == j))
    ]
    anywhere = [k for k, s in shown.items() if s is Shown.EXACT]
    candidates = ours or anywhere
    if not candidates:
        return None
    return min(candidates, key=lambda k: (counts[k[0]][k[1]], k))
