"""Each page's title says which record it is about: a walk of the demo's pages, as the
users who reach most of them, lists the titles two different addresses share (WCAG 2.4.2:
two tabs, or a screen reader's list of windows, must tell two cases' forms apart)."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

#: Pages whose title rightly names no record: a partner asked why they open a case is not
#: shown its reference until a purpose is chosen.
NAMING_NO_RECORD = {"Why are you opening this case?"}

#: The pages whose titles are still to be told apart (each fix takes its own out).
STILL_SHARED = {
    "/actions/N/cancel",
    "/actions/N/done",
    "/cases/N/actions/N",
    "/cases/N/documents/N/marking",
    "/cases/N/documents/N/remove",
    "/cases/N/people/N/change",
    "/cases/N/people/N/remove",
    "/cases/N/risk/new",
    "/conferences/N/requests/N",
    "/meetings/N/sittings/N/cancel",
    "/meetings/N/sittings/N/move",
    "/trigger/N/letters/acknowledgement",
}

#: Of each kind of address (its numbers set aside), the pages walked: two are enough to
#: find a title they share.
EACH_KIND = 2


def _kind(path: str) -> str:
    return re.sub(r"/\d+", "/N", path)


def _links(page: str) -> list[str]:
    found = []
    for href in re.findall(r'<a\b[^>]*\bhref="([^"#]+)', page):
        parts = urlsplit(html.unescape(href))
        if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static"):
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
        for title, paths in _titles_walked(demo_client(demo_hub, user)).items():
            if len(paths) > 1 and title.split(" – ")[0] not in NAMING_NO_RECORD:
                shared[title] |= paths
    found = {_kind(path) for paths in shared.values() for path in paths}
    assert found == STILL_SHARED, "\n".join(
        f"{title}: {', '.join(sorted(paths)[:3])}" for title, paths in sorted(shared.items())
    )
