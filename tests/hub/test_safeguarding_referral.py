"""Safeguarding referrals as their users meet them (demo partnership): a landlord officer
refers a victim to adult safeguarding, which shares the case with the team under the
safeguarding referral protocol's clause; the team opens the case for the referral, sees
why, and records the outcome, which the officer then sees; nobody else records it; bad
input is refused with its field, nothing written, the refusal audited."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.notice_messages import compose
from sharing import clock
from sharing.access.decide import Actor
from sharing.cases import share_ending
from sharing.cases.referrals import SAFEGUARDING_PURPOSE
from sharing.cases.safeguarding_referrals import REFERRAL_SHARE_DAYS
from sharing.models import AuditEntry, Case, Notice, ProtocolRecord, Referral, Share, User
from sharing.vocabulary import (
    CaseStatus,
    NoticeKind,
    ProtocolStatus,
    ReferralKind,
    ReferralOutcome,
    Role,
    ShareOrigin,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import (
    demo_client,
    demo_copy,
    demo_user,
    lock_demo_case,
    shared_with_agency,
)

WORRY = "Has a learning disability and is being pressured to let strangers use the flat"


def _case(session: Session, unshared_with: str | None = None) -> Case:
    """A Wealdbrook case with a victim on it that no one has referred yet; one not shared
    with the agency ``unshared_with``, if given (which cases the demo shares depends on
    the day it is built for)."""
    return next(
        case
        for case in session.scalars(
            select(Case)
            .where(
                Case.agency.has(code="wealdbrook-ht"),
                Case.status == CaseStatus.ACTIVE,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
                Case.id.not_in(select(Referral.case_id)),
            )
            .order_by(Case.id)
        )
        if any(p.role.value == "victim" for p in case.parties)
        and (unshared_with is None or not shared_with_agency(session, case, unshared_with))
    )


def _victim_id(case: Case) -> int:
    return next(p.person_id for p in case.parties if p.role.value == "victim")


def _refer(client: FlaskClient, case: Case, **overrides: object):
    path = f"/cases/{case.id}/safeguarding/new"
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, path),
        "kind": ReferralKind.ADULT_SAFEGUARDING.value,
        "person": str(_victim_id(case)),
        "reason": WORRY,
    }
    data.update(overrides)
    return client.post(path, data=data)


def _counts(session: Session, case: Case) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(
            select(func.count()).select_from(Referral).where(Referral.case_id == case.id)
        ),
        session.scalar(select(func.count()).select_from(Share).where(Share.case_id == case.id)),
    )


def _entries(session: Session, case: Case) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "case", AuditEntry.object_id == str(case.id))
            .order_by(AuditEntry.seq)
        )
    )


def test_an_officer_refers_a_victim_and_the_team_records_the_outcome(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Refer someone to adult or children" in page
    form = officer.get(f"/cases/{case.id}/safeguarding/new").get_data(as_text=True)
    assert "Shares the case with Northshire Adult Safeguarding for 90 days" in form
    response = _refer(officer, case)
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    [referral] = demo_session.scalars(select(Referral).where(Referral.case_id == case.id)).all()
    assert referral.agency.code == "northshire-adults"
    share = referral.share
    assert share.origin is ShareOrigin.REFERRAL
    assert share.purpose == SAFEGUARDING_PURPOSE
    # 90 days, or the protocol's end if that comes first.
    assert share.until == min(
        clock.today() + timedelta(days=REFERRAL_SHARE_DAYS), share.protocol.end_on
    )
    entry = _entries(demo_session, case)[-1]
    assert entry.basis == (
        f"referral {referral.id} (adult_safeguarding) to agency {referral.agency_id}; "
        f"share {share.id}"
    )
    case_page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Waiting for the safeguarding team" in case_page
    assert "Safeguarding referral" in case_page  # the share's origin, in the shares list

    # The team opens the case for the referral: it sees why, and records the outcome.
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER))
    shared = lead.get("/shared").get_data(as_text=True)
    assert case.reference in shared
    seen = lead.get(f"/cases/{case.id}?purpose={SAFEGUARDING_PURPOSE}").get_data(as_text=True)
    assert WORRY in seen
    assert "(version 1), clause 6.1</a>, purpose: " in seen
    outcome_path = f"/cases/{case.id}/referrals/{referral.id}?purpose={SAFEGUARDING_PURPOSE}"
    assert outcome_path in seen
    form = lead.get(outcome_path).get_data(as_text=True)
    assert ReferralOutcome.ENQUIRY.label in form
    assert ReferralOutcome.ACCEPTED.label not in form  # the hate service's outcomes
    wrong = lead.post(
        outcome_path,
        data={"csrf_token": csrf_token(lead, "/"), "outcome": "accepted", "note": ""},
    )
    assert wrong.status_code == 400
    done = lead.post(
        outcome_path,
        data={
            "csrf_token": csrf_token(lead, "/"),
            "outcome": ReferralOutcome.ENQUIRY.value,
            "note": "Section 42 enquiry opened",
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    assert f"purpose={SAFEGUARDING_PURPOSE}" in done.location
    demo_session.expire_all()
    assert referral.outcome is ReferralOutcome.ENQUIRY
    assert (
        referral.outcome_by_id
        == demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER).id
    )
    assert "Section 42 enquiry opened" in officer.get(f"/cases/{case.id}").get_data(as_text=True)
    again = lead.post(
        outcome_path,
        data={"csrf_token": csrf_token(lead, "/"), "outcome": "advice", "note": ""},
    )
    assert again.status_code == 400
    assert "already recorded" in again.get_data(as_text=True)


def test_the_team_referred_to_is_told_of_each_referral_and_nobody_else_is(
    demo_hub, demo_session
) -> None:
    """A referral waits on the team: its people who may open the case for it (its
    safeguarding lead and head, whose roles the protocol's clauses give the case) are each
    told by a notice naming the case and linking to it, never the person or the worry;
    nobody of another agency is told, and a second referral of the case is told again."""
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    assert _refer(officer, case).status_code == 302
    demo_session.expire_all()
    [referral] = demo_session.scalars(select(Referral).where(Referral.case_id == case.id)).all()
    notices = demo_session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.SAFEGUARDING_REFERRAL)
    ).all()
    told = {n.user_id for n in notices if n.reference == case.reference}
    team = {
        demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER).id,
        demo_user(demo_session, "northshire-adults", Role.MANAGER).id,
    }
    assert told == team
    for notice in notices:
        if notice.reference == case.reference:
            assert notice.path == (
                f"/cases/{case.id}?purpose={SAFEGUARDING_PURPOSE}#referral-{referral.id}"
            )
    # The link opens the case for the referral, at the referral.
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER))
    page = lead.get(f"/cases/{case.id}?purpose={SAFEGUARDING_PURPOSE}").get_data(as_text=True)
    assert f'id="referral-{referral.id}"' in page
    # The message names the case, never the person or why they were referred.
    settings = demo_hub.config["HUB_SETTINGS"]
    message = compose(
        next(n for n in notices if n.reference == case.reference),
        settings.mail,
        settings.service_name,
    )
    text = message.get_content()
    assert f"case {case.reference}" in text
    assert WORRY not in text

    # A second referral of the case (another person, or the same one again) is told too.
    again = _refer(officer, case, reason="Now also at risk of financial abuse")
    assert again.status_code == 302
    demo_session.expire_all()
    second = {
        n.user_id
        for n in demo_session.scalars(
            select(Notice).where(
                Notice.kind == NoticeKind.SAFEGUARDING_REFERRAL,
                Notice.reference == case.reference,
            )
        )
    }
    assert second == team
    assert demo_session.scalar(
        select(func.count())
        .select_from(Notice)
        .where(
            Notice.kind == NoticeKind.SAFEGUARDING_REFERRAL,
            Notice.reference == case.reference,
        )
    ) == 2 * len(team)


def _referred_twice_first_share_ended(
    client: FlaskClient, session: Session, case: Case
) -> tuple[Referral, Referral]:
    """Two referrals of the case to adult safeguarding (each sharing it with the team), the
    first one's share ended by the officer from the case's shares."""
    assert _refer(client, case).status_code == 302
    assert _refer(client, case, reason="Now also at risk of financial abuse").status_code == 302
    session.expire_all()
    first, second = session.scalars(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)
    ).all()
    share_ending.revoke_share(session, Actor.of(session.get(User, case.officer_id)), first.share_id)
    session.commit()
    return first, second


def test_the_team_records_an_outcome_only_while_that_referrals_own_share_is_in_force(
    demo_files, tmp_path
) -> None:
    """The team still opens the case through the second referral's share, but the first
    referral's share has ended: the case page offers no outcome form for the first, its
    form and an outcome sent to it are refused saying why (recorded, naming no one), and
    nothing is written; the second's outcome is recorded. The referring officer may still
    record the first's outcome: they do not record it through a share. (On a copy of the
    demo: the demo's own referrals' shares stay live for the other tests.)"""
    demo_hub = demo_copy(demo_files, tmp_path)
    with demo_hub.extensions["hub.sessions"]() as demo_session:
        _share_ended_refuses_its_outcome(demo_hub, demo_session)


def _share_ended_refuses_its_outcome(demo_hub: Flask, demo_session: Session) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    first, second = _referred_twice_first_share_ended(officer, demo_session, case)
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER))
    page = lead.get(f"/cases/{case.id}?purpose={SAFEGUARDING_PURPOSE}").get_data(as_text=True)
    first_path, second_path = (
        f"/cases/{case.id}/referrals/{r.id}?purpose={SAFEGUARDING_PURPOSE}" for r in (first, second)
    )
    assert second_path in page
    assert first_path not in page
    assert lead.get(first_path).status_code == 403
    refused = lead.post(
        first_path,
        data={
            "csrf_token": csrf_token(lead, "/"),
            "outcome": ReferralOutcome.ENQUIRY.value,
            "note": "Section 42 enquiry opened",
        },
    )
    assert refused.status_code == 403
    assert "the share of the case this referral was made under has ended" in (
        refused.get_data(as_text=True)
    )
    demo_session.expire_all()
    assert first.outcome is None
    entry = _entries(demo_session, case)[-1]
    assert (entry.action, entry.outcome, entry.purpose) == (
        "case.record",
        "refused",
        SAFEGUARDING_PURPOSE,
    )
    assert entry.basis.startswith(f"referral {first.id} outcome: the share of the case")
    assert WORRY not in entry.basis

    assert lead.get(second_path).status_code == 200
    done = lead.post(
        second_path,
        data={"csrf_token": csrf_token(lead, "/"), "outcome": "advice", "note": ""},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    demo_session.expire_all()
    assert (first.outcome, second.outcome) == (None, ReferralOutcome.ADVICE)
    by_officer = officer.post(
        f"/cases/{case.id}/referrals/{first.id}",
        data={"csrf_token": csrf_token(officer, "/"), "outcome": "enquiry", "note": ""},
    )
    assert by_officer.status_code == 302, by_officer.get_data(as_text=True)


def test_only_the_team_referred_to_records_the_outcome(demo_hub, demo_session) -> None:
    referral = demo_session.scalars(
        select(Referral).where(
            Referral.kind == ReferralKind.ADULT_SAFEGUARDING, Referral.outcome.is_(None)
        )
    ).first()
    path = f"/cases/{referral.case_id}/referrals/{referral.id}?purpose={SAFEGUARDING_PURPOSE}"
    children = demo_client(
        demo_hub, demo_user(demo_session, "northshire-children", Role.PARTNER_VIEWER)
    )
    case = demo_session.get(Case, referral.case_id)
    assert not shared_with_agency(demo_session, case, "northshire-children")
    assert children.get(path).status_code == 404  # to them the case does not exist
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert shared_with_agency(demo_session, case, "northshire-police")
    assert police.get(path).status_code == 403  # they know the case: told it is not theirs
    refused = police.post(
        path, data={"csrf_token": csrf_token(police, "/"), "outcome": "enquiry", "note": ""}
    )
    assert refused.status_code == 403
    # The police hold no share of this case for the referral's purpose: they are told so.
    assert "the case is not shared with your agency for that purpose" in (
        refused.get_data(as_text=True)
    )
    demo_session.expire_all()
    assert referral.outcome is None
    # A partner opening the case for another purpose sees no safeguarding section.
    shared = demo_session.scalars(
        select(Share).where(
            Share.case_id == referral.case_id,
            Share.purpose != SAFEGUARDING_PURPOSE,
            Share.revoked_at.is_(None),
        )
    ).first()
    if shared is not None:
        reader = demo_client(
            demo_hub,
            demo_session.scalars(
                select(User).where(User.agency_id == shared.agency_id, User.active)
            ).first(),
        )
        page = reader.get(f"/cases/{referral.case_id}?purpose={shared.purpose}")
        assert "Safeguarding referrals" not in page.get_data(as_text=True)


def test_a_referral_with_bad_input_is_refused_at_its_field_and_nothing_is_written(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    before = _counts(demo_session, case)
    # Every refusal is recorded, naming the field, whether the core or the form refused.
    for overrides, message, basis in (
        (
            {"reason": "  "},
            "Say why you are worried about them",
            "refused input: safeguarding referral reason",
        ),
        (
            {"reason": "x" * 2_001},
            "What you are worried about must be 2,000 characters or fewer (you entered 2,001)",
            "refused input: reason",  # by the form, as every box too long is
        ),
        ({"kind": "hate_service"}, "Select which safeguarding team", "refused input: kind"),
        ({"person": "999999"}, "Select who you are worried about", "refused input: person"),
        ({"reason": "Worried\x00"}, "control characters", "refused input: reason"),
    ):
        response = _refer(officer, case, **overrides)
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), overrides
        refused = [e for e in _entries(demo_session, case) if e.outcome == "refused"]
        assert refused[-1].basis == basis, overrides
    assert _counts(demo_session, case) == before
    assert WORRY not in " ".join(e.basis or "" for e in _entries(demo_session, case))


def test_a_team_no_active_protocol_covers_cannot_be_referred_to(demo_hub, demo_session) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    protocol = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-safeguarding-referral",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    protocol.status = ProtocolStatus.SUSPENDED
    demo_session.commit()
    try:
        form = officer.get(f"/cases/{case.id}/safeguarding/new").get_data(as_text=True)
        reason = "not a party to an active safeguarding referral protocol"
        assert reason in form
        before = _counts(demo_session, case)
        response = _refer(officer, case)
        assert response.status_code == 400
        assert reason in response.get_data(as_text=True)
        assert _counts(demo_session, case) == before
        assert _entries(demo_session, case)[-1].basis == (
            "refused input: safeguarding referral kind"
        )
    finally:
        protocol.status = ProtocolStatus.ACTIVE
        demo_session.commit()


def test_partners_and_locked_cases_cannot_be_referred_from(demo_hub, demo_session) -> None:
    case = _case(demo_session, unshared_with="northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert not shared_with_agency(demo_session, case, "northshire-police")
    assert police.get(f"/cases/{case.id}/safeguarding/new").status_code == 404
    locked = lock_demo_case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, locked.officer_id))
    assert officer.get(f"/cases/{locked.id}/safeguarding/new").status_code == 403
    assert "Refer someone to adult" not in officer.get(f"/cases/{locked.id}").get_data(as_text=True)


def test_the_demo_has_one_referral_with_an_enquiry_and_one_waiting(demo_session) -> None:
    referrals = demo_session.scalars(
        select(Referral).where(Referral.kind == ReferralKind.ADULT_SAFEGUARDING)
    ).all()
    assert {r.outcome for r in referrals} >= {ReferralOutcome.ENQUIRY, None}
    for referral in referrals:
        assert referral.agency.code == "northshire-adults"
        assert referral.share.revoked_at is None
        assert referral.share.until > clock.today()  # the team can still open the case
