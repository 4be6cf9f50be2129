"""In Chromium, on a laptop's screen (1280 px wide): the police sergeant's case list shows
every column within its box, with no scroll bar sideways, not even for a pixel."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from sharing.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _sergeant():
    return next(a for a in DEMO_ACCOUNTS if a.job_title == "Neighbourhood sergeant")


def test_the_sergeants_case_list_fits_its_box_at_1280_pixels(live_server, page: Page) -> None:
    sergeant = _sergeant()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("E-mail address").fill(sergeant.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(pyotp.TOTP(sergeant.totp_secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")
    page.goto(f"{live_server.url}/cases")
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()

    boxes = page.locator(".hub-table-scroll")
    assert boxes.count() > 0
    widths = boxes.evaluate_all("boxes => boxes.map(b => [b.scrollWidth, b.clientWidth])")
    assert all(scroll <= client for scroll, client in widths), widths
