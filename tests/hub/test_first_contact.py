"""First contact as an officer and a manager meet it (demo partnership): a new case is due
its first contact by the working day the acknowledgement letter promises, and the letter
and the case page say the same (one setting); a review with contact records it (one that
could not reach the complainant does not), in its audit entry, with nothing personal; a
case past it says "First contact overdue" and is listed on its officer's home and their
manager's, and in the case list's filter; a locked case only to those its lock names;
partners see none of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from hub.templating import uk_date
from sharing import accounts, clock
from sharing.cases import first_contact
from sharing.models import AuditEntry, Case, CaseParty
from sharing.trigger.workdays import WorkingDays, england_and_wales
from sharing.vocabulary import Role
from tests.fixtures.api import register
from tests.fixtures.app import PASSWORD, csrf_token
from tests.fixtures.demo import (
    demo_client,
    demo_user,
    lock_demo_case,
    open_cases,
    shared_with_agency,
)
from tests.fixtures.reviews import review_form
from tests.hub.test_api_calls import new_case, open_case


def _open_new_case(client, officer_id: int) -> int:
    opened = client.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(client, "/cases/new"),
            "category": "noise",
            "priority": "amber",
            "triage": "low_level",
            "summary": "Loud music every night after midnight from the flat above",
            "officer_id": str(officer_id),
            "ward_id": "",
            "first_party_role": "victim",
            "first_party-given_names": "Fern",
            "first_party-family_name": "Firstcontact",
        },
    )
    assert opened.status_code == 302, opened.get_data(as_text=True)
    return int(opened.location.rsplit("/", 1)[1])


def _first_contact_row(page: str) -> str:
    start = page.index("First contact with the complainant")
    return page[start : page.index("</div>", page.index("govuk-summary-list__value", start))]


def _make_overdue(session, case: Case, days: int = 3) -> None:
    case.first_contact_due_on = clock.today() - timedelta(days=days)
    case.first_contact_on = None
    session.commit()


def test_a_new_case_is_due_first_contact_when_the_acknowledgement_promises(
    demo_hub, demo_session, monkeypatch
) -> None:
    officer_user = demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER)
    officer = demo_client(demo_hub, officer_user)
    case_id = _open_new_case(officer, officer_user.id)
    due = england_and_wales().add(clock.today(), 5)
    assert demo_session.get(Case, case_id).first_contact_due_on == due
    page = officer.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"First contact due by {uk_date(due)}" in _first_contact_row(page)
    victim = demo_session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == case_id))
    letter = officer.post(
        f"/cases/{case_id}/letters/new",
        data={
            "csrf_token": csrf_token(officer, f"/cases/{case_id}/letters/new"),
            "letter": "acknowledgement",
            "person": str(victim),
            "action": "preview",
        },
    )
    assert "We will contact you within five working days" in letter.get_data(as_text=True)

    # One setting: the letter and the tracked day move together.
    settings = replace(demo_hub.config["HUB_SETTINGS"], first_contact_working_days=2)
    monkeypatch.setitem(demo_hub.config, "HUB_SETTINGS", settings)
    second = _open_new_case(officer, officer_user.id)
    sooner = england_and_wales().add(clock.today(), 2)
    assert demo_session.get(Case, second).first_contact_due_on == sooner
    page = officer.get(f"/cases/{second}").get_data(as_text=True)
    assert f"First contact due by {uk_date(sooner)}" in page
    letter = officer.post(
        f"/cases/{second}/letters/new",
        data={
            "csrf_token": csrf_token(officer, f"/cases/{second}/letters/new"),
            "letter": "acknowledgement",
            "person": str(
                demo_session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == second))
            ),
            "action": "preview",
            "formats_chosen": "y",
            "plain": "y",
        },
    )
    assert "We will call you in the next two working days." in letter.get_data(as_text=True)


def test_a_case_opened_as_the_bank_holiday_list_ends_is_counted_once_the_list_reaches_it(
    demo_hub, demo_session
) -> None:
    """A case opened two days before the bank holiday list ends is due five working days
    later, past the list: its page says why its day is not counted and what to do (it
    said "Not recorded", as if nothing were due), and the daily run counts the day once
    the list is extended, so that the case can fall overdue and counts in the figures."""
    calendar = england_and_wales()
    end = calendar.known_until
    opened_on = end - timedelta(days=2)
    officer_user = demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER)
    with clock.pinned(datetime.combine(opened_on, time(11), UTC)):
        officer = demo_client(demo_hub, officer_user)
        case_id = _open_new_case(officer, officer_user.id)
        row = _first_contact_row(officer.get(f"/cases/{case_id}").get_data(as_text=True))
        assert f"bank holidays are known only to {uk_date(end)}" in row
        assert "Ask the hub&#39;s operator to update the govuk-bank-holidays package" in row
        assert "Not recorded" not in row
        assert first_contact.count_waiting(demo_session, 5) == (0, 1)
    case = demo_session.get(Case, case_id)
    assert case.first_contact_due_on is None
    last_changed = case.updated_at

    # The package updated: the list runs a year further, the next New Year's Day in it.
    new_year = date(end.year + 1, 1, 1)
    extended = WorkingDays(
        calendar.holidays | {new_year: "New Year's Day"}, date(end.year + 1, 12, 31)
    )
    assert first_contact.count_waiting(demo_session, 5, extended) == (1, 0)
    demo_session.commit()
    due = extended.add(opened_on, 5)
    assert due > new_year
    assert due.weekday() < 5
    assert demo_session.get(Case, case_id).first_contact_due_on == due
    assert demo_session.get(Case, case_id).updated_at == last_changed  # not a change to it
    with clock.pinned(datetime.combine(due + timedelta(days=1), time(11), UTC)):
        officer = demo_client(demo_hub, officer_user)
        row = _first_contact_row(officer.get(f"/cases/{case_id}").get_data(as_text=True))
    assert "First contact overdue" in row
    assert f"It was due by {uk_date(due)}" in row


def test_a_review_with_contact_records_first_contact_and_says_so_in_its_audit_entry(
    demo_hub, demo_session
) -> None:
    case = open_cases(demo_session, "northshire-homes")[0]
    _make_overdue(demo_session, case)
    officer = demo_client(demo_hub, case.officer)
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "First contact overdue" in _first_contact_row(page)

    unreached = officer.post(
        f"/cases/{case.id}/review",
        data=review_form(
            officer,
            case.id,
            contact_method="not_reached",
            **{"contacted_on-day": "", "contacted_on-month": "", "contacted_on-year": ""},
            contact_note="No answer at the door or on the phone",
        ),
    )
    assert unreached.status_code == 302, unreached.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).first_contact_on is None  # not reaching is no contact

    yesterday = clock.today() - timedelta(days=1)
    reached = officer.post(
        f"/cases/{case.id}/review",
        data=review_form(
            officer,
            case.id,
            **{
                "contacted_on-day": str(yesterday.day),
                "contacted_on-month": str(yesterday.month),
                "contacted_on-year": str(yesterday.year),
            },
        ),
    )
    assert reached.status_code == 302, reached.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).first_contact_on == yesterday
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "case.review", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis.endswith(f"; first contact {yesterday.isoformat()}")
    assert "Firstcontact" not in entry.basis
    assert "phone" not in entry.basis
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    row = _first_contact_row(page)
    assert f"Made on {uk_date(yesterday)}" in row
    assert "overdue" not in row

    # A later contact leaves the first where it was, and its entry says nothing of it.
    again = officer.post(f"/cases/{case.id}/review", data=review_form(officer, case.id))
    assert again.status_code == 302
    demo_session.expire_all()
    assert demo_session.get(Case, case.id).first_contact_on == yesterday
    latest = demo_session.scalars(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "case.review", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert "first contact" not in latest


def test_cases_past_first_contact_are_on_the_officers_and_the_managers_home(
    demo_hub, demo_session
) -> None:
    case = open_cases(demo_session, "northshire-homes")[0]
    _make_overdue(demo_session, case, days=4)
    officer = demo_client(demo_hub, case.officer)
    home = officer.get("/").get_data(as_text=True)
    listed = home[home.index('id="first-contact-overdue"') :]
    assert "Your cases past their first contact" in listed
    assert case.reference in listed
    assert uk_date(case.first_contact_due_on) in listed
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    home = manager.get("/").get_data(as_text=True)
    listed = home[home.index('id="first-contact-overdue"') :]
    assert "Your agency&#39;s cases past their first contact" in listed
    assert case.reference in listed
    everyone = manager.get("/cases?status=open&first_contact=overdue").get_data(as_text=True)
    assert case.reference in everyone
    assert "First contact was due by" in everyone
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert case.reference not in police.get("/").get_data(as_text=True)
    assert case.reference not in police.get("/cases?first_contact=overdue").get_data(as_text=True)


def test_a_case_with_first_contact_made_or_closed_is_not_listed(demo_hub, demo_session) -> None:
    made, closed = open_cases(demo_session, "northshire-homes")[:2]
    _make_overdue(demo_session, made)
    _make_overdue(demo_session, closed)
    made.first_contact_on = clock.today() - timedelta(days=1)
    closed.status = "closed"
    closed.closed_at = clock.now()
    demo_session.commit()
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    listed = manager.get("/cases?first_contact=overdue").get_data(as_text=True)
    assert made.reference not in listed
    assert closed.reference not in listed
    page = manager.get(f"/cases/{closed.id}").get_data(as_text=True)
    assert "First contact overdue" not in page


def test_a_locked_case_past_first_contact_is_listed_only_to_those_its_lock_names(
    demo_hub, demo_session
) -> None:
    locked = lock_demo_case(demo_session)  # a Larkmoor case, by its officer and manager
    _make_overdue(demo_session, locked)
    officer = demo_client(demo_hub, locked.officer)
    assert locked.reference in officer.get("/").get_data(as_text=True)
    newcomer = accounts.create_user(
        demo_session,
        agency=locked.agency,
        email="new.manager@larkmoor.example",
        display_name="New Manager",
        roles={Role.MANAGER},
        password=PASSWORD,
    )
    demo_session.commit()
    outsider = demo_client(demo_hub, newcomer)
    assert locked.reference not in outsider.get("/").get_data(as_text=True)
    listed = outsider.get("/cases?status=open&first_contact=overdue").get_data(as_text=True)
    assert locked.reference not in listed


def test_partners_see_nothing_of_first_contact_and_a_bad_filter_is_refused(
    demo_hub, demo_session
) -> None:
    case = next(
        c
        for c in open_cases(demo_session, "northshire-homes")
        if shared_with_agency(demo_session, c, "northshire-police")
    )
    _make_overdue(demo_session, case)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = police.get(f"/cases/{case.id}?purpose=asb_case_management").get_data(as_text=True)
    assert "First contact" not in page
    officer = demo_client(demo_hub, case.officer)
    refused = officer.get("/cases?first_contact=late")
    assert refused.status_code == 400
    assert "Select whether first contact is overdue" in refused.get_data(as_text=True)


def test_a_case_a_partner_system_opens_is_due_its_first_contact_by_the_setting(
    demo_hub, demo_session, monkeypatch
) -> None:
    settings = replace(demo_hub.config["HUB_SETTINGS"], first_contact_working_days=3)
    monkeypatch.setitem(demo_hub.config, "HUB_SETTINGS", settings)
    with demo_hub.extensions["hub.sessions"]() as session:
        housing = register(session, "northshire-homes", Role.MANAGER, name="Housing management")
    opened = open_case(demo_hub, housing, new_case())
    assert opened.status_code == 201, opened.get_data(as_text=True)
    case = demo_session.get(Case, opened.get_json()["case_id"])
    assert case.first_contact_due_on == england_and_wales().add(clock.today(), 3)
    assert case.first_contact_on is None
