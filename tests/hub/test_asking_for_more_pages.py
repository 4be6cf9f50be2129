"""The request for more's pages as the police sergeant walks them (demo partnership):
every way back from the form lands on the case page for the purpose it was opened for,
never on the page asking why the case is opened."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Case, MoreRequest, Share
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

POLICE = "northshire-police"
PURPOSE = "asb_case_management"


def _unasked_share(session: Session) -> Share:
    return session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.agency.has(code=POLICE),
            Share.purpose == PURPOSE,
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
            Case.status == "active",
            Case.locked.is_(False),
            Case.id.not_in(select(MoreRequest.case_id)),
        )
        .order_by(Share.id)
    ).first()


def test_cancel_and_back_on_the_form_return_to_the_case_for_its_purpose(
    demo_hub: Flask, demo_session: Session
) -> None:
    share = _unasked_share(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
    form = police.get(f"/cases/{share.case_id}/more?purpose={PURPOSE}").get_data(as_text=True)
    back = f'href="/cases/{share.case_id}?purpose={PURPOSE}"'
    assert form.count(back) == 2  # "Back to case …" and "Cancel"
    assert f'href="/cases/{share.case_id}?purpose="' not in form
    assert f'href="/cases/{share.case_id}"' not in form
    path = f"/cases/{share.case_id}/more?purpose={PURPOSE}"
    refused = police.post(path, data={"csrf_token": csrf_token(police, path), "why": "x"})
    assert refused.status_code == 400
    assert refused.get_data(as_text=True).count(back) == 2
