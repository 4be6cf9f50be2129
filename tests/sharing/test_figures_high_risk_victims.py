"""The victims "assessed as high risk in the period" in the partnership's figures (demo
partnership, SQLite and PostgreSQL): of the victims of the cases opened in the period,
those assessed high in it on one of those cases. An assessment on another case of
theirs (an earlier one, another agency's, one in another ward) counts where that case
does, not here."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.figures import partnership
from sharing.figures.areas import Scope
from sharing.figures.columns import Group
from sharing.figures.months import Months, months_of
from sharing.figures.rounding import Rounder
from sharing.models import Agency, Case, CaseParty, RiskAssessment, Ward
from sharing.risk.matrix import shipped
from sharing.vocabulary import AssessmentStage, CaseStatus, PartyRole, RiskBand

ROUNDER = Rounder(b"a test's own rounding key")
HIGH = "Assessed as high risk in the period"


def _victims(
    session: Session, period: Months, agency: Agency | None = None, ward: Ward | None = None
) -> dict[str, int]:
    """The "Victims of the cases opened" table for the area, exactly."""
    area = session.scalar(select(Agency)).area
    found = partnership.count(
        session,
        area.id,
        Scope(area.name, agency=agency, ward=ward),
        period,
        (Group("All agencies", exact=True),),
        ROUNDER,
        None,
        None,
    )
    return {row.label: int(row.cells[0].text) for row in found.table("victims").rows}


def _agency(session: Session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _cases(session: Session, code: str, *where) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(Case.agency.has(code=code), Case.status != CaseStatus.CLOSED, *where)
            .order_by(Case.id)
        )
    )


def _unassessed_victim(session: Session, period: Months) -> tuple[Case, int]:
    """A Northshire Homes case opened in ``period`` and a victim on it assessed in the
    period on no case at all."""
    start, end = period.bounds()
    assessed = set(
        session.scalars(
            select(RiskAssessment.person_id).where(
                RiskAssessment.assessed_at >= start, RiskAssessment.assessed_at < end
            )
        )
    )
    in_period = (Case.opened_at >= start, Case.opened_at < end, Case.ward_id.is_not(None))
    for case in _cases(session, "northshire-homes", *in_period):
        for party in case.parties:
            if party.role is PartyRole.VICTIM and party.person_id not in assessed:
                return case, party.person_id
    raise AssertionError("a Northshire Homes victim not assessed in the period")


def _on(session: Session, case: Case, person_id: int) -> None:
    """The person is a victim on ``case`` too."""
    if not any(p.person_id == person_id for p in case.parties):
        session.add(CaseParty(case_id=case.id, person_id=person_id, role=PartyRole.VICTIM))


def _assessed_high(session: Session, case: Case, person_id: int, at: datetime) -> None:
    matrix = shipped().current
    session.add(
        RiskAssessment(
            case_id=case.id,
            person_id=person_id,
            matrix_key=matrix.key,
            matrix_version=matrix.version,
            stage=AssessmentStage.INITIAL,
            score=40,
            score_band=RiskBand.HIGH,
            band=RiskBand.HIGH,
            assessed_at=at,
            assessed_by_id=case.officer_id,
        )
    )
    session.commit()


def _period() -> Months:
    return months_of(None, None, clock.today())  # the last quarter ended


def test_a_victim_assessed_high_on_their_case_in_the_period_is_counted(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    with make_session_factory(*demo_database)() as session:
        period = _period()
        case, person = _unassessed_victim(session, period)
        before = _victims(session, period, case.agency)
        _assessed_high(session, case, person, case.opened_at + timedelta(hours=2))
        after = _victims(session, period, case.agency)
        assert after[HIGH] == before[HIGH] + 1
        assert after["Victims"] == before["Victims"]


@pytest.mark.parametrize("elsewhere", ["an earlier case of the agency", "a police case"])
def test_a_victim_assessed_high_on_another_case_is_not_counted_for_this_one(
    demo_database: tuple[Engine, LocalKeyring], elsewhere: str
) -> None:
    """A victim of a case Northshire Homes opened in the quarter, assessed high in the
    quarter on another case (one the landlord opened before the quarter, or a police case
    of the quarter): the landlord's figure does not count them, nor the partnership's for
    the landlord's case; a police case's high assessment counts for the police."""
    with make_session_factory(*demo_database)() as session:
        period = _period()
        start, end = period.bounds()
        case, person = _unassessed_victim(session, period)
        homes, police = case.agency, _agency(session, "northshire-police")
        if elsewhere == "a police case":
            other = _cases(
                session, "northshire-police", Case.opened_at >= start, Case.opened_at < end
            )[0]
        else:
            other = _cases(session, "northshire-homes", Case.opened_at < start)[0]
        _on(session, other, person)
        session.commit()
        before = {a.code: _victims(session, period, a) for a in (homes, police)}
        at = max(case.opened_at, other.opened_at) + timedelta(hours=2)
        assert at < end
        _assessed_high(session, other, person, at)
        assert _victims(session, period, homes) == before[homes.code]
        police_high = _victims(session, period, police)[HIGH]
        assert police_high == before[police.code][HIGH] + (other.agency_id == police.id)


def test_a_ward_counts_only_the_high_risk_of_victims_of_its_own_cases(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """A victim of cases opened in the quarter in two wards, assessed high on the case in
    the second: the second ward counts them, the first does not, and the landlord counts
    them once."""
    with make_session_factory(*demo_database)() as session:
        period = _period()
        start, end = period.bounds()
        case, person = _unassessed_victim(session, period)
        other = next(
            c
            for c in _cases(
                session, "northshire-homes", Case.opened_at >= start, Case.opened_at < end
            )
            if c.ward_id != case.ward_id and c.ward_id is not None
        )
        _on(session, other, person)
        session.commit()
        first, second = session.get(Ward, case.ward_id), session.get(Ward, other.ward_id)
        before = {
            "first": _victims(session, period, ward=first),
            "second": _victims(session, period, ward=second),
            "homes": _victims(session, period, case.agency),
        }
        _assessed_high(session, other, person, other.opened_at + timedelta(hours=2))
        assert _victims(session, period, ward=first) == before["first"]
        assert _victims(session, period, ward=second)[HIGH] == before["second"][HIGH] + 1
        assert _victims(session, period, case.agency)[HIGH] == before["homes"][HIGH] + 1
