"""Access decisions as properties: deny by default, nothing beyond what an active clause
gives, expired protocols give nothing, a protocol gives nothing of an agency that is not
its party, a lock overrides everything."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sharing import clock
from sharing.access.decide import (
    CATEGORIES,
    Act,
    Actor,
    BreakGlassFacts,
    CaseFacts,
    ShareFacts,
    decide,
    decide_chair,
)
from sharing.protocols.policy import Grant, Policy
from sharing.vocabulary import Priority, Role

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
AGENCIES = (1, 2, 3, 4)
#: An agency that is a party to no protocol (e.g. of a type the protocols leave out).
OUTSIDER = 5
PURPOSES = ("asb_case_management", "case_conference", "trigger_review")

roles = st.frozensets(st.sampled_from(list(Role)), min_size=1)
categories = st.frozensets(st.sampled_from(CATEGORIES), min_size=1)
priorities = st.none() | st.frozensets(st.sampled_from(list(Priority)), min_size=1)


@st.composite
def grants(
    draw: st.DrawFn, recipient: int, *, emergency: bool = False, live: bool | None = None
) -> Grant:
    """A clause giving ``recipient`` something, of a protocol whose parties are the
    recipient and some other agencies (perhaps not the case's)."""
    in_force = draw(st.booleans()) if live is None else live
    start = TODAY - timedelta(days=draw(st.integers(0, 400)))
    end = (
        TODAY + timedelta(days=draw(st.integers(0, 400)))
        if in_force
        else TODAY - timedelta(days=draw(st.integers(1, 30)))
    )
    return Grant(
        protocol_id=(n := draw(st.integers(1, 3))),
        protocol_key=f"p{n}",
        version=1,
        clause=draw(st.sampled_from(["1", "2", "3"])),
        purpose="emergency" if emergency else draw(st.sampled_from(PURPOSES)),
        roles=draw(roles),
        categories=draw(categories),
        requires_share=False if emergency else draw(st.booleans()),
        priorities=draw(priorities),
        emergency=emergency,
        start=start,
        end=end,
        parties=draw(st.frozensets(st.sampled_from(AGENCIES))) | {recipient},
    )


@st.composite
def policies(draw: st.DrawFn, live: bool | None = None) -> Policy:
    table: dict[tuple[int, str], list[Grant]] = {}
    for _ in range(draw(st.integers(0, 8))):
        agency = draw(st.sampled_from(AGENCIES))
        g = draw(grants(agency, live=live))
        table.setdefault((agency, g.purpose), []).append(g)
    emergency: dict[int, list[Grant]] = {}
    for _ in range(draw(st.integers(0, 2))):
        agency = draw(st.sampled_from(AGENCIES))
        emergency.setdefault(agency, []).append(draw(grants(agency, emergency=True, live=live)))
    return Policy(
        {k: tuple(v) for k, v in table.items()}, {k: tuple(v) for k, v in emergency.items()}
    )


actors = st.builds(
    Actor,
    user_id=st.integers(1, 6),
    agency_id=st.sampled_from(AGENCIES),
    roles=roles,
    team=st.sampled_from([None, "north", "south"]),
)
cases = st.builds(
    CaseFacts,
    id=st.just(1),
    agency_id=st.sampled_from(AGENCIES),
    officer_id=st.integers(1, 6),
    officer_team=st.sampled_from([None, "north", "south"]),
    priority=st.sampled_from(list(Priority)),
    locked=st.booleans(),
    lock_members=st.frozensets(st.integers(1, 6)),
)
share_lists = st.lists(
    st.builds(
        ShareFacts,
        id=st.integers(1, 99),
        agency_id=st.sampled_from(AGENCIES),
        protocol_key=st.sampled_from(["p1", "p2", "p3"]),
        purpose=st.sampled_from(PURPOSES),
        until=st.dates(TODAY - timedelta(days=10), TODAY + timedelta(days=60)),
        revoked=st.booleans(),
    ),
    max_size=4,
)
glass_lists = st.lists(
    st.builds(
        BreakGlassFacts,
        id=st.integers(1, 9),
        user_id=st.integers(1, 6),
        protocol_id=st.integers(1, 3),
        clause=st.sampled_from(["1", "2", "3"]),
        expires_at=st.sampled_from([NOW - timedelta(hours=1), NOW + timedelta(hours=2)]),
    ),
    max_size=2,
)
purposes = st.none() | st.sampled_from(PURPOSES)


def _allowed_by_clauses(
    actor: Actor,
    case: CaseFacts,
    purpose: str | None,
    policy: Policy,
    shares: list[ShareFacts],
    glass: list[BreakGlassFacts],
) -> set[str]:
    """The most a partner could be given: categories of applicable clauses of protocols
    binding the case's agency (with a live matching share where one is required), plus live
    break-glass clauses of such protocols."""
    allowed: set[str] = set()
    if purpose is not None:
        for g in policy.grants(actor.agency_id, purpose):
            if not g.applies(actor.roles, case.priority, TODAY) or not g.binds(case.agency_id):
                continue
            if g.requires_share and not any(
                s.agency_id == actor.agency_id
                and s.live(TODAY)
                and s.protocol_key == g.protocol_key
                and s.purpose == purpose
                for s in shares
            ):
                continue
            allowed |= g.categories
    for b in glass:
        if b.user_id == actor.user_id and b.expires_at > NOW:
            for g in policy.emergency_grants(actor.agency_id):
                if (
                    (g.protocol_id, g.clause) == (b.protocol_id, b.clause)
                    and g.applies(actor.roles, case.priority, TODAY)
                    and g.binds(case.agency_id)
                ):
                    allowed |= g.categories
    return allowed


@given(
    actor=actors,
    case=cases,
    purpose=purposes,
    policy=policies(),
    shares=share_lists,
    glass=glass_lists,
)
def test_a_partner_never_gets_a_category_no_active_clause_gives(
    actor, case, purpose, policy, shares, glass
) -> None:
    decision = decide(
        actor, case, Act.VIEW, purpose, policy=policy, shares=shares, break_glass=glass, now=NOW
    )
    if case.agency_id == actor.agency_id:
        return
    assert set(decision.categories) <= _allowed_by_clauses(
        actor, case, purpose, policy, shares, glass
    )
    assert decision.allowed == bool(decision.categories)
    assert all(decision.categories.values())  # every category names its basis


@given(
    actor=actors,
    case=cases,
    purpose=purposes,
    policy=policies(live=False),
    shares=share_lists,
    glass=glass_lists,
)
def test_protocols_out_of_force_allow_nothing_to_partners(
    actor, case, purpose, policy, shares, glass
) -> None:
    decision = decide(
        actor, case, Act.VIEW, purpose, policy=policy, shares=shares, break_glass=glass, now=NOW
    )
    if case.agency_id != actor.agency_id:
        assert not decision.allowed
        assert decision.categories == {}


@given(
    actor=actors,
    case=cases,
    act=st.sampled_from(list(Act)),
    purpose=purposes,
    policy=policies(live=True),
    shares=share_lists,
    glass=glass_lists,
)
def test_a_protocol_discloses_nothing_of_an_agency_that_is_not_its_party(
    actor, case, act, purpose, policy, shares, glass
) -> None:
    """Whatever the clauses give, the shares made and the break-glass open: a partner
    is given nothing of a case whose agency no protocol in the policy binds, nor may open
    break-glass on it."""
    outsider = CaseFacts(**{**case.__dict__, "agency_id": OUTSIDER})
    decision = decide(
        actor, outsider, act, purpose, policy=policy, shares=shares, break_glass=glass, now=NOW
    )
    assert not decision.allowed
    assert decision.categories == {}
    assert decision.emergency_clause is None


@given(
    actor=actors,
    case=cases,
    act=st.sampled_from(list(Act)),
    purpose=purposes,
    policy=policies(),
    shares=share_lists,
    glass=glass_lists,
)
def test_a_lock_overrides_everything_for_non_members(
    actor, case, act, purpose, policy, shares, glass
) -> None:
    locked = CaseFacts(
        **{**case.__dict__, "locked": True, "lock_members": case.lock_members - {actor.user_id}}
    )
    decision = decide(
        actor, locked, act, purpose, policy=policy, shares=shares, break_glass=glass, now=NOW
    )
    assert not decision.allowed
    assert decision.hidden  # answered as "not found"


@given(actor=actors, case=cases)
def test_own_agency_follows_roles(actor, case) -> None:
    own = CaseFacts(**{**case.__dict__, "agency_id": actor.agency_id, "locked": False})
    decision = decide(actor, own, Act.VIEW, now=NOW)
    officer_reach = own.officer_id == actor.user_id or (
        actor.team is not None and own.officer_team == actor.team
    )
    expected = Role.MANAGER in actor.roles or (Role.CASE_OFFICER in actor.roles and officer_reach)
    assert decision.allowed == expected
    if expected:
        assert set(decision.categories) == set(CATEGORIES)


@given(actor=actors, case=cases, policy=policies(), shares=share_lists)
def test_partners_never_record_on_a_case(actor, case, policy, shares) -> None:
    if case.agency_id == actor.agency_id:
        return
    for act in (Act.RECORD, Act.CLOSE):
        assert not decide(
            actor, case, act, "asb_case_management", policy=policy, shares=shares, now=NOW
        ).allowed


#: One clause of protocol "p" giving agency 2's case officers identity through a share,
#: in force through 2026; a case officer of agency 2; a case of agency 1.
SHARE_CLAUSE = Policy(
    {
        (2, "asb_case_management"): (
            Grant(
                1,
                "p",
                1,
                "1",
                "asb_case_management",
                frozenset({Role.CASE_OFFICER}),
                frozenset({"identity"}),
                True,
                None,
                False,
                date(2026, 1, 1),
                date(2027, 1, 1),
                frozenset({1, 2}),
            ),
        )
    },
    {},
)
PARTNER_OFFICER = Actor(1, 2, frozenset({Role.CASE_OFFICER}))
AGENCY_1_CASE = CaseFacts(1, 1, 9, None, Priority.AMBER)


def test_a_share_past_its_date_or_revoked_gives_nothing() -> None:
    policy, actor, case = SHARE_CLAUSE, PARTNER_OFFICER, AGENCY_1_CASE
    live = ShareFacts(5, 2, "p", "asb_case_management", TODAY)
    assert decide(
        actor, case, Act.VIEW, "asb_case_management", policy=policy, shares=[live], now=NOW
    ).categories == {
        "identity": "Protocol p version 1, clause 1, purpose asb_case_management; share 5 until 15 June 2026"
    }
    for dead in (
        ShareFacts(5, 2, "p", "asb_case_management", TODAY - timedelta(days=1)),
        ShareFacts(5, 2, "p", "asb_case_management", TODAY, revoked=True),
    ):
        assert not decide(
            actor, case, Act.VIEW, "asb_case_management", policy=policy, shares=[dead], now=NOW
        ).allowed
    forged = decide(actor, case, Act.VIEW, "case_conference", policy=policy, shares=[live], now=NOW)
    assert not forged.allowed
    assert not forged.hidden  # they hold a share: told it is refused, not that it does not exist


def test_a_share_under_a_protocol_the_owner_is_not_a_party_to_gives_nothing() -> None:
    # A share made under version 1, which the owner signed, carries on under version 2;
    # version 2 leaves the owner out, so the share opens nothing and the case is not found.
    (grant,) = SHARE_CLAUSE.grants(2, "asb_case_management")
    without_owner = Policy(
        {(2, "asb_case_management"): (replace(grant, version=2, parties=frozenset({2})),)}, {}
    )
    live = ShareFacts(5, 2, "p", "asb_case_management", TODAY)
    decision = decide(
        PARTNER_OFFICER,
        AGENCY_1_CASE,
        Act.VIEW,
        "asb_case_management",
        policy=without_owner,
        shares=[live],
        now=NOW,
    )
    assert not decision.allowed
    assert decision.hidden
    assert decision.purposes == ()


def test_a_clause_needing_no_share_opens_only_its_parties_cases() -> None:
    (grant,) = SHARE_CLAUSE.grants(2, "asb_case_management")
    no_share = Policy({(2, "asb_case_management"): (replace(grant, requires_share=False),)}, {})
    for agency_id, allowed in ((1, True), (OUTSIDER, False)):
        case = replace(AGENCY_1_CASE, agency_id=agency_id)
        decision = decide(
            PARTNER_OFFICER, case, Act.VIEW, "asb_case_management", policy=no_share, now=NOW
        )
        assert decision.allowed is allowed, agency_id


def test_break_glass_is_refused_on_the_case_of_an_agency_the_emergency_protocol_leaves_out() -> (
    None
):
    (grant,) = SHARE_CLAUSE.grants(2, "asb_case_management")
    emergency = replace(grant, purpose="emergency", requires_share=False, emergency=True)
    policy = Policy({}, {2: (emergency,)})
    opened = decide(PARTNER_OFFICER, AGENCY_1_CASE, Act.BREAK_GLASS, policy=policy, now=NOW)
    assert opened.emergency_clause == (1, "1")
    outsider = replace(AGENCY_1_CASE, agency_id=OUTSIDER)
    refused = decide(PARTNER_OFFICER, outsider, Act.BREAK_GLASS, policy=policy, now=NOW)
    assert not refused.allowed
    assert refused.reason == (
        "the case's agency is not a party to an active emergency protocol that covers your "
        "agency and role"
    )
    # and a break-glass already open under it gives nothing
    glass = BreakGlassFacts(3, PARTNER_OFFICER.user_id, 1, "1", NOW + timedelta(hours=1))
    viewed = decide(
        PARTNER_OFFICER,
        outsider,
        Act.VIEW,
        "emergency",
        policy=policy,
        break_glass=[glass],
        now=NOW,
    )
    assert not viewed.allowed


def test_a_share_lasts_until_midnight_in_london_in_summer_and_in_winter() -> None:
    # Finding 5 of the access review: decisions measured a share's last day in UTC and
    # pages in the server's local time, so for an hour after midnight in British Summer
    # Time a share was live by one and over by the other. Both now ask sharing.clock.
    policy, actor, case = SHARE_CLAUSE, PARTNER_OFFICER, AGENCY_1_CASE
    for until, last_live, first_over in (
        # 5 June ends at 23:00 UTC (midnight BST); 5 January at midnight UTC (GMT)
        (
            date(2026, 6, 5),
            datetime(2026, 6, 5, 22, 59, tzinfo=UTC),
            datetime(2026, 6, 5, 23, 0, tzinfo=UTC),
        ),
        (
            date(2026, 1, 5),
            datetime(2026, 1, 5, 23, 59, tzinfo=UTC),
            datetime(2026, 1, 6, 0, 0, tzinfo=UTC),
        ),
    ):
        share = ShareFacts(5, 2, "p", "asb_case_management", until)
        for moment, live in ((last_live, True), (first_over, False)):
            decision = decide(
                actor,
                case,
                Act.VIEW,
                "asb_case_management",
                policy=policy,
                shares=[share],
                now=moment,
            )
            with clock.pinned(moment):
                assert share.live(clock.today()) is live
            assert decision.allowed is live, moment


@given(
    actor=actors,
    case=cases,
    purpose=st.sampled_from(PURPOSES),
    policy=policies(),
    until=st.dates(TODAY - timedelta(days=5), TODAY + timedelta(days=30)),
)
def test_a_chair_reads_only_their_own_agencys_conference_case_within_its_clauses_and_days(
    actor, case, purpose, policy, until
) -> None:
    """The chair of a conference on their agency's case whose roles do not work it
    (``decide_chair``): never another agency's case, a locked case they are not a member of,
    or a day past the conference's access; and never a category beyond the clauses that
    give their agency and roles something for the conference's purpose."""
    decision = decide_chair(actor, case, purpose, policy=policy, until=until, now=NOW)
    locked_out = case.locked and actor.user_id not in case.lock_members
    if case.agency_id != actor.agency_id or locked_out or until < TODAY:
        assert not decision.allowed
        assert decision.categories == {}
        return
    given_by_clauses: set[str] = set()
    for grant in policy.grants(actor.agency_id, purpose):
        if grant.applies(actor.roles, case.priority, TODAY):
            given_by_clauses |= grant.categories
    assert set(decision.categories) <= given_by_clauses
    assert decision.allowed == bool(decision.categories)
    assert all(decision.categories.values())  # every category names its basis
