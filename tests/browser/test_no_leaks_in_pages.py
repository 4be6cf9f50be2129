"""Pages of errors and the logs carry no personal values, even when a stored value is
damaged (its integrity failure is logged by place, never by content)."""

from __future__ import annotations

import logging

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from sharing.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from sharing.models import Case, CaseParty, Person, User
from tests.test_no_leaks import leaked, personal_values


@pytest.mark.browser
def test_error_pages_and_logs_show_no_personal_values(live_server, demo_app, page, caplog) -> None:
    officer = next(
        a for a in DEMO_ACCOUNTS if a.roles == ("Case officer",) and a.totp_secret is None
    )
    with demo_app.extensions["hub.sessions"]() as session:
        values = personal_values(session)
        officer_id = session.scalar(select(User.id).where(User.email == officer.email))
        person = session.scalar(
            select(Person)
            .join(CaseParty, CaseParty.person_id == Person.id)
            .join(Case, Case.id == CaseParty.case_id)
            .where(Case.officer_id == officer_id, Person.support_needs.is_not(None))
            .limit(1)
        )
        case_id = person.parties[0].case_id
        damaged = bytearray(person.support_needs)
        damaged[-1] ^= 0x55
        person.support_needs = bytes(damaged)
        session.commit()
    with caplog.at_level(logging.DEBUG):
        page.goto(f"{live_server.url}/sign-in")
        page.get_by_label("E-mail address").fill(officer.email)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/cases/{case_id}")
        assert "failed its integrity check" in page.content()
        errors = []
        page.goto(f"{live_server.url}/search")
        page.locator("input[name=kind][value=postcode]").check()
        page.locator("#postcode").fill("zz")
        page.get_by_role("button", name="Search").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        page.wait_for_load_state("load")  # the whole page searched, not the part parsed yet
        errors.append(page.content())
        for path in ("/cases/99999999", "/cases/abc", "/sign-in/code"):
            page.goto(live_server.url + path)
            errors.append(page.content())
    assert leaked("".join(errors).encode(), values) == []
    assert "integrity check failed for persons.support_needs" in caplog.text
    assert leaked(caplog.text.encode(), values) == []
