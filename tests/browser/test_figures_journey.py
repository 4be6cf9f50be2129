"""In Chromium, the CSP coordinator prepares the partnership meeting's figures: opens
Figures from the menu, filters to one ward, and downloads that ward's table as CSV and
the meeting pack as PDF; the CSV's and the PDF's figures are the page's. The charts draw
under the hub's Content-Security-Policy (no style refused), and the pages pass axe (WCAG
2.2 AA)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from sharing.demo import DEMO_ACCOUNTS
from tests.browser.test_accessibility import violations
from tests.browser.test_conference_journey import _sign_in

pytestmark = [pytest.mark.browser]

WARD = "Saltmarsh"


def _coordinator():
    return next(a for a in DEMO_ACCOUNTS if a.job_title == "CSP coordinator")


def test_the_coordinator_filters_to_a_ward_and_downloads_the_csv_and_the_pdf(
    live_server, page: Page, axe_page: Page
) -> None:
    url, coordinator = live_server.url, _coordinator()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    _sign_in(page, url, coordinator.email, coordinator.totp_secret)
    page.get_by_role("link", name="Figures", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The partnership's figures")
    page.get_by_label("Ward", exact=True).select_option(label=WARD)
    page.get_by_role("button", name="Show the figures").click()
    expect(page.get_by_role("heading", level=2, name=f"{WARD} ward", exact=False)).to_be_visible()
    # The heading comes first: the tables below it are read once the whole page has loaded.
    page.wait_for_load_state("load")

    # The ward's table on the page, then as CSV.
    section = page.locator("#table-wards")
    on_page = [
        [cell.inner_text().strip() for cell in row.locator("th, td").all()]
        for row in section.locator("tbody tr").all()
    ]
    assert [row[0] for row in on_page] == [WARD]
    with page.expect_download() as download:
        section.get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[1][0].startswith(f"{WARD} ward")
    assert rows[3 : rows.index([])] == on_page  # the table's notes follow an empty row

    # The meeting pack as PDF holds the same figures. Drawing its charts into a PDF takes
    # a few seconds on a quiet machine and took over Playwright's 30 s on a loaded one.
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("link", name="Meeting pack as a PDF").click()
    pdf = PdfReader(download.value.path())
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert f"{WARD} ward" in text
    summary = page.locator("#table-summary tbody tr").first
    opened = [c.inner_text().strip() for c in summary.locator("td").all()]
    assert f"Cases opened {' '.join(opened)}" in " ".join(text.split())

    # The charts and the map are drawn, their styles allowed by the policy.
    expect(page.locator("#table-trend svg.pygal-chart")).to_be_visible()
    expect(page.locator("svg.hub-ward-map")).to_be_visible()
    background = page.locator("#table-trend svg.pygal-chart rect.background").first
    assert background.evaluate("e => getComputedStyle(e).fill") == "rgb(255, 255, 255)"
    assert refused == []

    # And the pages pass axe.
    _sign_in(axe_page, url, coordinator.email, coordinator.totp_secret)
    found = {}
    axe_page.goto(page.url)
    found["ward's figures"] = violations(axe_page)
    assert {name: v for name, v in found.items() if v} == {}
