"""The demo partnership on any day: built after the shipped protocols end (31 March 2028),
it signs them for dates that hold its year, and partners share and open cases that day;
built on a day the files' own dates hold, it signs the files exactly as written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.cases import disclosure
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_engine, make_session_factory
from sharing.demo import DemoSummary, build_demo
from sharing.demo.agreements import PROTOCOLS, text_signed_for, years_to_hold
from sharing.models import Base, Case, ProtocolRecord, Share
from sharing.protocols import Clause, Party, ProtocolDocument, Purpose, parse_protocol
from sharing.protocols import records as protocol_records
from sharing.trigger import workdays
from sharing.vocabulary import ProtocolStatus, Role
from tests.fixtures.demo import demo_actor

pytestmark = pytest.mark.long

#: Days after every shipped protocol has ended: the first, one a year on, and a 29 February.
LATER_DAYS = (date(2028, 4, 1), date(2029, 6, 15), date(2032, 2, 29))
FILES = sorted(PROTOCOLS.glob("*.toml"))
PURPOSE = "asb_case_management"


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), clock.PARTNERSHIP_ZONE)


#: The bank holiday list as shipped.
_SHIPPED = workdays.BankHolidays


class _LaterBankHolidays:
    """GOV.UK's bank holiday list as a later ``govuk-bank-holidays`` package would ship it:
    the shipped one (which ends in 2028) carried on by four and eight years, enough to
    count the Community Trigger's working days of a demo built in the 2030s."""

    ENGLAND_AND_WALES = _SHIPPED.ENGLAND_AND_WALES

    def __init__(self, **_: object) -> None:
        self.shipped = _SHIPPED(use_cached_holidays=True)

    def get_holidays(self, division: str) -> list[dict[str, object]]:
        shipped = self.shipped.get_holidays(division=division)
        last = max(h["date"] for h in shipped)
        later = [
            {**h, "date": clock.years_after(h["date"], years)}
            for h in shipped
            if h["date"].year > last.year - 4
            for years in (4, 8)
        ]
        return shipped + later


@contextmanager
def _bank_holidays_for(day: date) -> Iterator[None]:
    """The shipped bank holiday list, or a later one for a day past its end."""
    if day <= workdays.england_and_wales().known_until:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workdays, "BankHolidays", _LaterBankHolidays)
        workdays.england_and_wales.cache_clear()
        try:
            yield
        finally:
            workdays.england_and_wales.cache_clear()


@pytest.fixture(scope="module", params=LATER_DAYS, ids=str)
def later(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[date, Session, DemoSummary]]:
    """The demo built on a day after the shipped protocols end, as ``hub demo`` builds it
    that day."""
    day: date = request.param
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    keys = LocalKeyring.create(tmp_path_factory.mktemp("keys") / "keyring.json", index_lengths())
    session = make_session_factory(engine, keys)()
    with _bank_holidays_for(day), clock.pinned(_noon(day)):
        summary = build_demo(session, today=day)
    yield day, session, summary
    session.close()
    engine.dispose()


def test_built_after_the_protocols_end_the_demo_signs_them_for_dates_that_hold_its_year(
    later,
) -> None:
    day, session, _ = later
    records = session.scalars(select(ProtocolRecord).order_by(ProtocolRecord.key)).all()
    assert [r.key for r in records] == [file.stem for file in FILES]
    in_force = {r.key for r in protocol_records.in_force(session, day)}
    assert in_force == {file.stem for file in FILES}
    for record, file in zip(records, FILES, strict=True):
        assert record.status is ProtocolStatus.ACTIVE
        assert {s.agency_id for s in record.signatures} == set(
            protocol_records.party_agencies(session, record)
        )
        assert record.start_on <= clock.years_after(day, -1)
        assert record.end_on >= clock.years_after(day, 1)
        shipped = parse_protocol(file.read_text(), source=file.name)
        years = record.start_on.year - shipped.start.year
        assert years > 0
        moved = [clock.years_after(d, years) for d in (shipped.start, shipped.end, shipped.review)]
        assert [record.start_on, record.end_on, record.review_on] == moved
        # Moved a year less, the dates would not hold the demo's year after its day.
        assert clock.years_after(shipped.end, years - 1) < clock.years_after(day, 1)
        # What was signed is the file with only its dates moved.
        signed = protocol_records.document(record)
        assert (signed.start, signed.end, signed.review) == tuple(moved)
        assert signed.clauses == shipped.clauses
        assert signed.parties == shipped.parties
        assert signed.purposes == shipped.purposes


def test_built_after_the_protocols_end_the_demo_shares_cases_partners_open_that_day(
    later,
) -> None:
    day, session, summary = later
    assert summary.shares > 0
    assert summary.conferences > 0
    assert summary.trigger_applications > 0
    live = session.scalars(select(Share).where(Share.revoked_at.is_(None))).all()
    assert live
    assert all(share.until >= day for share in live if share.purpose == PURPOSE)
    share = session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.agency.has(code="northshire-police"),
            Share.purpose == PURPOSE,
            Share.revoked_at.is_(None),
            Case.locked.is_(False),
        )
        .order_by(Share.id)
    ).first()
    assert share is not None
    police = demo_actor(session, "northshire-police", Role.CASE_OFFICER)
    with clock.pinned(_noon(day)):
        view = disclosure.disclose_case(session, police, share.case_id, purpose=PURPOSE)
    assert view.decision.allows("identity")
    basis = view.decision.categories["identity"]
    assert "northshire-asb-case-management version 1" in basis
    assert f"share {share.id}" in basis
    session.rollback()


@pytest.mark.parametrize(
    "day", [date(2026, 4, 1), date(2026, 11, 23), date(2026, 12, 5), date(2027, 3, 31)]
)
@pytest.mark.parametrize("file", FILES, ids=lambda f: f.stem)
def test_on_a_day_the_files_dates_hold_the_demo_signs_each_file_exactly_as_written(
    day: date, file: Path
) -> None:
    assert text_signed_for(file, day) == file.read_text()


def test_a_29_february_moved_to_a_year_without_one_is_28_february(tmp_path: Path) -> None:
    shipped = (PROTOCOLS / "northshire-emergency.toml").read_text()
    leap = (
        shipped.replace("start = 2025-04-01", "start = 2025-03-01")
        .replace("end = 2028-03-31", "end = 2028-02-29")
        .replace("review = 2027-03-31", "review = 2027-02-28")
    )
    assert leap != shipped
    file = tmp_path / "northshire-emergency.toml"
    file.write_text(leap)
    moved = parse_protocol(text_signed_for(file, date(2029, 1, 15)), source=file.name)
    assert (moved.start, moved.end, moved.review) == (
        date(2027, 3, 1),
        date(2030, 2, 28),
        date(2029, 2, 28),
    )
    assert moved.clauses == parse_protocol(leap, source=file.name).clauses


def test_dates_move_by_the_fewest_whole_years_that_hold_the_demos_year_either_way() -> None:
    start, end = date(2025, 4, 1), date(2028, 3, 31)
    assert years_to_hold(start, end, date(2024, 6, 1), date(2026, 6, 1)) == -1
    assert years_to_hold(start, end, date(2025, 4, 1), date(2027, 4, 1)) == 0
    assert years_to_hold(start, end, date(2027, 4, 1), date(2029, 4, 1)) == 2
    with pytest.raises(ValueError, match="cannot be moved"):
        years_to_hold(date(2025, 4, 1), date(2026, 3, 31), date(2025, 6, 1), date(2027, 6, 1))


def test_the_demo_moves_every_date_a_protocol_holds() -> None:
    # text_signed_for moves start, end and review: a date added to the format must move too.
    dated = {
        (model.__name__, f.name)
        for model in (ProtocolDocument, Party, Purpose, Clause)
        for f in fields(model)
        if "date" in str(f.type)
    }
    assert dated == {("ProtocolDocument", n) for n in ("start", "end", "review")}
