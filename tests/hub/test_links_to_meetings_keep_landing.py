"""The links a notice gives into a partnership meeting's pages keep landing where the page
says what the notice told (demo partnership): a case conference taken off a sitting's
agenda is said on the sitting's page, at the place its notice links to (the case named
to the agency that brought it, "A case" to the others, whose invitations ended with it);
a conference moved keeps the place its notice of the move links to, its time, after its
question, agenda or people expected change."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.templating import uk_datetime
from sharing import clock
from sharing.access.decide import Actor
from sharing.meetings import sittings
from sharing.models import Notice, User
from sharing.vocabulary import NoticeKind
from tests.fixtures.demo import demo_client
from tests.hub.test_cancelling_conferences import _convene, _reloaded
from tests.hub.test_changing_conferences import NEW_QUESTION, _at, _change, _later
from tests.hub.test_moving_sittings import _sitting_with_a_case


def _said(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _told(session: Session, kind: NoticeKind, path_start: str) -> list[Notice]:
    session.expire_all()
    return list(
        session.scalars(
            select(Notice).where(Notice.kind == kind, Notice.path.startswith(path_start))
        )
    )


def _at_anchor(page: str, anchor: str) -> str:
    """The text of the element the page gives ``anchor`` to ("" if none has it)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{re.escape(anchor)}"[^>]*>(.*?)</\1>', page, re.S)
    return _said(found[2]) if found else ""


def test_a_case_taken_off_a_sitting_is_said_where_its_notice_links(demo_hub, demo_session) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    reference, brought_by = conference.case.reference, conference.case.agency.name
    chair = Actor.of(sitting.series.chair)
    sittings.take_off(demo_session, chair, conference, now=clock.now(), because="for the test")
    demo_session.commit()

    page = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    told = _told(demo_session, NoticeKind.TAKEN_OFF, page)
    assert told
    assert {n.path for n in told} == {f"{page}#taken-off-{conference.id}"}
    brought = _reloaded(demo_session, conference).convened_by
    assert brought.id in {n.user_id for n in told}
    for notice in told:
        reader = demo_client(demo_hub, demo_session.get(User, notice.user_id))
        shown = reader.get(page)
        assert shown.status_code == 200
        said = _at_anchor(shown.get_data(as_text=True), f"taken-off-{conference.id}")
        assert f"brought by {brought_by}, was taken off this sitting's agenda on " in said
        if notice.user.agency_id == conference.case.agency_id:
            assert said.startswith(f"Case {reference}")
        else:  # their invitation ended with it: the case is not named to them
            assert said.startswith("A case")
            assert reference not in shown.get_data(as_text=True)


def test_a_conference_moved_keeps_where_its_notice_links_after_other_changes(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    when = _later(demo_session, conference)
    response = _change(officer, conference, **_at(when))
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()
    path = f"/conferences/{conference.id}"
    [anchor] = {n.path for n in _told(demo_session, NoticeKind.CONFERENCE_MOVED, f"{path}#")}
    anchor = anchor.split("#", 1)[1]
    assert _at_anchor(officer.get(path).get_data(as_text=True), anchor) == uk_datetime(when)

    # Its question changes after (nothing about when or where): the link still lands.
    conference = _reloaded(demo_session, conference)
    response = _change(officer, conference, **_at(when), question=NEW_QUESTION)
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()
    changed = _reloaded(demo_session, conference)
    assert changed.changed_at > changed.moved_at
    assert _at_anchor(officer.get(path).get_data(as_text=True), anchor) == uk_datetime(when)
    told = _told(demo_session, NoticeKind.CONFERENCE_MOVED, f"{path}#")
    assert {n.path for n in told} == {f"{path}#{anchor}"}, "told of the move alone"
