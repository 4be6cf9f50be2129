"""The notice of a sitting moved lands on the sitting's new time on its page (demo
partnership): its link names the moment of the move, and the page gives the time under
that id (the conference's own move: ``test_changing_conferences``)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.templating import uk_datetime
from sharing.models import Notice
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_changing_meetings import _group
from tests.hub.test_moving_sittings import _a_free_time, _form, _when
from tests.hub.test_sitting_chairs_kept import _schedule
from tests.hub.test_sitting_pages_say_true import _said


def test_the_notice_of_a_move_lands_on_the_sittings_new_time(
    demo_hub: Flask, demo_session: Session
) -> None:
    group = _group(demo_session)
    sitting = _schedule(demo_session, 60)
    coordinator = demo_client(demo_hub, group.chair)
    path = f"/meetings/{group.id}/sittings/{sitting.id}"
    new_time = _a_free_time(sitting, days=2)
    response = coordinator.post(
        f"{path}/move", data={**_form(coordinator, f"{path}/move"), **_when(new_time)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    said = _said(coordinator.get(response.location).get_data(as_text=True))
    assert "Sitting moved. Its members are told." in said
    member = demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER)
    demo_session.expire_all()
    [told] = demo_session.scalars(
        select(Notice.path).where(
            Notice.kind == NoticeKind.SITTING_MOVED,
            Notice.sitting_id == sitting.id,
            Notice.user_id == member.id,
        )
    ).all()
    page_path, anchor = told.split("#")
    assert page_path == path
    page = demo_client(demo_hub, member).get(page_path).get_data(as_text=True)
    assert f'<span id="{anchor}">{uk_datetime(new_time)}</span>' in page
