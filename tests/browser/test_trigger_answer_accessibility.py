"""The pages where an agency answers the Community Trigger lead about one of its cases
(its officer's home page listing the request, the answer's page, and the page again with
no answer chosen) have no WCAG violations."""

from __future__ import annotations

from playwright.sync_api import Page
from sqlalchemy import select

from sharing.demo import DEMO_ACCOUNTS
from sharing.models import TriggerCaseRequest, User
from sharing.trigger import case_answers
from tests.browser.test_accessibility import _sign_in, violations


def test_answering_the_lead_has_no_wcag_violations(live_server, demo_app, axe_page: Page) -> None:
    page, url = axe_page, live_server.url
    accounts = {a.email: a for a in DEMO_ACCOUNTS if a.totp_secret is None}
    with demo_app.extensions["hub.sessions"]() as session:
        request_id, email = next(
            (r.id, officer.email)
            for r in session.scalars(select(TriggerCaseRequest).order_by(TriggerCaseRequest.id))
            if r.answer is None
            and r.case is not None
            and not r.case.locked
            and case_answers.waiting(r.application)
            and (officer := session.get(User, r.case.officer_id)) is not None
            and officer.email in accounts
        )
    _sign_in(page, url, email)
    found: dict[str, list[str]] = {}
    page.goto(f"{url}/")
    assert page.get_by_text("ASB Case Reviews asking about your agency").count() == 1
    found["home page with a request to answer"] = violations(page)
    page.goto(f"{url}/trigger/asked/{request_id}")
    found["answer's page"] = violations(page)
    page.get_by_role("button", name="Send the answer").click()
    assert page.get_by_text(case_answers.CHOOSE).count() >= 1
    found["answer's page with errors"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}
