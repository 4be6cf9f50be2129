"""The partnership's figures for a community safety partnership (CSP) meeting: for a
period of whole months and an area (the partnership, one agency, one ward, or one
agency in one ward), the counts a CSP asks for, as tables a reader may see.

What is counted (every count from dates, flags, categories and ids: nothing sealed is
opened, and locked and erased cases count like any other):

- **Cases**: opened in the period (by category, priority, agency and ward), closed in it
  (resolved, not resolved, closed before outcomes were recorded), open at its end; the
  same for the period before and the same period a year earlier; and each of the last 13
  months.
- **Hate**: cases opened that involve a hate incident (opened as hate-motivated, or with
  an incident recorded as hate-related), by the protected characteristic recorded.
- **Victims**: people who are victims in the cases opened; of those, repeat victims (also
  the victim of another of the agency's cases opened in the period or the 12 months
  before it) and those assessed as high risk in the period.
- **Interventions**: actions recorded in the period, by kind; and the main intervention
  that resolved each case closed as resolved, beside HouseMark's national table.
- **Risk**: each assessed person's latest band in the period, and how it moved from their
  first assessment in the period.
- **Time**: median days from opening to first contact (the first risk assessment, which
  the procedures complete with the complainant at first contact) and to closure.
- **Satisfaction**: closure surveys answered in the period, and those satisfied.
- **Meetings and actions**: case conferences held; actions due in the period, done by
  their date, done late, and still open past it (a cancelled action is not due).
- **Community Trigger**: the four figures the Act requires, for the partnership only, as
  ``/trigger/figures`` publishes them: exact, so only for 12 months and only to those who
  may read those figures (``sharing.trigger.figures.may_read``); anyone else, or a
  shorter period, is told where they are published instead.

How each count is published is ``sharing.figures.rounding``: small counts as "fewer than
5", the others rounded by a cell key; a manager's own agency exactly, in a column of its
own. Every request is one audit entry naming the period and the area (an agency code or a
ward id), never a value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed
from sharing.figures import housemark
from sharing.figures.months import (
    FROM_FIELD,
    TO_FIELD,
    Months,
    instant,
    months_later,
    months_of,
    quarter_before,
)
from sharing.figures.readers import reader_agency
from sharing.figures.rounding import (
    MEDIAN_FROM,
    WITHHELD,
    Cell,
    Rounder,
    Shown,
    Tally,
    percent,
    rate,
    tag,
    tally_of,
)
from sharing.figures.spreadsheets import Sheet
from sharing.figures.wards import Boundaries
from sharing.formats import whole_number
from sharing.models import (
    Action,
    Agency,
    Case,
    CaseParty,
    ClosureSurvey,
    Conference,
    Incident,
    MeetingSeries,
    MeetingSitting,
    RiskAssessment,
    Ward,
)
from sharing.trigger import figures as trigger_figures
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    Cadence,
    CaseCategory,
    ClosureOutcome,
    ConferenceStatus,
    Intervention,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    RiskBand,
    Role,
    Satisfaction,
)

AGENCY_FIELD = "agency"
WARD_FIELD = "ward"
EXACT_FIELD = "exact"
MEETING_FIELD = "meeting"
#: Sittings this many days either side of today are offered for a meeting pack.
MEETING_DAYS = 120
#: Trends are shown for this many months, ending with the period's last month.
TREND_MONTHS = 13
#: A hate case with no characteristic recorded.
NOT_RECORDED = "not_recorded"
#: The Community Trigger totals are shown for periods of this many months, as
#: ``/trigger/figures`` publishes them.
TRIGGER_MONTHS = 12


# The area


@dataclass(frozen=True)
class Scope:
    """The area the figures are for: the partnership, or one agency, one ward, or both."""

    area_name: str
    agency: Agency | None = None
    ward: Ward | None = None

    @property
    def title(self) -> str:
        if self.agency and self.ward:
            return f"{self.agency.name} in {self.ward.name} ward"
        if self.agency:
            return self.agency.name
        if self.ward:
            return f"{self.ward.name} ward"
        return f"The {self.area_name} partnership"

    @property
    def query(self) -> dict[str, str]:
        found = {}
        if self.agency:
            found[AGENCY_FIELD] = self.agency.code
        if self.ward:
            found[WARD_FIELD] = str(self.ward.id)
        return found

    @property
    def audit_text(self) -> str:
        parts = [
            f"agency {self.agency.code}" if self.agency else "",
            f"ward {self.ward.id}" if self.ward else "",
        ]
        return ", ".join(p for p in parts if p) or "partnership"

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.agency:
            found.append(Case.agency_id == self.agency.id)
        if self.ward:
            found.append(Case.ward_id == self.ward.id)
        return found


def scope_of(
    session: Session, area_id: int, area_name: str, agency_text: str | None, ward_text: str | None
) -> Scope:
    """The area a reader chose; ``InputError`` naming the field for an agency or a ward the
    partnership does not have."""
    agency = ward = None
    agency_text, ward_text = (agency_text or "").strip(), (ward_text or "").strip()
    if agency_text:
        agency = session.scalar(
            select(Agency).where(Agency.area_id == area_id, Agency.code == agency_text)
        )
        if agency is None:
            raise InputError(AGENCY_FIELD, "Choose one of the partnership's agencies")
    if ward_text:
        ward_id = whole_number(ward_text)
        ward = (
            session.scalar(select(Ward).where(Ward.area_id == area_id, Ward.id == ward_id))
            if ward_id is not None
            else None
        )
        if ward is None:
            raise InputError(WARD_FIELD, "Choose one of the partnership's wards")
    return Scope(area_name, agency, ward)


def choices(session: Session, agency_id: int) -> tuple[list[Agency], list[Ward]]:
    """The agencies and wards of the partnership of ``agency_id``, by name, to choose from."""
    area_id = session.get_one(Agency, agency_id).area_id
    agencies = session.scalars(
        select(Agency).where(Agency.area_id == area_id).order_by(Agency.name)
    ).all()
    wards = session.scalars(select(Ward).where(Ward.area_id == area_id).order_by(Ward.name)).all()
    return list(agencies), list(wards)


def meetings(session: Session, agency_id: int, today: date) -> list[MeetingSitting]:
    """The partnership's meeting sittings from ``MEETING_DAYS`` before today to as many
    after, soonest first: a meeting pack may be made for any of them."""
    area_id = session.get_one(Agency, agency_id).area_id
    start = instant(date.fromordinal(today.toordinal() - MEETING_DAYS))
    end = instant(date.fromordinal(today.toordinal() + MEETING_DAYS))
    return list(
        session.scalars(
            select(MeetingSitting)
            .join(MeetingSeries, MeetingSeries.id == MeetingSitting.series_id)
            .where(
                MeetingSeries.area_id == area_id,
                MeetingSitting.starts_at >= start,
                MeetingSitting.starts_at < end,
            )
            .order_by(MeetingSitting.starts_at, MeetingSitting.id)
        )
    )


def meeting_of(session: Session, area_id: int, text: str | None) -> MeetingSitting | None:
    """The sitting ``text`` names (its id); ``InputError`` for one the partnership does
    not have."""
    text = (text or "").strip()
    if not text:
        return None
    sitting_id = whole_number(text)
    sitting = session.get(MeetingSitting, sitting_id) if sitting_id is not None else None
    if sitting is None or sitting.series.area_id != area_id:
        raise InputError(MEETING_FIELD, "Choose one of the partnership's meetings")
    return sitting


def meeting_period(sitting: MeetingSitting) -> Months:
    """The months a meeting's pack covers by default: for a meeting that sits monthly or
    more often, the month before the month it sits in; for a quarterly one, the last
    calendar quarter ended before that month."""
    month = clock.day_of(sitting.starts_at).replace(day=1)
    if sitting.series.cadence is Cadence.QUARTERLY:
        return quarter_before(month)
    return Months(months_later(month, -1), month)


def meeting_months(sitting: MeetingSitting) -> tuple[str, str]:
    """``meeting_period`` as asked for (``from``, ``to``)."""
    query = meeting_period(sitting).query
    return query[FROM_FIELD], query[TO_FIELD]


def _require_ended(sitting: MeetingSitting, today: date) -> None:
    """Refuse, at the meeting's field, the pack of a sitting whose months have not ended,
    saying from when it can be prepared."""
    period = meeting_period(sitting)
    if period.end > today:
        raise InputError(
            MEETING_FIELD,
            f"This meeting's pack covers {period.title}, which has not ended: it can be "
            f"prepared from {period.end.day} {period.end:%B %Y}",
        )


# Whose cases a column counts


@dataclass(frozen=True)
class Group:
    """The cases one column counts: all in the area, or one agency's only (exact for its
    managers), or all but one agency's."""

    title: str
    exact: bool = False
    only: int | None = None
    but: int | None = None

    def holds(self, agency_id: int) -> bool:
        if self.only is not None:
            return agency_id == self.only
        return agency_id != self.but


def groups_for(actor: Actor, own: Agency, scope: Scope, exact_asked: bool) -> tuple[Group, ...]:
    """The columns a reader sees: a manager their own agency's cases exactly and the
    others' rounded; anyone else every agency's cases rounded. ``NotAllowed`` when exact
    figures are asked for an agency that is not the reader's own to manage."""
    manager = actor.has(Role.MANAGER)
    if exact_asked and not (manager and scope.agency is not None and scope.agency.id == own.id):
        raise NotAllowed(
            "Exact figures are only for an agency's own managers, and only for their "
            "agency: choose your own agency, or see the figures rounded"
        )
    if not manager or (scope.agency is not None and scope.agency.id != own.id):
        return (Group(scope.agency.name if scope.agency else "All agencies"),)
    yours = Group(f"{own.name} (exact)", exact=True, only=own.id)
    if scope.agency is not None:
        return (yours,)
    return (yours, Group("Other agencies", but=own.id))


# The tables


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
    #: The Community Trigger table was left out for the whole partnership: why.
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

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


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


def _text(text: str) -> Cell:
    """A figure worked out from published counts (a rate, share or median)."""
    return Cell(None, Shown.DERIVED, text)


# Counting


class _Atoms:
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


@dataclass
class _Window:
    """The months counted in one go: the period, the one before, a year before and the
    trend, as one run of months; ``index`` is a month's place in it."""

    start: date
    end: date

    @property
    def months(self) -> Months:
        return Months(self.start, self.end)

    def index(self, month: date) -> int:
        return (month.year - self.start.year) * 12 + month.month - self.start.month

    def indices(self, period: Months) -> range:
        return range(self.index(period.start), self.index(period.end))

    def month_of(self, column: SQLColumnExpression[Any]) -> ColumnElement[int]:
        """SQL: the index of the month an instant falls in (within the window)."""
        edges = [each.bounds()[1] for each in self.months.each()]
        return case(*[(column < edge, i) for i, edge in enumerate(edges)], else_=len(edges))

    def within(self, column: SQLColumnExpression[Any]) -> ColumnElement[bool]:
        start, end = self.months.bounds()
        return and_(column >= start, column < end)


def _atoms(session: Session, query: Select[*tuple[Any, ...]]) -> _Atoms:
    found = _Atoms()
    for month, agency_id, value, count, key in session.execute(query):
        found.add(month, agency_id, _name(value), tally_of(count, key))
    return found


def _name(value: object) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


class _Counter:
    """Counts for one request: the scope's cases, the window's months."""

    def __init__(self, session: Session, area_id: int, scope: Scope, period: Months) -> None:
        self.session = session
        self.area_id = area_id
        self.scope = scope
        self.period = period
        trend_start = months_later(period.end, -TREND_MONTHS)
        self.window = _Window(
            min(period.before().start, period.year_before().start, trend_start), period.end
        )
        self.trend = Months(trend_start, period.end)

    def _cases(
        self, *columns: SQLColumnExpression[Any], when: SQLColumnExpression[Any]
    ) -> Select[*tuple[Any, ...]]:
        month = self.window.month_of(when)
        query = select(month, Case.agency_id, *columns, func.count(), func.sum(tag(Case.id)))
        query = query.where(self.window.within(when), *self.scope.where())
        return query.group_by(month, Case.agency_id, *columns)

    def opened_by(self, column: SQLColumnExpression[Any]) -> _Atoms:
        """Cases opened in each month of the window, by ``column``."""
        return _atoms(self.session, self._cases(column, when=Case.opened_at))

    def opened_in_period_by(self, column: SQLColumnExpression[Any]) -> _Atoms:
        """Cases opened in the period, by ``column``, as if in its first month (for the
        tables that show the period alone)."""
        query = (
            select(Case.agency_id, column, func.count(), func.sum(tag(Case.id)))
            .where(self._in_period(Case.opened_at), *self.scope.where())
            .group_by(Case.agency_id, column)
        )
        found = _Atoms()
        month = self.window.index(self.period.start)
        for agency_id, value, count, key in self.session.execute(query):
            found.add(month, agency_id, _name(value), tally_of(count, key))
        return found

    def opened_hate(self) -> _Atoms:
        hate = or_(
            Case.hate_motivated.is_(True),
            Case.id.in_(select(Incident.case_id).where(Incident.hate_related.is_(True))),
        )
        query = self._cases(Case.protected_characteristic, when=Case.opened_at).where(hate)
        found = _Atoms()
        for month, agency_id, value, count, key in self.session.execute(query):
            found.add(month, agency_id, _name(value) or NOT_RECORDED, tally_of(count, key))
        return found

    def closed(self) -> _Atoms:
        """Closed cases by outcome and main intervention: ``outcome|intervention``."""
        outcome = func.coalesce(Case.closure_outcome, "")
        query = self._cases(outcome, Case.resolved_by, when=Case.closed_at)
        found = _Atoms()
        for month, agency_id, closure, resolved_by, count, key in self.session.execute(query):
            value = f"{_name(closure)}|{_name(resolved_by)}"
            found.add(month, agency_id, value, tally_of(count, key))
        return found

    def open_at_start(self) -> dict[int, Tally]:
        """Cases open at the window's start, by agency."""
        start, _ = self.window.months.bounds()
        query = (
            select(Case.agency_id, func.count(), func.sum(tag(Case.id)))
            .where(
                Case.opened_at < start,
                or_(Case.closed_at.is_(None), Case.closed_at >= start),
                *self.scope.where(),
            )
            .group_by(Case.agency_id)
        )
        return {agency_id: tally_of(n, key) for agency_id, n, key in self.session.execute(query)}

    def _in_period(self, column: SQLColumnExpression[Any]) -> ColumnElement[bool]:
        start, end = self.period.bounds()
        return and_(column >= start, column < end)

    def victims(self) -> dict[str, dict[int, Tally]]:
        """Victims of the cases opened in the period, repeat victims and those assessed as
        high risk in the period, by agency."""
        start, end = self.period.bounds()
        earlier = months_later(self.period.start, -12)
        from_earlier = Months(earlier, self.period.end).bounds()[0]
        in_period = case((Case.opened_at >= start, 1), else_=0)
        people = (
            select(
                Case.agency_id.label("agency_id"),
                CaseParty.person_id.label("person_id"),
                func.max(in_period).label("here"),
                func.count().label("cases"),
            )
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(
                CaseParty.role == PartyRole.VICTIM,
                Case.opened_at >= from_earlier,
                Case.opened_at < end,
                *self.scope.where(),
            )
            .group_by(Case.agency_id, CaseParty.person_id)
            .subquery()
        )
        high = people.c.person_id.in_(
            select(RiskAssessment.person_id).where(
                RiskAssessment.band == RiskBand.HIGH, self._in_period(RiskAssessment.assessed_at)
            )
        )
        person_tag = tag(people.c.person_id)
        query = (
            select(
                people.c.agency_id,
                func.count(),
                func.sum(person_tag),
                func.sum(case((people.c.cases > 1, 1), else_=0)),
                func.sum(case((people.c.cases > 1, person_tag), else_=0)),
                func.sum(case((high, 1), else_=0)),
                func.sum(case((high, person_tag), else_=0)),
            )
            .where(people.c.here == 1)
            .group_by(people.c.agency_id)
        )
        found: dict[str, dict[int, Tally]] = {"all": {}, "repeat": {}, "high": {}}
        for agency_id, n, key, repeat, repeat_key, high_n, high_key in self.session.execute(query):
            found["all"][agency_id] = tally_of(n, key)
            found["repeat"][agency_id] = tally_of(repeat, repeat_key)
            found["high"][agency_id] = tally_of(high_n, high_key)
        return found

    def risk(self) -> dict[str, dict[int, Tally]]:
        """Each assessed person's latest band in the period (``band:<band>``) and its
        movement from their first in it (``move:up|same|down``), by agency."""
        order = (RiskAssessment.assessed_at, RiskAssessment.id)
        partition = (RiskAssessment.case_id, RiskAssessment.person_id)
        rank = case(*[(RiskAssessment.band == band, band.rank) for band in RiskBand], else_=0)
        assessments = (
            select(
                Case.agency_id.label("agency_id"),
                RiskAssessment.id.label("id"),
                RiskAssessment.band.label("band"),
                rank.label("rank"),
                func.row_number()
                .over(partition_by=partition, order_by=[c.desc() for c in order])
                .label("from_last"),
                func.first_value(rank)
                .over(partition_by=partition, order_by=list(order))
                .label("first_rank"),
            )
            .join(Case, Case.id == RiskAssessment.case_id)
            .where(self._in_period(RiskAssessment.assessed_at), *self.scope.where())
            .subquery()
        )
        movement = case(
            (assessments.c.rank > assessments.c.first_rank, "up"),
            (assessments.c.rank < assessments.c.first_rank, "down"),
            else_="same",
        )
        query = (
            select(
                assessments.c.agency_id,
                assessments.c.band,
                movement,
                func.count(),
                func.sum(tag(assessments.c.id)),
            )
            .where(assessments.c.from_last == 1)
            .group_by(assessments.c.agency_id, assessments.c.band, movement)
        )
        found: dict[str, dict[int, Tally]] = defaultdict(lambda: defaultdict(Tally))
        for agency_id, band, move, n, key in self.session.execute(query):
            found[f"band:{_name(band)}"][agency_id] += tally_of(n, key)
            found[f"move:{move}"][agency_id] += tally_of(n, key)
        return found

    def _whole_days(
        self, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]
    ) -> ColumnElement[Any]:
        """SQL: the whole days from ``start`` to ``end`` (each database its own way)."""
        if self.session.get_bind().dialect.name == "postgresql":
            return func.floor(func.extract("epoch", end - start) / 86400)
        return cast(func.julianday(end) - func.julianday(start), Integer)

    def _days(self, query: Select[*tuple[Any, ...]]) -> list[tuple[int, int, int]]:
        """(agency id, whole days, cases) from a query of agency id and days."""
        days = query.subquery()
        grouped = select(days.c.agency_id, days.c.days, func.count()).group_by(
            days.c.agency_id, days.c.days
        )
        return [(a, max(0, int(d)), n) for a, d, n in self.session.execute(grouped)]

    def days_to_contact(self) -> list[tuple[int, int, int]]:
        """(agency id, whole days from opening to the first risk assessment, cases) for
        the cases opened in the period that have one."""
        first = (
            select(
                Case.agency_id.label("agency_id"),
                Case.opened_at.label("opened_at"),
                func.min(RiskAssessment.assessed_at).label("at"),
            )
            .join(RiskAssessment, RiskAssessment.case_id == Case.id)
            .where(self._in_period(Case.opened_at), *self.scope.where())
            .group_by(Case.id, Case.agency_id, Case.opened_at)
            .subquery()
        )
        return self._days(
            select(first.c.agency_id, self._whole_days(first.c.opened_at, first.c.at).label("days"))
        )

    def days_to_close(self) -> list[tuple[int, int, int]]:
        """(agency id, whole days from opening to closure, cases) for the cases closed in
        the period."""
        return self._days(
            select(
                Case.agency_id, self._whole_days(Case.opened_at, Case.closed_at).label("days")
            ).where(self._in_period(Case.closed_at), *self.scope.where())
        )

    def _by_agency(self, query: Select[*tuple[Any, ...]]) -> dict[str, dict[int, Tally]]:
        found: dict[str, dict[int, Tally]] = defaultdict(lambda: defaultdict(Tally))
        for agency_id, value, n, key in self.session.execute(query):
            found[_name(value)][agency_id] += tally_of(n, key)
        return found

    def surveys(self) -> dict[str, dict[int, Tally]]:
        """Closure surveys answered in the period (``answered``) and ``satisfied``."""
        satisfied = ClosureSurvey.overall.in_(
            [answer for answer in Satisfaction if answer.satisfied]
        )
        query = (
            select(
                Case.agency_id,
                case((satisfied, "satisfied"), else_="answered"),
                func.count(),
                func.sum(tag(ClosureSurvey.id)),
            )
            .join(Case, Case.id == ClosureSurvey.case_id)
            .where(
                self._in_period(ClosureSurvey.answered_when),
                ClosureSurvey.overall.is_not(None),
                *self.scope.where(),
            )
            .group_by(Case.agency_id, satisfied)
        )
        found = self._by_agency(query)
        for agency_id, tally in found["satisfied"].items():
            found["answered"][agency_id] += tally
        return found

    def conferences(self) -> dict[int, Tally]:
        query = (
            select(Case.agency_id, Conference.status, func.count(), func.sum(tag(Conference.id)))
            .join(Case, Case.id == Conference.case_id)
            .where(
                self._in_period(Conference.starts_at),
                Conference.status == ConferenceStatus.HELD,
                *self.scope.where(),
            )
            .group_by(Case.agency_id, Conference.status)
        )
        return self._by_agency(query).get(ConferenceStatus.HELD.value, {})

    def actions_due(self) -> dict[str, dict[int, Tally]]:
        """Actions due in the period: ``on_time``, ``late`` (done after their date) and
        ``overdue`` (still open: figures are for ended periods, so every date in one has
        passed). A cancelled action is no longer due, so it is none of them."""
        state = case(
            (
                Action.status == ActionStatus.DONE,
                case((Action.completed_on <= Action.due_on, "on_time"), else_="late"),
            ),
            else_="overdue",
        )
        query = (
            select(Case.agency_id, state, func.count(), func.sum(tag(Action.id)))
            .join(Case, Case.id == Action.case_id)
            .where(
                Action.due_on >= self.period.start,
                Action.due_on <= self.period.last_day,
                Action.status != ActionStatus.CANCELLED,
                Action.kind != ActionKind.DISSATISFACTION_FOLLOW_UP,
                *self.scope.where(),
            )
            .group_by(Case.agency_id, state)
        )
        return self._by_agency(query)

    def actions_recorded(self) -> dict[str, dict[int, Tally]]:
        query = (
            select(Case.agency_id, Action.kind, func.count(), func.sum(tag(Action.id)))
            .join(Case, Case.id == Action.case_id)
            .where(self._in_period(Action.created_at), *self.scope.where())
            .group_by(Case.agency_id, Action.kind)
        )
        return self._by_agency(query)


# Building the tables


class _Builder:
    def __init__(
        self,
        counter: _Counter,
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

    def build(self, trigger: Callable[[Months], Iterable[tuple[str, int]]] | None) -> Figures:
        c = self.counter
        by_category = c.opened_by(Case.category)
        by_priority = c.opened_in_period_by(Case.priority)
        by_ward = c.opened_in_period_by(Case.ward_id)
        hate = c.opened_hate()
        closed = c.closed()
        start_open = c.open_at_start()
        period = list(self.window.indices(self.period))
        tables = [
            self.summary(by_category, hate, closed, start_open),
            self.trend(by_category, closed, start_open),
            self.counts_table(
                "categories",
                "Cases opened, by category",
                "Category",
                [(cat.label, by_category.total(period, cat.value)) for cat in CaseCategory],
            ),
            self.counts_table(
                "priorities",
                "Cases opened, by priority",
                "Priority",
                [(p.label, by_priority.total(period, p.value)) for p in Priority],
            ),
            self.agencies(by_category, period),
        ]
        wards, ward_cells = self.wards(by_ward, period)
        tables.append(wards)
        tables.append(
            self.counts_table(
                "hate",
                "Cases involving hate incidents opened, by protected characteristic",
                "Protected characteristic",
                [(pc.label, hate.total(period, pc.value)) for pc in ProtectedCharacteristic]
                + [("Not recorded", hate.total(period, NOT_RECORDED))]
                + [("All cases involving hate incidents", hate.total(period, None))],
            )
        )
        victims = c.victims()
        tables.append(
            self.counts_table(
                "victims",
                "Victims of the cases opened (counts only)",
                "Victims",
                [
                    ("Victims", victims["all"]),
                    (
                        "Repeat victims: victim of another case in the last 12 months",
                        victims["repeat"],
                    ),
                    ("Assessed as high risk in the period", victims["high"]),
                ],
                note="A person is counted once for each agency whose cases they are a victim in.",
            )
        )
        tables.append(self.resolved_by(closed, period))
        used = c.actions_recorded()
        tables.append(
            self.counts_table(
                "interventions",
                "Actions and interventions recorded, by kind",
                "Action",
                [(kind.label, used.get(kind.value, {})) for kind in ActionKind],
            )
        )
        risk = c.risk()
        tables.append(
            self.counts_table(
                "risk",
                "Risk: each assessed person's latest band in the period, and its movement",
                "Band or movement",
                [
                    (f"Latest band: {band.label}", risk.get(f"band:{band.value}", {}))
                    for band in RiskBand
                ]
                + [
                    (
                        "Moved up since their first assessment in the period",
                        risk.get("move:up", {}),
                    ),
                    ("Stayed the same", risk.get("move:same", {})),
                    ("Moved down", risk.get("move:down", {})),
                ],
            )
        )
        tables.append(self.times(c.days_to_contact(), c.days_to_close()))
        surveys = c.surveys()
        tables.append(self.satisfaction(surveys))
        tables.append(self.meetings(c.conferences(), c.actions_due()))
        if (
            trigger is not None
            and self.counter.scope.agency is None
            and self.counter.scope.ward is None
        ):
            tables.append(
                Table(
                    key="trigger",
                    title="Community Trigger (ASB Case Review)",
                    row_heading="Figure",
                    columns=("Whole partnership (exact, as the Act requires)",),
                    rows=tuple(
                        Row(label, (Cell(n, Shown.EXACT, str(n)),))
                        for label, n in trigger(self.period)
                    ),
                    count_columns=(0,),
                )
            )
        return Figures(
            period=self.period,
            scope=self.counter.scope,
            groups=self.groups,
            tables=tuple(tables),
            ward_cells=ward_cells,
        )

    def summary(
        self, by_category: _Atoms, hate: _Atoms, closed: _Atoms, start_open: dict[int, Tally]
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
            return lambda p: self._closed(closed, self.window.indices(p), prefix)

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

    @staticmethod
    def _closed(closed: _Atoms, months: Iterable[int], outcome: str) -> dict[int, Tally]:
        return closed.total(months, lambda value: value.split("|")[0] == outcome)

    def _open_at(
        self, opened: _Atoms, closed: _Atoms, start_open: dict[int, Tally], end: date
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

    def trend(self, opened: _Atoms, closed: _Atoms, start_open: dict[int, Tally]) -> Table:
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

    def agencies(self, by_category: _Atoms, period: list[int]) -> Table:
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

    def wards(self, by_ward: _Atoms, period: list[int]) -> tuple[Table, dict[str, Cell]]:
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
                line += [opened, _text(rate(opened, households))]
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

    def resolved_by(self, closed: _Atoms, period: list[int]) -> Table:
        by = {
            intervention.value: closed.total(
                period, f"{ClosureOutcome.RESOLVED.value}|{intervention.value}"
            )
            for intervention in Intervention
        }
        resolved = self._closed(closed, period, ClosureOutcome.RESOLVED.value)
        whole = self.per_group(resolved)
        columns = tuple(
            f"{g.title}: {m}" for g in self.groups for m in ("cases resolved", "share")
        ) + ("National share, HouseMark 2012/13",)
        rows = []
        for intervention in Intervention:
            cells = self.per_group(by.get(intervention.value, {}))
            line = [
                x
                for cell, all_ in zip(cells, whole, strict=True)
                for x in (cell, _text(percent(cell, all_)))
            ]
            rows.append(Row(intervention.label, (*line, _text(housemark.share_text(intervention)))))
        return Table(
            key="resolved_by",
            title="Cases closed as resolved, by the main intervention that resolved them",
            row_heading="Main intervention",
            columns=columns,
            rows=tuple(rows),
            note=housemark.SOURCE,
            count_columns=tuple(range(0, 2 * len(self.groups), 2)),
        )

    def times(
        self, contact: list[tuple[int, int, int]], close: list[tuple[int, int, int]]
    ) -> Table:
        def median_text(days: list[tuple[int, int, int]], group: Group) -> Cell:
            counts: dict[int, int] = defaultdict(int)
            for agency_id, whole_days, n in days:
                if group.holds(agency_id):
                    counts[whole_days] += n
            cases = sum(counts.values())
            if cases < MEDIAN_FROM and not group.exact:
                return _text(WITHHELD)
            if not cases:
                return _text("none")
            return _text(f"{_median(counts):g} days")

        return Table(
            key="times",
            title="Time taken (median whole days)",
            row_heading="Measure",
            columns=tuple(g.title for g in self.groups),
            rows=(
                Row(
                    "From opening to first contact (the first risk assessment)",
                    tuple(median_text(contact, g) for g in self.groups),
                ),
                Row(
                    "From opening to closure, for cases closed in the period",
                    tuple(median_text(close, g) for g in self.groups),
                ),
            ),
            note=f"A median is given for {MEDIAN_FROM} or more cases.",
        )

    def satisfaction(self, surveys: dict[str, dict[int, Tally]]) -> Table:
        answered = self.per_group(surveys.get("answered", {}))
        satisfied = self.per_group(surveys.get("satisfied", {}))
        return Table(
            key="satisfaction",
            title="Satisfaction with how cases were handled (closure surveys)",
            row_heading="Surveys",
            columns=tuple(g.title for g in self.groups),
            rows=(
                Row("Surveys answered", answered),
                Row("Fairly or very satisfied", satisfied),
                Row(
                    "Satisfied (%)",
                    tuple(_text(percent(s, a)) for s, a in zip(satisfied, answered, strict=True)),
                ),
            ),
            count_columns=tuple(range(len(self.groups))),
        )

    def meetings(self, held: dict[int, Tally], due: dict[str, dict[int, Tally]]) -> Table:
        return self.counts_table(
            "meetings",
            "Case conferences and actions",
            "Measure",
            [
                ("Case conferences held", held),
                ("Actions due in the period: done by their date", due.get("on_time", {})),
                ("Done after their date", due.get("late", {})),
                ("Still open past their date", due.get("overdue", {})),
            ],
        )


# The way in


def count(
    session: Session,
    area_id: int,
    scope: Scope,
    period: Months,
    groups: tuple[Group, ...],
    rounder: Rounder,
    boundaries: Boundaries | None,
    trigger: Callable[[Months], Iterable[tuple[str, int]]] | None,
) -> Figures:
    """The figures for ``scope`` and ``period`` (an ended one) in ``groups``' columns (no
    audit entry: ``figures`` is the way in)."""
    counter = _Counter(session, area_id, scope, period)
    return _Builder(counter, groups, rounder, boundaries).build(trigger)


def figures(
    session: Session,
    actor: Actor,
    rounder: Rounder,
    boundaries: Boundaries | None,
    asked: dict[str, str | None],
    *,
    what: str = "page",
    trigger: Procedure | None = None,
    today: date | None = None,
) -> Figures:
    """The figures for the period and area ``asked`` (``from``, ``to``, ``agency``,
    ``ward``, ``exact``), as the reader may see them (the Community Trigger's totals by
    the ``trigger`` procedure's rules: ``trigger_totals``); one audit entry saying ``what`` was
    read (the page, a table's CSV, the pack). ``NotAllowed`` (recorded) for a reader who
    may not, or exact figures asked for another agency; ``InputError`` (recorded) for a
    period or an area that is not one."""
    subject = acts.Subject("partnership_figures")
    own = reader_agency(session, actor, subject)
    exact_asked = (asked.get(EXACT_FIELD) or "").strip().lower() in ("1", "yes", "true", "on")
    with acts.refusing_input(session, acts.Action.FIGURES_VIEW, actor=actor, subject=subject):
        today = today or clock.today()
        meeting = meeting_of(session, own.area_id, asked.get(MEETING_FIELD))
        first, last = asked.get("from"), asked.get("to")
        if meeting is not None and not (first or last):
            _require_ended(meeting, today)
            first, last = meeting_months(meeting)
        period = months_of(first, last, today)
        scope = scope_of(
            session, own.area_id, own.area.name, asked.get(AGENCY_FIELD), asked.get(WARD_FIELD)
        )
    try:
        groups = groups_for(actor, own, scope, exact_asked)
    except NotAllowed:
        acts.refuse(
            session,
            acts.Action.FIGURES_VIEW,
            actor=actor,
            subject=subject,
            reason=f"exact figures asked for {scope.audit_text}",
        )
        raise
    totals, left_out = trigger_totals(session, actor, trigger, scope, period, today)
    found = count(session, own.area_id, scope, period, groups, rounder, boundaries, totals)
    found = replace(found, meeting=meeting, trigger_left_out=left_out)
    acts.record(
        session,
        acts.Action.FIGURES_VIEW,
        actor=actor,
        subject=acts.Subject("partnership_figures", period.query["from"]),
        basis=(
            f"partnership figures {period.query['from']} to {period.query['to']}; "
            f"{scope.audit_text}; {'exact own and ' if groups[0].exact else ''}rounded; {what}"
            + (f"; meeting {meeting.id}" if meeting else "")
        ),
    )
    return found


def trigger_totals(
    session: Session,
    actor: Actor,
    procedure: Procedure | None,
    scope: Scope,
    period: Months,
    today: date,
) -> tuple[Callable[[Months], Iterable[tuple[str, int]]] | None, TriggerLeftOut | None]:
    """The Community Trigger totals for the whole partnership, under the rules of
    ``/trigger/figures``: for 12 months, to a reader it allows. Otherwise none, and why
    (no table and no reason for an agency or a ward: the totals are the partnership's)."""
    if procedure is None or scope.agency is not None or scope.ward is not None:
        return None, None
    reader = trigger_figures.may_read(session, actor, procedure)
    if reader and period.count == TRIGGER_MONTHS:
        return (
            lambda p: trigger_figures.totals_between(session, procedure, p.start, p.end, today)
        ), None
    lead = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    first = months_later(period.end, -TRIGGER_MONTHS)
    return None, TriggerLeftOut(lead.name if lead else "the lead agency", reader, f"{first:%Y-%m}")


def sheet(found: Figures, table: Table) -> Sheet:
    """One table as a spreadsheet's sheet: its title, the area and period, then the
    same texts as the page."""
    return Sheet(
        name=table.title,
        heading=(table.title, f"{found.scope.title}, {found.period.title}"),
        rows=[
            [table.row_heading, *table.columns],
            *([row.label, *(cell.text for cell in row.cells)] for row in table.rows),
        ],
    )
