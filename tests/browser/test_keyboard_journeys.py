"""The main journeys walked with the keyboard alone, as a keyboard or screen-reader user
meets them (WCAG 2.2 AA, which axe cannot judge): the skip link first and landing on the
main content (2.4.1); every control reached by Tab and worked by Enter or Space (2.1.1);
a refused form's error summary taking the focus, each error leading to its field, and the
page's title saying "Error: " (2.4.3, 3.3.1, 2.4.2); the outcome of an act, shown in a
banner on the page it returns to, taking the focus so that it is read out (4.1.3)."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from sharing import clock
from sharing.demo import DEMO_ACCOUNTS
from tests.browser.test_accessibility import _sign_in
from tests.browser.test_casework_journey import _journey_case

pytestmark = [pytest.mark.browser, pytest.mark.long]

#: More Tab presses than any page of the hub needs to reach its last control: a control
#: not reached within them cannot be reached by keyboard.
MOST_TABS = 250


def focused(page: Page) -> dict[str, str]:
    """What has the focus: its tag, id, role, class and text (as a screen reader starts)."""
    return page.evaluate(
        """() => { const e = document.activeElement; return {
            tag: e.tagName.toLowerCase(), id: e.id, role: e.getAttribute('role') || '',
            cls: e.className || '', text: (e.innerText || e.value || '').trim() }; }"""
    )


def tab_to(page: Page, text: str) -> None:
    """Press Tab until the control whose text starts with ``text`` has the focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if focused(page)["text"].startswith(text):
            return
    raise AssertionError(f"{text!r} cannot be reached with the Tab key on {page.url}")


def press_and_wait(page: Page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("load")


def skip_link_leads_to_the_main_content(page: Page) -> None:
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content", page.url
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main-content", page.url


def refused_form_leads_to_its_fields(page: Page) -> list[str]:
    """On a form page shown again with errors: the title says so, the error summary has the
    focus, and each of its links leads to a field; the ids of the fields, in order."""
    assert page.title().startswith("Error: "), page.title()
    assert "govuk-error-summary" in focused(page)["cls"], (page.url, focused(page))
    targets = page.locator(".govuk-error-summary a").evaluate_all(
        "links => links.map(a => a.hash.slice(1))"
    )
    for target in targets:
        field = page.locator(f"[id='{target}']")
        expect(field).to_have_count(1)
        assert field.evaluate("f => f.tagName") in ("INPUT", "SELECT", "TEXTAREA"), target
    return targets


def outcome_is_read_out(page: Page, words: str) -> None:
    now = focused(page)
    assert now["role"] == "alert", (page.url, now, page.locator("main").inner_text()[:600])
    assert words in now["text"], (page.url, now)


def test_a_case_officer_records_an_incident_with_a_mistake_and_shares_the_case(
    live_server, demo_app, page: Page
) -> None:
    url = live_server.url
    case_id, reference, email = _journey_case(demo_app)
    _sign_in(page, url, email)
    page.goto(f"{url}/cases/{case_id}")
    assert page.title() == f"Case {reference} – ASB partnership hub"
    skip_link_leads_to_the_main_content(page)

    tab_to(page, "Add an incident")
    press_and_wait(page)
    skip_link_leads_to_the_main_content(page)
    tab_to(page, "Add incident")
    press_and_wait(page)  # nothing typed: refused
    assert refused_form_leads_to_its_fields(page) == ["occurred_at-day", "description"]
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the first error, to its field
    assert focused(page)["id"] == "occurred_at-day"
    for part in ("3", "11", "2026", "21", "30"):
        page.keyboard.type(part)
        page.keyboard.press("Tab")
    assert focused(page)["id"] == "description"
    page.keyboard.type("Shouting on the landing and a door kicked")
    tab_to(page, "Add incident")
    press_and_wait(page)
    outcome_is_read_out(page, "Incident added")

    tab_to(page, "Share this case")
    press_and_wait(page)
    tab_to(page, "Share case")
    press_and_wait(page)
    assert refused_form_leads_to_its_fields(page)[0] == "agency"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "agency"
    page.select_option("#agency", label="Northshire Police")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "protocol_purpose"
    page.keyboard.press("ArrowDown")  # the one protocol and purpose the police may have
    tab_to(page, "Share case")
    press_and_wait(page)
    outcome_is_read_out(page, "Case shared")


#: The walks of the other roles, each a page signed in as them and, on a form, the button
#: that sends it empty: a lock request to decide (a manager), a case shared with a partner
#: viewer, a conference convened and a partnership meeting set up (a chair), an application
#: recorded for the Community Trigger (its lead).
WALKS = [
    ("helen.marchetti@larkmoor-ha.example", "/people", None),
    ("helen.marchetti@larkmoor-ha.example", "/locks", None),
    ("deborah.quayle@northshire-council.example", "/shared", None),
    ("martin.oyelaran@northshire-council.example", "/conferences", None),
    ("martin.oyelaran@northshire-council.example", "/meetings/new", "Set up the meeting"),
    ("claire.denholm@northshire-council.example", "/trigger/new", "Record the application"),
]


def test_a_manager_a_partner_a_chair_and_a_trigger_lead_walk_their_pages_by_keyboard(
    live_server, page: Page
) -> None:
    url, signed_in, titles = live_server.url, None, set()
    for email, path, button in WALKS:
        if email != signed_in:
            _sign_in_as(page, url, email)
            signed_in = email
        page.goto(url + path)
        header_shows_its_focus(page)
        page.goto(url + path)
        skip_link_leads_to_the_main_content(page)
        assert page.title().endswith(" – ASB partnership hub"), page.title()
        titles.add(page.title())
        if button:
            tab_to(page, button)
            press_and_wait(page)
            assert refused_form_leads_to_its_fields(page), path
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            assert focused(page)["tag"] in ("input", "select", "textarea"), (path, focused(page))
        else:  # its first link in a table opens by Enter, titled after what it opens
            first = page.locator("main table a").first.inner_text()
            tab_to(page, first)
            press_and_wait(page)
            skip_link_leads_to_the_main_content(page)
            titles.add(page.title())
    assert len(titles) == 2 * len(WALKS) - 2, titles  # each page's title its own


#: GOV.UK's focus colour, which every control of the hub shows when focused, in its outline,
#: background or underline: the browser's own ring can be faint on the header's blue.
FOCUS_YELLOW = "rgb(255, 221, 0)"


def header_shows_its_focus(page: Page) -> None:
    """The skip link, the service's name, Sign out and the menu each show GOV.UK's focus."""
    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    for _ in range(5):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                return [s.outlineColor, s.backgroundColor, s.boxShadow].join(' ') }"""
        )
        assert FOCUS_YELLOW in style, (focused(page)["text"], style)


def _sign_in_as(page: Page, url: str, email: str) -> None:
    account = next(a for a in DEMO_ACCOUNTS if a.email == email)
    page.context.clear_cookies()
    _sign_in(page, url, email)
    if account.totp_secret:
        page.get_by_label("Security code").fill(pyotp.TOTP(account.totp_secret).at(clock.now()))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")
