"""How a count is published in the partnership's figures (``sharing.figures.rounding``),
property by property: small counts as "fewer than 5", the rest rounded to a multiple of 5
within 4 of the truth and never below 5, the same cases always giving the same figure;
for random cases and every pair of filters (any run of whole months, more than a reader
may choose; the partnership, an agency, a ward, an agency in a ward; as an analyst, and as
a manager who sees their own agency exactly), no count under 5 can be worked out by
subtracting one published figure from another; and the figures of every period a reader
may choose (a month, a quarter, a financial or calendar year), solved all together as an
attacker would, pin no monthly count under 5, where every run of months would pin many."""

from __future__ import annotations

import random
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from sharing.figures.rounding import (
    BASE,
    Rounder,
    Shown,
    Tally,
    percent,
    possible,
    share,
    tag_of,
)
from sharing.figures.suppression import THRESHOLD

ROUNDER = Rounder(b"a test's own rounding key")
tallies = st.builds(
    Tally, st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=2**40)
)


@given(tallies)
def test_small_counts_are_fewer_than_5_and_the_rest_rounded_near_the_truth(tally) -> None:
    cell = ROUNDER.publish(tally)
    assert tally.count in possible(cell)
    if tally.count < THRESHOLD:
        assert (cell.shown, cell.text, cell.value) == (Shown.SMALL, "fewer than 5", None)
    else:
        assert cell.shown is Shown.ROUNDED
        assert cell.value % BASE == 0
        assert cell.value >= THRESHOLD
        assert abs(cell.value - tally.count) < BASE
    assert ROUNDER.publish(tally) == cell  # the same cases, the same figure
    assert ROUNDER.publish(tally, exact=True).text == str(tally.count)


def test_rounding_goes_up_as_often_as_its_remainder_says() -> None:
    """Unbiased: 12 is shown as 15 about two times in five, 10 three times in five."""
    ups = sum(ROUNDER.publish(Tally(12, key)).value == 15 for key in range(5000))
    assert 1800 < ups < 2200
    assert {ROUNDER.publish(Tally(20, key)).value for key in range(200)} == {20}


def test_another_key_rounds_differently() -> None:
    other = Rounder(b"another partnership's key")
    shown = [
        (ROUNDER.publish(Tally(13, k)).value, other.publish(Tally(13, k)).value) for k in range(200)
    ]
    assert any(a != b for a, b in shown)


@given(st.integers(0, 300), st.integers(0, THRESHOLD - 1), tallies, tallies)
def test_two_published_counts_never_pin_a_small_difference(base, small, one, two) -> None:
    """For sets A holding B, with |A| - |B| under 5: whatever the keys, the two published
    figures leave at least three values possible for the difference."""
    a = ROUNDER.publish(Tally(base + small, one.key))
    b = ROUNDER.publish(Tally(base, two.key))
    options = {x - y for x in possible(a) for y in possible(b) if 0 <= x - y < THRESHOLD}
    assert small in options
    assert len(options) >= 3


# Random cases and every pair of filters

MONTHS, AGENCIES, WARDS = 4, 3, 3
cases = st.lists(
    st.tuples(st.integers(0, MONTHS - 1), st.integers(0, AGENCIES - 1), st.integers(0, WARDS - 1)),
    max_size=60,
)


def _filters():
    """Each filter a reader can choose: a run of months, and an area."""
    runs = [(i, j) for i in range(MONTHS) for j in range(i + 1, MONTHS + 1)]
    areas = [(None, None)]
    areas += [(a, None) for a in range(AGENCIES)]
    areas += [(None, w) for w in range(WARDS)]
    areas += [(a, w) for a in range(AGENCIES) for w in range(WARDS)]
    return [(run, area) for run in runs for area in areas]


def _members(rows, run, area, keep=lambda agency: True) -> frozenset[int]:
    (first, end), (agency, ward) = run, area
    return frozenset(
        i
        for i, (month, a, w) in enumerate(rows)
        if first <= month < end
        and (agency is None or a == agency)
        and (ward is None or w == ward)
        and keep(a)
    )


def _published(rows, members: frozenset[int], exact: bool):
    ids = [1000 + i for i in members]  # case ids as the database would give them
    return ROUNDER.publish(Tally(len(ids), sum(tag_of(i) for i in ids)), exact=exact)


def _views(rows, manager_of: int | None):
    """Every figure a reader sees, as (cases counted, published cell): an analyst one
    rounded column; a manager their agency's cases exactly and the others' rounded."""
    found = []
    for run, area in _filters():
        if manager_of is None:
            found.append(_members(rows, run, area))
            continue
        found.append(_members(rows, run, area, lambda a: a == manager_of))
        found.append(_members(rows, run, area, lambda a: a != manager_of))
    by_set = {}
    for members in found:
        own = manager_of is not None and all(rows[i][1] == manager_of for i in members)
        by_set[members] = _published(rows, members, exact=own and bool(members))
    return by_set


@settings(max_examples=40, deadline=None)
@given(cases, st.sampled_from([None, 0, 2]))
def test_no_small_count_can_be_worked_out_from_any_two_filters(rows, manager_of) -> None:
    views = _views(rows, manager_of)
    for big, small in combinations(sorted(views, key=len, reverse=True), 2):
        if not small < big or len(big) - len(small) >= THRESHOLD:
            continue
        if manager_of is not None and all(rows[i][1] == manager_of for i in big - small):
            continue  # the manager's own cases: theirs to know
        difference = len(big) - len(small)
        options = {
            x - y
            for x in possible(views[big])
            for y in possible(views[small])
            if 0 <= x - y < THRESHOLD
        }
        assert difference in options
        assert len(options) >= 2, (sorted(big), sorted(small))


def _pinned(rows, views) -> int:
    """How many small differences of two nested figures the published cells pin down."""
    found = 0
    for big, small in combinations(sorted(views, key=len, reverse=True), 2):
        if small < big and len(big) - len(small) < THRESHOLD:
            options = {
                x - y
                for x in possible(views[big])
                for y in possible(views[small])
                if 0 <= x - y < THRESHOLD
            }
            found += len(options) == 1
    return found


def test_the_check_has_teeth_exact_figures_would_fail_it() -> None:
    """The same check finds small counts worked out when every figure is exact; the
    published figures of the same cases pass it."""
    rows = [(i % MONTHS, i % AGENCIES, (i // 3) % WARDS) for i in range(40)]
    views = _views(rows, None)
    exact = {m: ROUNDER.publish(Tally(len(m), 0), exact=True) for m in views}
    assert _pinned(rows, exact) > 10
    assert _pinned(rows, views) == 0


# Every period a reader may choose, solved together

#: January of one year to March of the next: its months, its five quarters, the
#: calendar year and the financial year, as (first month, month after the last).
SPAN = 15
CHOOSABLE = (
    [(k, k + 1) for k in range(SPAN)] + [(q, q + 3) for q in range(0, SPAN, 3)] + [(0, 12), (3, 15)]
)
EVERY_RUN = [(i, j) for i in range(SPAN) for j in range(i + 1, SPAN + 1)]
_FAR = 10**9


def _solved(shown: dict[tuple[int, int], range]) -> list[range]:
    """What the published counts of runs of months tell of each month together: the
    tightest bounds of a system of difference constraints on the running totals (each
    shown figure bounds the total of its months; no month is below 0), by the shortest
    paths between them (Floyd and Warshall)."""
    nodes = SPAN + 1
    far = [[0 if a == b else _FAR for b in range(nodes)] for a in range(nodes)]
    for (first, end), counts in shown.items():
        far[first][end] = min(far[first][end], counts.stop - 1)
        far[end][first] = min(far[end][first], -counts.start)
    for month in range(SPAN):
        far[month + 1][month] = min(far[month + 1][month], 0)
    for via in range(nodes):
        for a in range(nodes):
            for b in range(nodes):
                far[a][b] = min(far[a][b], far[a][via] + far[via][b])
    return [range(-far[k + 1][k], far[k][k + 1] + 1) for k in range(SPAN)]


def _pinned_months(runs, seed: int, series: int = 200) -> tuple[int, int]:
    """For random monthly counts of cases (from none a month to several), how many months
    of under 5 cases there were, and how many of them the published figures of ``runs``,
    solved together, pin to one value."""
    draw = random.Random(seed)
    small = pinned = 0
    for _ in range(series):
        mean = draw.choice((0.3, 0.7, 1.5, 3.0, 5.0))
        first_id = draw.randrange(1, 10**6)
        ids: list[list[int]] = []
        for _month in range(SPAN):
            count = sum(draw.random() < mean / 20 for _ in range(20))
            ids.append(list(range(first_id, first_id + count)))
            first_id += count + draw.randrange(0, 40)
        shown = {}
        for first, end in runs:
            cases = [i for month in ids[first:end] for i in month]
            tally = Tally(len(cases), sum(tag_of(i) for i in cases))
            shown[(first, end)] = possible(ROUNDER.publish(tally))
        solved = _solved(shown)
        for month, cases_of_month in enumerate(ids):
            if len(cases_of_month) < THRESHOLD:
                small += 1
                assert len(cases_of_month) in solved[month]
                pinned += len(solved[month]) == 1
    return small, pinned


def test_every_period_a_reader_may_choose_together_pins_no_small_count() -> None:
    """An analyst asks for every month, quarter and year and solves all the figures
    together: no month shown as "fewer than 5" is pinned to one value. Had any run of
    months been allowed, the same cases' figures would pin many (the check's teeth)."""
    small, pinned = _pinned_months(CHOOSABLE, seed=2026)
    assert small > 2000
    assert pinned == 0
    small, pinned = _pinned_months(EVERY_RUN, seed=2026)
    assert pinned > 50


def test_a_share_of_a_whole_rounded_down_is_never_shown_over_100_percent() -> None:
    """12 of 13 complainants satisfied may be published as 15 of 10, each count rounded
    its own way: the share is shown as 100%, not 150% (a part is never more than all of
    its whole); the regulator's measures work theirs out the same way (``share``)."""
    satisfied = next(
        cell for k in range(1000) if (cell := ROUNDER.publish(Tally(12, k))).value == 15
    )
    answered = next(
        cell for k in range(1000) if (cell := ROUNDER.publish(Tally(13, k))).value == 10
    )
    assert percent(satisfied, answered) == "100%"
    assert percent(ROUNDER.publish(Tally(7, 1), exact=True), answered) == "70%"
    assert share(15, 10) == "100%"
    assert share(2, 3) == "67%"
