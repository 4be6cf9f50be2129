"""Checkpoints on a schedule: after a request, when the latest is older than
``audit_checkpoint_minutes``, sign a new one in a session of its own.

It runs at the end of the request, after the request's own commit, so it never changes
what the request did; a failure is logged by its type alone and tried again a minute later.
``hub audit checkpoint`` (from cron or a systemd timer) covers quiet periods.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from hub.settings import Settings
from sharing import clock
from sharing.audit import checkpoints, witnessing
from sharing.crypto.keys import KeyProvider

log = logging.getLogger(__name__)
RETRY_SECONDS = 60


def init_checkpoint_schedule(app: Flask, settings: Settings) -> None:
    if not settings.audit_checkpoint_minutes:
        return
    every = timedelta(minutes=settings.audit_checkpoint_minutes)
    due = [0.0]  # time.monotonic() when this process next looks

    def after_request(_error: BaseException | None) -> None:
        if time.monotonic() < due[0]:
            return
        sessions: sessionmaker[Session] = app.extensions["hub.sessions"]
        try:
            wait = _checkpoint_if_due(
                sessions,
                app.extensions["hub.keys"],
                settings.audit_origin,
                every,
                app.extensions["hub.witnesses"],
            )
        except checkpoints.LogDamaged as e:  # entry numbers only: no personal data
            log.error(
                "audit checkpoint refused: the log is damaged from entry %s: %s", e.first_bad, e
            )
            wait = RETRY_SECONDS
        except Exception as e:  # never break a request over a checkpoint
            log.warning("audit checkpoint not made: %s", type(e).__name__)
            wait = RETRY_SECONDS
        due[0] = time.monotonic() + wait

    app.teardown_request(after_request)


def _checkpoint_if_due(
    sessions: sessionmaker[Session],
    provider: KeyProvider,
    origin: str,
    every: timedelta,
    witnesses: Sequence[witnessing.Witness] = (),
) -> float:
    """Make a checkpoint if the latest is older than ``every``, and send it to the
    witnesses; seconds until the next look."""
    with sessions() as session:
        latest = checkpoints.latest(session, origin)
        if latest is not None:
            age = clock.now() - latest.created_at
            if age < every:
                return (every - age).total_seconds()
        made = checkpoints.make_checkpoint(session, provider, origin)
        session.commit()
        if made is not None and witnesses:
            for outcome in witnessing.witness_checkpoint(session, made, witnesses):
                if not outcome.cosigned:  # the witness's name and its answer: no personal data
                    log.warning("witness %s did not co-sign: %s", outcome.witness, outcome.problem)
            session.commit()
    return every.total_seconds()
