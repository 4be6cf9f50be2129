"""Who the applicant can contact: the start page says they may apply by phone instead, and
the confirmation, after the reference, says whom to call about the application and on
which number (the setting ``trigger_phone``, the lead's), not only "quote it if you
contact us"."""

from __future__ import annotations

import html
import re

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sharing.models import PublicFormUse
from tests.fixtures.demo import demo_copy
from tests.hub.test_public_application import _send, _walk

PHONE = "0300 123 4567"


def test_the_start_page_says_you_can_apply_by_phone_instead(demo_files, tmp_path) -> None:
    hub = demo_copy(demo_files, tmp_path, trigger_phone=PHONE)
    try:
        page = _text(hub.test_client().get("/community-trigger").get_data(as_text=True))
        assert "Other ways to apply" in page
        assert f"call the council's community safety team on {PHONE}" in page
    finally:
        hub.extensions["hub.engine"].dispose()


def test_the_confirmation_says_whom_to_call_about_the_application(demo_files, tmp_path) -> None:
    hub = demo_copy(demo_files, tmp_path, trigger_phone=PHONE)
    try:
        with hub.extensions["hub.sessions"]() as session:
            _no_sends_yet(session)
        client = hub.test_client()
        _, check = _walk(client)
        assert _send(client, check).status_code == 302
        done = _text(client.get("/community-trigger/apply/sent").get_data(as_text=True))
        assert "If you have a question about your application" in done
        assert f"call the council's community safety team on {PHONE}" in done
        assert "quote your reference" in done
    finally:
        hub.extensions["hub.engine"].dispose()


def _no_sends_yet(session: Session) -> None:
    session.execute(delete(PublicFormUse))
    session.commit()


def _text(page: str) -> str:
    """The page's words as read, without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))
