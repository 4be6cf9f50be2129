"""The SQL form of the access rules picks exactly the cases ``decide`` allows.

Random partnerships (users with random roles and teams; cases open, closed, locked and
erased; active protocols in and out of force, with random parties, clauses for random
agencies, roles and priorities; cases of agencies that are not a party to a protocol they
are shared under, or that a clause needing no share or an emergency clause would reach;
shares live, expired and revoked; break-glass live and expired) are written to
a real database, SQLite and PostgreSQL, migrated by Alembic. For every user and act, the
lists, counts and "shared with us" the hub shows must hold exactly the cases that
``decide`` allows, decided one by one from each case's facts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import cases_where, own_cases_where
from sharing.access.decide import Act, Actor
from sharing.cases.listing import CaseFilters, home_summary, list_cases
from sharing.cases.share_lists import shared_case_count, shared_with
from sharing.models import (
    Agency,
    Area,
    BreakGlass,
    Case,
    LockMember,
    ProtocolRecord,
    Share,
    User,
    UserRole,
)
from sharing.protocols import Clause, Party, ProtocolDocument, Purpose, render_protocol
from sharing.protocols.lawful import EMERGENCY_PURPOSE, RECIPIENT_ROLES
from sharing.vocabulary import (
    CATEGORIES,
    AgencyType,
    CaseCategory,
    CaseStatus,
    Priority,
    ProtocolStatus,
    Role,
    Triage,
)
from tests.fixtures.decisions import GatheredFacts
from tests.sampling import examples

pytestmark = pytest.mark.long

NOW = datetime(2026, 10, 27, 23, 30, tzinfo=UTC)  # after midnight in London: 28 October
TODAY = clock.day_of(NOW)
PURPOSES = ("asb_case_management", "case_conference", "trigger_review")
AGENCIES = (
    ("t-homes", AgencyType.LANDLORD),
    ("t-housing", AgencyType.LANDLORD),
    ("t-police", AgencyType.POLICE),
    ("t-csp", AgencyType.COMMUNITY_SAFETY),
    ("t-other", AgencyType.OTHER),
)
SELECTORS = ("type:landlord", "t-police", "t-csp", "t-other")
#: Each selector as a party to a protocol.
PARTIES = {
    "type:landlord": Party(None, AgencyType.LANDLORD, Role.MANAGER),
    "t-police": Party("t-police", None, Role.MANAGER),
    "t-csp": Party("t-csp", None, Role.MANAGER),
    "t-other": Party("t-other", None, Role.MANAGER),
}
_CHANGED = itertools.count(1)


@dataclass(frozen=True)
class UserSpec:
    agency: int  # index into AGENCIES
    roles: frozenset[Role]
    team: str | None


@dataclass(frozen=True)
class CaseSpec:
    officer: int  # index into the users
    priority: Priority
    closed: bool
    locked: bool
    lock_members: frozenset[int]
    erased: bool


@dataclass(frozen=True)
class ShareSpec:
    case: int
    agency_after_owner: int  # 1 to len(AGENCIES) - 1: a share is always with another agency
    protocol: int
    purpose: str
    days_left: int
    revoked: bool


@dataclass(frozen=True)
class GlassSpec:
    case: int
    user: int
    protocol: int
    clause: str
    minutes_left: int


@dataclass(frozen=True)
class PartnershipSpec:
    users: list[UserSpec]
    cases: list[CaseSpec]
    protocols: list[ProtocolDocument]
    shares: list[ShareSpec]
    glasses: list[GlassSpec]


def _purpose(purpose_id: str) -> Purpose:
    if purpose_id == EMERGENCY_PURPOSE:
        return Purpose(
            id=purpose_id,
            title="Emergency: risk to life",
            article6="vital_interests",
            article9="vital_interests",
            schedule1=(),
            article10=None,
            statutory_power=None,
        )
    return Purpose(
        id=purpose_id,
        title=purpose_id.replace("_", " "),
        article6="public_task",
        article9="substantial_public_interest",
        schedule1=("6", "10", "18"),
        article10="authorised_by_law",
        statutory_power="s.115 Crime and Disorder Act 1998",
    )


def _some(values: object) -> st.SearchStrategy[frozenset]:  # type: ignore[type-arg]
    return st.frozensets(st.sampled_from(values), min_size=1)  # type: ignore[arg-type]


@st.composite
def clauses(draw: st.DrawFn, clause_id: str) -> Clause:
    emergency = draw(st.booleans()) and draw(st.booleans())
    categories = [c for c in CATEGORIES if not (emergency and c == "offending")]
    return Clause(
        id=clause_id,
        purpose=EMERGENCY_PURPOSE if emergency else draw(st.sampled_from(PURPOSES)),
        recipients=tuple(sorted(draw(_some(SELECTORS)))),
        roles=draw(_some(RECIPIENT_ROLES)),
        categories=draw(_some(categories)),
        requires_share=not emergency and draw(st.booleans()),
        priorities=draw(st.none() | _some(list(Priority))),
        emergency=emergency,
    )


@st.composite
def protocols(draw: st.DrawFn, number: int) -> ProtocolDocument:
    in_force = draw(st.booleans()) or draw(st.booleans())
    start = TODAY - timedelta(days=draw(st.integers(0, 400)))
    end = (
        TODAY + timedelta(days=draw(st.integers(0, 400)))
        if in_force
        else TODAY - timedelta(days=draw(st.integers(1, 30)))
    )
    end = max(end, start + timedelta(days=1))
    the_clauses = tuple(
        draw(clauses(f"{number}.{n}")) for n in range(1, draw(st.integers(1, 4)) + 1)
    )
    purposes = sorted({c.purpose for c in the_clauses})
    # every recipient is a party (the checker requires it); other agencies may be too, or
    # not: their cases are disclosed only under a protocol they are a party to
    recipients = {r for c in the_clauses for r in c.recipients}
    parties = recipients | draw(st.frozensets(st.sampled_from(SELECTORS)))
    return ProtocolDocument(
        id=f"protocol-{number}",
        title=f"Protocol {number}",
        version=1,
        handling="OFFICIAL-SENSITIVE",
        start=start,
        end=end,
        review=start + timedelta(days=1),
        retention="Kept while the share is live.",
        parties=tuple(PARTIES[s] for s in SELECTORS if s in parties),
        purposes=tuple(_purpose(p) for p in purposes),
        clauses=the_clauses,
        source=f"protocol-{number}.toml",
    )


@st.composite
def partnerships(draw: st.DrawFn) -> PartnershipSpec:
    # at least one user in each agency, so every agency can own a case
    users = [
        UserSpec(
            agency,
            draw(_some(list(Role))),
            draw(st.sampled_from([None, "north", "south"])),
        )
        for agency in [
            *range(len(AGENCIES)),
            *draw(st.lists(st.integers(0, len(AGENCIES) - 1), max_size=4)),
        ]
    ]
    user_ids = st.integers(0, len(users) - 1)
    cases = [
        CaseSpec(
            officer=draw(user_ids),
            priority=draw(st.sampled_from(list(Priority))),
            closed=draw(st.booleans()),
            locked=(locked := draw(st.booleans())),
            lock_members=draw(st.frozensets(user_ids)) if locked else frozenset(),
            erased=draw(st.integers(0, 5)) == 0,
        )
        for _ in range(draw(st.integers(1, 8)))
    ]
    documents = [draw(protocols(n)) for n in range(1, draw(st.integers(0, 3)) + 1)]
    shares: list[ShareSpec] = []
    glasses: list[GlassSpec] = []
    if documents:
        case_ids = st.integers(0, len(cases) - 1)
        protocol_ids = st.integers(0, len(documents) - 1)
        for _ in range(draw(st.integers(0, 10))):
            shares.append(
                ShareSpec(
                    case=draw(case_ids),
                    agency_after_owner=draw(st.integers(1, len(AGENCIES) - 1)),
                    protocol=draw(protocol_ids),
                    purpose=draw(st.sampled_from(PURPOSES)),
                    days_left=draw(st.integers(-3, 30)),
                    revoked=draw(st.integers(0, 4)) == 0,
                )
            )
        for _ in range(draw(st.integers(0, 3))):
            protocol = draw(protocol_ids)
            glasses.append(
                GlassSpec(
                    case=draw(case_ids),
                    user=draw(user_ids),
                    protocol=protocol,
                    clause=draw(st.sampled_from([c.id for c in documents[protocol].clauses])),
                    minutes_left=draw(st.integers(-60, 240)),
                )
            )
    return PartnershipSpec(users, cases, documents, shares, glasses)


@dataclass
class Written:
    users: list[User]
    cases: list[Case]


def _write(session: Session, agencies: list[Agency], spec: PartnershipSpec) -> Written:
    """The partnership as rows: what the hub's own pages would have written."""
    users = []
    for n, u in enumerate(spec.users):
        user = User(
            agency=agencies[u.agency],
            email=f"user{n}@scope.example",
            display_name=f"User {n}",
            team=u.team,
            password_hash="not used: these users never sign in",
            session_token=f"token-{n}",
            role_grants=[UserRole(role=r) for r in sorted(u.roles)],
        )
        users.append(user)
    session.add_all(users)
    session.flush()
    cases = []
    for n, c in enumerate(spec.cases):
        officer = users[c.officer]
        case = Case(
            reference=f"T-{n}",
            agency_id=officer.agency_id,
            officer_id=officer.id,
            created_by_id=officer.id,
            category=CaseCategory.NOISE,
            priority=c.priority,
            triage=Triage.LOW_LEVEL,
            status=CaseStatus.CLOSED if c.closed else CaseStatus.ACTIVE,
            locked=c.locked,
            erased_at=NOW - timedelta(days=1) if c.erased else None,
        )
        cases.append(case)
    session.add_all(cases)
    session.flush()
    for case, c in zip(cases, spec.cases, strict=True):
        for member in sorted(c.lock_members):
            session.add(
                LockMember(case_id=case.id, user_id=users[member].id, named_by_id=case.officer_id)
            )
    records = []
    changed = NOW - timedelta(seconds=next(_CHANGED))  # a protocol state not seen before
    for document in spec.protocols:
        record = ProtocolRecord(
            key=document.id,
            version=document.version,
            title=document.title,
            source=render_protocol(document),
            status=ProtocolStatus.ACTIVE,
            start_on=document.start,
            end_on=document.end,
            review_on=document.review,
            changed_at=changed,
        )
        records.append(record)
    session.add_all(records)
    session.flush()
    for s in spec.shares:
        case = cases[s.case]
        owner = spec.users[spec.cases[s.case].officer].agency
        session.add(
            Share(
                case_id=case.id,
                agency_id=agencies[(owner + s.agency_after_owner) % len(AGENCIES)].id,
                protocol_id=records[s.protocol].id,
                purpose=s.purpose,
                until=TODAY + timedelta(days=s.days_left),
                created_by_id=case.officer_id,
                revoked_at=NOW - timedelta(hours=1) if s.revoked else None,
            )
        )
    for g in spec.glasses:
        session.add(
            BreakGlass(
                case_id=cases[g.case].id,
                user_id=users[g.user].id,
                protocol_id=records[g.protocol].id,
                clause=g.clause,
                started_at=NOW - timedelta(hours=4),
                expires_at=NOW + timedelta(minutes=g.minutes_left),
            )
        )
    session.flush()
    return Written(users, cases)


class Decisions:
    """``decide`` asked one case at a time, from facts gathered once per partnership."""

    def __init__(self, session: Session, cases: list[Case]) -> None:
        self.gathered = GatheredFacts(session, [c.id for c in cases])

    def allowed(
        self, actor: Actor, act: Act, purpose: str | None, *, emergency: bool = True
    ) -> set[int]:
        """The cases ``decide`` lets the actor do ``act`` to (for ``purpose``); without
        ``emergency``, as if the actor had no break-glass."""
        return {
            case_id
            for case_id in self.gathered.cases
            if self.gathered.decide(
                actor, case_id, act, purpose, now=NOW, emergency=emergency
            ).allowed
        }

    def own(self, actor: Actor, act: Act) -> set[int]:
        """Those of the owning agency's cases ``decide`` lets the actor do ``act`` to."""
        return {
            case_id
            for case_id in self.allowed(actor, act, None)
            if self.gathered.cases[case_id].agency_id == actor.agency_id
        }


def _selected(session: Session, condition: object) -> set[int]:
    return set(session.scalars(select(Case.id).where(condition)))  # type: ignore[arg-type]


@pytest.fixture
def agencies(migrated_engine: Engine) -> list[int]:
    with Session(migrated_engine) as session:
        area = Area(code="scope", name="Scopeshire")
        rows = [
            Agency(code=code, name=code, type=kind, area=area, case_prefix=f"S{n}")
            for n, (code, kind) in enumerate(AGENCIES)
        ]
        session.add_all(rows)
        session.commit()
        return [a.id for a in rows]


@settings(
    max_examples=examples(full=40, sample=15),  # all 40 in an exhaustive run, as on CI
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=partnerships())
def test_lists_counts_and_shared_cases_hold_exactly_what_decide_allows(
    migrated_engine: Engine, agencies: list[int], spec: PartnershipSpec
) -> None:
    with Session(migrated_engine) as session, clock.pinned(NOW):
        try:
            the_agencies = [session.get_one(Agency, a) for a in agencies]
            written = _write(session, the_agencies, spec)
            decisions = Decisions(session, written.cases)
            for user in written.users:
                actor = Actor.of(user)
                # the owning agency's cases, for every act
                for act in Act:
                    chosen = _selected(session, own_cases_where(actor, act))
                    assert chosen == decisions.own(actor, act), (act, actor)
                # every case the actor may view, for each purpose and for any
                any_purpose = decisions.allowed(actor, Act.VIEW, None)
                for purpose in PURPOSES:
                    allowed = decisions.allowed(actor, Act.VIEW, purpose)
                    assert _selected(session, cases_where(session, actor, purpose, NOW)) == allowed
                    any_purpose |= allowed
                assert _selected(session, cases_where(session, actor, None, NOW)) == any_purpose
                # what the pages show: the case list and its count, the home page's counts,
                # and "shared with us" (the live shares through which the actor may open a
                # case for the share's purpose, break-glass aside)
                own_view = decisions.own(actor, Act.VIEW)
                listed = list_cases(session, actor, CaseFilters())
                assert listed.total == len(own_view)
                assert {row.id for row in listed.rows} == own_view
                counted = {
                    c.id
                    for c in written.cases
                    if c.id in own_view
                    and c.status is not CaseStatus.CLOSED
                    and c.erased_at is None  # an erased case is in no open count
                    and (actor.has(Role.MANAGER) or c.officer_id == actor.user_id)
                }
                summary = home_summary(session, actor, TODAY)
                assert sum(summary.open_by_priority.values()) == len(counted)
                by_purpose = {
                    p: decisions.allowed(actor, Act.VIEW, p, emergency=False) for p in PURPOSES
                }
                live_shares = session.scalars(
                    select(Share).where(
                        Share.agency_id == actor.agency_id,
                        Share.revoked_at.is_(None),
                        Share.until >= TODAY,
                    )
                )
                expected = {
                    (s.case_id, s.purpose)
                    for s in live_shares
                    if s.case_id in by_purpose[s.purpose]
                }
                shown = {(row.case_id, row.purpose) for row in shared_with(session, actor)}
                assert shown == expected
                # the home page's "N cases are shared with you"
                assert shared_case_count(session, actor) == len({c for c, _ in expected})
        finally:
            session.rollback()
