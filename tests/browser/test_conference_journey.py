"""In Chromium, a case conference from the escalation prompt to the police's completed
action: a landlord officer convenes one from a case's escalation prompt, inviting the
police and adult safeguarding; the police officer answers the information request; each
attendee's pack differs exactly as the case conference protocol's clauses say; after the
meeting the officer minutes it, adds a police action and circulates the minutes; the chair
agrees them; the police see the action in "Actions", complete it, and the case shows it.
Every new page is checked with axe (WCAG 2.2 AA), including its errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.templating import UK
from sharing import clock
from sharing.crypto.sealing import unseal
from sharing.demo import DEMO_PASSWORD
from sharing.demo.partnership import totp_secret_for
from sharing.models import Case, Conference, Escalation, User
from sharing.vocabulary import CaseStatus, PartyRole, Role
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.long]

ANSWER = "Two calls to 101 about threats on the stairwell; a caution in 2024"
MINUTE = "The officer summarised the diary sheets; police patrols agreed"
ACTION = "Neighbourhood patrols on Friday and Saturday evenings"
DONE_NOTE = "Patrols done on six evenings; nothing seen while officers were there"


def _first(staff: list[User], agency: str, role: Role) -> User:
    return next(u for u in staff if u.agency.code == agency and u.roles == {role})


def _escalated_case(app: Flask) -> dict[str, object]:
    """A Larkmoor case with an escalation prompt still to act on, its officer, its victim's
    name and support needs, and the police and adult safeguarding staff who attend."""
    with app.extensions["hub.sessions"]() as session:
        for escalation in session.scalars(
            select(Escalation)
            .join(Case, Case.id == Escalation.case_id)
            .where(
                Escalation.considered_at.is_(None),
                Case.status == CaseStatus.ACTIVE,
                Case.locked.is_(False),
                Case.agency.has(code="larkmoor-ha"),
                Case.id.not_in(select(Conference.case_id)),
            )
            .order_by(Escalation.id)
        ):
            case = escalation.case
            victim = next((p.person for p in case.parties if p.role is PartyRole.VICTIM), None)
            if victim is None or case.officer.has_authenticator:
                continue
            staff = session.scalars(select(User).order_by(User.id)).all()
            manager = next(
                u for u in staff if u.agency_id == case.agency_id and Role.MANAGER in u.roles
            )
            return {
                "case_id": case.id,
                "officer": case.officer.email,
                "victim": f"{unseal(victim, 'given_names')} {unseal(victim, 'family_name')}",
                "support": unseal(victim, "support_needs"),
                "police": _first(staff, "northshire-police", Role.CASE_OFFICER),
                "adults": _first(staff, "northshire-adults", Role.PARTNER_VIEWER),
                "chair": manager,
            }
    raise AssertionError("the demo has no Larkmoor case with an escalation prompt")


def _sign_in(page: Page, url: str, email: str, totp_secret: str | None = None) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret:
        page.get_by_label("Security code").fill(pyotp.TOTP(totp_secret).at(clock.now()))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")


def _fill_date(page: Page, field: str, when: datetime, *, time: bool = False) -> None:
    page.locator(f"#{field}-day").fill(str(when.day))
    page.locator(f"#{field}-month").fill(str(when.month))
    page.locator(f"#{field}-year").fill(str(when.year))
    if time:
        page.locator(f"#{field}-hour").fill(str(when.hour))
        page.locator(f"#{field}-minute").fill(f"{when.minute:02d}")


def test_a_conference_from_the_escalation_prompt_to_the_police_action_done(
    live_server, demo_app: Flask, axe_page: Page
) -> None:
    page, url = axe_page, live_server.url
    story = _escalated_case(demo_app)
    case_url = f"{url}/cases/{story['case_id']}"
    police, adults, chair = story["police"], story["adults"], story["chair"]
    found: dict[str, list[str]] = {}

    # The officer acts on the escalation prompt by convening a conference.
    _sign_in(page, url, story["officer"])
    page.goto(case_url)
    prompts = page.get_by_text("Consider a case conference")
    waiting = prompts.count()
    page.get_by_role("link", name="convene a case conference").first.click()
    page.get_by_role("button", name="Convene the conference").click()
    found["convene with errors"] = violations(page)
    starts = (clock.now() + timedelta(days=7)).astimezone(UK).replace(hour=10, minute=30)
    page.get_by_label("What is the conference to decide?").fill("Agree an action plan")
    _fill_date(page, "starts_at", starts, time=True)
    page.get_by_label("Where it meets").fill("Larkmoor House, meeting room 1")
    page.get_by_label("Northshire Police", exact=True).check()
    page.get_by_label("Northshire Adult Safeguarding", exact=True).check()
    # The people of the agencies ticked are offered once asked for, what was typed kept.
    page.get_by_role("button", name="Show the people of these agencies").click()
    expect(page.get_by_label("Where it meets")).to_have_value("Larkmoor House, meeting room 1")
    found["convene with the invited agencies' people"] = violations(page)
    page.get_by_label("Chair").select_option(label=f"{chair.display_name}, {chair.agency.name}")
    people = page.get_by_role("group", name="People expected (optional)")
    people.get_by_role("group", name="Northshire Police").get_by_label(police.display_name).check()
    people.get_by_role("group", name="Northshire Adult Safeguarding").get_by_label(
        adults.display_name
    ).check()
    page.get_by_role("button", name="Convene the conference").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case conference")
    conference_url = page.url
    page.goto(case_url)
    expect(prompts).to_have_count(waiting - 1)  # the prompt acted on

    # The police officer answers what the police hold.
    _sign_in(page, url, police.email)
    page.goto(conference_url)
    page.get_by_role("link", name="Answer for your agency").click()
    page.get_by_label("Yes").check()
    page.get_by_label("Incidents and reports you hold (optional)").fill(ANSWER)
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text(ANSWER)).to_be_visible()

    # Each attendee's pack: the same case, as their agency's clauses allow.
    page.get_by_role("link", name="Read your conference pack").click()
    found["pack"] = violations(page)
    police_pack = page.locator("main").inner_text()
    _sign_in(page, url, adults.email)
    page.goto(f"{conference_url}/pack")
    adults_pack = page.locator("main").inner_text()
    for pack in (police_pack, adults_pack):
        assert story["victim"] in pack  # identity: clause 5.1 for both
        assert ANSWER in pack
    assert "clause 5.2" in adults_pack  # vulnerability: safeguarding alone
    assert "clause 5.2" not in police_pack
    assert "Not shared with your agency for this conference: vulnerability, offending" not in (
        police_pack
    )
    assert (
        "vulnerability" in police_pack.split("Not shared with your agency for this conference")[1]
    )
    if story["support"]:
        assert story["support"] in adults_pack
        assert story["support"] not in police_pack

    # A week later, after the meeting: the officer minutes it and adds the police action.
    with clock.pinned(starts + timedelta(hours=2)):
        _sign_in(page, url, story["officer"])
        page.goto(conference_url)
        page.get_by_role("link", name="Record who attended", exact=True).click()
        page.get_by_role("button", name="Save attendance").click()
        found["attendance with errors"] = violations(page)
        for radio in page.locator("input[type=radio][value=present]").all():
            radio.check()
        page.get_by_role("button", name="Save attendance").click()
        page.get_by_role("link", name="Add the minute of an agenda item").click()
        page.get_by_role("button", name="Save the minute").click()
        found["minute with errors"] = violations(page)
        page.get_by_label("Agenda item").fill("1. Incidents since the last review")
        page.get_by_label("What was discussed and agreed").fill(MINUTE)
        page.get_by_role("button", name="Save the minute").click()
        page.get_by_role("link", name="Record a decision").click()
        page.get_by_label("What did the conference decide?").select_option("legal_action")
        page.get_by_role("button", name="Save the decision").click()
        found["decision with errors"] = violations(page)
        expect(page.get_by_text("Enter the decision").first).to_be_visible()
        page.get_by_label("What did the conference decide?").select_option("continue")
        page.get_by_label("The decision").fill("Continue the action plan with police patrols")
        page.get_by_role("button", name="Save the decision").click()
        page.get_by_role("link", name="Add an action agreed at the conference").click()
        page.get_by_label("Action or intervention").select_option("early_intervention_other")
        page.get_by_label("What is to be done?").fill(ACTION)
        page.get_by_label("Agency responsible").select_option(label="Northshire Police")
        _fill_date(page, "due_on", clock.now() + timedelta(days=14))
        page.get_by_role("button", name="Add the action").click()
        page.get_by_role("button", name="Circulate the minutes to the attendees").click()
        found["meeting"] = violations(page)

        # The chair agrees them; from then on they are read-only.
        secret = totp_secret_for(chair.email) if chair.has_authenticator else None
        _sign_in(page, url, chair.email, secret)
        page.goto(conference_url)
        page.get_by_role("button", name="Agree the minutes").click()
        expect(page.get_by_text("Minutes agreed")).to_be_visible()
        expect(page.get_by_role("link", name="Add the minute of an agenda item")).to_have_count(0)

        # The police see their action in "Actions" and complete it.
        _sign_in(page, url, police.email)
        page.goto(conference_url)
        expect(page.get_by_text(MINUTE)).to_be_visible()
        page.get_by_role("link", name="Actions", exact=True).click()
        row = page.locator("tr", has_text=ACTION)
        row.get_by_role("link", name="Mark done").click()
        page.get_by_label("What was done?").fill(DONE_NOTE)
        page.get_by_role("button", name="Mark done").click()

        # The case shows it.
        _sign_in(page, url, story["officer"])
        page.goto(case_url)
        expect(page.get_by_text(DONE_NOTE)).to_be_visible()
    assert {name: v for name, v in found.items() if v} == {}
