"""The Northshire demo partnership: complete enough to try every role, and reproducible."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.accounts import check_password_rules
from sharing.authenticator_apps import authenticator_secret
from sharing.cases.needs import adjustments_sentence
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealed_format import personal_columns
from sharing.crypto.sealing import unseal
from sharing.db import make_engine, make_session_factory
from sharing.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DemoError,
    DemoSummary,
    accounts_markdown,
    build_demo,
    demo_accounts,
)
from sharing.demo.conferences import AGENDA_ITEMS
from sharing.demo.partnership import DEMO_SEED
from sharing.demo.planner import Planner
from sharing.formats import normalise_postcode
from sharing.models import (
    Action,
    Agency,
    AgendaItem,
    Area,
    AuditEntry,
    Base,
    Case,
    CaseParty,
    CaseReview,
    ChairChange,
    ClosureSurvey,
    Conference,
    Incident,
    LockRequest,
    MeetingSeries,
    Person,
    Referral,
    RiskAssessment,
    Share,
    TriageChange,
    TriggerApplication,
    User,
)
from sharing.trigger import handling
from sharing.trigger.input_checks import reports_of
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    AgencyType,
    AppealDecision,
    AssessmentStage,
    Attendance,
    CaseStatus,
    ChairChangeReason,
    ClosureOutcome,
    LockReason,
    LockStatus,
    MinutesStatus,
    PartyRole,
    Priority,
    ReferralKind,
    ReferralOutcome,
    Role,
    SurveyChannel,
    ThresholdDecision,
    TriggerChannel,
)

pytestmark = pytest.mark.long

TODAY = date(2026, 3, 14)
START_OF_TODAY = datetime(2026, 3, 14, tzinfo=UTC)


def _empty_engine() -> Engine:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    return engine


def _keys(tmp_path_factory: pytest.TempPathFactory) -> LocalKeyring:
    return LocalKeyring.create(tmp_path_factory.mktemp("keys") / "keyring.json", index_lengths())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, DemoSummary]]:
    engine = _empty_engine()
    session = make_session_factory(engine, _keys(tmp_path_factory))()
    summary = build_demo(session, today=TODAY)
    yield session, summary
    session.close()
    engine.dispose()


@pytest.fixture
def session(demo: tuple[Session, DemoSummary]) -> Session:
    return demo[0]


@pytest.fixture
def summary(demo: tuple[Session, DemoSummary]) -> DemoSummary:
    return demo[1]


#: Columns that are random on purpose: a session token must not be guessable from the
#: seed, keys are made when they are made, and the keyed hashes of blind indexes differ
#: with every key store.
_RANDOM_COLUMNS = {
    ("users", "session_token"),
    # Sealed with a fresh nonce (what they open to: test_demo_accounts_match_the_users_built).
    ("users", "totp_sealed"),
    ("data_keys", "wrapped"),
    ("data_keys", "created_at"),
    ("blind_indexes", "value"),
    # The audit log records when the demo was really built, and its hashes cover that time.
    ("audit_entries", "at"),
    ("audit_entries", "leaf"),
    ("audit_entries", "subtrees"),
    ("audit_tree", "frontier"),
    ("audit_tree", "root"),
}


def _all_rows(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, with sealed values decrypted (their ciphertexts differ
    from build to build, as they must: random data keys and nonces)."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        model = next((m.class_ for m in Base.registry.mappers if m.local_table is table), None)
        sealed = set(personal_columns(model)) if model is not None else set()
        plain = [
            c
            for c in table.c
            if (table.name, c.name) not in _RANDOM_COLUMNS and c.name not in sealed
        ]
        if not sealed:
            rows[table.name] = [
                tuple(r)
                for r in session.execute(select(*plain).order_by(*table.primary_key.columns))
            ]
            continue
        records = session.scalars(select(model).order_by(*table.primary_key.columns))
        rows[table.name] = [
            (*(getattr(r, c.key) for c in plain), *(unseal(r, c) for c in sorted(sealed)))
            for r in records
        ]
    return rows


def test_demo_has_a_year_of_casework_across_the_casework_agencies(session, summary):
    cases = session.scalars(select(Case)).all()
    assert len(cases) >= 300
    assert summary.cases == len(cases)
    owners = {case.agency.type for case in cases}
    assert owners == {
        AgencyType.LANDLORD,
        AgencyType.POLICE,
        AgencyType.ENVIRONMENTAL_HEALTH,
        AgencyType.COMMUNITY_SAFETY,
    }
    landlord_cases = sum(1 for case in cases if case.agency.type is AgencyType.LANDLORD)
    assert landlord_cases > len(cases) / 2


def test_every_case_is_opened_and_owned_by_a_case_officer_of_its_agency(session):
    for case in session.scalars(select(Case)):
        assert case.officer.agency_id == case.agency_id
        assert Role.CASE_OFFICER in case.officer.roles
        assert case.created_by_id == case.officer_id
        assert case.reference.startswith(case.agency.case_prefix + "-")


def test_partnership_has_the_agencies_of_the_design(session):
    area = session.scalars(select(Area)).one()
    assert 50_000 <= (area.homes or 0) <= 70_000
    assert len(area.wards) >= 8
    agencies = session.scalars(select(Agency)).all()
    types = [agency.type for agency in agencies]
    assert types.count(AgencyType.LANDLORD) >= 2
    for needed in AgencyType:
        if needed is not AgencyType.OTHER:
            assert needed in types
    assert len({agency.case_prefix for agency in agencies}) == len(agencies)


def test_every_role_is_held_by_a_demo_user(session):
    held = {role for user in session.scalars(select(User)) for role in user.roles}
    assert held == set(Role)


def test_data_protection_officers_sit_in_two_agencies_or_more(session):
    dpos = [user for user in session.scalars(select(User)) if user.has_role(Role.DPO)]
    assert len({user.agency_id for user in dpos}) >= 2


def test_totp_secrets_are_set_exactly_for_users_needing_a_second_factor(session):
    for user in session.scalars(select(User)):
        secret = authenticator_secret(session, user)
        if user.second_factor_required:
            assert secret is not None
            assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        else:
            assert secret is None


def test_demo_accounts_match_the_users_built(session):
    users = {user.email: user for user in session.scalars(select(User))}
    assert sorted(users) == sorted(account.email for account in DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        user = users[account.email]
        assert account.email.endswith(".example")
        assert account.totp_secret == authenticator_secret(session, user)
        assert account.display_name == user.display_name
        assert account.agency_name == user.agency.name
        assert set(account.roles) == {role.label for role in user.roles}


def test_demo_password_signs_every_account_in_and_no_other_account_may_have_it(session):
    assert check_password_rules(DEMO_PASSWORD) == (
        "Password must not be the demo partnership's password, which is published"
    )
    assert check_password_rules(f"{DEMO_PASSWORD}!") is None  # otherwise within the rules
    hashes = {user.password_hash for user in session.scalars(select(User))}
    assert all(PasswordHasher().verify(h, DEMO_PASSWORD) for h in hashes)


def test_accounts_markdown_lists_every_account_in_a_table():
    table = accounts_markdown()
    lines = table.strip().splitlines()
    assert lines[0] == "| Agency | Role(s) | Sign-in e-mail | TOTP secret |"
    assert len(lines) == 2 + len(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        assert f"`{account.email}`" in table
        if account.totp_secret:
            assert account.totp_secret in table


def test_totp_secrets_follow_the_seed():
    other = {account.email: account.totp_secret for account in demo_accounts(seed=7)}
    for account in DEMO_ACCOUNTS:
        if account.totp_secret:
            assert other[account.email] not in (None, account.totp_secret)


def test_cases_are_marked_for_locking_by_their_case_officers(session, summary):
    every = session.scalars(select(LockRequest)).all()
    assert summary.lock_requests == len(every)
    requests = [r for r in every if r.status is LockStatus.REQUESTED]
    assert len(requests) >= 2
    # One more, approved, locked a case a Community Trigger application then counted.
    (approved,) = [r for r in every if r.status is not LockStatus.REQUESTED]
    assert approved.status is LockStatus.APPROVED
    assert approved.case.locked
    assert {LockReason.EMPLOYEE_REPORTED, LockReason.SENSITIVE} <= {r.reason for r in requests}
    for request in requests:
        assert request.requested_by_id == request.case.officer_id
        assert unseal(request, "note")
        assert request.case.opened_at <= request.requested_at < START_OF_TODAY


def test_a_victim_is_known_to_more_than_one_agency(session, summary):
    agencies: dict[tuple[str | None, ...], set[int]] = defaultdict(set)
    victims = session.scalars(select(CaseParty).where(CaseParty.role == PartyRole.VICTIM))
    for party in victims:
        person = party.person
        key = tuple(unseal(person, c) for c in ("given_names", "family_name", "date_of_birth"))
        agencies[key].add(party.case.agency_id)
    repeat = [key for key, owners in agencies.items() if len(owners) >= 2]
    assert repeat
    assert summary.repeat_victims == len(repeat)


def test_each_person_belongs_to_the_agency_that_recorded_them(session, summary):
    parties = session.scalars(select(CaseParty)).all()
    assert all(party.person.agency_id == party.case.agency_id for party in parties)
    assert summary.persons == session.scalar(select(func.count()).select_from(Person))


def test_hate_motivated_cases_name_a_protected_characteristic(session):
    cases = session.scalars(select(Case)).all()
    hate = [case for case in cases if case.hate_motivated]
    assert 0.01 * len(cases) <= len(hate) <= 0.1 * len(cases)
    assert all(case.protected_characteristic is not None for case in hate)
    assert all(case.protected_characteristic is None for case in cases if not case.hate_motivated)
    assert any(incident.hate_related for case in hate for incident in case.incidents)


def test_incidents_fall_in_the_year_before_today_and_never_in_the_future(session, summary):
    incidents = session.scalars(select(Incident)).all()
    assert summary.incidents == len(incidents)
    earliest = START_OF_TODAY - timedelta(days=380)
    for incident in incidents:
        assert earliest <= incident.occurred_at < START_OF_TODAY
        assert incident.occurred_at <= incident.recorded_at < START_OF_TODAY
        assert incident.case.opened_at <= incident.recorded_at
        if unseal(incident, "crime_reference"):
            assert incident.reported_to_police


def test_cases_have_one_to_eight_incidents_and_at_most_four_actions(session):
    for case in session.scalars(select(Case)):
        assert 1 <= len(case.incidents) <= 8
        # The case officer's own plan; a conference's action plan comes on top, and so
        # does the follow-up of a complainant's dissatisfaction with the closure.
        planned = [
            a
            for a in case.actions
            if a.conference_id is None and a.kind is not ActionKind.DISSATISFACTION_FOLLOW_UP
        ]
        assert len(planned) <= 4


def test_reports_reach_agencies_other_than_the_owner(session):
    incidents = session.scalars(select(Incident)).all()
    assert any(incident.received_by_agency_id != incident.case.agency_id for incident in incidents)
    assert any(
        incident.reported_to_police and unseal(incident, "crime_reference")
        for incident in incidents
    )


def test_open_actions_fall_due_within_sixty_days_and_done_ones_in_the_past(session, summary):
    actions = session.scalars(select(Action)).all()
    assert summary.actions == len(actions)
    assert any(action.owner_agency_id != action.case.agency_id for action in actions)
    for action in actions:
        if action.conference_id is not None:
            continue  # a conference's plan, with one action overdue (the next test)
        assert action.case.opened_at <= action.created_at < START_OF_TODAY
        if action.status is ActionStatus.OPEN:
            assert action.due_on is not None
            assert TODAY <= action.due_on <= TODAY + timedelta(days=60)
        if action.status is ActionStatus.DONE:
            assert action.completed_on is not None
            assert action.completed_on < TODAY


def test_one_conference_was_held_and_minuted_and_one_is_to_come(session, summary):
    every = session.scalars(select(Conference).order_by(Conference.starts_at)).all()
    assert summary.conferences == len(every)
    conferences = [c for c in every if c.sitting_id is None]
    assert len(conferences) == 2
    held, upcoming = conferences
    assert held.starts_at < START_OF_TODAY < upcoming.starts_at
    assert held.minutes_status is MinutesStatus.AGREED
    assert held.minutes_agreed_by_id == held.chair_id
    assert len(held.minutes) == 3
    assert [d.kind.value for d in held.decisions] == ["legal_action"]
    assert unseal(held.decisions[0], "vulnerability")
    assert {a.attendance for a in held.attendees} == {Attendance.PRESENT, Attendance.APOLOGIES}
    assert [r.answered_at is not None for r in held.requests].count(True) == 2
    plan = session.scalars(select(Action).where(Action.conference_id == held.id)).all()
    assert {a.status for a in plan} == {ActionStatus.DONE, ActionStatus.OPEN}
    assert any(a.status is ActionStatus.OPEN and a.due_on < TODAY for a in plan)  # overdue
    assert any(a.owner_agency.type is AgencyType.POLICE for a in plan)
    for invitation in held.invitations:
        assert invitation.share.until > TODAY  # attendees can still read it
    assert upcoming.minutes_status is None
    assert not any(r.answered_at for r in upcoming.requests)
    # Its chair, who can no longer attend it, was changed by its officer.
    [change] = session.scalars(select(ChairChange)).all()
    assert change.conference_id == upcoming.id
    assert change.chair_to_id == upcoming.chair_id != change.chair_from_id
    assert change.changed_by_id == upcoming.case.officer_id
    assert change.reason is ChairChangeReason.CANNOT_ATTEND
    assert upcoming.convened_at < change.changed_at < START_OF_TODAY


def test_the_problem_solving_group_sat_on_one_case_and_sits_next_on_two(session):
    [group] = session.scalars(
        select(MeetingSeries).where(MeetingSeries.purpose != "community_trigger")
    ).all()
    past, *to_come = group.sittings
    assert past.starts_at < START_OF_TODAY
    [earlier] = past.conferences
    assert earlier.minutes_status is MinutesStatus.AGREED
    plan = session.scalars(select(Action).where(Action.conference_id == earlier.id)).all()
    assert [a.status for a in plan] == [ActionStatus.DONE]
    [following] = to_come
    assert following.starts_at > START_OF_TODAY
    brought = {c.case.agency.code for c in following.conferences}
    assert brought == {"northshire-homes", "larkmoor-ha"}
    members = {m.user.agency_id for m in group.members}
    # Its organiser's own items and the figures pack are on the next sitting's agenda.
    items = session.scalars(select(AgendaItem).where(AgendaItem.sitting_id == following.id))
    kept = list(items)
    assert [i.key for i in kept].count("figures") == 1
    assert [i.text for i in kept if i.key == "text"] == list(AGENDA_ITEMS)
    assert not past.agenda_items
    # Two apologies for it, recorded by its organiser: the sergeant by name, and
    # environmental health; none for the sitting that was held.
    sergeant = next(m.user for m in group.members if m.user.agency.code == "northshire-police")
    sent = [(a.agency.code, a.name) for a in sorted(following.apologies, key=lambda a: a.id)]
    assert sent == [("northshire-police", sergeant.display_name), ("northshire-eh", None)]
    assert {a.added_by_id for a in following.apologies} == {group.set_up_by_id}
    assert all(a.added_at < START_OF_TODAY for a in following.apologies)
    assert not past.apologies
    for conference in [earlier, *following.conferences]:
        assert conference.chair_id == group.chair_id
        assert {i.agency_id for i in conference.invitations} == members - {
            conference.case.agency_id
        }


def test_the_police_and_every_landlord_marked_an_action_done_in_the_last_30_days(session):
    since = START_OF_TODAY - timedelta(days=30)
    done = session.scalars(
        select(Action).where(Action.status == ActionStatus.DONE, Action.closed_at >= since)
    ).all()
    by_agency = {a.owner_agency.code: a for a in done}
    landlords = session.scalars(select(Agency.code).where(Agency.type == AgencyType.LANDLORD))
    for code in ["northshire-police", *landlords]:
        action = by_agency[code]
        assert unseal(action, "outcome_note")  # what was done
        assert action.closed_by.agency_id == action.owner_agency_id
        assert action.completed_on is not None
        assert action.completed_on < TODAY
        assert action.closed_at < START_OF_TODAY


def test_a_landlord_case_closed_lately_closed_an_action_of_its_own_with_it(session):
    since = START_OF_TODAY - timedelta(days=30)
    closed = session.scalars(
        select(Action).where(Action.closed_with_case.is_(True), Action.closed_at >= since)
    ).all()
    assert closed
    for action in closed:
        case = action.case
        assert case.agency.type is AgencyType.LANDLORD
        assert action.owner_agency_id == case.agency_id
        assert action.status is ActionStatus.CANCELLED
        assert action.closed_at == case.closed_at
        assert action.closed_by_id == case.officer_id
        assert action.completed_on is None
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "case.close", AuditEntry.object_id == str(case.id)
            )
        ).one()
        assert f"closed with it: actions {action.id}" in entry.basis


def test_the_hate_case_with_most_hate_incidents_has_been_through_the_pathway(session):
    [referral] = session.scalars(
        select(Referral).where(Referral.kind == ReferralKind.HATE_SERVICE)
    ).all()
    case = referral.case
    assert case.hate_motivated
    assert case.priority is Priority.RED_URGENT
    assert referral.outcome is ReferralOutcome.ACCEPTED
    police = [s for s in session.scalars(select(Share).where(Share.case_id == case.id))]
    assert any(s.agency.type is AgencyType.POLICE and s.until > TODAY for s in police)
    others = [c for c in session.scalars(select(Case).where(Case.hate_motivated)) if c != case]
    assert all(
        sum(i.hate_related for i in c.incidents) <= sum(i.hate_related for i in case.incidents)
        for c in others
        if c.agency.type is AgencyType.LANDLORD
        and c.status is not CaseStatus.CLOSED
        and not c.locked
        and c.erased_at is None
    )


def test_a_year_of_community_trigger_applications_in_every_state(session, summary):
    applications = session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.received_on)
    ).all()
    assert summary.trigger_applications == len(applications) == 8
    assert all(TODAY - timedelta(days=365) < a.received_on < TODAY for a in applications)
    assert all(a.received_on.weekday() < 5 for a in applications)
    by = {d: [a for a in applications if a.decision is d] for d in ThresholdDecision}
    # Met by the rules' count (the advice says so), not met, met by discretion, waiting.
    assert len(by[ThresholdDecision.MET]) == 3
    assert all(a.rules_met for a in by[ThresholdDecision.MET])
    assert len(by[ThresholdDecision.NOT_MET]) == 2
    assert all(not a.rules_met for a in by[ThresholdDecision.NOT_MET])
    assert len(by[ThresholdDecision.DISCRETION]) == 2
    assert [a for a in applications if a.decision is None] == [applications[-1]]
    reviewed = [a for a in applications if a.outcome_on]
    assert len(reviewed) == 4
    assert any(a.recommendations for a in reviewed)
    assert any(not a.recommendations for a in reviewed)
    assert any(r.completed_on for a in reviewed for r in a.recommendations)
    assert any(r.completed_on is None for a in reviewed for r in a.recommendations)
    # A review appealed and the appeal not upheld; a "not met" decision appealed and sent
    # back, to be decided again.
    assert [a for a in reviewed if a.appeal_decision] == [
        a for a in reviewed if a.appeal_received_on
    ]
    assert len([a for a in reviewed if a.appeal_decision]) == 1
    [sent_back] = [a for a in applications if handling.to_decide_again(a)]
    assert sent_back.appeal_decision is AppealDecision.UPHELD
    assert sent_back.first_decided_at is None
    assert len([a for a in applications if a.appeal_decision]) == 2
    # One counted a complaint on a case locked before it was made.
    counted_locked = [a for a in applications if any(r.locked for r in a.requests)]
    assert len(counted_locked) == 1
    # The one waiting came on the public form and says whom it was reported to.
    waiting = applications[-1]
    assert waiting.channel is TriggerChannel.ONLINE
    reported = reports_of(unseal(waiting, "reported_to"))
    assert [r.agency for r in reported] == ["northshire-police", "northshire-csp", "other"]
    assert reported[0].month is not None
    assert reported[0].month < waiting.received_on
    assert [a for a in applications if a.reported_to] == [waiting]
    # The lead corrected it: what the applicant said, and an agency holding a complaint
    # of theirs that they left out, with the month of that complaint and the reason.
    corrected = reports_of(unseal(waiting, "reported_to_corrected"))
    assert corrected[:3] == reported
    [added] = corrected[3:]
    assert added.agency not in {"northshire-police", "northshire-csp", "other"}
    assert added.name in unseal(waiting, "reported_to_reason")
    assert added.month is not None
    assert added.month <= waiting.received_on
    assert [a for a in applications if a.reported_to_corrected] == [waiting]
    before_the_panel = [a for a in applications if a.review_sitting_id and not a.outcome_on]
    assert len(before_the_panel) == 1
    assert before_the_panel[0].review_sitting.starts_at > START_OF_TODAY


def test_cases_are_mostly_active_some_closed_and_some_reviews_overdue(session):
    cases = session.scalars(select(Case)).all()
    by_status = {status: [c for c in cases if c.status is status] for status in CaseStatus}
    assert len(by_status[CaseStatus.ACTIVE]) > len(cases) / 2
    assert by_status[CaseStatus.INACTIVE]
    for case in by_status[CaseStatus.CLOSED]:
        assert case.closure_reason is not None
        assert case.closed_at is not None
        assert case.closed_at < START_OF_TODAY
        assert case.review_due_on is None
    due = [c.review_due_on for c in by_status[CaseStatus.ACTIVE] if c.review_due_on]
    assert any(day < TODAY for day in due)
    assert any(day > TODAY for day in due)


def test_addresses_and_contact_details_are_invented_but_well_formed(session):
    for case in session.scalars(select(Case)):
        postcode = unseal(case, "postcode")
        assert postcode is not None
        assert postcode.startswith("NX")
        assert normalise_postcode(postcode) == postcode
        uprn = unseal(case, "uprn")
        assert uprn is None or uprn.isdigit()
    for person in session.scalars(select(Person)):
        phone = unseal(person, "phone")
        assert phone is None or re.fullmatch(r"07700900\d{3}", phone)
        email = unseal(person, "email")
        assert email is None or email.endswith(".example")


def test_the_same_seed_and_day_build_the_same_database(session, tmp_path_factory):
    engine = _empty_engine()
    with make_session_factory(engine, _keys(tmp_path_factory))() as again:
        build_demo(again, today=TODAY)
        assert _all_rows(again) == _all_rows(session)
    engine.dispose()


def test_another_seed_plans_other_cases():
    first = Planner(random.Random(2026), TODAY).plan()
    second = Planner(random.Random(2027), TODAY).plan()
    assert [p.summary for p in first] != [p.summary for p in second]


@pytest.mark.parametrize(
    "day",
    [TODAY, date(2026, 11, 23), date(2027, 3, 28), date(2028, 2, 29), date(2028, 12, 31)],
)
def test_whatever_the_day_one_victim_can_apply_for_a_case_review(day):
    # Someone whose complaints to their landlord, the police and one more body within the
    # Community Trigger's six months are on cases still open (the journey's applicant).
    plans = Planner(random.Random(DEMO_SEED), day).plan()
    by_person: dict[tuple[str, str, date], list] = defaultdict(list)
    for plan in plans:
        for party in plan.parties:
            if party.role is PartyRole.VICTIM:
                person = party.resident
                by_person[person.given_names, person.family_name, person.date_of_birth].append(plan)
    ready = [
        cases
        for cases in by_person.values()
        if len({c.agency for c in cases}) >= 3
        and {"northshire-police"} <= {c.agency for c in cases}
        and any(c.agency in ("larkmoor-ha", "northshire-homes", "wealdbrook-ht") for c in cases)
        and all(c.status is CaseStatus.ACTIVE for c in cases)
        and all(c.opened_at.date() > day - timedelta(days=150) for c in cases)
    ]
    assert ready, day


@pytest.mark.parametrize("day", [date(2026, 7, 15), date(2026, 12, 5)])
def test_the_demo_is_planned_on_an_english_clock_and_never_after_the_days_start(day):
    """Built at half past midnight in summer (23:30 UTC the day before), nothing of the
    demo is later than that moment: every time is before midnight in England. Cases are
    opened in English office hours, summer or winter."""
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=clock.PARTNERSHIP_ZONE)
    plans = Planner(random.Random(DEMO_SEED), day).plan()
    moments = [p.opened_at for p in plans]
    moments += [i.recorded_at for p in plans for i in p.incidents]
    moments += [i.occurred_at for p in plans for i in p.incidents]
    moments += [a.created_at for p in plans for a in p.actions]
    assert max(moments) < midnight
    opened = {p.opened_at.astimezone(clock.PARTNERSHIP_ZONE).hour for p in plans}
    assert opened <= set(range(9, 18)), sorted(opened)


def test_a_second_build_into_the_same_database_is_refused(session):
    with pytest.raises(DemoError, match="already has a partnership"):
        build_demo(session, today=TODAY)


def test_victims_are_risk_assessed_in_every_band_some_more_than_once(session, summary):
    assessments = session.scalars(select(RiskAssessment)).all()
    assert summary.risk_assessments == len(assessments) > 100
    assert {a.band.value for a in assessments} == {"low", "medium", "high"}
    assert any(a.adjusted and unseal(a, "adjustment_reason") for a in assessments)
    per_person: dict[tuple[int, int], list] = defaultdict(list)
    for a in sorted(assessments, key=lambda a: a.assessed_at):
        per_person[(a.case_id, a.person_id)].append(a.score)
    repeated = [scores for scores in per_person.values() if len(scores) > 1]
    assert any(s[-1] > s[-2] for s in repeated)  # rising
    assert any(s[-1] < s[-2] for s in repeated)  # falling
    assert all(a.assessed_at < START_OF_TODAY for a in assessments)
    assert summary.triage_changes == len(session.scalars(select(TriageChange)).all()) > 0
    open_cases = session.scalars(select(Case).where(Case.status != CaseStatus.CLOSED)).all()
    due = [c.risk_review_due_on for c in open_cases if c.risk_review_due_on]
    assert any(day <= TODAY for day in due)
    assert any(day > TODAY for day in due)


def test_the_police_keep_their_cases_risk_assessed_with_a_few_reviews_due(session) -> None:
    """A police officer's home page lists the reviews a working team has due: every red
    case and most amber ones assessed, the latest review of each within four weeks, one
    or two past their date and a few falling due within the week, none "not assessed"."""
    police = session.scalars(
        select(Case).where(
            Case.status != CaseStatus.CLOSED, Case.agency.has(type=AgencyType.POLICE)
        )
    ).all()
    assessments = session.scalars(
        select(RiskAssessment).where(RiskAssessment.case_id.in_([c.id for c in police]))
    ).all()
    assessed = {a.case_id for a in assessments}
    assert len(assessed) > 2 * len(police) / 3
    assert all(c.id in assessed for c in police if c.priority is not Priority.AMBER)
    assert all(c.id in assessed for c in police if c.risk_review_due_on)
    assert all(a.assessed_at < START_OF_TODAY for a in assessments)
    assert any(a.stage is AssessmentStage.REVIEW for a in assessments)
    due = sorted(c.risk_review_due_on for c in police if c.risk_review_due_on)
    assert 1 <= sum(day <= TODAY for day in due) <= 2
    assert 1 <= sum(TODAY < day <= TODAY + timedelta(days=7) for day in due) <= 5
    assert due[-1] <= TODAY + timedelta(days=28)
    assert all(c.first_contact_on is not None for c in police if c.id in assessed)


def test_closed_cases_record_their_outcome_and_the_complainants_survey(session, summary):
    closed = session.scalars(select(Case).where(Case.status == CaseStatus.CLOSED)).all()
    assert closed
    assert all(c.closure_outcome is not None for c in closed)
    resolved = [c for c in closed if c.closure_outcome is ClosureOutcome.RESOLVED]
    assert resolved
    assert len(resolved) < len(closed)
    assert all((c.resolved_by is not None) == (c in resolved) for c in closed)
    surveys = session.scalars(select(ClosureSurvey)).all()
    assert summary.closure_surveys == len(surveys) > 0
    assert {s.channel for s in surveys} == set(SurveyChannel)
    answered = [s for s in surveys if s.channel.answered or s.answered_at]
    assert all(s.overall is not None and len(s.answers) == 4 for s in answered)
    assert all(s.overall is None and not s.answers for s in surveys if s not in answered)
    by_link = [s for s in surveys if s.channel is SurveyChannel.LINK]
    assert any(s.answered_at for s in by_link)
    assert all(s.link_hash is None for s in by_link if s.answered_at)
    dissatisfied = [s for s in answered if s.overall.dissatisfied]
    assert dissatisfied
    assert all(s.follow_up is not None for s in dissatisfied)
    assert all(s.follow_up is None for s in surveys if s not in dissatisfied)
    assert all(s.recorded_at > s.case.closed_at for s in surveys)


def test_open_cases_past_their_first_review_have_one_that_set_their_review_date(
    session, summary
) -> None:
    """Each open case's latest review set its review date (an earlier one may have
    recorded first contact with the complainant, as may one on a case closed since)."""
    reviewed = session.scalars(select(CaseReview).order_by(CaseReview.id)).all()
    assert len(reviewed) == summary.case_reviews > 50
    latest: dict[int, CaseReview] = {}
    for review in sorted(reviewed, key=lambda r: r.reviewed_at):
        latest[review.case_id] = review
    open_reviewed = [r for r in latest.values() if r.case.status is not CaseStatus.CLOSED]
    assert len(open_reviewed) > 50
    assert all(r.next_review_on == r.case.review_due_on for r in open_reviewed)
    for review in reviewed:
        case = review.case
        assert review.reviewed_at > case.opened_at
        assert case.closed_at is None or review.reviewed_at < case.closed_at
        assert review.reviewed_at < clock.now()
        if review.contacted_on:
            assert case.last_contact_on >= review.contacted_on
    assert any(r.contact_method is None for r in reviewed)  # some complainants not reached


def test_some_victims_and_witnesses_have_their_adjustments_and_contact_needs(session) -> None:
    people = session.scalars(select(Person).where(Person.adjustments.is_not(None))).all()
    assert len(people) > 10
    sentences = [adjustments_sentence(unseal(p, "adjustments")) for p in people]
    assert any(s and s.startswith("An interpreter (") for s in sentences)
