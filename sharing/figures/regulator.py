"""The Regulator of Social Housing's measures for each social landlord, for a reporting
year (1 April to 31 March), from the hub's own records:

- **NM01 (1)**: anti-social behaviour cases opened in the year per 1,000 homes. A case is
  one ASB problem the landlord opened a case for; a further report while a case is open
  is an incident on it, not a new case. Locked and erased cases count like any other.
- **NM01 (2)**: of those, the cases involving a hate incident (the case was opened as
  hate-motivated, or any of its incidents was recorded as hate-related) per 1,000 homes.
  They are included in NM01 (1) too.
- **Homes**: the landlord's homes (low-cost rental and low-cost home ownership) in its
  latest count on or before the year's last day (``config/housing-stock.toml``).
- **Satisfaction at closure**: of the complainants who answered the hub's closure survey
  in the year, those fairly or very satisfied with how their case was handled. This is not
  TP12, the regulator's perception survey of tenants, which each landlord runs itself.

Who reads them: a landlord's managers read their own landlord's exactly; analysts, the
lead community safety agency's coordinators and managers, and every agency's managers read
the others' as the partnership's figures publish counts (``sharing.figures.rounding``: a
count under 5 shows "fewer than 5" and a rate made from it is withheld; the others are
rounded to a multiple of 5 by the cases behind them, so that no small count can be worked
out against the partnership's figures for the same cases). Each request is one audit
entry naming the year, never a value. Nothing sealed is opened: the counts come from
dates, flags, agency ids and survey answers.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import InputError
from sharing.figures.months import instant
from sharing.figures.readers import reader_agency
from sharing.figures.rounding import BASE, Rounder, Tally, share, tag, tally_of
from sharing.figures.spreadsheets import safe
from sharing.figures.stock import Stock
from sharing.models import Agency, Case, ClosureSurvey, Incident
from sharing.vocabulary import AgencyType, Role, Satisfaction

#: The earliest reporting year asked for.
EARLIEST_YEAR = 2000
FIELD = "year"
_YEAR = re.compile(r"[0-9]{4}")
#: What a rate made from a withheld count shows.
RATE_WITHHELD = "withheld"


@dataclass(frozen=True)
class Year:
    """A reporting year: 1 April ``start`` to 31 March the year after."""

    start: int

    @property
    def first_day(self) -> date:
        return date(self.start, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.start + 1, 3, 31)

    @property
    def title(self) -> str:
        return f"{self.start}/{str(self.start + 1)[-2:]}"

    def bounds(self) -> tuple[datetime, datetime]:
        """The year as UTC instants, from its first midnight to the midnight after it
        (partnership time)."""
        return instant(self.first_day), instant(date(self.start + 1, 4, 1))


def year_of(text: str | None, today: date) -> Year:
    """The reporting year ``text`` names (its first calendar year, e.g. ``2025`` for
    2025/26), by default the last one ended; ``InputError`` naming the field for anything
    else, a year to come, the year ``today`` falls in (not ended: as the partnership's
    figures, ``sharing.figures.months.months_of``, only ended periods are counted), or
    one before 2000."""
    current = today.year if today >= date(today.year, 4, 1) else today.year - 1
    if not text:
        return Year(current - 1)
    text = text.strip()
    if not _YEAR.fullmatch(text):
        raise InputError(FIELD, "Enter the year the reporting year starts in, like 2025")
    start = int(text)
    if start > current:
        raise InputError(FIELD, f"The reporting year {Year(start).title} has not started")
    if start == current:
        raise InputError(
            FIELD,
            f"The reporting year {Year(start).title} has not ended: figures are given only "
            f"for years that have ended, the latest being {Year(current - 1).title}",
        )
    if start < EARLIEST_YEAR:
        raise InputError(FIELD, f"Enter a year from {EARLIEST_YEAR}")
    return Year(start)


@dataclass(frozen=True)
class Counts:
    """One landlord's counts for the year (exact: what the reference computation gives),
    each with its cell key."""

    agency_id: int
    name: str
    cases: Tally
    hate_cases: Tally
    homes: int | None
    answered: Tally
    satisfied: Tally


@dataclass(frozen=True)
class Line:
    """One landlord's measures as the reader may see them: each a text."""

    name: str
    exact: bool
    cases: str
    cases_per_1000: str
    hate_cases: str
    hate_per_1000: str
    homes: str
    answered: str
    satisfied: str
    satisfied_percent: str


@dataclass(frozen=True)
class Measures:
    year: Year
    lines: tuple[Line, ...]
    threshold: int


def count(session: Session, stock: Stock, area_id: int, year: Year) -> list[Counts]:
    """Every landlord's counts for the year (no audit entry: ``measures`` is the way in)."""
    start, end = year.bounds()
    landlords = session.scalars(
        select(Agency)
        .where(Agency.area_id == area_id, Agency.type == AgencyType.LANDLORD)
        .order_by(Agency.name)
    ).all()
    hate = or_(
        Case.hate_motivated.is_(True),
        Case.id.in_(select(Incident.case_id).where(Incident.hate_related.is_(True))),
    )
    opened = (Case.opened_at >= start) & (Case.opened_at < end)
    counted = (Case.agency_id, func.count(), func.sum(tag(Case.id)))
    cases = _tallies(session, select(*counted).where(opened).group_by(Case.agency_id))
    hate_cases = _tallies(session, select(*counted).where(opened, hate).group_by(Case.agency_id))
    answered = ClosureSurvey.overall.is_not(None)
    satisfied = ClosureSurvey.overall.in_([a for a in Satisfaction if a.satisfied])
    surveys = (
        select(Case.agency_id, func.count(), func.sum(tag(ClosureSurvey.id)))
        .join(Case, Case.id == ClosureSurvey.case_id)
        .where(ClosureSurvey.answered_when >= start, ClosureSurvey.answered_when < end, answered)
        .group_by(Case.agency_id)
    )
    answers = _tallies(session, surveys)
    satisfied_answers = _tallies(session, surveys.where(satisfied))
    found = []
    for landlord in landlords:
        homes = stock.homes_on(landlord.code, year.last_day)
        found.append(
            Counts(
                agency_id=landlord.id,
                name=landlord.name,
                cases=cases.get(landlord.id, Tally()),
                hate_cases=hate_cases.get(landlord.id, Tally()),
                homes=homes.total if homes else None,
                answered=answers.get(landlord.id, Tally()),
                satisfied=satisfied_answers.get(landlord.id, Tally()),
            )
        )
    return found


def _tallies(session: Session, query: Select[*tuple[Any, ...]]) -> dict[int, Tally]:
    return {agency_id: tally_of(n, key) for agency_id, n, key in session.execute(query)}


def measures(
    session: Session,
    actor: Actor,
    stock: Stock,
    rounder: Rounder,
    year_text: str | None,
    *,
    as_csv: bool = False,
    today: date | None = None,
) -> Measures:
    """The measures for the year the reader asks for, as they may see them; one audit
    entry. ``NotAllowed`` (recorded) for a reader who may not; ``InputError`` (recorded)
    for a year that is not one."""
    subject = acts.Subject("regulator_measures")
    agency = reader_agency(session, actor, subject)
    today = today or clock.today()
    with acts.refusing_input(session, acts.Action.FIGURES_VIEW, actor=actor, subject=subject):
        year = year_of(year_text, today)
    counts = count(session, stock, agency.area_id, year)
    acts.record(
        session,
        acts.Action.FIGURES_VIEW,
        actor=actor,
        subject=acts.Subject("regulator_measures", str(year.start)),
        basis=f"regulator's measures {year.title}; {'csv' if as_csv else 'page'}",
    )
    own = agency.id if actor.has(Role.MANAGER) and agency.type is AgencyType.LANDLORD else None
    return Measures(
        year=year,
        lines=tuple(_lines(counts, own, rounder)),
        threshold=rounder.threshold,
    )


def _lines(counts: list[Counts], own: int | None, rounder: Rounder) -> list[Line]:
    """Each landlord's line: the reader's own exact, the others' rounded."""
    lines = []
    for counted in counts:
        exact = counted.agency_id == own
        cases, hate_cases, answered, satisfied = (
            rounder.publish(t, exact=exact)
            for t in (counted.cases, counted.hate_cases, counted.answered, counted.satisfied)
        )
        lines.append(
            Line(
                name=counted.name,
                exact=exact,
                cases=cases.text,
                cases_per_1000=_rate(cases.value, counted.homes),
                hate_cases=hate_cases.text,
                hate_per_1000=_rate(hate_cases.value, counted.homes),
                homes=f"{counted.homes:,}" if counted.homes else "Not known",
                answered=answered.text,
                satisfied=satisfied.text,
                satisfied_percent=_percent(satisfied.value, answered.value),
            )
        )
    return lines


def _rate(value: int | None, homes: int | None) -> str:
    if value is None:
        return RATE_WITHHELD
    if not homes:
        return "No homes counted"
    return f"{value * 1000 / homes:.2f}"


def _percent(part: int | None, whole: int | None) -> str:
    if part is None or whole is None:
        return RATE_WITHHELD
    if whole == 0:
        return "No answers"
    return share(part, whole)


COLUMNS = (
    ("cases", "NM01 (1): ASB cases opened"),
    ("cases_per_1000", "NM01 (1): per 1,000 homes"),
    ("hate_cases", "NM01 (2): cases involving hate incidents"),
    ("hate_per_1000", "NM01 (2): per 1,000 homes"),
    ("homes", "Homes"),
    ("answered", "Closure surveys answered"),
    ("satisfied", "Satisfied with how the case was handled"),
    ("satisfied_percent", "Satisfied (%)"),
)


#: The last column's heading: whether the line's counts are exact or rounded.
HOW_COUNTED = "How counted"
#: The reader's own landlord's line, as the page's "Your agency: exact".
EXACT = "Exact: your landlord's own cases"


def rounded(threshold: int) -> str:
    """How the other lines are counted, in the file as the page says it."""
    return (
        f"Rounded to a multiple of {BASE}; a count below {threshold} shown as fewer than "
        f"{threshold}"
    )


def csv_text(found: Measures) -> str:
    """The measures as CSV: one line a landlord, the same texts as the page, and last
    whether the line is exact (the reader's own landlord) or rounded, as the page marks
    it, so that a reader of the file alone knows which counts are which."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["year", "landlord", *(title for _, title in COLUMNS), HOW_COUNTED])
    for line in found.lines:
        writer.writerow(
            [
                found.year.title,
                safe(line.name),
                *(getattr(line, key) for key, _ in COLUMNS),
                EXACT if line.exact else rounded(found.threshold),
            ]
        )
    return out.getvalue()
