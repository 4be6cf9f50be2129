"""The regulator's measures for each landlord agree with a plain computation over the
demo's database, on SQLite and PostgreSQL, with a case locked and one erased counting like
any other; a landlord's managers read their own exactly and others' with small counts
withheld and the rest rounded; analysts read all so; others are refused; a year that is
not one is refused at its field; every request is audited by the year alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases.erasure import erase_case
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.errors import InputError, NotAllowed
from sharing.figures import regulator
from sharing.figures.rounding import Rounder
from sharing.figures.stock import load_stock
from sharing.models import Agency, AuditEntry, Case, ClosureSurvey, User
from sharing.vocabulary import AgencyType, Role, SurveyChannel
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor

STOCK = load_stock(Path(__file__).resolve().parents[2] / "config" / "housing-stock.toml")
ROUNDER = Rounder(b"a test's own rounding key")


def _year_of_the_demo() -> regulator.Year:
    """The reporting year holding the middle of the demo's year of casework: the last one
    ended, or (from October to March, when that one holds less than half of it) the one
    under way."""
    middle = clock.today() - timedelta(days=180)
    return regulator.Year(middle.year if middle.month >= 4 else middle.year - 1)


def _after(year: regulator.Year) -> datetime:
    """A moment when ``year`` is the last reporting year ended (its measures' default)."""
    return datetime(year.start + 1, 4, 2, 12, tzinfo=UTC)


def _reference(session: Session, year: regulator.Year) -> dict[str, tuple[int, int, int, int]]:
    """Each landlord's (cases, hate cases, answered, satisfied), counted row by row."""
    first, last = year.first_day, year.last_day

    def local(moment: datetime) -> date:
        return moment.astimezone(clock.PARTNERSHIP_ZONE).date()

    found = {}
    for landlord in session.scalars(select(Agency).where(Agency.type == AgencyType.LANDLORD)):
        cases = [
            c
            for c in session.scalars(select(Case).where(Case.agency_id == landlord.id))
            if first <= local(c.opened_at) <= last
        ]
        hate = [c for c in cases if c.hate_motivated or any(i.hate_related for i in c.incidents)]
        surveys = [
            s
            for s in session.scalars(select(ClosureSurvey))
            if s.case.agency_id == landlord.id
            and s.overall is not None
            and first <= local(s.answered_at or s.recorded_at) <= last
        ]
        satisfied = [s for s in surveys if s.overall.satisfied]
        found[landlord.name] = (len(cases), len(hate), len(surveys), len(satisfied))
    return found


def test_the_measures_agree_with_a_plain_count_with_locked_and_erased_cases(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    with make_session_factory(*demo_database)() as session:
        year = _year_of_the_demo()
        start, end = year.bounds()
        homes = session.scalars(
            select(Case)
            .where(
                Case.agency.has(code="northshire-homes"),
                Case.opened_at >= start,
                Case.opened_at < end,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(Case.id)
        ).all()
        locked, erased = homes[0], homes[1]
        locked.locked = True
        staff = session.scalars(select(User).where(User.agency_id == erased.agency_id)).all()
        manager = Actor.of(next(u for u in staff if Role.MANAGER in u.roles))
        close_for_erasure(session, manager, erased.id)  # still open on some days' demo
        erase_case(session, authorise(session, manager, erased.id, Act.ERASE))
        session.commit()
        expected = _reference(session, year)
        assert sum(v[0] for v in expected.values()) > 0
        area = session.scalar(select(Agency)).area_id
        counted = {c.name: c for c in regulator.count(session, STOCK, area, year)}
        assert {
            name: (c.cases.count, c.hate_cases.count, c.answered.count, c.satisfied.count)
            for name, c in counted.items()
        } == expected
        assert (
            counted["Northshire Homes"].homes
            == STOCK.homes_on("northshire-homes", year.last_day).total
        )


def test_a_survey_answered_by_link_counts_in_the_year_it_was_answered(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """A link offered on 31 March and answered on 2 April counts in the year the answer
    came, as one answered in person on 2 April does: the year before, already reported,
    does not change."""
    with make_session_factory(*demo_database)() as session:
        year = _year_of_the_demo()
        survey = session.scalars(
            select(ClosureSurvey)
            .join(Case, Case.id == ClosureSurvey.case_id)
            .where(Case.agency.has(code="northshire-homes"), ClosureSurvey.overall.is_not(None))
        ).first()
        area = session.scalar(select(Agency)).area_id

        def answered() -> tuple[int, int]:
            return tuple(
                next(
                    c.answered.count
                    for c in regulator.count(session, STOCK, area, each)
                    if c.name == "Northshire Homes"
                )
                for each in (regulator.Year(year.start - 1), year)
            )

        in_person = datetime(year.start, 4, 2, 11, tzinfo=UTC)
        survey.recorded_at = survey.answered_at = in_person
        session.commit()
        before = answered()
        survey.channel = SurveyChannel.LINK
        survey.recorded_at = datetime(year.start, 3, 31, 19, tzinfo=UTC)
        survey.answered_at = in_person
        session.commit()
        assert answered() == before


def test_own_landlord_exact_others_withheld_and_others_refused(demo_session) -> None:
    year = _year_of_the_demo()
    with clock.pinned(_after(year)):
        _measures_read_by_role(demo_session, year)


def _measures_read_by_role(demo_session: Session, year: regulator.Year) -> None:
    homes_manager = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    found = regulator.measures(demo_session, homes_manager, STOCK, ROUNDER, None)
    lines = {line.name: line for line in found.lines}
    assert lines["Northshire Homes"].exact
    assert "fewer than" not in lines["Northshire Homes"].cases
    others = [line for name, line in lines.items() if name != "Northshire Homes"]
    assert not any(line.exact for line in others)
    small = [line for line in others if line.hate_cases == "fewer than 5"]
    assert small  # the demo's other landlords have few hate cases a year
    assert all(line.hate_per_1000 == "withheld" for line in small)
    shown = [line.cases for line in others if line.cases != "fewer than 5"]
    assert shown
    assert all(int(text.replace(",", "")) % 5 == 0 for text in shown)
    analyst = demo_actor(demo_session, "northshire-csp", Role.ANALYST)
    assert not any(
        line.exact for line in regulator.measures(demo_session, analyst, STOCK, ROUNDER, None).lines
    )
    officer = demo_actor(demo_session, "northshire-homes", Role.CASE_OFFICER)
    with pytest.raises(NotAllowed):
        regulator.measures(demo_session, officer, STOCK, ROUNDER, None)
    integrate(demo_session)  # the entries this session queued, in the log
    entries = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "figures.view").order_by(AuditEntry.seq)
    ).all()
    assert [e.outcome for e in entries[-3:]] == ["allowed", "allowed", "refused"]
    assert entries[-3].basis == f"regulator's measures {year.title}; page"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("banana", "Enter the year the reporting year starts in"),
        ("1999", "Enter a year from 2000"),
        (str(clock.today().year + 1), "has not started"),
    ],
)
def test_a_year_that_is_not_one_is_refused_at_its_field(demo_session, text, message) -> None:
    analyst = demo_actor(demo_session, "northshire-csp", Role.ANALYST)
    with pytest.raises(InputError, match=message) as refused:
        regulator.measures(demo_session, analyst, STOCK, ROUNDER, text)
    assert refused.value.field == "year"


def test_the_reporting_year_runs_from_april_to_march_and_is_given_once_ended() -> None:
    # By default the last year ended: on 31 March 2026, 2024/25; the next day, 2025/26.
    assert regulator.year_of(None, date(2026, 3, 31)).start == 2024
    assert regulator.year_of(None, date(2026, 4, 1)).start == 2025
    assert regulator.year_of("2025", date(2026, 4, 1)).start == 2025
    # The year under way is not counted, as the partnership's figures count only periods
    # that have ended.
    with pytest.raises(InputError) as refused:
        regulator.year_of("2025", date(2026, 3, 31))
    assert refused.value.field == "year"
    assert refused.value.message == (
        "The reporting year 2025/26 has not ended: figures are given only for years that "
        "have ended, the latest being 2024/25"
    )
    year = regulator.Year(2025)
    start, end = year.bounds()
    assert start == datetime(2025, 3, 31, 23, tzinfo=UTC)  # midnight, British Summer Time
    assert end == datetime(2026, 3, 31, 23, tzinfo=UTC)
    assert year.title == "2025/26"
