"""An application's History lists each agency's answer about its case (demo partnership,
as ``test_trigger_answers_told``): by agency and in the lead's words, in the order given,
never who answered nor a locked case's reference; an answer refused is no step of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Notice, User
from tests.fixtures.demo import demo_client
from tests.fixtures.smtp import Inbox, smtp_server  # noqa: F401 - a fixture
from tests.fixtures.trigger_answers import (  # noqa: F401 - a fixture
    ANSWERED,
    answer,
    answers_hub,
    asked_about,
    officer_of,
    received,
    text,
)


@pytest.fixture
def hub(answers_hub: Flask) -> Flask:  # noqa: F811
    return answers_hub


@pytest.fixture
def inbox(smtp_server) -> Inbox:  # noqa: F811
    return smtp_server[0]


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def _history(page: str) -> list[str]:
    """The lines of the application's History."""
    part = page.split('id="history">History</h2>', 1)[1].split("</ul>", 1)[0]
    return [line.split("</li>")[0].strip() for line in part.split("<li>")[1:]]


def test_the_history_lists_each_answer_by_agency_in_order_never_a_locked_case(
    hub, session, inbox
) -> None:
    """The demo's case answered first (none held), then the added case, locked to its
    officer (confirmed): the History names each agency and its answer, in that order,
    never who answered; neither the page nor the e-mails name the locked case."""
    asked = asked_about(session, extra_locked=True)
    locked_reference = asked.extra.case.reference
    answerers = [
        session.get(User, r.case.officer_id).display_name for r in (asked.first, asked.extra)
    ]
    before = len(inbox.messages)

    assert (
        answer(officer_of(hub, session, asked.first), asked.first, "someone_else").status_code
        == 302
    )
    assert (
        answer(officer_of(hub, session, asked.extra), asked.extra, "confirmed").status_code == 302
    )

    page = text(demo_client(hub, asked.lead).get(f"/trigger/{asked.application.id}"))
    answers = [line for line in _history(page) if "Answered about its case" in line]
    assert [line.split(", ", 2)[-1] for line in answers] == [
        f"{asked.first.agency.name}: Answered about its case: holds none (the case is about "
        "someone else)",
        f"{asked.extra.agency.name}: Answered about its case: holds the complaint",
    ]
    assert not any(name in line for line in _history(page) for name in answerers)
    assert locked_reference not in page
    mails = received(inbox, before, 2, asked.lead.email)
    assert len(mails) == 2
    assert all(locked_reference not in m.get_content() for m in mails)
    assert all(
        n.reference == asked.application.reference
        for n in session.scalars(select(Notice).where(Notice.kind.in_(ANSWERED)))
    )


def test_the_agency_s_answer_alone_is_history_not_a_refusal(hub, session) -> None:
    """An answer refused (none chosen) is no step of the History."""
    asked = asked_about(session)
    assert answer(officer_of(hub, session, asked.first), asked.first, "").status_code == 400
    page = text(demo_client(hub, asked.lead).get(f"/trigger/{asked.application.id}"))
    assert not [line for line in _history(page) if "Answered about its case" in line]
