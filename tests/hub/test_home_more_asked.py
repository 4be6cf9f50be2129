"""The asking agency's own home page (demo partnership): the police sergeant and the
PCSO see their agency's requests for more of partners' cases, those waiting and those
answered in the last 14 days, counted and each linked to the case page at its answer, for
the purpose their share gives; nobody of another agency does, and an answer older than
14 days or a case they can no longer open drops off."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.cases import share_ending
from sharing.models import MoreRequest, User
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, share_not_asked_for_more

POLICE = "northshire-police"
PURPOSE = "asb_case_management"
HEADING = "Your agency's requests for more of partners' cases"


def _sergeants_requests(session: Session) -> list[MoreRequest]:
    sergeant = demo_user(session, POLICE, Role.MANAGER)
    return list(
        session.scalars(
            select(MoreRequest)
            .where(MoreRequest.asked_by_id == sergeant.id)
            .order_by(MoreRequest.id)
        )
    )


def _link(request: MoreRequest) -> str:
    return f'href="/cases/{request.case_id}?purpose={PURPOSE}#more-{request.id}"'


def test_the_sergeant_and_the_pcso_see_their_agencys_requests_waiting_and_answered(
    demo_hub: Flask, demo_session: Session
) -> None:
    declined, waiting = _sergeants_requests(demo_session)[:2]
    for role in (Role.MANAGER, Role.CASE_OFFICER):
        police = demo_client(demo_hub, demo_user(demo_session, POLICE, role))
        home = unescape(police.get("/").get_data(as_text=True))
        assert f"{HEADING}: 2" in home
        assert _link(waiting) in home
        assert _link(declined) in home
        assert f"{waiting.case.reference}</span></a>: waiting for Larkmoor" in home
        declined_on = f"{declined.answered_at.day} "
        assert f"{declined.case.reference}</span></a>: declined by" in home
        assert declined_on in home
    # The case page the link lands on holds the answer at its anchor.
    page = police.get(f"/cases/{declined.case_id}?purpose={PURPOSE}").get_data(as_text=True)
    assert f'id="more-{declined.id}"' in page


def test_no_other_agency_sees_the_polices_requests(demo_hub: Flask, demo_session: Session) -> None:
    declined, waiting = _sergeants_requests(demo_session)[:2]
    for code in ("northshire-eh", "northshire-csp", "larkmoor-ha"):
        home = demo_client(demo_hub, demo_user(demo_session, code, Role.MANAGER)).get("/")
        text = home.get_data(as_text=True)
        assert HEADING not in unescape(text)
        assert _link(waiting) not in text


def test_an_answer_older_than_14_days_drops_off_and_a_new_request_shows_waiting(
    demo_hub: Flask, demo_session: Session
) -> None:
    declined, waiting = _sergeants_requests(demo_session)[:2]
    declined.answered_at = clock.now() - timedelta(days=15)
    demo_session.commit()
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
    home = unescape(police.get("/").get_data(as_text=True))
    assert f"{HEADING}: 1" in home
    assert _link(declined) not in home
    assert _link(waiting) in home

    officer = demo_client(demo_hub, demo_session.get(User, waiting.case.officer_id))
    path = f"/more/{waiting.id}"
    reason = "Our safeguarding lead brings it to the case conference"
    done = officer.post(path, data={"csrf_token": csrf_token(officer, path), "reason": reason})
    assert done.status_code == 302
    home = unescape(police.get("/").get_data(as_text=True))
    assert f"{waiting.case.reference}</span></a>: declined by" in home
    assert reason not in home  # the reason is read on the case page, not here


def test_a_request_on_a_case_the_police_can_no_longer_open_drops_off(
    demo_hub: Flask, demo_session: Session
) -> None:
    share = share_not_asked_for_more(demo_session, POLICE)
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.MANAGER))
    path = f"/cases/{share.case_id}/more?purpose={PURPOSE}"
    due = england_and_wales().add(clock.today(), 2)
    form = {
        "categories": "vulnerability",
        "why": "Patrols need to know whether the victim can leave home",
        "due_on-day": str(due.day),
        "due_on-month": str(due.month),
        "due_on-year": str(due.year),
    }
    assert (
        police.post(path, data={"csrf_token": csrf_token(police, path), **form}).status_code == 302
    )
    asked = demo_session.scalar(select(MoreRequest).where(MoreRequest.case_id == share.case_id))
    assert _link(asked) in police.get("/").get_data(as_text=True)

    owner = demo_session.get(User, share.case.officer_id)
    share_ending.revoke_share(demo_session, Actor.of(owner), share.id)
    demo_session.commit()
    home = police.get("/").get_data(as_text=True)
    assert _link(asked) not in home
    assert f"/cases/{share.case_id}?" not in home


def test_the_asking_agencys_requests_read_the_same_on_postgresql(hub_on_postgres: Flask) -> None:
    with hub_on_postgres.extensions["hub.sessions"]() as session:
        declined, waiting = _sergeants_requests(session)[:2]
        police = demo_client(hub_on_postgres, demo_user(session, POLICE, Role.MANAGER))
    home = unescape(police.get("/").get_data(as_text=True))
    assert f"{HEADING}: 2" in home
    assert _link(waiting) in home
    assert _link(declined) in home
