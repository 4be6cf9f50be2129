"""A partner opening a shared case is asked why: the question is not a refused view. The
log records their view once they state a purpose, and a real refusal (no share, a share
ended, a locked case) is still recorded, so the DPO's refusals are refusals."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import LOCKED, NOT_SHARED
from sharing.audit import acts
from sharing.models import AuditEntry, Case, Share
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

PURPOSE = "asb_case_management"


def _entries(session: Session, case_id: int) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "case", AuditEntry.object_id == str(case_id))
            .order_by(AuditEntry.seq)
        )
    )


def _refusals_by(session: Session, user_id: int) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).where(
            AuditEntry.actor_user_id == user_id, AuditEntry.outcome == "refused"
        )
    )


def _shared_with_police(session: Session) -> Share:
    share = session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.purpose == PURPOSE,
            Case.locked.is_(False),
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id)
    )
    assert share is not None
    return share


def test_the_purpose_question_records_nothing_and_the_view_is_recorded_once_stated(
    demo_hub, demo_session
) -> None:
    share = _shared_with_police(demo_session)
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, officer)
    before = _entries(demo_session, share.case_id)
    refusals = _refusals_by(demo_session, officer.id)

    asked = police.get(f"/cases/{share.case_id}")

    assert asked.status_code == 200
    assert "Why are you opening this case?" in asked.get_data(as_text=True)
    assert _entries(demo_session, share.case_id) == before
    assert _refusals_by(demo_session, officer.id) == refusals  # no page.refused either

    assert police.get(f"/cases/{share.case_id}?purpose={PURPOSE}").status_code == 200
    (viewed,) = _entries(demo_session, share.case_id)[len(before) :]
    assert (viewed.action, viewed.outcome, viewed.purpose) == ("case.view", "allowed", PURPOSE)


def test_a_partner_with_no_share_is_still_refused_and_the_refusal_says_so(
    demo_hub, demo_session
) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.locked.is_(False),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, officer)

    assert police.get(f"/cases/{case.id}").status_code == 404

    entry = _entries(demo_session, case.id)[-1]
    assert (entry.action, entry.outcome, entry.actor_user_id) == (
        "case.view",
        "refused",
        officer.id,
    )
    assert entry.basis == acts.not_found_to_requester(NOT_SHARED)


def test_a_share_ended_is_a_refusal_without_a_purpose_as_with_one(demo_hub, demo_session) -> None:
    share = _shared_with_police(demo_session)
    others = demo_session.scalars(
        select(Share).where(
            Share.case_id == share.case_id,
            Share.revoked_at.is_(None),
            Share.agency_id == share.agency_id,
        )
    ).all()
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, officer)
    for ended in others:
        ended.revoked_at = clock.now()
    demo_session.commit()
    try:
        for query in ({}, {"purpose": PURPOSE}):
            refusals = _refusals_by(demo_session, officer.id)
            assert police.get(f"/cases/{share.case_id}", query_string=query).status_code == 404
            assert _refusals_by(demo_session, officer.id) == refusals + 1
            entry = _entries(demo_session, share.case_id)[-1]
            assert (entry.action, entry.outcome) == ("case.view", "refused")
            assert entry.basis.startswith(acts.NOT_FOUND_TO_REQUESTER)
    finally:
        for ended in others:
            ended.revoked_at = None
        demo_session.commit()


def test_a_locked_case_shared_before_it_was_locked_is_a_recorded_refusal(
    demo_hub, demo_session
) -> None:
    share = _shared_with_police(demo_session)
    case = demo_session.get(Case, share.case_id)
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, officer)
    case.locked = True
    demo_session.commit()
    try:
        assert police.get(f"/cases/{case.id}").status_code == 404
        entry = _entries(demo_session, case.id)[-1]
        assert (entry.action, entry.outcome, entry.actor_user_id) == (
            "case.view",
            "refused",
            officer.id,
        )
        assert entry.basis == acts.not_found_to_requester(LOCKED)
    finally:
        case.locked = False
        demo_session.commit()
