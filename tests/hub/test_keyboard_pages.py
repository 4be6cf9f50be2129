"""What a screen reader is given on the hub's pages, read from their HTML where that proves
it (the keyboard walks themselves are in tests/browser/test_keyboard_journeys.py)."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from sharing.models import Conference, TriggerApplication, User
from sharing.vocabulary import ConferenceStatus, Role
from tests.fixtures.demo import demo_client, demo_user, open_cases, share_demo_case
from tests.hub.test_changed_meanwhile import _open


def _banner_roles(page: str) -> dict[str, str]:
    """Each notification banner's role, by the words it says."""
    banners = re.findall(
        r'<div class="govuk-notification-banner[^"]*" role="(\w+)".*?'
        r'govuk-notification-banner__content">(.*?)</div>',
        page,
        re.S,
    )
    return {re.sub(r"<[^>]+>|\s+", " ", words).strip(): role for role, words in banners}


def test_what_a_saved_form_says_it_did_is_read_out_even_when_it_changed_nothing(
    demo_hub, demo_session
) -> None:
    # govuk-frontend focuses a banner whose role is alert, so that a screen reader reads it
    # as the page opens; "Important" banners (role region) are only found by looking.
    case = open_cases(demo_session, "northshire-homes")[3]
    officer = demo_client(demo_hub, case.officer)
    url = f"/cases/{case.id}/people/{case.parties[0].id}/change"
    saved = officer.post(url, data=_open(officer, url), follow_redirects=True)
    roles = _banner_roles(saved.get_data(as_text=True))
    said = next(words for words in roles if words.startswith("Nothing changed"))
    assert roles[said] == "alert"


def _tables_without_a_caption(page: str) -> list[str]:
    """Each table on the page that is neither captioned nor labelled, by its first header."""
    tables = re.findall(r"<table\b([^>]*)>(.*?)</table>", page, re.S)
    return [
        re.sub(r"<[^>]+>|\s+", " ", (re.findall(r"<th\b.*?</th>", body, re.S) or [""])[0]).strip()
        for attributes, body in tables
        if "aria-label" not in attributes and not body.lstrip().startswith("<caption")
    ]


def test_each_table_a_case_officer_and_a_manager_read_says_what_it_lists(
    demo_hub, demo_session
) -> None:
    # A screen reader names a table by its caption as the user moves into it, and lists the
    # page's tables by it (WCAG 1.3.1).
    case = next(c for c in open_cases(demo_session, "larkmoor-ha") if c.actions)
    share_demo_case(demo_session, case, "northshire-police")
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    uncaptioned = {}
    for path in (f"/cases/{case.id}", "/protocols", "/protocols/1", "/locks", "/emergency/reviews"):
        page = manager.get(path)
        assert page.status_code == 200, path
        uncaptioned[path] = _tables_without_a_caption(page.get_data(as_text=True))
    assert {path: tables for path, tables in uncaptioned.items() if tables} == {}


def _title(response) -> str:
    assert response.status_code == 200, response.status_code
    found = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S)
    return html.unescape(found[1].strip()) if found else ""


def test_a_chair_and_a_trigger_lead_tell_their_forms_apart_by_the_title(
    demo_hub, demo_session
) -> None:
    # The title is what a screen reader says first and what names a browser tab: two
    # conferences' forms, or two applications', each say which (WCAG 2.4.2).
    titles = []
    for conference in demo_session.scalars(
        select(Conference).where(Conference.status == ConferenceStatus.PLANNED).limit(2)
    ):
        chair = demo_client(demo_hub, demo_session.get(User, conference.chair_id))
        for form in ("change", "cancel"):
            title = _title(chair.get(f"/conferences/{conference.id}/{form}"))
            assert f"case {conference.case.reference} –" in title, title
            titles.append(title)
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    applications = [
        a
        for a in demo_session.scalars(select(TriggerApplication).order_by(TriggerApplication.id))
        if lead.get(f"/trigger/{a.id}/withdrawn").status_code == 200
    ][:2]
    for application in applications:
        for form in ("withdrawn", "duplicate"):
            title = _title(lead.get(f"/trigger/{application.id}/{form}"))
            assert application.reference in title, title
            titles.append(title)
    assert len(titles) == 8
    assert len(set(titles)) == len(titles), titles


def test_two_messages_on_one_page_are_each_named_by_their_own_title(demo_hub, demo_session) -> None:
    # A banner is named by its title (aria-labelledby): two banners with one id would both
    # be read with the first's title, and the page's ids would not be unique (WCAG 4.1.1).
    case = open_cases(demo_session, "northshire-homes")[0]
    officer = demo_client(demo_hub, case.officer)
    with officer.session_transaction() as cookie:
        cookie["_flashes"] = [("success", "Incident added"), ("info", "Nothing changed")]
    page = officer.get("/account").get_data(as_text=True)
    named_by = re.findall(
        r'class="govuk-notification-banner[^"]*"[^>]*aria-labelledby="([^"]+)"', page
    )
    titles = re.findall(r'class="govuk-notification-banner__title" id="([^"]+)"', page)
    assert len(named_by) == 2
    assert named_by == titles
    assert len(set(titles)) == 2
