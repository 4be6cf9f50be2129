"""Each page's title says which record it is about: a walk of the demo's pages, as the
users who reach most of them, lists the titles two different addresses share (WCAG 2.4.2:
two tabs, or a screen reader's list of windows, must tell two cases' forms apart)."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select

from hub.templating import uk_date
from sharing.models import Action, Conference, ConferenceInvitation, Share, User
from sharing.vocabulary import ActionStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, open_cases
from tests.hub.test_conference_meeting import _held

#: Pages whose title rightly names no record: a partner asked why they open a case is not
#: shown its reference until a purpose is chosen.
NAMING_NO_RECORD = {"Why are you opening this case?"}

#: Of each kind of address (its numbers set aside), the pages walked: two are enough to
#: find a title they share.
EACH_KIND = 2


def _kind(path: str) -> str:
    return re.sub(r"/\d+", "/N", path)


#: The hub's downloads (a pack or letter as a PDF, figures as CSV or a spreadsheet) are
#: named by their addresses' endings: files, with no title to compare, and rendering them
#: took over half the walk's time.
DOWNLOADS = (".pdf", ".csv", ".ods")


def _links(page: str) -> list[str]:
    """The hub's own pages a page links to (its downloads and static files aside)."""
    found = []
    for href in re.findall(r'<a\b[^>]*\bhref="([^"#]+)', page):
        parts = urlsplit(html.unescape(href))
        if (
            not parts.netloc
            and parts.path.startswith("/")
            and not parts.path.startswith("/static")
            and not parts.path.endswith(DOWNLOADS)
        ):
            found.append(parts.path)
    return found


def _titles_walked(client: FlaskClient, start: str = "/") -> dict[str, set[str]]:
    """The addresses that answered with each title, from ``start`` by following links."""
    titles: dict[str, set[str]] = defaultdict(set)
    seen = {start}
    walked: dict[str, int] = defaultdict(int)
    waiting = [start]
    while waiting:
        path = waiting.pop(0)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        if title:
            titles[html.unescape(title[1].strip())].add(path)
        for link in _links(page):
            if link not in seen and walked[_kind(link)] < EACH_KIND:
                seen.add(link)
                walked[_kind(link)] += 1
                waiting.append(link)
    return titles


def test_no_two_records_pages_share_a_title_for_the_users_who_reach_them(
    demo_hub, demo_session
) -> None:
    users = [
        demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER),
        demo_user(demo_session, "northshire-homes", Role.CONFERENCE_CHAIR),  # and manager
        demo_user(demo_session, "northshire-police", Role.MANAGER),
        demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER),
        demo_user(demo_session, "northshire-csp", Role.MANAGER),
        demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR),
        demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD),
        demo_user(demo_session, "northshire-csp", Role.DPO),
    ]
    shared: dict[str, set[str]] = defaultdict(set)
    for user in users:
        walked = _titles_walked(demo_client(demo_hub, user))
        # Signed in, each reaches many pages (signed out, the walk would stop at the first).
        assert len(walked) > 10, (user.email, sorted(walked))
        for title, paths in walked.items():
            if len(paths) > 1 and title.split(" – ")[0] not in NAMING_NO_RECORD:
                shared[title] |= paths
    assert not shared, "\n".join(
        f"{title}: {', '.join(sorted(paths)[:3])}" for title, paths in sorted(shared.items())
    )


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    return html.unescape(found[1].strip()) if found else ""


def test_an_actions_forms_name_it_by_its_kind_and_due_day(demo_hub, demo_session) -> None:
    action = next(
        a
        for a in demo_session.scalars(
            select(Action).where(Action.status == ActionStatus.OPEN, Action.due_on.is_not(None))
        )
        if a.case.officer_id and a.case.agency_id == a.owner_agency_id
    )
    named = f"{action.kind.label}, due {uk_date(action.due_on)}"
    officer = demo_client(demo_hub, demo_session.get(User, action.case.officer_id))
    done = f"/actions/{action.id}/done"
    assert _title(officer.get(done).get_data(as_text=True)).startswith(
        f"Mark an action done: {named} – "
    )
    cancel = _title(officer.get(f"/actions/{action.id}/cancel").get_data(as_text=True))
    assert cancel.startswith(f"Cancel an action: {named} – ")
    change = f"/cases/{action.case_id}/actions/{action.id}"
    assert _title(officer.get(change).get_data(as_text=True)).startswith(
        f"Change an action on {action.case.reference}: {named} – "
    )
    refused = officer.post(
        done,
        data={"csrf_token": csrf_token(officer, done), "done_on-day": "31", "done_on-month": "2"},
    )
    assert _title(refused.get_data(as_text=True)).startswith(f"Error: Mark an action done: {named}")


def test_a_persons_forms_name_them_by_their_part_in_the_case_not_their_name(
    demo_hub, demo_session
) -> None:
    case = next(c for c in open_cases(demo_session, "northshire-homes") if len(c.parties) > 1)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    titles = set()
    for party in case.parties:
        for form in ("change", "remove"):
            page = officer.get(f"/cases/{case.id}/people/{party.id}/{form}").get_data(as_text=True)
            title = _title(page)
            assert f" {case.reference}: {party.role.label.lower()}" in title, title
            # The heading names them; the title, kept in the browser's history, does not.
            heading = re.search(r"<h1[^>]*>\s*(?:Change|Take) (.*?) \(", page, re.S)
            assert heading, page
            assert html.unescape(heading[1]) not in title, title
            titles.add(title)
    assert len(titles) == 2 * len(case.parties)


def test_a_chairs_forms_on_a_conference_name_its_case(demo_hub, demo_session) -> None:
    # Forms reached from a conference in the state that offers them, which the walk may miss.
    titles: dict[str, set[str]] = defaultdict(set)
    for conference in demo_session.scalars(select(Conference).order_by(Conference.id)):
        chair = demo_client(demo_hub, demo_session.get(User, conference.chair_id))
        for form in ("attendance", "actions/new", "decisions/new", "minutes/new", "chair"):
            path = f"/conferences/{conference.id}/{form}"
            answer = chair.get(path)
            if answer.status_code == 200:
                titles[_title(answer.get_data(as_text=True))].add(path)
    assert titles
    assert {title: paths for title, paths in titles.items() if len(paths) > 1} == {}


def test_revoking_a_share_or_withdrawing_an_invitation_names_the_case(
    demo_hub, demo_session
) -> None:
    # One partner agency is shared many cases, and invited to many conferences.
    titles: dict[str, set[str]] = defaultdict(set)
    for share in demo_session.scalars(select(Share).where(Share.revoked_at.is_(None)).limit(12)):
        if share.case.officer_id:
            officer = demo_client(demo_hub, demo_session.get(User, share.case.officer_id))
            answer = officer.get(f"/shares/{share.id}/revoke")
            if answer.status_code == 200:
                titles[_title(answer.get_data(as_text=True))].add(f"/shares/{share.id}")
    for invitation in demo_session.scalars(select(ConferenceInvitation)):
        conference = demo_session.get(Conference, invitation.conference_id)
        chair = demo_client(demo_hub, demo_session.get(User, conference.chair_id))
        path = f"/conferences/{conference.id}/invitations/{invitation.id}/withdraw"
        answer = chair.get(path)
        if answer.status_code == 200:
            titles[_title(answer.get_data(as_text=True))].add(path)
    assert sum(len(paths) for paths in titles.values()) > 4
    assert {title: paths for title, paths in titles.items() if len(paths) > 1} == {}


def test_a_held_conferences_forms_name_it_in_their_title(demo_hub, demo_session) -> None:
    # The meeting's own forms open once the conference has begun, which no demo conference
    # is at: their titles name the case and the day, as their caption does.
    conference, officer = _held(demo_hub, demo_session)
    named = f": case {conference.case.reference}, conference on {uk_date(conference.starts_at)}"
    forms = {
        "attendance": "Record who attended",
        "actions/new": "Add an action agreed at the conference",
        "decisions/new": "Record a decision of the conference",
        "minutes/new": "Add the minute of an agenda item",
    }
    for form, heading in forms.items():
        answer = officer.get(f"/conferences/{conference.id}/{form}")
        assert answer.status_code == 200, form
        assert _title(answer.get_data(as_text=True)).startswith(f"{heading}{named} – "), form
