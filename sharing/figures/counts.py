"""What the partnership's figures (``sharing.figures.partnership``) count, for one
request: cases opened, closed and open, hate cases, victims, risk, times taken, surveys,
conferences and actions, each from dates, flags, categories and ids, over the months of
the period, the one before, a year before and the trend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from sharing import clock
from sharing.figures.areas import Scope
from sharing.figures.months import Months, months_later
from sharing.figures.rounding import Tally, tag, tally_of
from sharing.figures.tallies import Atoms
from sharing.models import (
    Case,
    CaseParty,
    Incident,
    RiskAssessment,
)
from sharing.risk.disclose import of_someone_on_the_case
from sharing.vocabulary import (
    PartyRole,
    RiskBand,
)

#: Trends are shown for this many months, ending with the period's last month.
TREND_MONTHS = 13
#: A hate case with no characteristic recorded.
NOT_RECORDED = "not_recorded"


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


def _atoms(session: Session, query: Select[*tuple[Any, ...]]) -> Atoms:
    found = Atoms()
    for month, agency_id, value, count, key in session.execute(query):
        found.add(month, agency_id, _name(value), tally_of(count, key))
    return found


def _name(value: object) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


class Counter:
    """Counts for one request: the scope's cases (of them, only those ``seen`` keeps),
    the window's months."""

    def __init__(
        self,
        session: Session,
        area_id: int,
        scope: Scope,
        period: Months,
        seen: Sequence[ColumnElement[bool]] = (),
    ) -> None:
        self.session = session
        self.area_id = area_id
        self.scope = scope
        self.period = period
        self.seen = tuple(seen)
        trend_start = months_later(period.end, -TREND_MONTHS)
        self.window = _Window(
            min(period.before().start, period.year_before().start, trend_start), period.end
        )
        self.trend = Months(trend_start, period.end)

    def where(self) -> list[ColumnElement[bool]]:
        """SQL: the cases counted."""
        return [*self.scope.where(), *self.seen]

    def _cases(
        self, *columns: SQLColumnExpression[Any], when: SQLColumnExpression[Any]
    ) -> Select[*tuple[Any, ...]]:
        month = self.window.month_of(when)
        query = select(month, Case.agency_id, *columns, func.count(), func.sum(tag(Case.id)))
        query = query.where(self.window.within(when), *self.where())
        return query.group_by(month, Case.agency_id, *columns)

    def opened_by(self, column: SQLColumnExpression[Any]) -> Atoms:
        """Cases opened in each month of the window, by ``column``."""
        return _atoms(self.session, self._cases(column, when=Case.opened_at))

    def opened_in_period_by(self, column: SQLColumnExpression[Any]) -> Atoms:
        """Cases opened in the period, by ``column``, as if in its first month (for the
        tables that show the period alone)."""
        query = (
            select(Case.agency_id, column, func.count(), func.sum(tag(Case.id)))
            .where(self.in_period(Case.opened_at), *self.where())
            .group_by(Case.agency_id, column)
        )
        found = Atoms()
        month = self.window.index(self.period.start)
        for agency_id, value, count, key in self.session.execute(query):
            found.add(month, agency_id, _name(value), tally_of(count, key))
        return found

    def opened_hate(self) -> Atoms:
        hate = or_(
            Case.hate_motivated.is_(True),
            Case.id.in_(select(Incident.case_id).where(Incident.hate_related.is_(True))),
        )
        query = self._cases(Case.protected_characteristic, when=Case.opened_at).where(hate)
        found = Atoms()
        for month, agency_id, value, count, key in self.session.execute(query):
            found.add(month, agency_id, _name(value) or NOT_RECORDED, tally_of(count, key))
        return found

    def closed(self) -> Atoms:
        """Closed cases by outcome and main intervention: ``outcome|intervention`` (the
        outcome empty for a case closed before outcomes were recorded)."""
        query = self._cases(Case.closure_outcome, Case.resolved_by, when=Case.closed_at)
        found = Atoms()
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
                *self.where(),
            )
            .group_by(Case.agency_id)
        )
        return {agency_id: tally_of(n, key) for agency_id, n, key in self.session.execute(query)}

    def in_period(self, column: SQLColumnExpression[Any]) -> ColumnElement[bool]:
        """SQL: ``column`` falls in the period."""
        start, end = self.period.bounds()
        return and_(column >= start, column < end)

    def victims(self) -> dict[str, dict[int, Tally]]:
        """Victims of the cases opened in the period, repeat victims and those assessed as
        high risk in the period on one of those cases (not on another case of theirs: an
        earlier one, or another agency's or area's), by agency."""
        start, end = self.period.bounds()
        earlier = months_later(self.period.start, -12)
        from_earlier = Months(earlier, self.period.end).bounds()[0]
        in_period = case((Case.opened_at >= start, 1), else_=0)
        assessed_high = (
            select(RiskAssessment.id)
            .where(
                RiskAssessment.case_id == Case.id,
                RiskAssessment.person_id == CaseParty.person_id,
                RiskAssessment.band == RiskBand.HIGH,
                self.in_period(RiskAssessment.assessed_at),
            )
            .exists()
        )
        high_here = case((and_(Case.opened_at >= start, assessed_high), 1), else_=0)
        people = (
            select(
                Case.agency_id.label("agency_id"),
                CaseParty.person_id.label("person_id"),
                func.max(in_period).label("here"),
                func.max(high_here).label("high"),
                func.count().label("cases"),
            )
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(
                CaseParty.role == PartyRole.VICTIM,
                Case.opened_at >= from_earlier,
                Case.opened_at < end,
                *self.where(),
            )
            .group_by(Case.agency_id, CaseParty.person_id)
            .subquery()
        )
        high = people.c.high == 1
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
        movement from their first in it (``move:up|same|down``), by agency: of the people
        on their cases now (someone taken off a case no longer counts in its risk)."""
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
            .where(
                self.in_period(RiskAssessment.assessed_at),
                of_someone_on_the_case(),
                *self.where(),
            )
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

    def days_to_contact(self) -> list[tuple[int, int, int]]:
        """(agency id, whole days from opening to first contact, cases) for the cases
        opened in the period that have one (``sharing.cases.first_contact``: the first
        risk assessment or the first day of contact a review records, a day), counted
        from the partnership's day of opening."""
        found: dict[tuple[int, int], int] = defaultdict(int)
        for agency_id, opened_at, made_on in self.session.execute(
            select(Case.agency_id, Case.opened_at, Case.first_contact_on).where(
                self.in_period(Case.opened_at), Case.first_contact_on.is_not(None), *self.where()
            )
        ):
            assert made_on is not None  # noqa: S101 - filtered above
            found[(agency_id, max(0, (made_on - clock.day_of(opened_at)).days))] += 1
        return [(agency_id, days, n) for (agency_id, days), n in found.items()]

    def days_to_close(self) -> list[tuple[int, int, int]]:
        """(agency id, days from opening to closure, cases) for the cases closed in the
        period, counted from the partnership's day of opening to its day of closing (the
        days the case page and the agency's export give), as days to first contact are."""
        found: dict[tuple[int, int], int] = defaultdict(int)
        for agency_id, opened_at, closed_at in self.session.execute(
            select(Case.agency_id, Case.opened_at, Case.closed_at).where(
                self.in_period(Case.closed_at), *self.where()
            )
        ):
            assert closed_at is not None  # noqa: S101 - closed in the period
            days = (clock.day_of(closed_at) - clock.day_of(opened_at)).days
            found[(agency_id, max(0, days))] += 1
        return [(agency_id, days, n) for (agency_id, days), n in found.items()]

    def by_agency(self, query: Select[*tuple[Any, ...]]) -> dict[str, dict[int, Tally]]:
        """Counts by value and agency, of a query giving (agency id, value, count, tag)."""
        found: dict[str, dict[int, Tally]] = defaultdict(lambda: defaultdict(Tally))
        for agency_id, value, n, key in self.session.execute(query):
            found[_name(value)][agency_id] += tally_of(n, key)
        return found
