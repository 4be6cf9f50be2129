"""In Chromium: a landlord's case officer completes a Risk Assessment Matrix assessment of a
victim, section by section, checks the answers and saves; a police officer then sees the
shared band. Every new page is checked with axe (WCAG 2.2 AA), including its errors."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sharing import clock
from sharing.demo import DEMO_PASSWORD
from sharing.models import Case, Escalation, Share, User
from sharing.risk.assessments import latest
from sharing.risk.matrix import shipped
from sharing.vocabulary import PartyRole, RiskBand, Role
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.long]

MATRIX = shipped().current


def _shared_case(app: Flask) -> tuple[int, str, str, str]:
    """(case id, reference, its officer's e-mail, a police case officer's e-mail)."""
    with app.extensions["hub.sessions"]() as session:
        for share in session.scalars(
            select(Share)
            .join(Case, Case.id == Share.case_id)
            .where(
                Share.agency.has(code="northshire-police"),
                Share.purpose == "asb_case_management",  # live as long as the case
                Share.until >= clock.today(),
                Share.revoked_at.is_(None),
                Case.locked.is_(False),
                Case.status == "active",
            )
            .order_by(Share.id.desc())
        ):
            case = session.get(Case, share.case_id)
            victim = next((p.person_id for p in case.parties if p.role is PartyRole.VICTIM), None)
            before = latest(session, case.id, victim) if victim else None
            # A victim not already at high risk, so that a high assessment alerts partners.
            if victim and (before is None or before.band is not RiskBand.HIGH):
                police = next(
                    u
                    for u in session.scalars(select(User).where(User.agency_id == share.agency_id))
                    if u.roles == {Role.CASE_OFFICER}
                )
                return case.id, case.reference, case.officer.email, police.email
    raise AssertionError("no shared case with a victim in the demo")


def _sign_in(page: Page, url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")


def _answer(page: Page, section: str, pick: str) -> None:
    for question in MATRIX.in_section(section):
        ranked = sorted(question.options, key=lambda o: o.score)
        option = ranked[-1] if pick == "highest" else ranked[len(ranked) // 2]
        page.locator(f"input[name='answer-{question.id}'][value='{option.value}']").check()


def test_officer_completes_an_assessment_and_police_see_the_shared_band(
    live_server, demo_app: Flask, axe_page: Page
) -> None:
    page, url = axe_page, live_server.url
    case_id, reference, officer, police = _shared_case(demo_app)
    found: dict[str, list[str]] = {}

    _sign_in(page, url, officer)
    found["home with risk reviews"] = violations(page)
    page.goto(f"{url}/cases/{case_id}")
    found["case page with risk"] = violations(page)
    page.get_by_role("link", name="Assess risk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who are you assessing?")
    found["assess: who"] = violations(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the stage of the case this assessment is for"
    )
    found["assess: who with errors"] = violations(page)
    page.locator("input[name='person_id']").first.check()
    page.get_by_label("Regular review").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    page.get_by_role("button", name="Continue").click()  # nothing answered: refused
    expect(page.locator(".govuk-error-summary")).to_contain_text("Answer question 1")
    found["assess: history with errors"] = violations(page)
    _answer(page, "history", "highest")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vulnerability")
    found["assess: vulnerability"] = violations(page)
    _answer(page, "vulnerability", "highest")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support")
    _answer(page, "support", "highest")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Score and band")
    expect(page.locator("main")).to_contain_text("high risk")
    page.get_by_label("Change it to medium").check()
    page.get_by_role("button", name="Continue").click()  # no reason: refused
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason")
    found["assess: band with errors"] = violations(page)
    page.get_by_label("Keep the band from the score (high)").check()
    page.get_by_label("What support and protection does the person need?").fill(
        "Browser test: video doorbell and weekly call"
    )
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before saving the assessment"
    )
    found["assess: check your answers"] = violations(page)
    page.get_by_role("button", name="Save assessment").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Risk assessment saved: high risk"
    )
    expect(page.locator("#risk ~ .hub-escalation").first).to_contain_text(
        "Consider a case conference and a safeguarding referral "
        "(the case is already shared with the police)"  # a case the police hold a share of
    )
    page.goto(f"{url}/cases/{case_id}/triage")
    page.get_by_role("button", name="Change triage").click()
    found["triage with errors"] = violations(page)
    with demo_app.extensions["hub.sessions"]() as session:
        escalation = session.scalar(
            select(Escalation.id)
            .where(Escalation.case_id == case_id)
            .order_by(Escalation.id.desc())
        )
    page.goto(f"{url}/cases/{case_id}/escalations/{escalation}")
    found["escalation decision"] = violations(page)

    _sign_in(page, url, police)
    page.goto(f"{url}/risk/shared")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Risk assessments shared with your agency"
    )
    row = page.locator("table.govuk-table tbody tr", has_text=f"Case {reference}")
    number = 1
    while not row.count():  # 25 a page, highest risk first: it may be on a later page
        # Each page is opened and loaded before it is searched, so none is skipped.
        expect(page.get_by_role("link", name="Next")).to_be_visible()
        number += 1
        page.goto(f"{url}/risk/shared?page={number}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(row).to_contain_text("High risk")
    expect(row).to_contain_text("Browser test: video doorbell and weekly call")
    expect(row).to_contain_text("Not shared with your agency")  # vulnerability answers
    found["shared risk"] = violations(page)
    page.goto(f"{url}/alerts")
    expect(page.locator("main")).to_contain_text(reference)
    found["alerts for partners"] = violations(page)

    assert {name: v for name, v in found.items() if v} == {}
