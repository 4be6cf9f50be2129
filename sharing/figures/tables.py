"""The partnership's figures (``sharing.figures.partnership``) as a reader sees them:
tables of rows of published cells, for a period, an area and its columns, and why the
Community Trigger table is left out when it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sharing.figures.areas import Scope
from sharing.figures.columns import EXACT_FIELD, Group
from sharing.figures.meeting_packs import MEETING_FIELD
from sharing.figures.months import Months
from sharing.figures.rounding import Cell
from sharing.models import MeetingSitting
from sharing.vocabulary import Marking


def counted_on(today: date) -> str:
    """How a table that changes as work is done after its period ends (first contacts,
    actions done late) says the day it was counted, in its note: "Counted on 7 December
    2026"."""
    return f"Counted on {today.day} {today:%B %Y}"


#: The figures' marking as they show it, and how to handle them.
MARKING_TEXTS = {
    Marking.OFFICIAL: "OFFICIAL: partnership figures, no personal data",
    Marking.OFFICIAL_SENSITIVE: "OFFICIAL-SENSITIVE: exact figures, small counts not withheld",
}
HANDLING = {
    Marking.OFFICIAL: "Small counts are withheld or rounded, so no figure identifies anyone.",
    Marking.OFFICIAL_SENSITIVE: "Your agency's counts are exact: a small one may point to "
    "someone. Keep them within your agency.",
}


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    row_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""
    #: For charts: which columns hold counts (not rates, percentages or national shares).
    count_columns: tuple[int, ...] = ()


@dataclass(frozen=True)
class TriggerLeftOut:
    """Why the partnership's figures leave out the Community Trigger table, and where its
    figures are published instead."""

    #: The agency that publishes them (the procedure's lead).
    lead: str
    #: The reader may read ``/trigger/figures`` (the period was not 12 months).
    reader: bool
    #: The first of the 12 months ending with the period's last month (``2025-12``).
    first_month: str
    #: The figures are for one agency or one ward: the totals are the whole partnership's.
    area: bool = False


@dataclass(frozen=True)
class Figures:
    period: Months
    scope: Scope
    groups: tuple[Group, ...]
    tables: tuple[Table, ...]
    #: Cases opened in each ward in the period, as published, for the map: {ward name: cell}.
    ward_cells: dict[str, Cell] = field(default_factory=dict)
    #: The partnership meeting the figures are for, when one was chosen.
    meeting: MeetingSitting | None = None
    #: The Community Trigger table was left out: why.
    trigger_left_out: TriggerLeftOut | None = None

    @property
    def query(self) -> dict[str, str]:
        """The period, area and meeting as asked for in a link to these same figures."""
        found = {**self.period.query, **self.scope.query}
        if self.scope.agency is not None and self.groups[0].exact:
            found[EXACT_FIELD] = "yes"
        if self.meeting is not None:
            found[MEETING_FIELD] = str(self.meeting.id)
        return found

    @property
    def marking_text(self) -> str:
        """The marking as the figures page, the pack and its PDF show it."""
        return MARKING_TEXTS[self.marking]

    @property
    def handling(self) -> str:
        """How to handle the figures, as the banner says after the marking."""
        return HANDLING[self.marking]

    @property
    def marking(self) -> Marking:
        """How the figures are handled, under the Government Security Classifications:
        OFFICIAL, routine business, when every count is rounded or withheld ("fewer than
        5") and so holds no personal data; OFFICIAL-SENSITIVE when a manager's own
        agency's column is exact, whose small counts are shown as they are."""
        if any(group.exact for group in self.groups):
            return Marking.OFFICIAL_SENSITIVE
        return Marking.OFFICIAL

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)
