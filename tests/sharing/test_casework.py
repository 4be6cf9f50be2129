"""The casework services on both databases: what an officer records is what they get back,
bad input changes nothing, and other agencies cannot reach the case."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sharing import accounts, clock, errors
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import actions, casework, closing, disclosure, incidents, listing, people
from sharing.db import make_session_factory
from sharing.models import Agency, Area, Case, Incident, Person, Ward
from sharing.vocabulary import (
    ActionKind,
    AgencyType,
    CaseCategory,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    Intervention,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    Role,
    Triage,
)

NOW = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
TEST_COST = accounts.HashingCost(time_cost=1, memory_kib=64, parallelism=1)


@pytest.fixture
def session(migrated_engine: Engine, keys) -> Iterator[Session]:
    with make_session_factory(migrated_engine, keys, TEST_COST)() as session:
        yield session


@pytest.fixture
def officers(session: Session) -> tuple[Actor, Actor, Ward]:
    area = Area(code="db", name="Db area")
    ward = Ward(area=area, name="Riverside")
    homes = Agency(
        code="db-homes", name="Db Homes", type=AgencyType.LANDLORD, area=area, case_prefix="DH"
    )
    police = Agency(
        code="db-police", name="Db Police", type=AgencyType.POLICE, area=area, case_prefix="DP"
    )
    session.add_all([area, ward, homes, police])
    session.flush()
    hash_ = accounts.hash_password("a-long-enough-password", TEST_COST)
    landlord_officer = accounts.create_user(
        session,
        agency=homes,
        email="o@db.example",
        display_name="O",
        roles={Role.CASE_OFFICER},
        password_hash=hash_,
    )
    police_manager = accounts.create_user(
        session,
        agency=police,
        email="m@db.example",
        display_name="M",
        roles={Role.MANAGER},
        password_hash=hash_,
    )
    session.commit()
    return Actor.of(landlord_officer), Actor.of(police_manager), ward


def _open(session: Session, actor: Actor, ward: Ward, **overrides: object) -> Case:
    data = casework.CaseInput(
        category=CaseCategory.VERBAL_ABUSE,
        priority=Priority.RED_HIGH,
        triage=Triage.SERIOUS,
        summary="Racist abuse shouted at the victim's door",
        hate_motivated=True,
        protected_characteristic=ProtectedCharacteristic.RACE,
        ward_id=ward.id,
        address="14 Quay Street",
        postcode="db1 2xy",
        uprn="000100023",
        parties=[
            people.PersonInput(
                role=PartyRole.VICTIM,
                given_names="Zainab",
                family_name="Dbtest",
                date_of_birth=date(1961, 2, 3),
                phone="+44 7700 900555",
            ),
            people.PersonInput(
                role=PartyRole.REPORTED, family_name="Unknown-male", prefix="reported-"
            ),
        ],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    case = casework.open_case(session, actor, data, now=NOW)
    session.commit()
    return case


def test_an_opened_case_reads_back_with_everything_recorded(session, officers) -> None:
    officer, _police, ward = officers
    case = _open(session, officer, ward)
    incidents.add_incident(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        incidents.IncidentInput(
            occurred_at=NOW - timedelta(days=2),
            description="Abuse at the door",
            place="Front door",
            reported_to_police=True,
            crime_reference="DP/1/26",
            hate_related=True,
        ),
        now=NOW,
    )
    actions.add_action(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.REFERRAL_POLICE, description="Pass to police", due_on=date(2026, 6, 8)
        ),
        now=NOW,
    )
    session.commit()
    session.expire_all()
    with clock.pinned(datetime(2026, 6, 10, 9, tzinfo=UTC)):
        view = disclosure.disclose_case(session, officer, case.id)
    assert view.reference == "DH-2026-00001"
    assert view.postcode == "DB1 2XY"
    assert view.uprn == "100023"
    assert view.ward == "Riverside"
    assert view.protected_characteristic == "Race"
    assert [p.name for p in view.parties] == ["Zainab Dbtest", "Unknown-male"]
    assert view.parties[0].phone == "07700900555"
    assert view.parties[0].date_of_birth == "1961-02-03"
    assert view.incidents[0].crime_reference == "DP/1/26"
    assert view.incidents[0].occurred_at == NOW - timedelta(days=2)
    assert view.actions[0].overdue is True
    assert view.review_due_on == date(2026, 6, 15)  # a red high case: 14 days


def test_refused_input_leaves_nothing_half_written(session, officers) -> None:
    officer, _police, ward = officers
    bad_second_person = [
        people.PersonInput(role=PartyRole.VICTIM, family_name="Fine"),
        people.PersonInput(
            role=PartyRole.REPORTED, family_name="Bad", postcode="nonsense", prefix="reported-"
        ),
    ]
    with pytest.raises(errors.InputError) as refused:
        _open(session, officer, ward, parties=bad_second_person)
    assert refused.value.field == "reported-postcode"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_case_officer_must_be_a_case_officer_or_manager_of_the_agency(session, officers) -> None:
    officer, police_manager, ward = officers
    dpo = accounts.create_user(
        session,
        agency=session.get_one(Agency, officer.agency_id),
        email="dpo@db.example",
        display_name="D",
        roles={Role.DPO},
        password_hash="not used",
    )
    session.commit()
    assert [u.id for u in listing.officers(session, officer)] == [officer.user_id]
    for not_an_officer in (dpo.id, police_manager.user_id):
        with pytest.raises(errors.InputError) as refused:
            _open(session, officer, ward, officer_id=not_an_officer)
        assert refused.value.field == "officer_id"
        session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_baby_born_today_in_the_uk_is_not_born_in_the_future() -> None:
    half_past_midnight = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)  # 11 June in the UK
    baby = people.PersonInput(
        role=PartyRole.VICTIM, family_name="Newborn", date_of_birth=date(2026, 6, 11)
    )
    assert people.check_person(baby, half_past_midnight)["date_of_birth"] == "2026-06-11"
    tomorrow = people.PersonInput(
        role=PartyRole.VICTIM, family_name="Newborn", date_of_birth=date(2026, 6, 12)
    )
    with pytest.raises(errors.InputError, match="in the past"):
        people.check_person(tomorrow, half_past_midnight)


def test_future_incident_is_refused(session, officers) -> None:
    officer, _police, ward = officers
    case = _open(session, officer, ward)
    with pytest.raises(errors.InputError, match="today or in the past"):
        incidents.add_incident(
            session,
            authorise(session, officer, case.id, Act.RECORD),
            incidents.IncidentInput(occurred_at=NOW + timedelta(hours=1), description="x"),
            now=NOW,
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Incident)) == 0


def test_the_day_a_report_was_made_is_kept_when_it_is_not_the_day_it_is_recorded(
    session, officers
) -> None:
    """An officer writing up a report made last week says so; a report made today needs
    nothing; a report before the behaviour, or in the future, is refused at its field."""
    officer, _police, ward = officers
    case = _open(session, officer, ward)
    authorised = authorise(session, officer, case.id, Act.RECORD)
    happened = NOW - timedelta(days=10)
    late = incidents.add_incident(
        session,
        authorised,
        incidents.IncidentInput(
            occurred_at=happened, description="x", reported_on=date(2026, 5, 25)
        ),
        now=NOW,
    )
    today = incidents.add_incident(
        session,
        authorised,
        incidents.IncidentInput(
            occurred_at=happened, description="y", reported_on=date(2026, 6, 1)
        ),
        now=NOW,
    )
    unsaid = incidents.add_incident(
        session, authorised, incidents.IncidentInput(occurred_at=happened, description="z"), now=NOW
    )
    assert late.reported_day == date(2026, 5, 25)
    assert today.reported_on is None
    assert today.reported_day == date(2026, 6, 1)
    assert unsaid.reported_day == date(2026, 6, 1)
    for reported_on, message in (
        (date(2026, 5, 21), "on or after the day it happened"),
        (date(2026, 6, 2), "today or in the past"),
    ):
        with pytest.raises(errors.InputError, match=message) as refused:
            incidents.add_incident(
                session,
                authorised,
                incidents.IncidentInput(
                    occurred_at=happened, description="x", reported_on=reported_on
                ),
                now=NOW,
            )
        assert refused.value.field == "reported_on"


def test_a_control_character_in_any_text_is_refused_by_the_core(session, officers) -> None:
    officer, _police, ward = officers
    with pytest.raises(errors.InputError, match="control characters") as refused:
        _open(session, officer, ward, summary="Noise\x00 from the flat above")
    assert refused.value.field == "summary"
    session.rollback()
    case = _open(session, officer, ward)
    with pytest.raises(errors.InputError, match="control characters") as refused:
        incidents.add_incident(
            session,
            authorise(session, officer, case.id, Act.RECORD),
            incidents.IncidentInput(occurred_at=NOW - timedelta(hours=1), description="a\x1bb"),
            now=NOW,
        )
    assert refused.value.field == "description"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Incident)) == 0


def test_another_agency_cannot_see_list_or_record_on_the_case(session, officers) -> None:
    officer, police, ward = officers
    case = _open(session, officer, ward)
    with pytest.raises(errors.NotFound):
        disclosure.disclose_case(session, police, case.id)
    with pytest.raises(errors.NotFound):
        incidents.add_incident(
            session,
            authorise(session, police, case.id, Act.RECORD),
            incidents.IncidentInput(occurred_at=NOW, description="x"),
            now=NOW,
        )
    assert listing.list_cases(session, police, listing.CaseFilters()).total == 0
    assert listing.list_cases(session, officer, listing.CaseFilters()).total == 1


def test_closing_records_the_reason_and_stops_reviews(session, officers) -> None:
    officer, _police, ward = officers
    case = _open(session, officer, ward)
    closing.close_case(
        session,
        authorise(session, officer, case.id, Act.CLOSE),
        ClosureReason.NO_REPORTS_28_DAYS,
        "Quiet",
        now=NOW,
        outcome=ClosureOutcome.RESOLVED,
        resolved_by=Intervention.PERPETRATOR_VISIT,
    )
    session.commit()
    view = disclosure.disclose_case(session, officer, case.id)
    assert view.status is CaseStatus.CLOSED
    assert view.review_due_on is None
    assert view.closure_note == "Quiet"
    assert view.may_record is False
    with pytest.raises(errors.InputError, match="already closed"):
        closing.close_case(
            session,
            authorise(session, officer, case.id, Act.CLOSE),
            ClosureReason.RESOLVED,
            now=NOW,
            outcome=ClosureOutcome.NOT_RESOLVED,
        )


def test_a_closure_reason_the_record_contradicts_is_refused_at_its_field(session, officers) -> None:
    """ "No reports of ASB for 28 days" needs 28 days since the latest report (003 §3.13),
    and "the ASB has been resolved" cannot go with the outcome "not resolved"."""
    officer, _police, ward = officers
    case = _open(session, officer, ward)
    incidents.add_incident(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        incidents.IncidentInput(occurred_at=NOW - timedelta(days=12), description="Shouting"),
        now=NOW - timedelta(days=10),
    )
    session.commit()

    def close(reason: ClosureReason, outcome: ClosureOutcome, at: datetime) -> None:
        closing.close_case(
            session,
            authorise(session, officer, case.id, Act.CLOSE),
            reason,
            now=at,
            outcome=outcome,
            resolved_by=Intervention.PERPETRATOR_VISIT
            if outcome is ClosureOutcome.RESOLVED
            else None,
        )

    with pytest.raises(errors.InputError, match="made on 22 May 2026") as refused:
        close(ClosureReason.NO_REPORTS_28_DAYS, ClosureOutcome.RESOLVED, NOW)
    assert refused.value.field == "reason"
    assert "from 19 June 2026" in refused.value.message
    session.rollback()
    with pytest.raises(errors.InputError, match="has been resolved") as refused:
        close(ClosureReason.RESOLVED, ClosureOutcome.NOT_RESOLVED, NOW)
    assert refused.value.field == "outcome"
    session.rollback()
    assert session.get_one(Case, case.id).status is not CaseStatus.CLOSED
    close(ClosureReason.NO_REPORTS_28_DAYS, ClosureOutcome.RESOLVED, NOW + timedelta(days=18))
    assert session.get_one(Case, case.id).status is CaseStatus.CLOSED


def test_list_filters_pages_and_home_counts(session, officers) -> None:
    officer, _police, ward = officers
    for n in range(30):
        _open(
            session,
            officer,
            ward,
            priority=Priority.AMBER if n % 2 else Priority.RED_URGENT,
            ward_id=None if n % 3 else ward.id,
        )
    everything = listing.list_cases(session, officer, listing.CaseFilters(), page=2)
    assert (everything.total, everything.pages, everything.page, len(everything.rows)) == (
        30,
        2,
        2,
        5,
    )
    in_ward = listing.list_cases(session, officer, listing.CaseFilters(ward_id=ward.id))
    assert in_ward.total == 10
    urgent = listing.list_cases(session, officer, listing.CaseFilters(priority=Priority.RED_URGENT))
    assert urgent.total == 15
    home = listing.home_summary(session, officer, date(2026, 7, 1))
    assert home.open_by_priority == {
        Priority.RED_URGENT: 15,
        Priority.RED_HIGH: 0,
        Priority.AMBER: 15,
    }
    assert len(home.reviews_due) == 10  # the first ten of thirty, all due on 29 June


def test_cases_opened_at_the_same_moment_get_different_references(
    migrated_engine: Engine, keys, session, officers
) -> None:
    # Finding 6 of the access review: references were "count of cases + 1", so two
    # officers opening cases at once got the same one (a unique violation, a 500).
    officer, _police, ward = officers
    sessions = make_session_factory(migrated_engine, keys)
    start = threading.Barrier(4)
    references: list[str] = []
    failures: list[BaseException] = []

    def open_three() -> None:
        try:
            with sessions() as mine:
                start.wait(timeout=30)
                for _ in range(3):
                    references.append(_open(mine, officer, mine.get_one(Ward, ward.id)).reference)
        except BaseException as failure:  # noqa: BLE001 - reported by the assertion below
            failures.append(failure)

    threads = [threading.Thread(target=open_three) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(references) == len(set(references)) == 12
    assert sorted(references) == [f"DH-{NOW.year}-{n:05d}" for n in range(1, 13)]
