"""In Chromium: a demo case officer signs in, sees their cases' list whole beside its
filters, opens a case (its address in its lines), adds an incident and sees it on the
timeline; a demo manager signs in with a security code."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sharing import clock
from sharing.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from sharing.models import Case, Share
from sharing.vocabulary import CaseStatus, Role

pytestmark = pytest.mark.browser


def _account(role: Role, *, totp: bool):
    return next(a for a in DEMO_ACCOUNTS if role.label in a.roles and bool(a.totp_secret) == totp)


def test_officer_adds_an_incident_and_sees_it_on_the_timeline(live_server, page: Page) -> None:
    officer = _account(Role.CASE_OFFICER, totp=False)
    page.goto(f"{live_server.url}/cases")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/cases")
    page.get_by_label("E-mail address").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    # Beside the filters, on a laptop's screen, the list shows every column without scrolling
    # sideways.
    page.set_viewport_size({"width": 1280, "height": 800})
    table = page.locator(".hub-table-scroll").first
    assert table.evaluate("box => box.scrollWidth <= box.clientWidth")

    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Apply filters").click()
    first = page.locator("table.govuk-table tbody tr a").first
    assert first.evaluate("link => link.getClientRects().length") == 1  # on one line
    first.click()
    reference = page.get_by_role("heading", level=1).inner_text()
    assert reference.startswith("Case ")
    # The case's address reads as its lines, not run together on one.
    location = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text="Location")
    )
    address = location.locator("dd").inner_text()
    assert "\n" in address.strip()
    assert address.strip() == address.strip(" ")  # no blank line before or after

    page.get_by_role("button", name="Add an incident").click()
    page.get_by_role("button", name="Add incident").click()  # empty: refused, nothing saved
    expect(page.locator(".govuk-error-summary")).to_contain_text("Describe what happened")

    today = clock.today()
    happened = page.get_by_role("group", name="When did it happen?")
    happened.get_by_label("Day").fill(str(today.day))
    happened.get_by_label("Month").fill(str(today.month))
    happened.get_by_label("Year").fill(str(today.year))
    happened.get_by_label("Hour").fill("0")
    happened.get_by_label("Minute").fill("5")
    page.get_by_label("What happened?").fill("Browser test: bins set alight outside block C")
    page.get_by_label("Where did it happen?").fill("Bin store")
    page.get_by_role("button", name="Add incident").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Incident added to the timeline"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    first = page.locator(".hub-timeline__item").first
    expect(first).to_contain_text("Browser test: bins set alight outside block C")
    expect(first).to_contain_text("Bin store")


def test_manager_signs_in_with_a_security_code(live_server, page: Page) -> None:
    manager = _account(Role.MANAGER, totp=True)
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("E-mail address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    page.get_by_label("Security code").fill(pyotp.TOTP(manager.totp_secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")
    expect(page.get_by_role("heading", name="Your agency's open cases by priority")).to_be_visible()


def test_a_case_shared_with_partners_shows_its_tables_whole(
    live_server, demo_app, page: Page
) -> None:
    """On a laptop's screen, a case shared with the police shows its shares (each with
    "Revoke", its hidden words naming the partner for screen readers) and every other
    table without scrolling sideways, not even by a pixel."""
    with demo_app.extensions["hub.sessions"]() as session:
        share = session.scalars(
            select(Share)
            .join(Case, Case.id == Share.case_id)
            .where(Share.revoked_at.is_(None), Case.status == CaseStatus.ACTIVE)
            .where(Case.locked.is_(False))
            .order_by(Share.id)
        ).first()
        assert share is not None
        case_id, officer = share.case_id, session.get(Case, share.case_id).officer.email
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("E-mail address").fill(officer)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/cases/{case_id}")
    expect(page.get_by_role("link", name="Revoke").first).to_be_visible()
    tables = page.locator(".hub-table-scroll")
    assert tables.count() > 0
    widths = tables.evaluate_all("boxes => boxes.map(b => [b.scrollWidth, b.clientWidth])")
    assert all(scroll <= client for scroll, client in widths), widths
