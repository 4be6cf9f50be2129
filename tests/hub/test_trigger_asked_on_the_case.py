"""The notice asking an agency about a case counted by an ASB Case Review (Community
Trigger) links to the case's page, or, once the panel's sitting is chosen, to the form that
brings the case to it, at ``#trigger-<application id>``: both pages say there which
application asked, when and which lead, and the panel's sitting; the form has that sitting
chosen; once the case is brought, the case page says it is on the agenda. Only the case's
own agency reads this (demo partnership)."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.clock import day_of
from sharing.models import MeetingSitting, Notice, TriggerApplication, TriggerCaseRequest, User
from sharing.trigger import review
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_user, share_demo_case
from tests.hub.test_trigger_cases_not_brought import _close
from tests.hub.test_trigger_review import PANEL, _convene, _lead, _met, _panel, _post, hub, session
from tests.sharing.trigger.test_complaints import PROCEDURE

__all__ = ["hub", "session"]


def _part(page: str, anchor: str) -> str:
    """The words of the element with id ``anchor`` (an inset: no nested divs)."""
    found = re.search(rf'<div[^>]* id="{anchor}">(.*?)</div>', page, re.S)
    assert found, f"no #{anchor} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def _asked(session: Session, application: TriggerApplication) -> TriggerCaseRequest:
    """A case the application asked about, not locked, that no other application asked
    about (the demo's own application asks about some)."""
    session.expire_all()
    others = set(
        session.scalars(
            select(TriggerCaseRequest.case_id).where(
                TriggerCaseRequest.application_id != application.id
            )
        )
    )
    return next(r for r in application.requests if not r.locked and r.case_id not in others)


def _notice_path(session: Session, request: TriggerCaseRequest) -> str:
    """Where the notice asking the case's officer about it for the application links."""
    paths = session.scalars(
        select(Notice.path).where(
            Notice.kind == NoticeKind.TRIGGER_REVIEW,
            Notice.user_id == request.case.officer_id,
            Notice.path.like(f"/cases/{request.case_id}%#trigger-{request.application_id}"),
        )
    ).all()
    assert paths
    return paths[-1]


def _follow(client: FlaskClient, path: str) -> tuple[str, str]:
    """The page a notice's link opens, and the anchor it lands on."""
    address, anchor = path.split("#")
    response = client.get(address)
    assert response.status_code == 200, address
    return response.get_data(as_text=True), anchor


def _asked_without_a_panel(session: Session) -> TriggerApplication:
    """A met application whose lead asked the holders before choosing the panel's sitting."""
    application = _met(session, unasked=True)
    lead = Actor.of(demo_user(session, PROCEDURE.lead, Role.TRIGGER_LEAD))
    assert review.ask_holders(session, lead, PROCEDURE, application.id)
    session.commit()
    return application


def _before_the_panel(
    app: Flask, session: Session
) -> tuple[TriggerApplication, MeetingSitting, TriggerCaseRequest]:
    """A met application put before the panel's sitting, and a case its lead asked about."""
    application = _met(session, unasked=True)
    sitting = _panel(session)
    assert _convene(_lead(app, session), application, sitting).status_code == 302
    return application, sitting, _asked(session, application)


def test_before_the_panel_is_chosen_the_case_page_says_who_asked_and_what_comes_next(
    hub: Flask, session: Session
) -> None:
    application = _asked_without_a_panel(session)
    request = _asked(session, application)
    officer = demo_client(hub, request.case.officer)

    path = _notice_path(session, request)
    assert path == f"/cases/{request.case_id}#trigger-{application.id}"
    page, anchor = _follow(officer, path)
    said = _part(page, anchor)
    assert f"ASB Case Review (Community Trigger) {application.reference}" in said
    assert (
        f"On {day_of(request.asked_at).day} {day_of(request.asked_at):%B %Y} the Community "
        f"Trigger lead at {application.lead_agency.name} asked your agency about this case" in said
    )
    assert "The lead has not yet chosen the review panel's sitting" in said
    assert "Bring the case to the review panel" not in said


def test_once_the_panel_is_chosen_the_notice_lands_on_the_form_with_its_sitting_chosen(
    hub: Flask, session: Session
) -> None:
    application, sitting, request = _before_the_panel(hub, session)
    officer = demo_client(hub, request.case.officer)

    form, anchor = _follow(officer, _notice_path(session, request))
    assert PANEL in _part(form, anchor)
    assert re.search(rf'<option value="{sitting.id}"[^>]*selected', form)

    case_page = officer.get(f"/cases/{request.case_id}").get_data(as_text=True)
    said = _part(case_page, anchor)
    assert f"bring the case to the review panel, {PANEL}, on" in said
    assert f'href="/cases/{request.case_id}/meetings/bring#{anchor}"' in case_page

    path = f"/cases/{request.case_id}/meetings/bring"
    brought = _post(officer, path, path, sitting=str(sitting.id), question="Review", agenda="")
    assert brought.status_code == 302, brought.get_data(as_text=True)
    said = _part(officer.get(f"/cases/{request.case_id}").get_data(as_text=True), anchor)
    assert "The case is on the agenda of that sitting." in said
    assert "Bring the case" not in said


def test_a_case_closed_since_says_what_its_holders_can_do_instead(
    hub: Flask, session: Session
) -> None:
    application, _, request = _before_the_panel(hub, session)
    _close(session, request.case)
    officer = demo_client(hub, request.case.officer)
    said = _part(
        officer.get(f"/cases/{request.case_id}").get_data(as_text=True),
        f"trigger-{application.id}",
    )
    assert "A closed case cannot be brought to the review panel" in said
    assert "Bring the case to the review panel" not in said


def test_a_partner_reading_the_case_is_not_told_of_the_review(hub: Flask, session: Session) -> None:
    application = _asked_without_a_panel(session)
    session.expire_all()
    request = next(r for r in application.requests if not r.locked)
    # The police read it, or, for a case of the police's own, a landlord.
    partner = (
        "larkmoor-ha" if request.case.agency.code == "northshire-police" else "northshire-police"
    )
    share_demo_case(session, request.case, partner)
    reader: User = demo_user(session, partner, Role.CASE_OFFICER)
    page = demo_client(hub, reader).get(f"/cases/{request.case_id}?purpose=asb_case_management")
    assert page.status_code == 200
    assert f'id="trigger-{application.id}"' not in page.get_data(as_text=True)
