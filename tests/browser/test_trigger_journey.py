"""In Chromium, a Community Trigger application from the public form to the annual
figures: a victim whose complaints the police, the council and a landlord hold (the
landlord's case locked) applies online, a page a question; the Trigger lead sees the count
across the three agencies, the locked complaint only as held by the landlord, decides
"met" and puts the application before the review panel's next sitting; the police officer
brings the police case to it and a landlord's manager answers the panel's information
request; the lead records the panel's recommendation; after the panel has sat, the lead
records the outcome and produces the letter (page and PDF); the published figures count
one more review. Every new page is checked with axe (WCAG 2.2 AA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.templating import UK
from sharing import clock
from sharing.crypto.sealing import unseal_many
from sharing.demo import DEMO_ACCOUNTS
from sharing.demo.partnership import totp_secret_for
from sharing.models import Case, MeetingSeries, MeetingSitting, Person, TriggerApplication, User
from sharing.trigger import complaints, threshold
from sharing.trigger.workdays import working_day_from
from sharing.vocabulary import CaseStatus, Role
from tests.browser.test_accessibility import violations
from tests.browser.test_conference_journey import _fill_date, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.long]

PROBLEM = "Threats on the stairs and loud parties every night; I have reported it everywhere"
REASONS = "Complaints to the police, the council and the landlord in the last six months"
RECOMMENDATION = "Police to patrol the block on Friday and Saturday evenings for two months"
FINDINGS = "Each agency acted on its own reports and nobody joined them up."
NEXT = "The police will patrol, and the community safety team will write when it is done."


def _published_secret(user: User) -> str | None:
    """The demo account's published authenticator secret (the hub keeps it sealed)."""
    return totp_secret_for(user.email) if user.has_authenticator else None


def _victim(app: Flask) -> Iterator[dict[str, object]]:
    """A victim whose counted complaints three relevant bodies hold, one a landlord whose
    case is locked for the journey, with the police case's officer and the landlord's
    manager who answers for it (unlocked again afterwards)."""
    procedure = app.extensions["hub.trigger_procedure"]
    with app.extensions["hub.sessions"]() as session:
        area = session.scalar(select(Case)).agency.area_id
        seen: set[tuple[str, str]] = set()
        for person in session.scalars(select(Person).order_by(Person.id)):
            values = unseal_many(person, ("given_names", "family_name", "date_of_birth"))
            key = (values["family_name"] or "", values["date_of_birth"] or "")
            if not all(key) or key in seen:
                continue
            seen.add(key)
            found = complaints.gather(
                session,
                procedure,
                area,
                complaints.Applicant(family_name=key[0], date_of_birth=date.fromisoformat(key[1])),
            )
            advice = threshold.assess(found.complaints, procedure, clock.today())
            held = [found.held[c.id] for r in advice.rules for c in r.counted]
            by_agency = {h.agency: h for h in held}
            landlord = next(
                (h for h in held if h.agency.endswith(("Association", "Trust", "Homes"))),
                None,
            )
            police = next(
                (
                    h
                    for h in held
                    if h.agency == "Northshire Police"
                    and session.get(Case, h.case_id).status is CaseStatus.ACTIVE
                    and not session.get(Case, h.case_id).locked
                ),
                None,
            )  # a case the police can still bring to the panel: open, and not locked
            if len(by_agency) < 3 or landlord is None or police is None:
                continue
            locked = session.get(Case, landlord.case_id)
            police_case = session.get(Case, police.case_id)
            homes = next(
                u
                for u in session.scalars(select(User).order_by(User.id))
                if u.agency.code == "northshire-homes" and Role.MANAGER in u.roles
            )
            locked.locked = True
            session.commit()
            try:
                yield {
                    "given": values["given_names"],
                    "family": key[0],
                    "born": date.fromisoformat(key[1]),
                    "landlord": landlord.agency,
                    "agencies": sorted(by_agency),
                    "police_case": police_case.id,
                    "police_officer": police_case.officer.email,
                    "police_totp": _published_secret(police_case.officer),
                    "homes": homes.email,
                    "homes_totp": _published_secret(homes),
                }
            finally:
                locked.locked = False
                session.commit()
            return
    raise AssertionError("the demo has no victim whose complaints three bodies hold")


def _reviews_carried_out(page: Page, url: str, first_month: str) -> int:
    page.goto(f"{url}/trigger/figures?from={first_month}")
    row = page.get_by_role("row", name=re.compile("ASB Case Reviews carried out"))
    return int(row.get_by_role("cell").first.inner_text())


def test_a_victim_applies_and_the_review_reaches_its_letter_and_the_figures(
    live_server, demo_app: Flask, axe_page: Page
) -> None:
    page, url = axe_page, live_server.url
    lead = next(a for a in DEMO_ACCOUNTS if "Community Trigger lead" in a.roles)
    with demo_app.extensions["hub.sessions"]() as session:
        sitting = session.scalar(
            select(MeetingSitting)
            .join(MeetingSeries)
            .where(
                MeetingSeries.purpose == "community_trigger",
                MeetingSitting.starts_at > clock.now(),
            )
            .order_by(MeetingSitting.starts_at)
        )
        sits_at = sitting.starts_at
    after = sits_at + timedelta(days=1)
    local = after.astimezone(UK)
    first_month = f"{local.year - (local.month < 12)}-{local.month % 12 + 1:02d}"
    found: dict[str, list[str]] = {}
    story_of = _victim(demo_app)
    story = next(story_of)
    try:
        _sign_in(page, url, lead.email, lead.totp_secret)
        reviews_before = _reviews_carried_out(page, url, first_month)

        # The victim applies online, a question a page.
        page.context.clear_cookies()
        page.goto(f"{url}/community-trigger")
        page.get_by_role("button", name="Start now").click()
        page.get_by_label("Yes, it is about me, my business or my group").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("A person", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("First name (optional)").fill(str(story["given"] or ""))
        page.get_by_label("Last name", exact=True).fill(str(story["family"]))
        page.get_by_role("button", name="Continue").click()
        _fill_date(page, "victim_date_of_birth", story["born"])  # type: ignore[arg-type]
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()  # contact: optional
        # No email address given, so the letters are posted: the address is needed.
        page.get_by_label("Address where it is happening").fill("Flat 2, 7 Test Row")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("What is happening, and how is it affecting you?").fill(PROBLEM)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()  # who it was reported to: optional
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
        page.get_by_role("button", name="Send the application").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Application sent")
        with demo_app.extensions["hub.sessions"]() as session:
            application = session.scalars(
                select(TriggerApplication).order_by(TriggerApplication.id.desc())
            ).first()
            application_id, reference = application.id, application.reference
        expect(page.locator("main")).to_contain_text(reference)

        # The lead sees the count across the three agencies and decides.
        _sign_in(page, url, lead.email, lead.totp_secret)
        page.goto(f"{url}/trigger/{application_id}")
        counted = page.locator("table", has_text="Held by")
        for agency in story["agencies"]:  # type: ignore[union-attr]
            expect(counted).to_contain_text(str(agency))
        expect(counted).to_contain_text(
            f"One complaint held by {story['landlord']} that you cannot see"
        )
        page.get_by_label("Threshold met: the case is reviewed by the partnership").check()
        page.get_by_label("Reasons for the decision").fill(REASONS)
        page.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_text("Threshold decision recorded.")).to_be_visible()
        page.get_by_label("Which sitting of the review panel?").select_option(index=0)
        page.get_by_role("button", name="Put it before the panel").click()
        expect(page.get_by_text("The application is before the review panel")).to_be_visible()
        found["before the panel"] = violations(page)

        # The police bring their case to the panel; the landlord answers for its agency.
        _sign_in(page, url, str(story["police_officer"]), story["police_totp"])  # type: ignore[arg-type]
        page.goto(f"{url}/cases/{story['police_case']}/meetings/bring")
        page.get_by_label("The sitting to bring it to").select_option(value=str(sitting.id))
        page.get_by_label("What is the meeting to decide about this case?").fill(
            f"ASB Case Review {reference}"
        )
        page.get_by_role("button", name=re.compile("Bring")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Case conference")
        conference_url = page.url
        _sign_in(page, url, str(story["homes"]), story["homes_totp"])  # type: ignore[arg-type]
        page.goto(conference_url)
        page.get_by_role("link", name="Answer for your agency").click()
        page.get_by_label("Yes").check()
        page.get_by_label("Incidents and reports you hold (optional)").fill(
            "Two noise reports from the tenant; a warning letter sent"
        )
        page.get_by_role("button", name="Send the answer").click()
        expect(page.get_by_text("a warning letter sent")).to_be_visible()

        # The lead records the panel's recommendation.
        _sign_in(page, url, lead.email, lead.totp_secret)
        page.goto(f"{url}/trigger/{application_id}")
        expect(page.locator("main")).to_contain_text("Brought")
        page.get_by_label("Which relevant body will carry it out?").select_option(
            label="Northshire Police"
        )
        page.get_by_label("The recommendation").fill(RECOMMENDATION)
        due = working_day_from((after + timedelta(days=60)).astimezone(UK).date())
        _fill_date(page, "due_on", due)  # type: ignore[arg-type]
        page.get_by_role("button", name="Record the recommendation").click()
        expect(page.get_by_text("Recommendation recorded.")).to_be_visible()

        # After the panel has sat: the outcome, its letter, and the figures.
        with clock.pinned(after):
            _sign_in(page, url, lead.email, lead.totp_secret)
            page.goto(f"{url}/trigger/{application_id}")
            page.get_by_label("What the panel found").fill(FINDINGS)
            page.get_by_label("What happens next").fill(NEXT)
            page.get_by_role("button", name="Record the outcome").click()
            expect(page.get_by_text("Outcome recorded.")).to_be_visible()
            page.get_by_role("link", name="The outcome of your ASB Case Review", exact=True).click()
            letter = page.locator("main")
            for text in (FINDINGS, NEXT, RECOMMENDATION, "Police and Crime Commissioner"):
                expect(letter).to_contain_text(text)
            found["outcome letter"] = violations(page)
            pdf = page.request.get(f"{url}/trigger/{application_id}/letters/outcome.pdf")
            assert pdf.ok
            assert pdf.body().startswith(b"%PDF")
            assert _reviews_carried_out(page, url, first_month) == reviews_before + 1
    finally:
        next(story_of, None)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_lead_filters_the_applications_on_a_laptop_screen(
    live_server, demo_app: Flask, axe_page: Page
) -> None:
    """At 1280 pixels the filters sit beside the list and the list shows every column
    without scrolling sideways; the lead narrows it to those being handled, sees the
    filter kept as chosen, and a year that is not one is said at its filter."""
    page, url = axe_page, live_server.url
    lead = next(a for a in DEMO_ACCOUNTS if "Community Trigger lead" in a.roles)
    _sign_in(page, url, lead.email, lead.totp_secret)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{url}/trigger")
    table = page.locator(".hub-table-scroll").first
    assert table.evaluate("box => box.scrollWidth <= box.clientWidth")
    filters = page.locator("form[method=get]").bounding_box()
    listed = table.bounding_box()
    assert filters is not None
    assert listed is not None
    assert filters["x"] + filters["width"] <= listed["x"]  # beside, not above
    page.get_by_label("State").select_option("handling")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("caption")).to_contain_text("being handled, of")
    expect(page.get_by_label("State")).to_have_value("handling")
    assert "state=handling" in page.url
    assert table.evaluate("box => box.scrollWidth <= box.clientWidth")
    assert violations(page) == []
    page.goto(f"{url}/trigger?year=last")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The year received must be a year")
    assert violations(page) == []
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
