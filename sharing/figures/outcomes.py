"""How the cases ended and the work on them, as tables of the partnership's figures
(``sharing.figures.publishing`` makes the rest): the cases resolved by each main
intervention beside the national shares, the median times taken, and satisfaction with
how cases were handled. Each count is published in its column by ``per_group`` (the
rounder's); the shares, percentages and medians are worked out from what is published."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sharing.figures import housemark
from sharing.figures.columns import Group
from sharing.figures.rounding import MEDIAN_FROM, WITHHELD, Cell, Tally, percent
from sharing.figures.tables import Row, Table
from sharing.figures.tallies import Atoms
from sharing.vocabulary import ClosureOutcome, Intervention

#: Publishes a count in each column: the builder's ``per_group``.
PerGroup = Callable[[dict[int, Tally]], tuple[Cell, ...]]


def closed_as(closed: Atoms, months: Iterable[int], outcome: str) -> dict[int, Tally]:
    """The cases closed in ``months`` with ``outcome`` ("" for those closed before
    outcomes were recorded), by agency."""
    return closed.total(months, lambda value: value.split("|")[0] == outcome)


def _median(counts: dict[int, int]) -> float:
    """The median of values given as {value: how many}: the middle one, or the mean of
    the middle two."""
    total = sum(counts.values())
    middle = ((total - 1) // 2, total // 2)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < 2 and middle[len(found)] < seen:
            found.append(value)
    return (found[0] + found[1]) / 2


def resolved_by(
    closed: Atoms, period: list[int], groups: tuple[Group, ...], per_group: PerGroup
) -> Table:
    """The cases closed as resolved in the period by their main intervention, each as a
    share of those resolved, beside HouseMark's national share."""
    by = {
        intervention.value: closed.total(
            period, f"{ClosureOutcome.RESOLVED.value}|{intervention.value}"
        )
        for intervention in Intervention
    }
    whole = per_group(closed_as(closed, period, ClosureOutcome.RESOLVED.value))
    columns = tuple(f"{g.title}: {m}" for g in groups for m in ("cases resolved", "share")) + (
        "National share, HouseMark 2012/13",
    )
    rows = []
    for intervention in Intervention:
        cells = per_group(by.get(intervention.value, {}))
        line = [
            x
            for cell, all_ in zip(cells, whole, strict=True)
            for x in (cell, Cell.derived(percent(cell, all_)))
        ]
        rows.append(
            Row(intervention.label, (*line, Cell.derived(housemark.share_text(intervention))))
        )
    return Table(
        key="resolved_by",
        title="Cases closed as resolved, by the main intervention that resolved them",
        row_heading="Main intervention",
        columns=columns,
        rows=tuple(rows),
        note=housemark.SOURCE,
        count_columns=tuple(range(0, 2 * len(groups), 2)),
    )


def times(
    contact: list[tuple[int, int, int]],
    close: list[tuple[int, int, int]],
    groups: tuple[Group, ...],
) -> Table:
    """The median whole days from opening to first contact, and to closure, from
    (agency id, whole days, how many) rows; withheld for fewer than ``MEDIAN_FROM``
    cases, except in an exact column."""

    def median_text(days: list[tuple[int, int, int]], group: Group) -> Cell:
        counts: dict[int, int] = defaultdict(int)
        for agency_id, whole_days, n in days:
            if group.holds(agency_id):
                counts[whole_days] += n
        cases = sum(counts.values())
        if cases < MEDIAN_FROM and not group.exact:
            return Cell.derived(WITHHELD)
        if not cases:
            return Cell.derived("none")
        return Cell.derived(f"{_median(counts):g} days")

    return Table(
        key="times",
        title="Time taken (median days)",
        row_heading="Measure",
        columns=tuple(g.title for g in groups),
        rows=(
            Row(
                "From opening to first contact (a risk assessment or a review with contact)",
                tuple(median_text(contact, g) for g in groups),
            ),
            Row(
                "From opening to closure, for cases closed in the period",
                tuple(median_text(close, g) for g in groups),
            ),
        ),
        note=f"Each case is counted in days between two days; the median of an even number "
        f"of cases falls halfway between the two middle ones (63.5 days). A median is given "
        f"for {MEDIAN_FROM} or more cases.",
    )


def satisfaction(
    surveys: dict[str, dict[int, Tally]], groups: tuple[Group, ...], per_group: PerGroup
) -> Table:
    """Closure surveys answered in the period, those fairly or very satisfied, and their
    share."""
    answered = per_group(surveys.get("answered", {}))
    satisfied = per_group(surveys.get("satisfied", {}))
    return Table(
        key="satisfaction",
        title="Satisfaction with how cases were handled (closure surveys)",
        row_heading="Surveys",
        columns=tuple(g.title for g in groups),
        rows=(
            Row("Surveys answered", answered),
            Row("Fairly or very satisfied", satisfied),
            Row(
                "Satisfied (%)",
                tuple(
                    Cell.derived(percent(s, a)) for s, a in zip(satisfied, answered, strict=True)
                ),
            ),
        ),
        count_columns=tuple(range(len(groups))),
    )
