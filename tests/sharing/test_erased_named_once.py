"""Someone erased is named once, as erased, wherever a case's records name them: their
referral to a support service, as their place on the case and the shared risk list do,
never "Erased Erased" (each part of their name read as erased)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.access.reveal import ERASED
from sharing.cases import referrals
from sharing.cases.erasure import erase_person
from sharing.models import Case, CaseParty
from sharing.vocabulary import CaseStatus, PartyRole, ReferralKind, Role
from tests.fixtures.demo import demo_actor


def test_a_referral_of_someone_erased_names_them_once_as_erased(demo_session: Session) -> None:
    party = demo_session.scalars(
        select(CaseParty)
        .join(Case, Case.id == CaseParty.case_id)
        .where(
            CaseParty.role == PartyRole.VICTIM,
            Case.agency.has(code="northshire-homes"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
        )
        .order_by(Case.id)
    ).first()
    case = party.case
    officer = Actor.of(case.officer)
    referrals.refer(
        demo_session,
        authorise(demo_session, officer, case.id, Act.RECORD),
        ReferralKind.HATE_SERVICE,
        party.person_id,
        "Agreed to a referral for emotional support.",
    )
    demo_session.commit()
    named = referrals.referral_lines(
        demo_session, authorise(demo_session, officer, case.id, Act.VIEW)
    )
    assert named[0].person not in (None, ERASED)

    erase_person(
        demo_session, demo_actor(demo_session, "northshire-homes", Role.MANAGER), party.person_id
    )
    demo_session.commit()

    [line] = [
        r
        for r in referrals.referral_lines(
            demo_session, authorise(demo_session, officer, case.id, Act.VIEW)
        )
        if r.id == named[0].id
    ]
    assert line.person == ERASED
    assert line.reason == "Agreed to a referral for emotional support."
