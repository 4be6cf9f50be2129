"""In Chromium: two minutes before the idle sign-out a case officer writing an incident is
warned; "Stay signed in" (or Escape) keeps the session and what they wrote, and a warning
left unanswered ends on the sign-in page, saying why. The browser's clock
(``page.clock``) and the hub's (``sharing.clock``) are moved together: nothing waits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from sharing import clock
from sharing.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from sharing.vocabulary import Role

pytestmark = pytest.mark.browser

IDLE_MESSAGE = "You were signed out because you had not used the hub for 30 minutes"
STATEMENT = "Browser test: a long statement, typed slowly over half an hour"


def _officer_email() -> str:
    return next(
        a.email for a in DEMO_ACCOUNTS if Role.CASE_OFFICER.label in a.roles and not a.totp_secret
    )


@contextmanager
def _hub_at(start: datetime, minutes: float) -> Iterator[None]:
    with clock.pinned(start + timedelta(minutes=minutes)):
        yield


def warning(page: Page) -> Locator:
    return page.get_by_role("dialog", name="You will be signed out soon")


def sign_in_and_open_an_incident_form(page: Page, url: str) -> None:
    """Sign the demo case officer in and open the form to add an incident to a case (the
    browser's clock installed first, so that the test moves it)."""
    page.clock.install()
    page.goto(f"{url}/sign-in")
    page.get_by_label("E-mail address").fill(_officer_email())
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{url}/cases?status=active")
    page.locator("table.govuk-table tbody tr a").first.click()
    page.get_by_role("button", name="Add an incident").click()
    expect(page.get_by_label("What happened?")).to_be_visible()


def open_the_warning(page: Page, url: str) -> datetime:
    """Sign in, open a form, and move both clocks on to the warning (28 minutes on, as the
    page's script asks the hub how long is left); the moment the hub signed in at."""
    start = clock.now()
    with _hub_at(start, 0):
        sign_in_and_open_an_incident_form(page, url)
    with _hub_at(start, 28):
        page.clock.fast_forward("28:00")
        expect(warning(page)).to_be_visible()
    return start


def test_stay_signed_in_keeps_the_session_and_what_was_typed(live_server, page: Page) -> None:
    problems: list[str] = []  # the script's errors, and anything the page's CSP refused
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    start = clock.now()
    with _hub_at(start, 0):
        sign_in_and_open_an_incident_form(page, live_server.url)
        yesterday = clock.today() - timedelta(days=1)  # 9:30 today may be still to come
        happened = page.get_by_role("group", name="When did it happen?")
        happened.get_by_label("Day").fill(str(yesterday.day))
        happened.get_by_label("Month").fill(str(yesterday.month))
        happened.get_by_label("Year").fill(str(yesterday.year))
        happened.get_by_label("Hour").fill("9")
        happened.get_by_label("Minute").fill("30")
        page.get_by_label("What happened?").fill(STATEMENT)
        page.get_by_label("Where did it happen?").fill("Stairwell")
    expect(warning(page)).to_be_hidden()

    with _hub_at(start, 28):
        page.clock.fast_forward("27:00")
        expect(warning(page)).to_be_hidden()  # not yet: a minute before the warning
        page.clock.fast_forward("01:00")
        dialog = warning(page)
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("we will sign you out in 2 minutes")
        expect(dialog).to_contain_text("Anything you have typed and not sent will be lost")
        stay = dialog.get_by_role("button", name="Stay signed in")
        expect(stay).to_be_focused()
        expect(dialog.get_by_role("link", name="Sign out")).to_be_visible()
        page.clock.fast_forward("00:15")
        expect(dialog).to_contain_text(re.compile(r"in 1 minute and 4\d seconds"))
        stay.click()
        expect(dialog).to_be_hidden()
    expect(page.get_by_label("What happened?")).to_have_value(STATEMENT)

    # 57 minutes after the form was opened, 29 after "Stay signed in": still signed in.
    with _hub_at(start, 28 + 29):
        page.get_by_role("button", name="Add incident").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "Incident added to the timeline"
        )
        expect(page.locator(".hub-timeline__item").filter(has_text=STATEMENT)).to_have_count(1)
    assert problems == []


def test_working_in_another_tab_puts_the_warning_off(live_server, page: Page) -> None:
    start = clock.now()
    with _hub_at(start, 0):
        sign_in_and_open_an_incident_form(page, live_server.url)
        page.get_by_label("What happened?").fill(STATEMENT)
    other_tab = page.context.new_page()
    with _hub_at(start, 20):
        other_tab.goto(f"{live_server.url}/cases")
        expect(other_tab.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    with _hub_at(start, 28):
        with page.expect_response("**/account/session/time-left") as asked:
            page.clock.fast_forward("28:00")
        assert asked.value.json() == {"seconds_left": 22 * 60}
        expect(warning(page)).to_be_hidden()
    with _hub_at(start, 20 + 28):  # 28 minutes after the other tab's page: now it warns
        page.clock.fast_forward("22:00")
        expect(warning(page)).to_be_visible()
    expect(page.get_by_label("What happened?")).to_have_value(STATEMENT)


def test_escape_stays_signed_in_and_a_warning_left_alone_ends_at_sign_in(
    live_server, page: Page
) -> None:
    start = open_the_warning(page, live_server.url)
    with _hub_at(start, 28):
        page.keyboard.press("Escape")
        expect(warning(page)).to_be_hidden()

    # The next warning, 28 minutes after Escape, left unanswered.
    with _hub_at(start, 28 + 28):
        page.clock.fast_forward("28:00")
        expect(warning(page)).to_be_visible()
    with _hub_at(start, 28 + 30 + 0.1):
        page.clock.fast_forward("02:01")
        expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fcases%2F\d+%2Fincidents%2Fnew$"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text(IDLE_MESSAGE)
