"""The "Who" of an entry no user acted in rests on what the entry records: the origin its
session recorded (a command, or the hub's own work), else the request it answered; one
that says neither reads so. Entries written before origins were recorded read as they
did, but for the acts the hub's own work also did outside a request then (a checkpoint,
a letter to a Community Trigger applicant), which cannot tell."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sharing.audit import acts, log_rows
from sharing.audit.log import integrate
from sharing.models import AuditEntry
from tests.fixtures.app import csrf_token

_NO_ONE = acts.Subject("hub")


def _entry(action: str, roles: str = "", request_id: str | None = None) -> AuditEntry:
    """An entry as the log holds it (never stored here)."""
    return AuditEntry(
        seq=0,
        at=datetime.now(UTC),
        action=action,
        outcome="allowed",
        actor_roles=roles,
        request_id=request_id,
    )


@pytest.mark.parametrize(
    ("entry", "who"),
    [
        # Written before origins were recorded: as they read then.
        (_entry("hub.command"), log_rows.COMMAND_LINE),
        (_entry("keys.rotate"), log_rows.COMMAND_LINE),
        (_entry("sign_in.failed", request_id="3f2a9c1e5b7d0a4c"), log_rows.SYSTEM),
        # ... but a checkpoint or a letter, which the hub's own work made too then.
        (_entry("audit.checkpoint"), log_rows.NOT_RECORDED),
        (_entry("trigger.letter"), log_rows.NOT_RECORDED),
        # Written since: by the origin recorded, whatever the request id's form.
        (_entry("audit.checkpoint", acts.BY_COMMAND), log_rows.COMMAND_LINE),
        (_entry("audit.checkpoint", acts.BY_THE_HUB), log_rows.SYSTEM),
        (_entry("hub.command", acts.ORIGIN_UNSTATED), log_rows.NOT_RECORDED),
        (_entry("hub.command", "an origin it does not know"), log_rows.NOT_RECORDED),
    ],
)
def test_who_acted_reads_what_the_entry_records(entry: AuditEntry, who: str) -> None:
    assert log_rows.by_the_hub(entry) == who


def _recorded(sessions: sessionmaker[Session], request_id: str | None = None) -> AuditEntry:
    with sessions() as session:
        if request_id:
            session.info[acts.REQUEST_ID] = request_id
        acts.record(session, acts.Action.AUDIT_CHECKPOINT, subject=_NO_ONE)
        session.commit()
        integrate(session)
        session.commit()
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        session.expunge(entry)
        return entry


def test_each_session_records_where_its_acts_come_from(app: Flask) -> None:
    command = _recorded(app.extensions["hub.command_sessions"])
    assert (command.actor_roles, log_rows.by_the_hub(command)) == (
        acts.BY_COMMAND,
        log_rows.COMMAND_LINE,
    )
    own_work = _recorded(app.extensions["hub.sessions"])
    assert (own_work.actor_roles, log_rows.by_the_hub(own_work)) == (
        acts.BY_THE_HUB,
        log_rows.SYSTEM,
    )
    answered = _recorded(app.extensions["hub.sessions"], request_id="9c1e5b7d0a4c3f2a")
    assert (answered.actor_roles, log_rows.by_the_hub(answered)) == ("", log_rows.SYSTEM)
    plain = sessionmaker(bind=app.extensions["hub.engine"], expire_on_commit=False)
    unsaid = _recorded(plain)
    assert (unsaid.actor_roles, log_rows.by_the_hub(unsaid)) == (
        acts.ORIGIN_UNSTATED,
        log_rows.NOT_RECORDED,
    )


def test_a_failed_sign_in_answered_by_the_hub_reads_as_the_system(
    app: Flask, db_session: Session
) -> None:
    client = app.test_client()
    client.post(
        "/sign-in",
        data={
            "email": "nobody@test.example",
            "password": "wrong-password",
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    integrate(db_session)
    db_session.commit()
    failed = db_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "sign_in.failed")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert failed is not None
    assert failed.request_id
    assert failed.actor_roles == ""
    assert log_rows.by_the_hub(failed) == log_rows.SYSTEM
