"""A case asked for an ASB Case Review that is locked or closed after its agency was asked
cannot be brought to the review panel (a locked case is shared with nobody outside its
named users; a closed case is brought to no meeting). The refusal is still said, and
beside it what to do for the review, in the procedure's words (demo partnership): the
lead's page says the case cannot be brought and what to ask its agency (to have the lock
lifted if its reason has passed, or to confirm the complaint and tell the panel at its
sitting what it did); the holder who follows the notice to bring it is told the same from
their side. Nothing more is disclosed: the lead's page already names the agency and that
a counted complaint is on a locked case."""

from __future__ import annotations

import html
import re

from flask import Flask
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import closing
from sharing.clock import day_of, day_text
from sharing.models import Case, TriggerApplication, TriggerCaseRequest, User
from sharing.vocabulary import ClosureOutcome, ClosureReason
from tests.fixtures.demo import demo_client
from tests.hub.test_locked_case_actions import _lock
from tests.hub.test_trigger_review import PANEL, _convene, _lead, _met, _panel, hub, session

__all__ = ["hub", "session"]


def _said(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _before_the_panel(app: Flask, session: Session) -> tuple[TriggerApplication, Case]:
    """A met application put before the panel; a case its lead asked for, not locked."""
    application = _met(session)
    sitting = _panel(session)
    assert _convene(_lead(app, session), application, sitting).status_code == 302
    session.expire_all()
    request: TriggerCaseRequest = next(r for r in application.requests if not r.locked)
    return application, request.case


def _close(session: Session, case: Case) -> None:
    officer = Actor.of(session.get(User, case.officer_id))
    closing.close_case(
        session,
        authorise(session, officer, case.id, Act.CLOSE),
        ClosureReason.NO_CONTACT,
        outcome=ClosureOutcome.NOT_RESOLVED,
    )
    session.commit()


def _lead_page(app: Flask, session: Session, application: TriggerApplication) -> str:
    return _said(_lead(app, session).get(f"/trigger/{application.id}").get_data(as_text=True))


def _bring_page(app: Flask, session: Session, case: Case):
    officer = demo_client(app, session.get(User, case.officer_id))
    return officer.get(f"/cases/{case.id}/meetings/bring")


def test_a_case_locked_after_it_was_asked_says_what_the_lead_and_holder_can_do(hub, session):
    application, case = _before_the_panel(hub, session)
    agency = case.agency.name
    # (another case asked may be closed on the day: only the lock is this test's)
    assert "Cannot be brought The case is locked" not in _lead_page(hub, session, application)
    _lock(session, case)

    page = _lead_page(hub, session, application)
    assert (
        "Cannot be brought The case is locked, and a locked case is not shared with the panel."
        in page
    )
    assert (
        f"Ask {agency} to have the lock lifted if its reason has passed, then bring the case"
        in page
    )
    assert "to tell the panel at its sitting what it did about it, for the minutes." in page

    response = _bring_page(hub, session, case)
    assert response.status_code == 403
    said = _said(response.get_data(as_text=True))
    assert "a locked case cannot be shared" in said  # the decision's words, still
    sitting = application.review_sitting
    assert (
        "This case is asked for an ASB Case Review (Community Trigger) before "
        f"{PANEL} on {day_text(day_of(sitting.starts_at))}." in said
    )
    assert "If the reason for the lock has passed, ask for it to be unlocked" in said
    assert (
        f"confirm the complaint to the Community Trigger lead at {application.lead_agency.name}"
        in said
    )


def test_a_case_closed_after_it_was_asked_says_what_the_lead_and_holder_can_do(hub, session):
    application, case = _before_the_panel(hub, session)
    agency = case.agency.name
    _close(session, case)

    page = _lead_page(hub, session, application)
    assert (
        f"Cannot be brought {agency} has closed the case, and a closed case is brought to no "
        f"meeting. Ask {agency} to confirm the complaint to you" in page
    )
    assert "lock" not in page.split("Cannot be brought", 1)[1].split(".", 1)[0]

    response = _bring_page(hub, session, case)
    assert response.status_code == 403
    said = _said(response.get_data(as_text=True))
    assert "A closed case cannot be brought to the review panel" in said


def test_once_the_panels_sitting_has_passed_the_lead_is_not_told_it_waits(hub, session):
    """The panel sat without the case: the lead's page says it was not brought, as for
    any case not brought, not what to do for a sitting that is over."""
    application, case = _before_the_panel(hub, session)
    _lock(session, case)
    assert "Cannot be brought" in _lead_page(hub, session, application)
    sitting = application.review_sitting
    sitting.starts_at = sitting.starts_at.replace(year=sitting.starts_at.year - 1)
    session.commit()
    page = _lead_page(hub, session, application)
    assert "Cannot be brought" not in page
    assert "Not brought" in page
