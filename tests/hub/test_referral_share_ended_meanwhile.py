"""A safeguarding referral's share ended by the referring officer while the team records
the referral's outcome, on PostgreSQL through the hub's pages (demo partnership). The
team can still open the case through a later referral's share. The ending is taken first
and held open until the outcome is waiting for the share's row; then it is let go. The
outcome is refused, saying the share ended, and nothing is written; before, the outcome
read the share live (the ending not yet committed) and was recorded under a share that
had ended.

No sleep decides the order: the ending commits only once the outcome waits for its lock."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select

from sharing.access.decide import Actor
from sharing.cases import share_ending
from sharing.cases.referrals import SAFEGUARDING_PURPOSE
from sharing.models import Referral, Share, User
from sharing.vocabulary import ReferralOutcome, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.races import PATIENCE_SECONDS, answered_while_held
from tests.hub.test_safeguarding_referral import _case, _refer

pytestmark = pytest.mark.postgres


def test_an_outcome_recorded_as_its_referrals_share_ends_is_refused(
    hub_on_postgres: Flask,
) -> None:
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        case = _case(session)
        officer = session.get(User, case.officer_id)
        lead_user = demo_user(session, "northshire-adults", Role.PARTNER_VIEWER)
        case_id, officer_id = case.id, officer.id
        referrer = demo_client(app, officer)
        assert _refer(referrer, case).status_code == 302
        assert (
            _refer(referrer, case, reason="Now also at risk of financial abuse").status_code == 302
        )
        first_id, first_share_id = session.execute(
            select(Referral.id, Referral.share_id)
            .where(Referral.case_id == case_id)
            .order_by(Referral.id)
            .limit(1)
        ).one()
    lead = demo_client(app, lead_user)
    path = f"/cases/{case_id}/referrals/{first_id}?purpose={SAFEGUARDING_PURPOSE}"
    assert lead.get(path).status_code == 200  # the form, while the share is in force
    form = {
        "csrf_token": csrf_token(lead, "/"),
        "outcome": ReferralOutcome.ENQUIRY.value,
        "note": "Section 42 enquiry opened",
    }

    def end_share(taken: threading.Event, let_go: threading.Event) -> None:
        with sessions() as session:
            share_ending.revoke_share(
                session, Actor.of(session.get(User, officer_id)), first_share_id
            )
            session.flush()  # the share's row is held until the commit
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    response = answered_while_held(
        app.extensions["hub.engine"], end_share, lambda: lead.post(path, data=form)
    )
    assert not isinstance(response, Exception), repr(response)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert "the share of the case this referral was made under has ended" in (
        response.get_data(as_text=True)
    )
    with sessions() as session:
        assert session.get(Share, first_share_id).revoked_at is not None
        assert session.get(Referral, first_id).outcome is None
