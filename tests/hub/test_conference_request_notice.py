"""The e-mail asking an invited agency what it holds gives the day its answer is due,
the day the request's page and the convenor's list of requests overdue go by."""

from __future__ import annotations

from sqlalchemy import select

from hub.notice_messages import compose
from hub.templating import uk_date
from sharing.models import Notice
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conferences import _convened


def _request_notice(session, conference, request_id: int) -> Notice:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.INFORMATION_REQUEST,
            Notice.path == f"/conferences/{conference.id}/requests/{request_id}",
        )
    ).first()


def test_the_request_e_mail_names_the_day_its_answer_is_due(demo_hub, demo_session) -> None:
    settings = demo_hub.config["HUB_SETTINGS"]
    conference, _ = _convened(demo_hub, demo_session)
    police = next(r for r in conference.requests if r.agency.code == "northshire-police")
    notice = _request_notice(demo_session, conference, police.id)

    text = compose(notice, settings.mail, settings.service_name).get_content()
    assert f"Please answer in the hub by {uk_date(police.due_on)}" in text
    page = demo_client(
        demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    ).get(f"/conferences/{conference.id}/requests/{police.id}")
    assert f"due by {uk_date(police.due_on)}" in page.get_data(as_text=True)
