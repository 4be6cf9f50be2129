"""The tables of the cases in the partnership's figures (``sharing.figures.publishing``
builds them beside the tables of the work on the cases): the summary, the trend, the
cases opened by category, priority, agency and ward, those involving hate incidents and
their victims. Each count is published in its column by the rounder
(``sharing.figures.rounding``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sharing.figures import outcomes
from sharing.figures.columns import Group
from sharing.figures.counts import NOT_RECORDED, TREND_MONTHS, Counter
from sharing.figures.months import Months
from sharing.figures.rounding import WITHHELD, Cell, Rounder, Shown, Tally, rate
from sharing.figures.tables import Row, Table
from sharing.figures.tallies import Atoms
from sharing.figures.wards import Boundaries
from sharing.models import Agency, Case, Ward
from sharing.vocabulary import CaseCategory, ClosureOutcome, Priority, ProtectedCharacteristic


@dataclass(frozen=True)
class Opened:
    """The counts the cases' tables share, counted once: the cases opened by category,
    priority and ward, those involving hate incidents, those closed, and those open at
    the window's start."""

    by_category: Atoms
    by_priority: Atoms
    by_ward: Atoms
    hate: Atoms
    closed: Atoms
    start_open: dict[int, Tally]

    @classmethod
    def counted(cls, counter: Counter) -> Opened:
        """The counts of ``counter``'s period and scope."""
        return cls(
            by_category=counter.opened_by(Case.category),
            by_priority=counter.opened_in_period_by(Case.priority),
            by_ward=counter.opened_in_period_by(Case.ward_id),
            hate=counter.opened_hate(),
            closed=counter.closed(),
            start_open=counter.open_at_start(),
        )


class CaseTables:
    """Publishes the cases' tables, a column for each of ``groups``."""

    def __init__(
        self,
        counter: Counter,
        groups: tuple[Group, ...],
        rounder: Rounder,
        boundaries: Boundaries | None,
    ) -> None:
        self.counter = counter
        self.groups = groups
        self.rounder = rounder
        self.boundaries = boundaries
        self.window = counter.window
        self.period = counter.period

    def cell(self, tallies: Iterable[tuple[int, Tally]], group: Group) -> Cell:
        total = sum((t for agency_id, t in tallies if group.holds(agency_id)), Tally())
        return self.rounder.publish(total, exact=group.exact)

    def per_group(self, tallies: dict[int, Tally]) -> tuple[Cell, ...]:
        return tuple(self.cell(tallies.items(), g) for g in self.groups)

    def counts_table(
        self,
        key: str,
        title: str,
        row_heading: str,
        rows: Iterable[tuple[str, dict[int, Tally]]],
        note: str = "",
    ) -> Table:
        return Table(
            key=key,
            title=title,
            row_heading=row_heading,
            columns=tuple(g.title for g in self.groups),
            rows=tuple(Row(label, self.per_group(tallies)) for label, tallies in rows),
            note=note,
            count_columns=tuple(range(len(self.groups))),
        )

    def cases(self, opened: Opened, period: list[int]) -> tuple[list[Table], dict[str, Cell]]:
        """The cases' tables in the order they are published, and each ward's figure for
        the map."""
        wards, ward_cells = self.wards(opened.by_ward, period)
        tables = [
            self.summary(opened.by_category, opened.hate, opened.closed, opened.start_open),
            self.trend(opened.by_category, opened.closed, opened.start_open),
            self.categories(opened.by_category, period),
            self.priorities(opened.by_priority, period),
            self.agencies(opened.by_category, period),
            wards,
            self.hate(opened.hate, period),
            self.victims(),
        ]
        return tables, ward_cells

    def categories(self, by_category: Atoms, period: list[int]) -> Table:
        """The cases opened in the period, by category."""
        return self.counts_table(
            "categories",
            "Cases opened, by category",
            "Category",
            [(cat.label, by_category.total(period, cat.value)) for cat in CaseCategory],
        )

    def priorities(self, by_priority: Atoms, period: list[int]) -> Table:
        """The cases opened in the period, by priority."""
        return self.counts_table(
            "priorities",
            "Cases opened, by priority",
            "Priority",
            [(p.label, by_priority.total(period, p.value)) for p in Priority],
        )

    def hate(self, hate: Atoms, period: list[int]) -> Table:
        """The cases involving hate incidents opened in the period, by protected
        characteristic (or none recorded), and all of them."""
        return self.counts_table(
            "hate",
            "Cases involving hate incidents opened, by protected characteristic",
            "Protected characteristic",
            [(pc.label, hate.total(period, pc.value)) for pc in ProtectedCharacteristic]
            + [("Not recorded", hate.total(period, NOT_RECORDED))]
            + [("All cases involving hate incidents", hate.total(period, None))],
        )

    def victims(self) -> Table:
        """The victims of the cases opened (counts only): all, repeat, and high risk."""
        victims = self.counter.victims()
        return self.counts_table(
            "victims",
            "Victims of the cases opened (counts only)",
            "Victims",
            [
                ("Victims", victims["all"]),
                (
                    "Repeat victims: also the victim in another of the same agency's "
                    "cases opened in the period or the 12 months before it",
                    victims["repeat"],
                ),
                ("Assessed as high risk in the period", victims["high"]),
            ],
            note="A person is counted once for each agency whose cases they are a victim "
            "in; as assessed as high risk when that was on one of the cases counted here.",
        )

    def summary(
        self, by_category: Atoms, hate: Atoms, closed: Atoms, start_open: dict[int, Tally]
    ) -> Table:
        periods = [("this period", self.period)]
        if self.period.before() != self.period.year_before():
            periods.append(("the period before", self.period.before()))
        periods.append(("a year earlier", self.period.year_before()))
        columns = tuple(f"{g.title}: {name}" for g in self.groups for name, _ in periods)

        def line(label: str, tallies_of: Callable[[Months], dict[int, Tally]]) -> Row:
            each = [tallies_of(p) for _, p in periods]
            return Row(label, tuple(self.cell(t.items(), g) for g in self.groups for t in each))

        def closed_as(prefix: str) -> Callable[[Months], dict[int, Tally]]:
            return lambda p: outcomes.closed_as(closed, self.window.indices(p), prefix)

        rows = (
            line("Cases opened", lambda p: by_category.total(self.window.indices(p), None)),
            line("Closed: resolved", closed_as(ClosureOutcome.RESOLVED.value)),
            line("Closed: not resolved", closed_as(ClosureOutcome.NOT_RESOLVED.value)),
            line("Closed before outcomes were recorded", closed_as("")),
            line(
                "Open at the end of the period",
                lambda p: self._open_at(by_category, closed, start_open, p.end),
            ),
            line(
                "Cases involving hate incidents opened",
                lambda p: hate.total(self.window.indices(p), None),
            ),
        )
        return Table(
            key="summary",
            title="Cases: "
            + (", ".join(name for name, _ in periods[:-1]) + " and " + periods[-1][0]),
            row_heading="Cases",
            columns=columns,
            rows=rows,
            note=" ".join(f"{name.capitalize()}: {p.title}." for name, p in periods),
            count_columns=tuple(range(len(columns))),
        )

    def _open_at(
        self, opened: Atoms, closed: Atoms, start_open: dict[int, Tally], end: date
    ) -> dict[int, Tally]:
        """Cases open at ``end`` (the 1st of a month): open at the window's start, plus
        those opened, less those closed, before ``end``."""
        index = self.window.index(end)
        found: dict[int, Tally] = defaultdict(Tally, start_open)
        for agency_id, tally in opened.before(index).items():
            found[agency_id] += tally
        for agency_id, tally in closed.before(index).items():
            found[agency_id] -= tally
        return found

    def trend(self, opened: Atoms, closed: Atoms, start_open: dict[int, Tally]) -> Table:
        measures = ("opened", "closed", "open at the month's end")
        columns = tuple(f"{g.title}: {m}" for g in self.groups for m in measures)
        rows = []
        for month in self.counter.trend.each():
            index = [self.window.index(month.start)]
            each = (
                opened.total(index, None),
                closed.total(index),
                self._open_at(opened, closed, start_open, month.end),
            )
            rows.append(
                Row(
                    f"{month.start:%B %Y}",
                    tuple(self.cell(t.items(), g) for g in self.groups for t in each),
                )
            )
        return Table(
            key="trend",
            title=f"Cases each month: the last {TREND_MONTHS} months",
            row_heading="Month",
            columns=columns,
            rows=tuple(rows),
            count_columns=tuple(range(len(columns))),
        )

    def agencies(self, by_category: Atoms, period: list[int]) -> Table:
        agencies = self.counter.session.scalars(
            select(Agency).where(Agency.area_id == self.counter.area_id).order_by(Agency.name)
        ).all()
        tallies = by_category.total(period, None)
        rows = []
        for agency in agencies:
            if self.counter.scope.agency is not None and agency.id != self.counter.scope.agency.id:
                continue
            group = next((g for g in self.groups if g.holds(agency.id)), self.groups[0])
            mine = Group(agency.name, exact=group.exact, only=agency.id)
            rows.append(Row(agency.name, (self.cell(tallies.items(), mine),)))
        return Table(
            key="agencies",
            title="Cases opened, by agency",
            row_heading="Agency",
            columns=("Cases opened",),
            rows=tuple(rows),
            count_columns=(0,),
        )

    def wards(self, by_ward: Atoms, period: list[int]) -> tuple[Table, dict[str, Cell]]:
        wards = self.counter.session.scalars(
            select(Ward).where(Ward.area_id == self.counter.area_id).order_by(Ward.name)
        ).all()
        if self.counter.scope.ward is not None:
            wards = [w for w in wards if w.id == self.counter.scope.ward.id]
        columns = tuple(
            f"{g.title}: {m}" for g in self.groups for m in ("cases opened", "per 1,000 households")
        )
        rows, cells = [], {}
        for ward in wards:
            households = self.boundaries.households(ward.name) if self.boundaries else None
            tallies = by_ward.total(period, str(ward.id))
            line: list[Cell] = []
            for group in self.groups:
                opened = self.cell(tallies.items(), group)
                line += [opened, Cell.derived(rate(opened, households))]
            cells[ward.name] = _together(line[0::2])
            rows.append(Row(ward.name, tuple(line)))
        return (
            Table(
                key="wards",
                title="Cases opened, by ward",
                row_heading="Ward",
                columns=columns,
                rows=tuple(rows),
                note="Households per ward are from the ward boundaries file.",
                count_columns=tuple(range(0, len(columns), 2)),
            ),
            cells,
        )


def _together(cells: Iterable[Cell]) -> Cell:
    """One figure for a ward on the map from its columns: their sum, withheld when any is
    "fewer than 5" (a manager's own exact count plus the others' rounded one)."""
    cells = list(cells)
    if len(cells) == 1:
        return cells[0]
    if any(c.value is None for c in cells):
        return Cell(None, Shown.SMALL, WITHHELD)
    total = sum(c.value or 0 for c in cells)
    return Cell(total, Shown.ROUNDED, f"{total:,}")
