"""A form sent for a record taken away while the form waited, through the hub's pages
(demo partnership): an action marked done as its row is deleted, a lock request decided as
its row is deleted. The act reads its record again under a lock and finds it gone; the
page answers as one sent after the record went does: the hub's "Page not found" (404),
nothing saved, the refusal in the audit log (identifiers only), and no name in the log.
Before, every such page but a person's change answered 500.

On PostgreSQL the deletion is taken first and held open until the form's request waits
for the row's lock, then let go; on SQLite it is committed by another connection at the
moment the request asks for the database's write lock. No sleep decides the order."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, event, func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases import locks
from sharing.models import Action, AuditEntry, AuditQueued, Case, LockRequest, User
from sharing.vocabulary import ActionStatus, CaseStatus, LockReason, Role
from tests.fixtures.demo import demo_client, demo_user, open_cases
from tests.fixtures.forms import form_on
from tests.fixtures.races import PATIENCE_SECONDS, answered_while_held

AGENCY = "northshire-homes"


@dataclass(frozen=True)
class Sent:
    """A form filled in and ready to send, for a record about to be taken away."""

    client: FlaskClient
    url: str
    form: dict[str, Any]
    #: The record's row, deleted while the form waits.
    gone: Any
    #: What ``page.refused`` names for the request.
    refused: str
    #: The record's case (unlocked, as it stays).
    case_id: int


def _an_action_marked_done(app: Flask, session: Session) -> Sent:
    action = session.scalar(
        select(Action)
        .join(Case, Case.id == Action.case_id)
        .where(
            Case.agency.has(code=AGENCY),
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Action.status == ActionStatus.OPEN,
        )
        .order_by(Action.id)
    )
    assert action is not None
    client = demo_client(app, session.get(User, action.case.officer_id))
    url = f"/actions/{action.id}/done"
    form = form_on(client.get(url).get_data(as_text=True), url)
    form["note"] = "Visited the household with the police on Thursday"
    where = Action.id == action.id
    refused = f"actions.done answered 404 (action_id {action.id})"
    return Sent(client, url, form, where, refused, action.case_id)


def _a_lock_request_decided(app: Flask, session: Session) -> Sent:
    case = open_cases(session, AGENCY)[-1]
    officer = Actor.of(session.get(User, case.officer_id))
    asked = locks.request_lock(
        session,
        authorise(session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "The reported person works for us",
    )
    session.commit()
    manager = next(
        user
        for nth in range(3)
        if (user := demo_user(session, AGENCY, Role.MANAGER, nth)).id != officer.user_id
    )
    client = demo_client(app, manager)
    url = f"/locks/{asked.id}"
    form = form_on(client.get(url).get_data(as_text=True), url)
    form["decision"] = "approve"
    where = LockRequest.id == asked.id
    refused = f"locks.decide answered 404 (request_id {asked.id})"
    return Sent(client, url, form, where, refused, case.id)


ACTS = {
    "an action marked done": _an_action_marked_done,
    "a lock request decided": _a_lock_request_decided,
}


def _written_by(session: Session, request_id: str) -> list[tuple[str, str, str | None]]:
    """(action, outcome, basis) of every entry the request wrote, in the log or queued."""
    integrate(session)
    session.commit()
    logged = session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))
    queued = session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id))
    return [(e.action, e.outcome, e.basis) for e in [*logged, *queued]]


def _answered_not_found(
    app: Flask, sent: Sent, response: object, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(response, TestResponse), repr(response)  # not a server error
    page = response.get_data(as_text=True)
    assert response.status_code == 404, page
    assert "Page not found" in page
    with app.extensions["hub.sessions"]() as session:
        table = sent.gone.left.table
        assert session.scalar(select(func.count()).select_from(table).where(sent.gone)) == 0
        written = _written_by(session, response.headers["X-Request-Id"])
        # The refusal alone: nothing of the act (a lock applied, a close recorded).
        assert written == [("page.refused", "refused", sent.refused)]
        assert session.get(Case, sent.case_id).locked is False
        names = [u.display_name for u in session.scalars(select(User))]
    assert "unhandled" not in caplog.text
    assert "no longer there" in caplog.text
    assert not [name for name in names if name in caplog.text]
    assert "Visited the household" not in caplog.text
    # Sent again, the page answers as it now does for anyone: not found.
    assert sent.client.post(sent.url, data=sent.form).status_code == 404


@pytest.mark.postgres
@pytest.mark.parametrize("act", ACTS.values(), ids=ACTS.keys())
def test_a_form_sent_as_its_record_is_deleted_is_not_found_on_postgres(
    hub_on_postgres: Flask,
    act: Callable[[Flask, Session], Sent],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        sent = act(app, session)

    def take_away(taken: threading.Event, let_go: threading.Event) -> None:
        with sessions() as session:
            session.execute(delete(sent.gone.left.table).where(sent.gone))
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    caplog.set_level(logging.INFO)
    response = answered_while_held(
        app.extensions["hub.engine"],
        take_away,
        lambda: sent.client.post(sent.url, data=sent.form),
    )
    _answered_not_found(app, sent, response, caplog)


#: How a statement that takes SQLite's write lock begins (the driver begins the
#: transaction at the first write; ``begin_writing`` with ``BEGIN IMMEDIATE``).
WRITES = ("BEGIN IMMEDIATE", "INSERT", "UPDATE", "DELETE")


@contextmanager
def deleted_at_the_write_lock(engine: Engine, sent: Sent) -> Iterator[None]:
    """SQLite: the record's row is deleted, by another connection, just as the request
    first asks for the database's write lock (after its page has read the record, before
    the act reads it again under that lock): as if a colleague's deletion were committed
    while it waited."""
    done: list[bool] = []

    def delete_first(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES) and not done:
            done.append(True)
            with engine.begin() as other:
                other.execute(delete(sent.gone.left.table).where(sent.gone))

    event.listen(engine, "before_cursor_execute", delete_first)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", delete_first)
    assert done, "the request never asked for the write lock"


@pytest.mark.parametrize("act", ACTS.values(), ids=ACTS.keys())
def test_a_form_sent_as_its_record_is_deleted_is_not_found_on_sqlite(
    demo_hub: Flask,
    act: Callable[[Flask, Session], Sent],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with demo_hub.extensions["hub.sessions"]() as session:
        sent = act(demo_hub, session)
    caplog.set_level(logging.INFO)
    with deleted_at_the_write_lock(demo_hub.extensions["hub.engine"], sent):
        response = sent.client.post(sent.url, data=sent.form)
    _answered_not_found(demo_hub, sent, response, caplog)
