"""The request for more's pages as the police sergeant walks them (demo partnership):
every way back from the form lands on the case page for the purpose it was opened for,
never on the page asking why the case is opened; the page answering it says truly whom
a share would give nothing more, and suggests a case conference only to a partner not
already reading the case for one."""

from __future__ import annotations

from html import unescape

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Case, MoreRequest, Share, User
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, share_not_asked_for_more

POLICE = "northshire-police"
PURPOSE = "asb_case_management"


def test_cancel_and_back_on_the_form_return_to_the_case_for_its_purpose(
    demo_hub: Flask, demo_session: Session
) -> None:
    share = share_not_asked_for_more(demo_session, POLICE)
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


def _csp_asks_through_a_conference(demo_hub: Flask, demo_session: Session) -> MoreRequest:
    """The council's ASB officer asks for the vulnerability of a landlord's red case they
    read through a conference's share only (the council holding no share of it for ASB
    case management); the request."""
    share = demo_session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.agency.has(code="northshire-csp"),
            Share.purpose == "case_conference",
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
            Case.priority.in_(["red_urgent", "red_high"]),
            Case.status == "active",
            Case.locked.is_(False),
            Case.id.not_in(select(MoreRequest.case_id)),
            Case.id.not_in(
                select(Share.case_id).where(
                    Share.agency.has(code="northshire-csp"),
                    Share.purpose == PURPOSE,
                    Share.revoked_at.is_(None),
                )
            ),
        )
        .order_by(Share.id)
    ).first()
    officer = demo_user(demo_session, "northshire-csp", Role.CASE_OFFICER)
    csp = demo_client(demo_hub, officer)
    path = f"/cases/{share.case_id}/more?purpose=case_conference"
    due = england_and_wales().add(clock.today(), 2)
    form = {
        "categories": "vulnerability",
        "why": "A closure order is being weighed",
        "due_on-day": str(due.day),
        "due_on-month": str(due.month),
        "due_on-year": str(due.year),
    }
    assert csp.post(path, data={"csrf_token": csrf_token(csp, path), **form}).status_code == 302
    return demo_session.scalar(select(MoreRequest).where(MoreRequest.case_id == share.case_id))


def test_a_request_page_says_truly_whom_a_share_would_give_nothing_more(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The council's ASB officer reads a landlord's red case through a conference's share
    and asks for its vulnerability: a share for ASB case management gives vulnerability
    to the council's managers only (clause 4.5), so the page says it gives the officer's
    role none, and that it gives the managers some, where it said the protocol gives the
    council's roles none of it."""
    officer = demo_user(demo_session, "northshire-csp", Role.CASE_OFFICER)
    request = _csp_asks_through_a_conference(demo_hub, demo_session)
    share = request.share
    owner = demo_client(demo_hub, demo_session.get(User, share.case.officer_id))
    page = unescape(owner.get(f"/more/{request.id}").get_data(as_text=True))
    assert 'id="nothing-more"' in page
    assert "roles none of what they ask" not in page
    assert f"gives none of what they ask to {officer.display_name}'s role (case officer)" in page
    assert "It gives some of it to Northshire Council Community Safety's manager role" in page


def test_a_request_asked_through_a_conferences_share_is_not_told_to_go_to_a_conference(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The council's ASB officer already reads the case for its conference: the page
    answering their request does not suggest declining because "a case conference is the
    place for it", as it does for a request asked through a share for case management."""
    police_asked = demo_session.scalars(
        select(MoreRequest)
        .join(Share, Share.id == MoreRequest.share_id)
        .where(Share.purpose == PURPOSE, MoreRequest.answered_at.is_(None))
        .order_by(MoreRequest.id)
    ).first()
    owner = demo_client(demo_hub, demo_session.get(User, police_asked.case.officer_id))
    page = unescape(owner.get(f"/more/{police_asked.id}").get_data(as_text=True))
    assert "a case conference is the place for it" in page
    assert "Northshire Police already holds a live share" in page

    conference_asked = _csp_asks_through_a_conference(demo_hub, demo_session)
    owner = demo_client(demo_hub, demo_session.get(User, conference_asked.case.officer_id))
    page = unescape(owner.get(f"/more/{conference_asked.id}").get_data(as_text=True))
    assert 'id="nothing-more"' in page
    assert "case conference is the place" not in page
