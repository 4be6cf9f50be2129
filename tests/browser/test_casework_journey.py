"""In Chromium, the casework the procedures ask for, with axe checking each new page: an
officer adds a witness who needs an interpreter, attaches a diary sheet and a photo (and
a GP's letter filed under vulnerability), records a review that brings the next review to
a week away, and produces a warning letter in large print; a police officer the case is
shared with then sees the witness's adjustment and the diary sheet, but neither the
support needs nor the GP's letter their clauses withhold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sharing import clock
from sharing.demo import DEMO_ACCOUNTS
from sharing.models import Agency, Case, CaseParty, Share, User
from sharing.vocabulary import CaseStatus, PartyRole, Role
from tests.browser.test_accessibility import _sign_in, violations
from tests.fixtures.demo import share_demo_case
from tests.fixtures.files import jpeg, pdf

pytestmark = [pytest.mark.browser, pytest.mark.long]

PURPOSE = "asb_case_management"
SUPPORT = "Partially sighted; anxious about going out after dark"
BEHAVIOUR = "music played loudly late at night, and shouting on the shared landing"


def _journey_case(demo_app) -> tuple[int, str, str]:
    """An open, unlocked Northshire Homes case with a reported person, not shared with the
    police yet (the journeys share it with them), whose officer signs in without a
    security code: its id, reference and the officer's e-mail."""
    simple = {a.email for a in DEMO_ACCOUNTS if not a.totp_secret}
    with demo_app.extensions["hub.sessions"]() as session:
        cases = session.scalars(
            select(Case)
            .join(User, User.id == Case.officer_id)
            .where(
                Case.agency.has(code="northshire-homes"),
                Case.status != CaseStatus.CLOSED,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
                Case.parties.any(CaseParty.role == PartyRole.REPORTED),
                Case.id.not_in(
                    select(Share.case_id).where(
                        Share.agency_id
                        == select(Agency.id)
                        .where(Agency.code == "northshire-police")
                        .scalar_subquery(),
                        Share.revoked_at.is_(None),
                        Share.until >= clock.today(),
                    )
                ),
            )
            .order_by(Case.id.desc())
        ).all()
        case = next(c for c in cases if c.officer.email in simple)
        return case.id, case.reference, case.officer.email


def _attach(page: Page, case_url: str, name: str, content: bytes, mime: str, kind: str) -> None:
    page.goto(f"{case_url}/documents/new")
    page.get_by_label("The file").set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )
    page.get_by_label("What is it?").select_option(label=kind)
    page.get_by_label("OFFICIAL-SENSITIVE", exact=True).check()


def test_an_officer_works_a_case_and_a_partner_sees_what_its_clauses_give(
    live_server, demo_app, axe_page: Page
) -> None:
    page, url = axe_page, live_server.url
    case_id, reference, email = _journey_case(demo_app)
    case_url = f"{url}/cases/{case_id}"
    found: dict[str, list[str]] = {}
    _sign_in(page, url, email)

    # A witness who needs an interpreter.
    page.goto(case_url)
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Witness").check()
    page.get_by_label("Last name").fill("Kowalczyk-Brannigan")
    page.get_by_label("An interpreter (say which language)").check()
    page.get_by_label("Language", exact=True).fill("Polish")
    page.get_by_label("Vulnerability and support needs").fill(SUPPORT)
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Person added")
    expect(page.get_by_text("An interpreter (Polish)", exact=True)).to_be_visible()

    # A diary sheet and a photo; a file of the wrong type is refused first.
    page.goto(f"{case_url}/documents/new")
    found["attach a file"] = violations(page)
    page.get_by_label("The file").set_input_files(
        {"name": "diary.pdf", "mimeType": "application/pdf", "buffer": b"<html>not a pdf</html>"}
    )
    page.get_by_label("OFFICIAL-SENSITIVE", exact=True).check()
    page.get_by_role("button", name="Attach the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("named as a PDF but is not one")
    found["attach a file with errors"] = violations(page)
    _attach(
        page,
        case_url,
        "diary.pdf",
        pdf("Sat 7 March, 1am: music again"),
        "application/pdf",
        "Diary sheet",
    )
    page.get_by_label("Description (optional)").fill("Diary sheets for the first week of March")
    page.get_by_role("button", name="Attach the file").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("File attached")
    _attach(page, case_url, "door.jpg", jpeg(), "image/jpeg", "Photo or image")
    page.get_by_role("button", name="Attach the file").click()
    _attach(
        page,
        case_url,
        "gp.pdf",
        pdf("Letter from the GP"),
        "application/pdf",
        "Letter or e-mail received",
    )
    page.get_by_label("Health, disability or support needs").check()
    page.get_by_role("button", name="Attach the file").click()
    expect(page.get_by_role("heading", name="Documents (")).to_be_visible()
    page.locator("tr", has_text="Diary sheets for the first week of March").get_by_role(
        "link", name="Diary sheet"
    ).click()
    expect(page.get_by_alt_text("Preview of the diary sheet")).to_be_visible()
    expect(page.locator(".hub-handling")).to_have_text("OFFICIAL-SENSITIVE")
    found["document"] = violations(page)
    page.get_by_role("link", name="Remove this document").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove this diary sheet")
    found["remove a document"] = violations(page)  # (not removed: only the page is checked)

    # A review that brings the next review to a week away.
    next_review = clock.today() + timedelta(days=7)
    page.goto(f"{case_url}/review")
    page.get_by_label("By phone").check()
    today = clock.today()
    page.locator("#contacted_on-day").fill(str(today.day))
    page.locator("#contacted_on-month").fill(str(today.month))
    page.locator("#contacted_on-year").fill(str(today.year))
    page.get_by_label("Progress against the action plan").fill("Diary sheets show it continuing.")
    page.get_by_label("No change since the last review").check()
    page.get_by_label("Why has the risk not changed?").fill("No new kind of incident.")
    page.get_by_label("Continue with the action plan").check()
    page.locator("#next_review_on-day").fill(str(next_review.day))
    page.locator("#next_review_on-month").fill(str(next_review.month))
    page.locator("#next_review_on-year").fill(str(next_review.year))
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    page.goto(case_url)
    review_due = f"{next_review.day} {next_review:%B %Y}"
    expect(page.locator(".govuk-summary-list").first).to_contain_text(review_due)

    # A warning letter, in large print.
    page.get_by_role("link", name="Write a letter").click()
    found["write a letter"] = violations(page)
    page.get_by_role("button", name="Preview the letter").click()
    found["write a letter with errors"] = violations(page)
    page.get_by_label("Written warning about anti-social behaviour").check()
    page.get_by_label("Who is it for?").select_option(index=_reported_option(page))
    page.get_by_label("Details for the letter").fill(BEHAVIOUR)
    page.get_by_role("button", name="Preview the letter").click()
    expect(page.get_by_role("heading", name="Preview: Written warning")).to_be_visible()
    page.get_by_label("Large print").check()
    page.get_by_role("button", name="Preview again").click()
    expect(page.locator(".hub-letter--large-print")).to_contain_text(BEHAVIOUR)
    found["letter preview"] = violations(page)
    page.get_by_role("button", name="Produce the letter").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("letter produced")
    expect(page.get_by_role("heading", name="Letter sent")).to_be_visible()
    found["letter kept as a document"] = violations(page)

    # The police, with a share: how to contact the witness and the diary sheet, no more.
    with demo_app.extensions["hub.sessions"]() as session:
        share_demo_case(session, session.get(Case, case_id), "northshire-police")
    police = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Northshire Police" and a.roles == (Role.CASE_OFFICER.label,)
    )
    page.context.clear_cookies()
    _sign_in(page, url, police.email)
    page.goto(f"{case_url}?purpose={PURPOSE}")
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_be_visible()
    expect(page.get_by_text("An interpreter (Polish)", exact=True)).to_be_visible()
    expect(page.get_by_text(SUPPORT)).to_have_count(0)
    documents = page.locator("#documents + .hub-table-scroll table")
    expect(documents).to_contain_text("Diary sheet")
    expect(documents).not_to_contain_text("Letter or e-mail received")
    found["case as the police"] = violations(page)
    # The row of the diary sheet attached above (the demo may have given the case another).
    ours = documents.locator("tr", has_text="Diary sheets for the first week of March")
    ours.get_by_role("link", name="Diary sheet").click()
    expect(page.get_by_text("Diary sheets for the first week of March")).to_be_visible()
    assert {name: v for name, v in found.items() if v} == {}


def _reported_option(page: Page) -> int:
    options = page.locator("#person option").all_inner_texts()
    return next(i for i, text in enumerate(options) if text.endswith("(reported person)"))
