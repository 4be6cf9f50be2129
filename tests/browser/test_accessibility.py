"""WCAG 2.2 AA checks with axe-core on the main pages, as a user meets them (including
pages showing validation errors). The Public Sector Bodies Accessibility Regulations apply
to the hub's users."""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.closing import close_case
from sharing.cases.referrals import SAFEGUARDING_PURPOSE
from sharing.cases.survey import offer_link
from sharing.crypto.sealing import unseal
from sharing.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from sharing.models import (
    Case,
    Document,
    MeetingSeries,
    PublicFormUse,
    Referral,
    TriggerApplication,
)
from sharing.trigger import handling
from sharing.vocabulary import CaseStatus, ClosureOutcome, ClosureReason, Role
from tests.browser.conftest import AXE
from tests.browser.test_timeout_warning import open_the_warning, warning
from tests.sharing.test_case_import import HEADING, line_of

pytestmark = [pytest.mark.browser, pytest.mark.long]


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


#: axe's options: the WCAG rules, reporting violations in full and, of what passed or
#: did not apply, one node each (axe's documented way to make a run faster; violations
#: are found exactly as before).
AXE_OPTIONS = json.dumps({"runOnly": WCAG_TAGS, "resultTypes": ["violations"]})


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def violations(page: Page) -> list[str]:
    """The WCAG violations axe finds on the page, once the page has finished loading.

    A click that navigates returns once the new page is committed, while its document may
    still be parsing (no <head> yet to take axe's script): waiting for its load event first
    means axe always checks the whole of the page the test has just reached.
    """
    page.wait_for_load_state("load")
    page.add_script_tag(content=_axe_source())
    result = page.evaluate(f"axe.run(document, {AXE_OPTIONS})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def test_the_checker_names_each_violation_on_a_page_that_has_them(axe_page: Page) -> None:
    # What every test below relies on: a page breaking WCAG is reported, rule by rule.
    axe_page.set_content(
        '<html><body><main><img src="photo.png">'
        '<input type="text" id="name"><a href="/x"></a></main></body></html>'
    )
    found = " ".join(violations(axe_page))
    for rule in ("image-alt", "label", "link-name", "html-has-lang"):
        assert rule in found, (rule, found)


def test_main_pages_have_no_wcag_violations(live_server, axe_page: Page) -> None:
    page, url = axe_page, live_server.url
    officer = next(
        a for a in DEMO_ACCOUNTS if Role.CASE_OFFICER.label in a.roles and not a.totp_secret
    )
    found: dict[str, list[str]] = {}

    page.goto(f"{url}/sign-in")
    found["sign in"] = violations(page)
    page.get_by_role("button", name="Sign in").click()
    found["sign in with errors"] = violations(page)

    page.get_by_label("E-mail address").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    found["home"] = violations(page)

    page.goto(f"{url}/cases")
    found["case list"] = violations(page)
    page.locator("table.govuk-table tbody tr a").first.click()
    found["case"] = violations(page)
    case_url = page.url

    page.goto(f"{case_url}/incidents/new")
    page.get_by_role("button", name="Add incident").click()
    found["incident with errors"] = violations(page)

    page.goto(f"{case_url}/actions/new")
    found["action"] = violations(page)

    page.goto(f"{case_url}/people/new")
    page.locator("#person-family_name").fill("Okafor")
    page.get_by_role("button", name="Check if this person is already known").click()
    found["add a person, checked"] = violations(page)
    page.get_by_role("button", name="Add the person").click()
    found["add a person with errors"] = violations(page)

    page.goto(case_url)
    page.get_by_role("link", name="Change their details, adjustments or part").first.click()
    found["change a person"] = violations(page)

    page.goto(f"{case_url}/review")
    found["review"] = violations(page)
    page.get_by_role("button", name="Record the review").click()
    found["review with errors"] = violations(page)

    page.goto(f"{case_url}/close")
    page.get_by_role("button", name="Close case").click()
    found["close with errors"] = violations(page)
    page.goto(f"{case_url}/survey")
    page.get_by_role("button", name="Record the survey").click()
    found["closure survey with errors"] = violations(page)

    page.goto(f"{url}/cases/new")
    page.get_by_role("button", name="Open case").click()
    found["new case with errors"] = violations(page)

    page.goto(f"{url}/search")
    page.locator("#surname").fill("x")
    page.get_by_role("button", name="Search").click()
    found["search with errors"] = violations(page)
    page.locator("input[name=kind][value=postcode]").check()
    page.locator("#postcode").fill("NX1 1AB")
    page.get_by_role("button", name="Search").click()
    found["search results"] = violations(page)

    page.goto(f"{url}/account")
    found["account"] = violations(page)

    page.goto(f"{url}/cases/999999")
    found["not found"] = violations(page)

    assert {name: v for name, v in found.items() if v} == {}


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


#: The narrowest screen WCAG 2.2 asks pages to reflow to (1.4.10 Reflow): a phone, or a
#: desktop browser at 400% zoom.
NARROW = 320


def _sideways_scroll(page: Page) -> int:
    """How far the page itself scrolls sideways, in CSS pixels (0 when it reflows)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_pages_reflow_to_a_narrow_screen_and_wide_tables_scroll_on_their_own(
    live_server, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": NARROW, "height": 640})
    page, url = context.new_page(), live_server.url
    police = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Northshire Police" and a.roles == ("Case officer",)
    )
    try:
        _sign_in(page, url, police.email)
        scrolls = {"home": _sideways_scroll(page)}
        for path in ("/cases", "/actions", "/shared", "/risk/shared", "/protocols", "/search"):
            page.goto(url + path)
            scrolls[path] = _sideways_scroll(page)
        page.goto(f"{url}/cases")
        page.locator("table.govuk-table tbody tr a").first.click()
        scrolls["case page"] = _sideways_scroll(page)
        page.goto(f"{url}/shared")
        page.goto(url + page.locator("table.govuk-table tbody tr a").first.get_attribute("href"))
        scrolls["partner case page"] = _sideways_scroll(page)
        assert {name: px for name, px in scrolls.items() if px > 0} == {}
        # Not because the tables fit: the case list's is wider than the screen, and
        # scrolls inside its own box.
        page.goto(f"{url}/cases")
        box = page.locator(".hub-table-scroll").first
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    finally:
        context.close()


def test_partner_and_sharing_pages_have_no_wcag_violations(live_server, axe_page: Page) -> None:
    page, url = axe_page, live_server.url
    police = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Northshire Police" and a.roles == ("Case officer",)
    )
    found: dict[str, list[str]] = {}
    _sign_in(page, url, police.email)
    expect(page.get_by_role("heading", name="requests for more of partners")).to_be_visible()
    found["home with the agency's requests for more"] = violations(page)
    page.locator("#more-asked ~ ul a").first.click()
    expect(page.locator("#more")).to_be_visible()  # the answer, on the case page
    page.goto(f"{url}/shared")
    found["shared with us"] = violations(page)
    shared = page.locator("table.govuk-table tbody tr a").first.get_attribute("href")
    page.goto(url + shared.split("?")[0])
    found["purpose chooser"] = violations(page)
    page.goto(url + shared)
    found["partner case page"] = violations(page)
    page.goto(f"{url}/shared")
    links = page.locator("table.govuk-table tbody tr a")
    cases = [links.nth(n).get_attribute("href") for n in range(links.count())]
    for case in cases:  # the first one whose agency no request for more waits on
        page.goto(url + case)
        ask = page.get_by_role("link", name="for more of this case")
        if ask.count():
            break
    ask.click()
    found["ask for more"] = violations(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    found["ask for more with errors"] = violations(page)
    page.goto(f"{url}/emergency")
    page.get_by_role("button", name="Open the case in an emergency").click()
    found["emergency with errors"] = violations(page)
    page.goto(f"{url}/protocols")
    found["protocols"] = violations(page)
    page.locator("table.govuk-table tbody tr a").first.click()
    found["protocol"] = violations(page)

    axe_page.context.clear_cookies()
    officer = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Larkmoor Housing Association" and a.roles == ("Case officer",)
    )
    _sign_in(page, url, officer.email)
    page.goto(f"{url}/cases")
    page.locator("table.govuk-table tbody tr a").first.click()
    case_url = page.url
    page.goto(f"{case_url}/shares/new")
    page.get_by_role("button", name="Share case").click()
    found["share with errors"] = violations(page)
    page.goto(f"{case_url}/lock")
    found["lock request"] = violations(page)

    axe_page.context.clear_cookies()
    _sign_in(page, url, "priya.chaudhry@larkmoor-ha.example")  # the demo's request waits on
    page.get_by_role("link", name="asks for more of case").first.click()
    found["request for more"] = violations(page)
    page.get_by_role("button", name="Decline the request").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    found["request for more with errors"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_dpo_pages_have_no_wcag_violations(live_server, axe_page: Page) -> None:
    """The audit log, emergency access and subject access pages, signed in as a DPO with
    their security code; the subject access report is found through the requester's
    details and printed from the page."""
    page, url = axe_page, live_server.url
    dpo = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Larkmoor Housing Association" and Role.DPO.label in a.roles
    )
    _sign_in(page, url, dpo.email)
    page.get_by_label("Security code").fill(pyotp.TOTP(dpo.totp_secret).now())
    page.get_by_role("button", name="Continue").click()
    found: dict[str, list[str]] = {}
    page.get_by_role("link", name="Audit", exact=True).click()
    found["audit log"] = violations(page)
    page.get_by_label("Action").select_option("sign_in")
    page.get_by_role("button", name="Apply filters").click()
    found["audit log filtered"] = violations(page)
    page.goto(f"{url}/audit?case=NOT-A-CASE")
    found["audit log with errors"] = violations(page)
    page.goto(f"{url}/audit/emergency-access")
    found["emergency access"] = violations(page)
    page.goto(f"{url}/audit/emergency-access?until-year=2020&until-month=1&until-day=1")
    found["emergency access with errors"] = violations(page)
    page.goto(f"{url}/audit/subject-access")
    page.locator("input[name=kind][value=postcode]").check()
    page.locator("#postcode").fill("zz")
    page.get_by_role("button", name="Find the person").click()
    found["subject access with errors"] = violations(page)
    page.goto(f"{url}/audit/subject-access/1")
    found["subject access report"] = violations(page)
    page.goto(f"{url}/audit/checkpoints")
    page.get_by_role("button", name="Make a checkpoint now").click()
    found["checkpoints"] = violations(page)
    page.goto(f"{url}/audit/checkpoints/keys")
    page.get_by_role("button", name="Register key").click()
    found["register key with errors"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_subject_access_to_a_community_trigger_application_has_no_wcag_violations(
    live_server, demo_app, axe_page: Page
) -> None:
    """The council's DPO (the lead agency's) finds an applicant by surname and date of
    birth, among people and applications, and opens the application's report."""
    page, url = axe_page, live_server.url
    with demo_app.extensions["hub.sessions"]() as session:
        application = session.scalars(
            select(TriggerApplication).order_by(TriggerApplication.id)
        ).first()
        surname = unseal(application, "victim_family_name")
        born = date.fromisoformat(unseal(application, "victim_date_of_birth") or "")
    dpo = next(a for a in DEMO_ACCOUNTS if a.email.startswith("andrew.kimura@"))
    _sign_in(page, url, dpo.email)
    page.get_by_label("Security code").fill(pyotp.TOTP(dpo.totp_secret).now())
    page.get_by_role("button", name="Continue").click()
    found: dict[str, list[str]] = {}
    page.goto(f"{url}/audit/subject-access")
    page.locator("input[name=kind][value=surname_dob]").check()
    page.locator("#surname").fill(surname or "")
    page.locator("#date_of_birth-day").fill(str(born.day))
    page.locator("#date_of_birth-month").fill(str(born.month))
    page.locator("#date_of_birth-year").fill(str(born.year))
    page.get_by_role("button", name="Find the person").click()
    expect(page.get_by_role("cell", name=application.reference, exact=True)).to_be_visible()
    found["people and applications found"] = violations(page)
    page.goto(f"{url}/audit/subject-access/application/{application.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(application.reference)
    found["application report"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_conference_actions_and_people_pages_have_no_wcag_violations(
    live_server, demo_app, axe_page: Page
) -> None:
    """A landlord officer convenes a case conference (first with errors), opens it and
    the form to change its chair (first with errors), the conferences list and their agency's actions; a police officer answers the
    conference's information request (first with errors); a manager opens People and the
    overdue reviews and the form to send a password reset link; an administrator opens People,
    changes roles (first with errors), opens the form to add someone (first with errors),
    and a link to set a password that does not work is opened."""
    page, url = axe_page, live_server.url
    officer = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Larkmoor Housing Association" and a.roles == ("Case officer",)
    )
    found: dict[str, list[str]] = {}
    _sign_in(page, url, officer.email)
    page.goto(f"{url}/cases?status=active")
    page.locator("table.govuk-table tbody tr a").first.click()
    case_url = page.url
    page.goto(f"{case_url}/conferences/new")
    found["convene"] = violations(page)
    page.get_by_role("button", name="Convene the conference").click()
    found["convene with errors"] = violations(page)
    when = clock.today() + timedelta(days=7)
    page.get_by_label("What is the conference to decide?").fill("Agree the action plan")
    page.locator("#starts_at-day").fill(str(when.day))
    page.locator("#starts_at-month").fill(str(when.month))
    page.locator("#starts_at-year").fill(str(when.year))
    page.locator("#starts_at-hour").fill("10")
    page.locator("#starts_at-minute").fill("30")
    page.get_by_label("Where it meets").fill("Civic Centre, committee room 2")
    page.get_by_label("Northshire Police", exact=True).check()
    chair = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == officer.agency_name and Role.MANAGER.label in a.roles
    )
    page.get_by_label("Chair").select_option(label=f"{chair.display_name}, {chair.agency_name}")
    page.get_by_role("button", name="Convene the conference").click()
    found["conference"] = violations(page)
    conference_url = page.url
    page.goto(f"{conference_url}/chair")
    found["change the chair"] = violations(page)
    page.get_by_role("button", name="Change the chair").click()  # nothing chosen: refused
    found["change the chair with errors"] = violations(page)
    page.goto(f"{case_url}/letter")
    found["letter form"] = violations(page)
    page.get_by_role("button", name="Show the letter").click()
    found["letter"] = violations(page)
    page.goto(f"{case_url}/close")
    expect(page.get_by_role("heading", name="Open actions")).to_be_visible()
    found["close, with the open actions it closes"] = violations(page)
    with demo_app.extensions["hub.sessions"]() as session:
        hate_case = session.scalar(
            select(Case)
            .where(Case.hate_motivated, Case.locked.is_(False), Case.status == "active")
            .where(Case.agency.has(type="landlord"))
            .order_by(Case.id)
        )
        hate_officer = hate_case.officer.email
    axe_page.context.clear_cookies()
    _sign_in(page, url, hate_officer)
    page.goto(f"{url}/cases/{hate_case.id}")
    found["case with the hate pathway"] = violations(page)
    page.goto(f"{url}/cases/{hate_case.id}/referrals/new")
    page.get_by_role("button", name="Record the referral").click()
    found["referral with errors"] = violations(page)
    axe_page.context.clear_cookies()
    _sign_in(page, url, officer.email)
    page.goto(f"{url}/conferences")
    found["conferences"] = violations(page)
    page.goto(f"{url}/actions")
    found["actions"] = violations(page)
    done_link = page.locator("a[href$='/done']").first
    if done_link.count():
        done_link.click()
        page.get_by_role("button", name="Mark done").click()
        found["action done with errors"] = violations(page)

    axe_page.context.clear_cookies()
    police = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Northshire Police" and a.roles == ("Case officer",)
    )
    _sign_in(page, url, police.email)
    page.goto(conference_url)
    found["conference as the police"] = violations(page)
    page.get_by_role("link", name="Answer for your agency").click()
    page.get_by_role("button", name="Send the answer").click()
    found["information request with errors"] = violations(page)

    axe_page.context.clear_cookies()
    # A manager no other test of this module signs in: a security code cannot be used
    # twice, and two sign-ins may fall within one 30-second step.
    manager = next(
        a
        for a in DEMO_ACCOUNTS
        if a.agency_name == "Wealdbrook Housing Trust" and Role.MANAGER.label in a.roles
    )
    _sign_in(page, url, manager.email)
    page.get_by_label("Security code").fill(pyotp.TOTP(manager.totp_secret).now())
    page.get_by_role("button", name="Continue").click()
    page.goto(f"{url}/people")
    found["people"] = violations(page)
    page.get_by_role("link", name="Send a password reset link").first.click()
    found["send a password reset link"] = violations(page)
    page.goto(f"{url}/cases/reviews-due")
    found["overdue reviews"] = violations(page)
    page.goto(f"{url}/cases?status=open")
    page.locator("table.govuk-table tbody tr a").first.click()
    page.get_by_role("link", name="Change case officer").click()
    found["change the case officer"] = violations(page)
    page.goto(f"{url}/cases/import")
    found["import cases"] = violations(page)
    rows = "\n".join([HEADING, line_of(reference="A-1", ward=""), line_of(postcode="XX1")])
    page.get_by_label("CSV file of cases").set_input_files(
        files=[{"name": "cases.csv", "mimeType": "text/csv", "buffer": rows.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Rows refused: mend them")).to_be_visible()
    found["import cases, checked"] = violations(page)

    axe_page.context.clear_cookies()
    administrator = next(a for a in DEMO_ACCOUNTS if Role.ADMINISTRATOR.label in a.roles)
    _sign_in(page, url, administrator.email)
    page.get_by_label("Security code").fill(pyotp.TOTP(administrator.totp_secret).now())
    page.get_by_role("button", name="Continue").click()
    page.goto(f"{url}/people")
    found["people, for an administrator"] = violations(page)
    page.get_by_role("link", name="Change roles").first.click()
    found["change roles"] = violations(page)
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Save roles").click()  # no role: refused, nothing changed
    expect(page.get_by_text("Select at least one role").first).to_be_visible()
    found["change roles with errors"] = violations(page)
    page.goto(f"{url}/people")
    page.get_by_role("button", name="Add someone").click()
    found["add someone"] = violations(page)
    page.get_by_role("button", name="Add them and send the link").click()  # nothing filled in
    expect(page.get_by_text("Select at least one role").first).to_be_visible()
    found["add someone with errors"] = violations(page)
    axe_page.context.clear_cookies()
    page.goto(f"{url}/set-password/not-a-link")
    found["a link to set a password that does not work"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_partnership_meeting_pages_have_no_wcag_violations(
    live_server, demo_app, axe_page: Page
) -> None:
    """The demo problem-solving group's chair opens the meetings, sets one up (first with
    errors), opens the group, the form to change it (with errors) and its sittings (a
    sitting to come with apologies recorded, then refused) and schedules one (with
    errors); a landlord officer opens the forms that bring a case to a sitting and refer
    someone to safeguarding (with errors); the adult safeguarding team
    opens a case referred to it and the form for the referral's outcome (with errors)."""
    page, url = axe_page, live_server.url
    with demo_app.extensions["hub.sessions"]() as session:
        group = session.scalars(select(MeetingSeries).order_by(MeetingSeries.id)).first()
        chair_email = group.chair.email
        sittings = [s.id for s in group.sittings]
        case = group.sittings[-1].conferences[0].case
        case_id, officer_email = case.id, case.officer.email
        waiting = session.scalars(
            select(Referral).where(Referral.agency_id.is_not(None), Referral.outcome.is_(None))
        ).first()
        referred_case, team = waiting.case_id, waiting.agency.name
    lead_email = next(a.email for a in DEMO_ACCOUNTS if a.agency_name == team and not a.totp_secret)
    chair = next(a for a in DEMO_ACCOUNTS if a.email == chair_email)
    found: dict[str, list[str]] = {}
    _sign_in(page, url, chair.email)
    if chair.totp_secret:
        page.get_by_label("Security code").fill(pyotp.TOTP(chair.totp_secret).now())
        page.get_by_role("button", name="Continue").click()
    page.goto(f"{url}/meetings")
    found["meetings"] = violations(page)
    page.goto(f"{url}/meetings/new")
    found["set up"] = violations(page)
    page.get_by_role("button", name="Set up the meeting").click()
    found["set up with errors"] = violations(page)
    page.goto(f"{url}/meetings/{group.id}")
    found["meeting"] = violations(page)
    page.goto(f"{url}/meetings/{group.id}/change")
    found["change"] = violations(page)
    page.locator("#name").fill("")
    page.get_by_role("button", name="Save the change").click()
    found["change with errors"] = violations(page)
    for sitting_id in sittings:
        page.goto(f"{url}/meetings/{group.id}/sittings/{sitting_id}")
        found[f"sitting {sitting_id}"] = violations(page)
        if page.get_by_role("button", name="Record apologies").count():  # a sitting to come
            page.get_by_label("Agency", exact=True).select_option(index=1)
            page.get_by_label("Name (optional)").fill("Sgt Ellery")
            page.get_by_role("button", name="Record apologies").click()
            found[f"sitting {sitting_id} with apologies"] = violations(page)
            page.get_by_role("button", name="Record apologies").click()  # none chosen: refused
            found[f"sitting {sitting_id} apologies with errors"] = violations(page)
    for change, button in (("move", "Move the sitting"), ("cancel", "Cancel the sitting")):
        page.goto(f"{url}/meetings/{group.id}/sittings/{sittings[-1]}/{change}")
        found[change] = violations(page)
        if page.get_by_role("button", name=button).count():  # a sitting not yet held
            page.get_by_role("button", name=button).click()  # nothing given: refused
            found[f"{change} with errors"] = violations(page)
    page.goto(f"{url}/meetings/{group.id}/sittings/new")
    found["schedule"] = violations(page)
    page.locator("#starts_at-year").fill("2001")
    page.get_by_role("button", name="Schedule the sitting").click()
    found["schedule with errors"] = violations(page)
    axe_page.context.clear_cookies()
    _sign_in(page, url, officer_email)
    page.goto(f"{url}/cases/{case_id}/meetings/bring")
    found["bring"] = violations(page)
    page.get_by_role("button", name="Bring the case to the meeting").click()
    found["bring with errors"] = violations(page)
    page.goto(f"{url}/cases/{case_id}/safeguarding/new")
    found["safeguarding referral"] = violations(page)
    page.get_by_role("button", name="Make the referral").click()
    found["safeguarding referral with errors"] = violations(page)
    axe_page.context.clear_cookies()
    _sign_in(page, url, lead_email)
    page.goto(f"{url}/cases/{referred_case}?purpose={SAFEGUARDING_PURPOSE}")
    found["case opened by the safeguarding team"] = violations(page)
    page.get_by_role("link", name="Record the outcome").first.click()
    page.get_by_role("button", name="Record the outcome").click()
    found["referral outcome with errors"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_community_trigger_pages_have_no_wcag_violations(
    live_server, demo_app, axe_page: Page
) -> None:
    """The Trigger lead opens the applications, records one (first with errors), opens a
    waiting application with its threshold check and decision form (with errors), the
    forms closing it and correcting its details (with errors), a decided one, one before the review panel (a recommendation with errors), a reviewed
    and appealed one and its outcome letter, one whose "not met" an appeal sent back (its
    form to decide again, with errors, and its appeal decision letter), the recommendations for the agency, then the
    published figures (and with a month that is not one), the regulator's measures and
    the partnership's figures with their meeting pack."""
    page, url = axe_page, live_server.url
    lead = next(a for a in DEMO_ACCOUNTS if "Community Trigger lead" in a.roles)
    with demo_app.extensions["hub.sessions"]() as session:
        found_applications = list(
            session.scalars(select(TriggerApplication).order_by(TriggerApplication.id))
        )
        ids = {a.decision is None: a.id for a in found_applications}
        reviewed = next(a.id for a in found_applications if a.outcome_on)
        before_panel = next(
            a.id for a in found_applications if a.review_sitting_id and not a.outcome_on
        )
        sent_back = next(a.id for a in found_applications if handling.to_decide_again(a))
    found: dict[str, list[str]] = {}
    _sign_in(page, url, lead.email)
    if lead.totp_secret:
        page.get_by_label("Security code").fill(pyotp.TOTP(lead.totp_secret).now())
        page.get_by_role("button", name="Continue").click()
    page.goto(f"{url}/trigger")
    found["applications"] = violations(page)
    page.goto(f"{url}/trigger/new")
    found["record"] = violations(page)
    page.get_by_role("button", name="Record the application").click()
    found["record with errors"] = violations(page)
    page.goto(f"{url}/trigger/{ids[True]}")
    found["waiting application"] = violations(page)
    page.get_by_role("button", name="Record the decision").click()
    found["decision with errors"] = violations(page)
    for closing, button in (
        ("withdrawn", "Record as withdrawn"),
        ("duplicate", "Record as a duplicate"),
    ):
        page.goto(f"{url}/trigger/{ids[True]}/{closing}")
        found[closing] = violations(page)
        page.get_by_role("button", name=button).click()  # nothing given: refused
        found[f"{closing} with errors"] = violations(page)
    page.goto(f"{url}/trigger/{ids[True]}/correct")
    found["correct the details"] = violations(page)
    page.get_by_label("Victim's surname, or the business's or group's name").fill("")
    page.get_by_role("button", name="Save the corrections").click()
    found["correct the details with errors"] = violations(page)
    page.goto(f"{url}/trigger/{ids[False]}")
    found["decided application"] = violations(page)
    page.goto(f"{url}/trigger/{sent_back}")
    found["application to decide again"] = violations(page)
    page.get_by_role("button", name="Record the decision made again").click()
    found["decide again with errors"] = violations(page)
    page.goto(f"{url}/trigger/{sent_back}/letters/appeal_decision")
    found["appeal decision sending not met back"] = violations(page)
    page.goto(f"{url}/trigger/{before_panel}")
    found["application before the panel"] = violations(page)
    page.get_by_role("button", name="Record the recommendation").click()
    found["recommendation with errors"] = violations(page)
    page.goto(f"{url}/trigger/{reviewed}")
    found["reviewed and appealed application"] = violations(page)
    page.goto(f"{url}/trigger/{reviewed}/letters/outcome")
    found["outcome letter"] = violations(page)
    page.goto(f"{url}/trigger/recommendations")
    found["recommendations for the agency"] = violations(page)
    page.goto(f"{url}/trigger/figures")
    found["figures"] = violations(page)
    page.goto(f"{url}/figures/regulator")
    found["regulator's measures"] = violations(page)
    page.goto(f"{url}/figures/regulator?year=banana")
    found["regulator's measures with errors"] = violations(page)
    page.goto(f"{url}/trigger/figures?from=banana")
    found["figures with errors"] = violations(page)
    page.goto(f"{url}/figures/")
    found["partnership's figures"] = violations(page)
    page.goto(f"{url}/figures/?ward=1&from=banana")
    found["partnership's figures with errors"] = violations(page)
    page.goto(f"{url}/figures/pack")
    found["figures meeting pack"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_warning_before_the_idle_sign_out_has_no_wcag_violations(
    live_server, axe_page: Page
) -> None:
    """Open over a form, as a case officer meets it after 28 minutes without a request."""
    open_the_warning(axe_page, live_server.url)
    expect(warning(axe_page)).to_be_visible()
    assert violations(axe_page) == []


def test_the_privacy_notice_and_accessibility_statement_have_no_wcag_violations(
    live_server, axe_page: Page
) -> None:
    """Someone with no account follows the footer's links from the application's start
    page to the privacy notice and the accessibility statement."""
    page, url = axe_page, live_server.url
    found: dict[str, list[str]] = {}
    page.goto(f"{url}/community-trigger")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    found["privacy notice"] = violations(page)
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", name="Accessibility statement", level=1)).to_be_visible()
    found["accessibility statement"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_public_community_trigger_application_has_no_wcag_violations(
    live_server, axe_page: Page
) -> None:
    """Someone with no account reads the start page, sends the questions empty (errors),
    answers them, checks their answers and sends the application."""
    page, url = axe_page, live_server.url
    found: dict[str, list[str]] = {}
    page.goto(f"{url}/community-trigger")
    found["start"] = violations(page)
    page.get_by_role("button", name="Start now").click()
    found["who is applying"] = violations(page)
    page.get_by_role("button", name="Continue").click()
    found["a question with its error"] = violations(page)
    page.get_by_label("No, I am applying as a family member").check()
    page.get_by_role("button", name="Continue").click()
    found["about you"] = violations(page)
    page.get_by_label("Your name").fill("Sam Tester")
    page.get_by_label("Your phone number or email address").fill("sam@example.org")
    page.get_by_label("They have agreed to me applying for them").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("A person", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Last name", exact=True).fill("Tester")
    page.get_by_role("button", name="Continue").click()
    found["date of birth"] = violations(page)
    for _ in range(3):  # date of birth, contact and address are optional (for a third party)
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("What is happening").fill("Loud music every night and threats on the stairs")
    page.get_by_role("button", name="Continue").click()
    found["who it was reported to"] = violations(page)
    page.get_by_label("Northshire Police", exact=True).check()
    page.locator("#reported_when-northshire-police-month").fill("13")
    page.locator("#reported_when-northshire-police-year").fill("2025")
    page.get_by_role("button", name="Continue").click()
    found["who it was reported to, with its error"] = violations(page)
    page.locator("#reported_when-northshire-police-month").fill("5")
    page.get_by_label("Someone else", exact=True).check()
    page.get_by_label("Who else was it reported to?").fill("The GP surgery")
    page.get_by_role("button", name="Continue").click()
    found["check your answers"] = violations(page)
    page.get_by_role("button", name="Send the application").click()
    found["sent"] = violations(page)
    assert "Application sent" in page.content()
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize("width", [NARROW, 375, 640])  # 640: a laptop's 1280 at 200% zoom
def test_the_public_application_reflows_on_a_phone_and_a_change_comes_back_to_check(
    live_server, demo_app, browser: Browser, width: int
) -> None:
    """A victim applies for themselves on a phone-sized screen with the keyboard alone
    (a Welsh address, a postcode typed oddly, a date typed whole), gets a question wrong,
    changes an answer on "check your answers" and comes back there: no page scrolls
    sideways."""
    with demo_app.extensions["hub.sessions"]() as session:
        session.execute(delete(PublicFormUse))  # the hour's sends of this module's tests
        session.commit()
    context = browser.new_context(viewport={"width": width, "height": 640})
    page, url = context.new_page(), live_server.url
    scrolls: dict[str, int] = {}

    def answer() -> None:
        scrolls[page.title()] = _sideways_scroll(page)
        page.get_by_role("button", name="Continue").press("Enter")

    try:
        page.goto(f"{url}/community-trigger")
        scrolls["start"] = _sideways_scroll(page)
        page.get_by_role("button", name="Start now").press("Enter")
        page.get_by_label("Yes, it is about me, my business or my group").press("Space")
        answer()
        page.get_by_label("A person", exact=True).press("Space")
        answer()
        page.get_by_label("First name (optional)").fill("Siân")
        page.get_by_label("Last name", exact=True).fill("O'Brien-Ní Dhomhnaill")
        answer()
        page.get_by_label("Day").fill("3/4/1980")
        answer()
        page.get_by_label("Email address (optional)").fill("sian@example")
        answer()
        expect(page.get_by_role("link", name="Enter an email address")).to_be_visible()
        page.get_by_label("Email address (optional)").fill("sian@example.org")
        answer()
        page.get_by_label("Address where it is happening").fill(
            "Tŷ Newydd, Ffordd yr Orsaf\nLlanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
        )
        page.get_by_label("Postcode (optional)").fill(" nx1   1aa ")
        answer()
        page.get_by_label("What is happening").fill("Loud music every night since May")
        answer()
        page.get_by_label("Northshire Police", exact=True).press("Space")
        page.locator("#reported_when-northshire-police-month").fill("5")
        page.locator("#reported_when-northshire-police-year").fill("2025")
        answer()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
        expect(page.locator("main")).to_contain_text("Northshire Police, May 2025")
        expect(page.locator("main")).to_contain_text("3 April 1980")
        scrolls["check your answers"] = _sideways_scroll(page)
        page.get_by_role("button", name="Change what is happening").press("Enter")
        page.get_by_label("What is happening").fill("Loud music and threats every night")
        answer()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
        expect(page.locator("main")).to_contain_text("Loud music and threats every night")
        page.get_by_role("button", name="Send the application").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Application sent")
        scrolls["sent"] = _sideways_scroll(page)
        assert {title: px for title, px in scrolls.items() if px > 0} == {}
    finally:
        context.close()


def test_the_closure_survey_by_link_has_no_wcag_violations(
    live_server, demo_app, axe_page: Page
) -> None:
    """A complainant opens the survey link their officer gave them (no account), sends it
    empty (errors), answers it, and reads the thank-you page."""
    page, url = axe_page, live_server.url
    with demo_app.extensions["hub.sessions"]() as session:
        case = session.scalars(
            select(Case)
            .where(Case.status == CaseStatus.ACTIVE, Case.locked.is_(False))
            .order_by(Case.id.desc())
        ).first()
        officer = Actor.of(case.officer)
        close_case(
            session,
            authorise(session, officer, case.id, Act.CLOSE),
            ClosureReason.NOT_ENGAGING,
            outcome=ClosureOutcome.NOT_RESOLVED,
        )
        _, token = offer_link(
            session,
            authorise(session, officer, case.id, Act.CLOSE),
            demo_app.extensions["hub.closure_survey"],
        )
        session.commit()
    found: dict[str, list[str]] = {}
    page.goto(f"{url}/closure-survey/{token}")
    found["survey"] = violations(page)
    page.get_by_role("button", name="Send your answers").click()
    found["survey with errors"] = violations(page)
    for group in page.locator("fieldset").all():
        group.get_by_label("Fairly satisfied", exact=True).check()
    page.get_by_role("button", name="Send your answers").click()
    found["thank you"] = violations(page)
    assert "Thank you" in page.content()
    page.goto(f"{url}/closure-survey/{token}")
    found["link used"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_marking_a_document_has_no_wcag_violations(live_server, demo_app, axe_page: Page) -> None:
    """An officer meets a document attached before markings were asked for in the case's
    list, follows "Mark it", sends the form without a choice, then marks it."""
    page, url = axe_page, live_server.url
    emails = {a.email: a for a in DEMO_ACCOUNTS if not a.totp_secret}
    with demo_app.extensions["hub.sessions"]() as session:
        document = next(
            d
            for d in session.scalars(select(Document).order_by(Document.id))
            if d.case.status is not CaseStatus.CLOSED
            and not d.case.locked
            and d.case.officer.email in emails
        )
        document.marking = None  # as migration 0065 left it
        case_id, email = document.case_id, document.case.officer.email
        session.commit()
    _sign_in(page, url, email)
    found: dict[str, list[str]] = {}
    page.goto(f"{url}/cases/{case_id}#documents")
    expect(page.get_by_text("Not marked: treat as OFFICIAL-SENSITIVE").first).to_be_visible()
    found["case with a document not marked"] = violations(page)
    page.locator(f"a[href='/cases/{case_id}/documents/{document.id}/marking']").first.click()
    found["marking form"] = violations(page)
    page.get_by_role("button", name="Save the marking").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    found["marking form with errors"] = violations(page)
    page.locator("input[name=marking][value=official_sensitive]").check()
    page.get_by_role("button", name="Save the marking").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    assert {name: v for name, v in found.items() if v} == {}
