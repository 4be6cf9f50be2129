"""Protocols, shares, locks and break-glass working together on the demo partnership."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from sharing import clock
from sharing.access.authorise import authorise, decide_case
from sharing.access.decide import Act
from sharing.access.facts import facts_of, policy
from sharing.cases import disclosure, emergency, locks, share_ending, share_lists, shares
from sharing.cases.search import SearchQuery, search
from sharing.crypto.sealing import unseal
from sharing.demo.agreements import PROTOCOLS
from sharing.errors import InputError, NotAllowed, NotFound, PurposeRequired
from sharing.models import Agency, Alert, Case, Conference, ProtocolRecord, Share, User
from sharing.protocols import ProtocolInvalid
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.protocols import records as protocol_records
from sharing.vocabulary import (
    AlertKind,
    CaseStatus,
    LockReason,
    ProtocolStatus,
    Role,
    SuspensionReason,
)
from tests.fixtures.demo import demo_actor, glass_case, next_version, signed_protocol

PURPOSE = "asb_case_management"
KEY = "northshire-asb-case-management"


def find(*args: object) -> list:
    """The hits of a search (the tests here look at hits, not truncation)."""
    return search(*args).hits  # type: ignore[arg-type]


def _shared_case(
    session, partner: str = "northshire-police", *, owner_has: Role | None = None
) -> tuple[Case, Share]:
    """The first live share with ``partner`` for ASB case management of an unlocked case
    with no conference (whose invitations share it for another purpose too), of an agency
    with a user holding ``owner_has`` if given (the demo is laid out from today's date, so
    which case comes first changes from day to day)."""
    for share in session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.purpose == PURPOSE,
            Case.locked.is_(False),
            Share.agency.has(code=partner),
            Case.id.not_in(select(Conference.case_id)),
        )
        .order_by(Share.id)
    ):
        case = session.get(Case, share.case_id)
        staff = session.scalars(select(User).where(User.agency_id == case.agency_id))
        if owner_has is None or any(owner_has in u.roles for u in staff):
            return case, share
    raise AssertionError(f"the demo has no such share with {partner}")


def test_the_demo_protocols_are_active_and_signed_by_every_party(demo_session) -> None:
    records = demo_session.scalars(select(ProtocolRecord)).all()
    assert {r.key for r in records} == {
        "northshire-asb-case-management",
        "northshire-case-conference",
        "northshire-community-trigger",
        "northshire-emergency",
        "northshire-safeguarding-referral",
    }
    for record in records:
        assert record.status is ProtocolStatus.ACTIVE
        assert {s.agency_id for s in record.signatures} == set(
            protocol_records.party_agencies(demo_session, record)
        )


def test_police_see_a_shared_case_for_its_purpose_with_the_clause_that_allows_each_part(
    demo_session,
) -> None:
    case, share = _shared_case(demo_session)
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    view = disclosure.disclose_case(demo_session, police, case.id, purpose=PURPOSE)
    assert view.decision.allows("offending")
    assert not view.decision.allows("vulnerability")  # not in the police clause
    assert all(p.support_needs is None for p in view.parties)
    basis = view.decision.categories["identity"]
    assert "northshire-asb-case-management version 1" in basis
    assert f"share {share.id}" in basis
    assert not view.may_record


def test_a_partner_must_state_a_purpose_and_a_forged_one_is_refused(demo_session) -> None:
    case, _ = _shared_case(demo_session)
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    with pytest.raises(PurposeRequired) as asked:
        disclosure.disclose_case(demo_session, police, case.id)
    assert asked.value.purposes == [PURPOSE]
    with pytest.raises(NotAllowed):
        disclosure.disclose_case(demo_session, police, case.id, purpose="case_conference")


def test_roles_the_protocol_does_not_name_and_unshared_agencies_see_nothing(demo_session) -> None:
    case, _ = _shared_case(demo_session)
    analyst = demo_actor(demo_session, "northshire-police", Role.ANALYST)
    assert not decide_case(
        demo_session, analyst, facts_of(demo_session, [case.id])[case.id], purpose=PURPOSE
    ).allowed
    adults = demo_actor(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    with pytest.raises(NotFound):
        disclosure.disclose_case(demo_session, adults, case.id, purpose=PURPOSE)


def _owner_of(session, case: Case):
    return next(
        a
        for n in range(6)
        if (a := demo_actor(session, case.agency.code, Role.CASE_OFFICER, n)).user_id
        == case.officer_id
    )


def _agency(session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def test_sharing_refuses_non_parties_and_dates_past_the_protocol(demo_session) -> None:
    case, _ = _shared_case(demo_session)
    officer = _owner_of(demo_session, case)
    asb = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-asb-case-management")
    )
    adults = _agency(demo_session, "northshire-adults")
    with pytest.raises(InputError, match="is not a party that may receive case data"):
        shares.share_case(
            demo_session,
            authorise(demo_session, officer, case.id, Act.SHARE),
            agency_id=adults.id,
            protocol_id=asb.id,
            purpose=PURPOSE,
            until=date.today(),
        )
    police = _agency(demo_session, "northshire-police")
    ends = f"{asb.end_on.day} {asb.end_on:%B %Y}"  # a UK date, as every message gives one
    with pytest.raises(InputError, match=f"cannot outlast the protocol, which ends on {ends}$"):
        shares.share_case(
            demo_session,
            authorise(demo_session, officer, case.id, Act.SHARE),
            agency_id=police.id,
            protocol_id=asb.id,
            purpose=PURPOSE,
            until=asb.end_on + timedelta(days=1),
        )
    with pytest.raises(InputError, match="until today or later"):
        shares.share_case(
            demo_session,
            authorise(demo_session, officer, case.id, Act.SHARE),
            agency_id=police.id,
            protocol_id=asb.id,
            purpose=PURPOSE,
            until=date.today() - timedelta(days=1),
        )
    demo_session.rollback()


def test_revoking_a_share_ends_the_partners_access(demo_session) -> None:
    case, share = _shared_case(demo_session, "northshire-csp")
    council = demo_actor(demo_session, "northshire-csp", Role.CASE_OFFICER)
    assert decide_case(
        demo_session, council, facts_of(demo_session, [case.id])[case.id], purpose=PURPOSE
    ).allowed
    share_ending.revoke_share(demo_session, _owner_of(demo_session, case), share.id)
    assert not decide_case(
        demo_session, council, facts_of(demo_session, [case.id])[case.id], purpose=PURPOSE
    ).allowed
    assert case.reference not in {
        r.case_reference for r in share_lists.shared_with(demo_session, council)
    }
    demo_session.rollback()


def test_a_lock_needs_a_second_person_and_then_hides_the_case_from_everyone_else(
    demo_session,
) -> None:
    case, _ = _shared_case(demo_session, owner_has=Role.DPO)
    officer = _owner_of(demo_session, case)
    manager = demo_actor(demo_session, case.agency.code, Role.MANAGER)
    request = locks.request_lock(
        demo_session,
        authorise(demo_session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "Reported person is a neighbour of our staff member",
    )
    with pytest.raises(NotAllowed, match="only a manager decides"):
        locks.decide_lock(demo_session, officer, request.id, approve=True)
    locks.decide_lock(demo_session, manager, request.id, approve=True)
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    dpo = demo_actor(demo_session, case.agency.code, Role.DPO)
    for outsider, purpose in ((police, PURPOSE), (dpo, None)):
        decision = decide_case(
            demo_session, outsider, facts_of(demo_session, [case.id])[case.id], purpose=purpose
        )
        assert not decision.allowed
        assert decision.hidden
    assert decide_case(demo_session, officer, facts_of(demo_session, [case.id])[case.id]).allowed
    assert decide_case(demo_session, manager, facts_of(demo_session, [case.id])[case.id]).allowed
    assert case.reference not in {
        r.case_reference for r in share_lists.shared_with(demo_session, police)
    }
    with pytest.raises(NotFound):
        emergency.break_glass(
            demo_session, police, case.reference, "Threat to kill made against the victim tonight"
        )
    with pytest.raises(NotAllowed, match="locked case cannot be shared"):
        shares.share_case(
            demo_session,
            authorise(demo_session, officer, case.id, Act.SHARE),
            agency_id=_agency(demo_session, "northshire-eh").id,
            protocol_id=1,
            purpose=PURPOSE,
            until=date.today(),
        )
    demo_session.rollback()


def test_a_manager_cannot_approve_their_own_lock_request(demo_session) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.status == CaseStatus.ACTIVE,
            Case.agency.has(code="northshire-homes"),
        )
        .order_by(Case.id)
    )
    manager = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    request = locks.request_lock(
        demo_session,
        authorise(demo_session, manager, case.id, Act.REQUEST_LOCK),
        LockReason.EMPLOYEE_REPORTED,
        "Reported person is a member of staff",
    )
    with pytest.raises(NotAllowed, match="other than the person who asked"):
        locks.decide_lock(demo_session, manager, request.id, approve=True)
    demo_session.rollback()


def test_break_glass_gives_the_emergency_categories_for_four_hours_and_alerts_the_owner(
    demo_session,
) -> None:
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    case = glass_case(demo_session, police)
    assert not decide_case(demo_session, police, facts_of(demo_session, [case.id])[case.id]).allowed
    with pytest.raises(InputError, match="risk to life"):
        emergency.break_glass(demo_session, police, case.reference, "urgent")
    glass = emergency.break_glass(
        demo_session,
        police,
        case.reference,
        "Victim reported a threat to burn the house down tonight",
    )
    decision = decide_case(demo_session, police, facts_of(demo_session, [case.id])[case.id])
    assert decision.allowed
    assert decision.break_glass == glass.id
    assert set(decision.categories) <= {"identity", "contact", "location", "risk", "vulnerability"}
    later = datetime.now(UTC) + timedelta(hours=4, minutes=1)
    assert not decide_case(
        demo_session, police, facts_of(demo_session, [case.id])[case.id], now=later
    ).allowed
    alerts = demo_session.scalars(select(Alert).where(Alert.break_glass_id == glass.id)).all()
    assert {(a.agency_id, a.role, a.kind) for a in alerts} == {
        (case.agency_id, Role.MANAGER, AlertKind.BREAK_GLASS),
        (case.agency_id, Role.DPO, AlertKind.BREAK_GLASS),
    }
    manager = demo_actor(demo_session, case.agency.code, Role.MANAGER)
    assert glass in [w.glass for w in emergency.to_review(demo_session, manager)]
    emergency.review(demo_session, manager, glass.id, "Justified: fire service and police attended")
    assert glass not in emergency.to_review(demo_session, manager)
    demo_session.rollback()


def test_an_invalid_protocol_is_never_imported(demo_session) -> None:
    dpo = demo_actor(demo_session, "northshire-police", Role.DPO)
    with pytest.raises(ProtocolInvalid):
        protocol_lifecycle.import_protocol(
            demo_session, dpo, "this is = not [toml", source="bad.toml"
        )
    officer = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    good = (
        (PROTOCOLS / "northshire-asb-case-management.toml")
        .read_text()
        .replace("version = 1", "version = 2")
    )
    with pytest.raises(NotAllowed, match="data protection officers"):
        protocol_lifecycle.import_protocol(demo_session, officer, good, source="v2")
    with pytest.raises(InputError, match="not newer than version 1"):
        protocol_lifecycle.import_protocol(
            demo_session, dpo, good.replace("version = 2", "version = 1"), source="v1 again"
        )
    demo_session.rollback()


def test_a_version_too_large_is_never_imported_so_it_cannot_block_later_ones(
    demo_session,
) -> None:
    dpo = demo_actor(demo_session, "northshire-police", Role.DPO)
    text = (PROTOCOLS / "northshire-asb-case-management.toml").read_text()
    with pytest.raises(ProtocolInvalid) as refused:
        protocol_lifecycle.import_protocol(
            demo_session,
            dpo,
            text.replace("version = 1", "version = 9223372036854775807"),
            source="typo.toml",
        )
    assert [p.field for p in refused.value.problems] == ["version"]
    record = protocol_lifecycle.import_protocol(
        demo_session, dpo, text.replace("version = 1", "version = 2"), source="v2"
    )
    assert record.version == 2
    demo_session.rollback()


def test_a_new_version_shows_its_impact_and_supersedes_the_old_once_signed(demo_session) -> None:
    case, share = _shared_case(demo_session)
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    assert decide_case(
        demo_session, police, facts_of(demo_session, [case.id])[case.id], purpose=PURPOSE
    ).allows("offending")
    text = next_version(demo_session, KEY)
    v2 = text.replace('"narrative", "risk", "offending"', '"narrative", "risk"')
    assert v2 != text, "the police clause changed shape: update this test"
    dpo = demo_actor(demo_session, "northshire-police", Role.DPO)
    record = protocol_lifecycle.import_protocol(demo_session, dpo, v2, source="v2")
    changes = protocol_records.impact(demo_session, record)
    assert any(row.agency == "Northshire Police" and "offending" in row.lost for row in changes)
    with pytest.raises(NotAllowed, match="not a party"):
        protocol_lifecycle.sign(
            demo_session, demo_actor(demo_session, "northshire-adults", Role.MANAGER), record.id
        )
    with pytest.raises(NotAllowed, match="signatory"):
        protocol_lifecycle.sign(demo_session, police, record.id)
    for agency_id, role in protocol_records.party_agencies(demo_session, record).items():
        code = demo_session.get(Agency, agency_id).code
        protocol_lifecycle.sign(demo_session, demo_actor(demo_session, code, role), record.id)
    assert record.status is ProtocolStatus.ACTIVE
    old = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == record.key, ProtocolRecord.version == 1)
    )
    assert old.status is ProtocolStatus.SUPERSEDED
    decision = decide_case(
        demo_session, police, facts_of(demo_session, [case.id])[case.id], purpose=PURPOSE
    )
    assert decision.allowed
    assert not decision.allows("offending")
    assert "version 2" in decision.categories["identity"]
    demo_session.rollback()


def _sign_version_2(session, start: date) -> ProtocolRecord:
    """Version 2 of the ASB case-management protocol, starting on ``start``, signed by
    every party (now)."""
    v1 = signed_protocol(session, KEY)
    v2 = (
        next_version(session, KEY)
        .replace(f"start = {v1.start_on.isoformat()}", f"start = {start.isoformat()}")
        .replace(f"review = {v1.review_on.isoformat()}", f"review = {start + timedelta(days=1)}")
    )
    dpo = demo_actor(session, "northshire-police", Role.DPO)
    record = protocol_lifecycle.import_protocol(session, dpo, v2, source="v2")
    for agency_id, role in protocol_records.party_agencies(session, record).items():
        code = session.get(Agency, agency_id).code
        protocol_lifecycle.sign(session, demo_actor(session, code, role), record.id)
    return record


def test_a_version_signed_before_its_start_leaves_the_old_one_in_force_until_that_day(
    demo_session,
) -> None:
    case, share = _shared_case(demo_session)
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    start = clock.today() + timedelta(days=30)
    v2 = _sign_version_2(demo_session, start)
    v1 = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == v2.key, ProtocolRecord.version == 1)
    )
    assert (v1.status, v2.status) == (ProtocolStatus.ACTIVE, ProtocolStatus.ACTIVE)
    assert protocol_records.active_version(demo_session, v2.key) == v1
    decision = decide_case(
        demo_session, police, facts_of(demo_session, [case.id])[case.id], purpose=PURPOSE
    )
    assert "northshire-asb-case-management version 1" in decision.categories["identity"]
    assert (v1, PURPOSE) in [
        (r, p.id) for r, p in protocol_records.shareable_purposes(demo_session)
    ]
    with pytest.raises(
        InputError, match=r"version 2\) comes into force on .*: share under version 1"
    ):
        shares.share_case(
            demo_session,
            authorise(demo_session, _owner_of(demo_session, case), case.id, Act.SHARE),
            agency_id=_agency(demo_session, "northshire-eh").id,
            protocol_id=v2.id,
            purpose=PURPOSE,
            until=clock.today(),
        )
    share.until = start + timedelta(days=10)
    demo_session.flush()
    # The start day: the share made under version 1 carries on under version 2, with no
    # job run; the sweep then records version 1 as superseded.
    on_the_day = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    decision = decide_case(
        demo_session,
        police,
        facts_of(demo_session, [case.id])[case.id],
        purpose=PURPOSE,
        now=on_the_day,
    )
    assert "northshire-asb-case-management version 2" in decision.categories["identity"]
    assert f"share {share.id}" in decision.categories["identity"]
    assert protocol_records.active_version(demo_session, v2.key, start) == v2
    assert [r for r, _ in protocol_records.shareable_purposes(demo_session, start)].count(v1) == 0
    protocol_lifecycle.sweep(demo_session, start)
    assert (v1.status, v1.superseded_by_id) == (ProtocolStatus.SUPERSEDED, v2.id)
    demo_session.rollback()


def test_a_new_version_takes_over_at_midnight_in_england_not_utc(demo_session) -> None:
    case, share = _shared_case(demo_session)
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    # The next day in British Summer Time, whose midnight is 23:00 UTC the day before; the
    # next 1 June was after version 1's end (31 March 2028) from 1 June 2027 on.
    start = next(
        day
        for day in (clock.today() + timedelta(days=n) for n in range(1, 366))
        if datetime(day.year, day.month, day.day, tzinfo=clock.PARTNERSHIP_ZONE).utcoffset()
        == timedelta(hours=1)
    )
    midnight = datetime(start.year, start.month, start.day, tzinfo=clock.PARTNERSHIP_ZONE)
    midnight = midnight.astimezone(UTC)
    assert (midnight.hour, midnight.minute) == (23, 0)
    _sign_version_2(demo_session, start)
    share.until = start + timedelta(days=10)
    demo_session.flush()

    def version_at(moment: datetime) -> str:
        facts = facts_of(demo_session, [case.id])[case.id]
        decision = decide_case(demo_session, police, facts, purpose=PURPOSE, now=moment)
        return decision.categories["identity"].split(" version ")[1][0]

    assert version_at(midnight - timedelta(minutes=1)) == "1"  # 23:59 the day before
    assert version_at(midnight) == "2"  # 00:00 on its first day
    demo_session.rollback()


def test_suspending_a_protocol_stops_its_access_at_once(demo_session) -> None:
    case, _ = _shared_case(demo_session)
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    asb = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-asb-case-management")
    )
    with pytest.raises(NotAllowed):
        protocol_lifecycle.suspend(demo_session, police, asb.id, SuspensionReason.OTHER)
    protocol_lifecycle.suspend(
        demo_session,
        demo_actor(demo_session, "northshire-police", Role.DPO),
        asb.id,
        SuspensionReason.LAWFUL_BASIS,
    )
    assert not decide_case(
        demo_session, police, facts_of(demo_session, [case.id])[case.id], purpose=PURPOSE
    ).allowed
    with pytest.raises(InputError, match="share only under an active protocol"):
        shares.share_case(
            demo_session,
            authorise(demo_session, _owner_of(demo_session, case), case.id, Act.SHARE),
            agency_id=_agency(demo_session, "northshire-eh").id,
            protocol_id=asb.id,
            purpose=PURPOSE,
            until=date.today(),
        )
    demo_session.rollback()


def test_the_compiled_protocols_are_reused_until_a_protocol_or_an_agency_changes(
    demo_session,
) -> None:
    compiled = policy(demo_session)
    assert policy(demo_session) is compiled
    police = _agency(demo_session, "northshire-police")
    joined = Agency(
        code="northshire-bt-police",
        name="British Transport Police (Northshire)",
        type=police.type,
        area_id=police.area_id,
        case_prefix="BT",
    )
    demo_session.add(joined)
    demo_session.flush()
    recompiled = policy(demo_session)
    assert recompiled is not compiled
    # The demo's protocols name their parties: one that joins gets nothing until a
    # protocol names it; the others keep what they had.
    assert recompiled.purposes_for(joined.id) == set()
    assert recompiled.purposes_for(police.id) == compiled.purposes_for(police.id) != set()
    demo_session.rollback()


def test_the_sweep_expires_protocols_and_tells_dpos_of_reviews(demo_session) -> None:
    asb = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-asb-case-management")
    )
    expired, due = protocol_lifecycle.sweep(demo_session, asb.review_on)
    assert expired == []
    assert asb in due
    dpo_alerts = demo_session.scalars(select(Alert).where(Alert.protocol_id == asb.id)).all()
    assert {a.role for a in dpo_alerts} == {Role.DPO}
    assert len(dpo_alerts) == len(protocol_records.party_agencies(demo_session, asb))
    assert protocol_lifecycle.sweep(demo_session, asb.review_on)[1] == []  # told once
    expired, _ = protocol_lifecycle.sweep(demo_session, asb.end_on + timedelta(days=1))
    assert asb in expired
    assert asb.status is ProtocolStatus.EXPIRED
    demo_session.rollback()


def test_a_dpos_alert_of_a_review_due_writes_its_day_as_people_in_the_uk_do(
    demo_session,
) -> None:
    """A review due on 5 March is said "5 March", as every other day the hub writes, where
    the DPO's alert said "05 March"."""
    asb = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-asb-case-management")
    )
    asb.review_on = next(
        day for day in (asb.start_on + timedelta(days=n) for n in range(60)) if day.day < 10
    )
    protocol_lifecycle.sweep(demo_session, asb.review_on)
    [message] = {
        a.message for a in demo_session.scalars(select(Alert).where(Alert.protocol_id == asb.id))
    }
    assert message.endswith(f"was due for review on {clock.day_text(asb.review_on)}")
    assert f" 0{asb.review_on.day} " not in message
    demo_session.rollback()


def test_search_never_finds_a_locked_case_for_non_members(demo_session) -> None:
    case, _ = _shared_case(demo_session, owner_has=Role.DPO)
    officer = _owner_of(demo_session, case)
    manager = demo_actor(demo_session, case.agency.code, Role.MANAGER)
    request = locks.request_lock(
        demo_session,
        authorise(demo_session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "Sensitive: the victim works for us",
    )
    locks.decide_lock(demo_session, manager, request.id, approve=True)
    surname = next(unseal(p.person, "family_name") for p in case.parties if p.person.family_name)
    other_manager_view = find(
        demo_session,
        demo_actor(demo_session, case.agency.code, Role.MANAGER),
        SearchQuery("surname", surname=surname),
    )
    assert case.reference in {
        h.reference for h in other_manager_view
    }  # the approving manager is a member
    dpo = demo_actor(demo_session, case.agency.code, Role.DPO)
    assert find(demo_session, dpo, SearchQuery("surname", surname=surname)) == []
    demo_session.rollback()
