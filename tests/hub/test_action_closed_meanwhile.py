"""An action changed by one person while a colleague marks it done or cancels it, on
PostgreSQL through the hub's pages (demo partnership). The close is taken first and held
open until the save is waiting for the action's row; then it is let go. The save is
refused: the page says plainly that the action was closed meanwhile, how, by whom and
when, gives back what was written, to copy, and saves nothing; the audit log keeps the
refusal (no names in it). Before, the "someone changed this" page tried to load the action
again to show it, found it closed, and answered 500.

No sleep decides the order: the close commits only once the save waits for its lock."""

from __future__ import annotations

import html
import threading

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.audit.log import integrate
from sharing.cases import closing_actions
from sharing.crypto.sealing import unseal_many
from sharing.models import Action, AuditEntry, Case, User
from sharing.vocabulary import ActionStatus, CaseStatus, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.forms import form_on
from tests.fixtures.races import PATIENCE_SECONDS, answered_while_held

pytestmark = pytest.mark.postgres


def _an_open_action(session: Session) -> Action:
    return session.scalar(
        select(Action)
        .join(Case, Case.id == Action.case_id)
        .where(
            Case.agency.has(code="northshire-homes"),
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Action.status == ActionStatus.OPEN,
            Action.conference_id.is_(None),
        )
        .order_by(Action.id)
    )


def _refusals(session: Session, case_id: int) -> list[str]:
    integrate(session)
    session.commit()
    return list(
        session.scalars(
            select(AuditEntry.basis).where(
                AuditEntry.action == acts.Action.CASE_RECORD.value,
                AuditEntry.outcome == acts.Outcome.REFUSED.value,
                AuditEntry.object_type == "case",
                AuditEntry.object_id == str(case_id),
            )
        )
    )


@pytest.mark.parametrize("done", [True, False], ids=["marked done", "cancelled"])
def test_an_action_closed_while_a_change_is_saved_is_refused_plainly(
    hub_on_postgres: Flask, done: bool
) -> None:
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        action = _an_open_action(session)
        case_id, action_id = action.case_id, action.id
        officer = session.get(User, action.case.officer_id)
        manager = demo_user(session, "northshire-homes", Role.MANAGER)
        described = unseal_many(action, ("description",))["description"]
        changes = session.scalar(select(func.count()).select_from(AuditEntry))
    url = f"/cases/{case_id}/actions/{action_id}"
    client = demo_client(app, manager)
    form = form_on(client.get(url).get_data(as_text=True), url)
    written = "Visit the reported person with the police on Thursday afternoon"
    form["description"] = written

    closed_at: dict[str, object] = {}

    def close(taken: threading.Event, let_go: threading.Event) -> None:
        with sessions() as session, clock.pinned(clock.now()) as moment:
            closing_actions.close_action(
                session,
                Actor.of(session.get(User, officer.id)),
                action_id,
                done=done,
                note="Visited with the police" if done else "No longer needed",
            )
            closed_at["moment"] = moment
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    response = answered_while_held(
        app.extensions["hub.engine"], close, lambda: client.post(url, data=form)
    )
    assert not isinstance(response, Exception), repr(response)
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    how = "marked done" if done else "cancelled"
    said = (
        f"This action was {how} by {officer.display_name} "
        f"on {clock.moment_text(closed_at['moment'])}"
    )
    assert said in page, page
    assert "after you opened this form, so your changes were not saved" in page
    assert "Nothing was saved. This is what you wrote, so you can copy it:" in page
    assert written in page
    assert f'href="/cases/{case_id}#actions"' in page

    with sessions() as session:
        closed = session.get(Action, action_id)
        assert closed.status is (ActionStatus.DONE if done else ActionStatus.CANCELLED)
        assert unseal_many(closed, ("description",))["description"] == described
        refused = _refusals(session, case_id)
        assert refused == [f"action {action_id} closed meanwhile: not changed"]
        assert session.scalar(select(func.count()).select_from(AuditEntry)) > changes
