"""Small numbers in published tables (``sharing.figures.suppression``): a count below 5 is
shown as "fewer than 5", and other counts are withheld until no withheld count can be
worked out from the totals (taken as known exactly) and the counts and labels shown.
Checked against an attacker who solves the table by brute force, not only by one
subtraction."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharing.figures.suppression import WITHHELD_TEXT, Cell, Shown, suppress

T = 5


def _shown(table: list[list[Cell]]) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table]


def test_a_column_with_one_small_count_loses_its_next_smallest_too() -> None:
    assert _shown(suppress([[2], [7], [9]])) == [["fewer than 5"], ["withheld"], ["9"]]


def test_two_small_counts_a_column_cannot_tell_apart_need_no_more() -> None:
    # 0 and 1 make 1: either could be the 1, so 12 is shown
    assert _shown(suppress([[5, 12], [6, 0], [7, 1]])) == [
        ["5", "12"],
        ["6", "fewer than 5"],
        ["7", "fewer than 5"],
    ]


def test_a_zero_beside_an_exact_5_takes_one_more_count_with_it() -> None:
    # 0 "fewer than 5" and 5 "withheld" (so 5 or more) in a column of total 20, with 15
    # shown: the two withheld make 5, so the first must be 0. Withholding 7 as well
    # leaves the reader 0 to 2 for it.
    assert _shown(suppress([[0], [5], [7], [8]])) == [
        ["fewer than 5"],
        ["withheld"],
        ["withheld"],
        ["8"],
    ]


def test_rows_with_totals_are_protected_as_well_as_columns() -> None:
    shown = _shown(suppress([[3, 9, 10], [8, 9, 11]], row_totals=True))
    assert shown[0][0] == "fewer than 5"
    assert sum(text != "fewer than 5" and not text.isdigit() for text in shown[0]) >= 1
    assert sum(not text.isdigit() for text in (shown[0][0], shown[1][0])) == 2


def test_a_table_that_cannot_hide_its_small_counts_withholds_every_count() -> None:
    # two counts of 4 in a column of total 8: "fewer than 5" twice would say 4 and 4
    assert _shown(suppress([[4], [4]])) == [[WITHHELD_TEXT], [WITHHELD_TEXT]]


def test_a_column_of_zeros_is_told_by_its_total_and_takes_nothing_else_with_it() -> None:
    # its total, 0, says every count is 0: withholding others could not hide that
    assert _shown(suppress([[0, 3], [0, 9], [0, 1]])) == [
        ["fewer than 5", "fewer than 5"],
        ["fewer than 5", "9"],
        ["fewer than 5", "fewer than 5"],
    ]


def test_a_table_with_no_small_count_is_shown_whole() -> None:
    assert _shown(suppress([[5, 6], [70, 8]], row_totals=True)) == [["5", "6"], ["70", "8"]]


def test_negative_or_ragged_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress([[1, -1]])
    with pytest.raises(ValueError, match="one length"):
        suppress([[1, 2], [3]])


# The attacker: the table's shape, the line totals, the counts shown, and what each label
# says ("fewer than 5": 0 to 4; "withheld": 5 or more, unless every count is withheld).


def _lines(rows: int, columns: int, row_totals: bool, column_totals: bool) -> list[list[tuple]]:
    lines = []
    if row_totals:
        lines += [[(i, j) for j in range(columns)] for i in range(rows)]
    if column_totals:
        lines += [[(i, j) for i in range(rows)] for j in range(columns)]
    return lines


def _bounds(
    counts: list[list[int]], published: list[list[Cell]], lines: list[list[tuple]]
) -> dict[tuple, tuple[int, int]]:
    """Each withheld count's range by its label, capped by the totals of its lines."""
    every = all(c.shown is Shown.WITHHELD for row in published for c in row)
    bounds = {}
    for i, row in enumerate(published):
        for j, cell in enumerate(row):
            if cell.shown is Shown.EXACT:
                continue
            low, high = (0, T - 1) if cell.shown is Shown.SMALL else (0 if every else T, None)
            for line in lines:
                if (i, j) in line:
                    total = sum(counts[a][b] for a, b in line)
                    cap = total - sum(published[a][b].value or 0 for a, b in line)
                    high = cap if high is None else min(high, cap)
            bounds[(i, j)] = (low, counts[i][j] + 1 if high is None else high)
    return bounds


def _consistent(
    fixed: dict[tuple, int],
    bounds: dict[tuple, tuple[int, int]],
    residuals: list[tuple[list[tuple], int]],
) -> bool:
    """Whether the withheld counts not in ``fixed`` can be chosen within their bounds so
    that every line adds up to its total (depth first, pruning by each line's range)."""
    free = [k for k in bounds if k not in fixed]

    def fits(chosen: dict[tuple, int]) -> bool:
        for cells, residual in residuals:
            low = sum(chosen[k] if k in chosen else bounds[k][0] for k in cells)
            high = sum(chosen[k] if k in chosen else bounds[k][1] for k in cells)
            if not low <= residual <= high:
                return False
        return True

    def search(index: int, chosen: dict[tuple, int]) -> bool:
        if not fits(chosen):
            return False
        if index == len(free):
            return True
        key = free[index]
        low, high = bounds[key]
        return any(search(index + 1, {**chosen, key: v}) for v in range(low, high + 1))

    return search(0, dict(fixed))


def _recoverable(
    counts: list[list[int]], published: list[list[Cell]], lines: list[list[tuple]]
) -> list[tuple]:
    """The withheld counts the attacker can pin to one value."""
    bounds = _bounds(counts, published, lines)
    residuals = [
        (
            [k for k in line if k in bounds],
            sum(counts[a][b] for a, b in line) - sum(published[a][b].value or 0 for a, b in line),
        )
        for line in lines
    ]
    found = []
    for key, (low, high) in bounds.items():
        others = [v for v in range(low, high + 1) if v != counts[key[0]][key[1]]]
        if not any(_consistent({key: v}, bounds, residuals) for v in others):
            found.append(key)
    return found


def _told_by_totals(counts: list[list[int]], lines: list[list[tuple]], key: tuple) -> bool:
    """Whether the totals alone, with nothing else shown, pin the count at ``key``."""
    rows, columns = len(counts), len(counts[0])
    nothing = [[Cell(None, Shown.WITHHELD, WITHHELD_TEXT)] * columns for _ in range(rows)]
    return key in _recoverable(counts, nothing, lines)


def _subtraction(
    counts: list[list[int]], published: list[list[Cell]], lines: list[list[tuple]]
) -> set[tuple]:
    """What repeated subtraction gives: a line with one unknown count tells it."""
    known = {
        (i, j): c.value for i, row in enumerate(published) for j, c in enumerate(row) if c.value
    }
    known |= {
        (i, j): 0 for i, row in enumerate(published) for j, c in enumerate(row) if c.value == 0
    }
    while True:
        learnt = False
        for line in lines:
            unknown = [k for k in line if k not in known]
            if len(unknown) == 1:
                total = sum(counts[a][b] for a, b in line)
                known[unknown[0]] = total - sum(known[k] for k in line if k in known)
                learnt = True
        if not learnt:
            return {k for k in known if published[k[0]][k[1]].value is None}


_counts = st.one_of(st.integers(0, 6), st.integers(0, 14))


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[list[int]], bool]:
    rows = draw(st.integers(1, 4))
    columns = draw(st.integers(1, 3))
    row_totals = draw(st.booleans()) and rows * columns <= 9
    table = [[draw(_counts) for _ in range(columns)] for _ in range(rows)]
    return table, row_totals


@settings(max_examples=300, deadline=None)
@given(_tables())
def test_no_withheld_count_can_be_worked_out_that_the_totals_do_not_tell(drawn) -> None:
    counts, row_totals = drawn
    published = suppress(counts, row_totals=row_totals)
    lines = _lines(len(counts), len(counts[0]), row_totals, True)
    every = all(c.shown is Shown.WITHHELD for row in published for c in row)
    for i, j in product(range(len(counts)), range(len(counts[0]))):
        cell = published[i][j]
        if cell.shown is Shown.EXACT:
            assert cell.value == counts[i][j] >= T
        elif cell.shown is Shown.SMALL:
            assert counts[i][j] < T
        else:
            assert every or counts[i][j] >= T
        if counts[i][j] < T:
            assert cell.shown is not Shown.EXACT
    for key in _recoverable(counts, published, lines):
        assert _told_by_totals(counts, lines, key), (counts, row_totals, _shown(published), key)
    for key in _subtraction(counts, published, lines):
        assert _told_by_totals(counts, lines, key), (counts, row_totals, _shown(published), key)
