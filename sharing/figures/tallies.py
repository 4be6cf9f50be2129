"""Tallies of cases for the partnership's figures (``sharing.figures.partnership``), by
value, month and agency: what a table adds up, for any run of months, without counting
again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sharing.figures.rounding import Tally


class Atoms:
    """Tallies by value of a dimension, month index in the window and agency id: what the
    tables add up, each in one pass over what it needs."""

    def __init__(self) -> None:
        self._cells: dict[str, dict[int, dict[int, Tally]]] = defaultdict(lambda: defaultdict(dict))
        self._before: list[dict[int, Tally]] | None = None

    def add(self, month: int, agency_id: int, value: str, tally: Tally) -> None:
        cell = self._cells[value][month]
        cell[agency_id] = cell.get(agency_id, Tally()) + tally
        self._before = None

    def total(
        self, months: Iterable[int], value: str | Callable[[str], bool] | None = None
    ) -> dict[int, Tally]:
        """Tallies by agency over ``months`` for one value (or those a test keeps; None:
        every value)."""
        wanted = set(months)
        found: dict[int, Tally] = defaultdict(Tally)
        for name, by_month in self._cells.items():
            keeps = value is None or (value(name) if callable(value) else name == value)
            if not keeps:
                continue
            for month, by_agency in by_month.items():
                if month in wanted:
                    for agency_id, tally in by_agency.items():
                        found[agency_id] += tally
        return found

    def before(self, month: int) -> dict[int, Tally]:
        """Tallies by agency over every month before ``month``, every value."""
        if self._before is None:
            last = max((m for by_month in self._cells.values() for m in by_month), default=-1)
            running: dict[int, Tally] = {}
            self._before = [dict(running)]
            for index in range(last + 1):
                for agency_id, tally in self.total([index]).items():
                    running[agency_id] = running.get(agency_id, Tally()) + tally
                self._before.append(dict(running))
        return self._before[min(month, len(self._before) - 1)]
