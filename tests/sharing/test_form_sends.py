"""A form that makes a record is accepted once, as two sends of the same form racing meet
it on SQLite and on PostgreSQL: one makes the record, the other waits and is sent to it."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import Engine, func, select

from sharing import clock, form_sends
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import FormSend
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_user

TOKEN = form_sends.new_token()


def test_two_sends_of_one_form_at_once_make_one_record(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    sessions = make_session_factory(engine, keys, TEST_COST)
    with sessions() as session:
        user_id = demo_user(session, "larkmoor-ha", Role.CASE_OFFICER).id
    start = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def send() -> None:
        with sessions() as session:
            start.wait()
            claimed = form_sends.claim(session, user_id, TOKEN)
            if isinstance(claimed, str):
                outcomes.append(f"sent to {claimed}")
                session.commit()
                return
            time.sleep(0.3)  # the incident being recorded
            form_sends.made(session, claimed, "/cases/7#incidents")
            session.commit()
            outcomes.append("made the record")

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["made the record", "sent to /cases/7#incidents"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(FormSend)) == 1


def test_a_send_that_made_nothing_leaves_the_form_free_and_a_token_lasts_a_day(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        user_id = demo_user(session, "larkmoor-ha", Role.CASE_OFFICER).id
        other_id = demo_user(session, "larkmoor-ha", Role.MANAGER).id
        claimed = form_sends.claim(session, user_id, TOKEN)
        assert isinstance(claimed, FormSend)
        form_sends.release(session, claimed)  # the form shown again with its errors
        session.commit()

        claimed = form_sends.claim(session, user_id, TOKEN)
        assert isinstance(claimed, FormSend), "a form refused may be sent again"
        form_sends.made(session, claimed, "/cases/7#incidents")
        session.commit()
        assert form_sends.claim(session, user_id, TOKEN) == "/cases/7#incidents"
        assert isinstance(form_sends.claim(session, other_id, TOKEN), FormSend), (
            "another user's token is theirs alone"
        )
        session.rollback()

        later = clock.now() + form_sends.WINDOW + timedelta(minutes=1)
        with clock.pinned(later):
            again = form_sends.claim(session, user_id, TOKEN)
        assert isinstance(again, FormSend), "a day on, the token is forgotten"


def test_only_a_page_of_this_site_is_kept() -> None:
    assert form_sends.well_formed(form_sends.new_token())
    for odd in ("", "short", "x" * 65, "token with spaces and more", "<script>alert(1)</script>"):
        assert not form_sends.well_formed(odd)
