"""Two Community Trigger applications recorded at the same moment, on PostgreSQL, that
draw the same reference code (each from the same seed, as the demo draws them): both
see it free, as neither has saved yet. The first is saved with it; the second, refused
by the references' unique constraint once the first saves, draws again and is saved
with another: both applicants are told a reference, never the same one, and neither is
answered with an error.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing.crypto.keys import LocalKeyring
from sharing.models import TriggerApplication
from tests.sharing.test_steps_taken_once import _race, sessions
from tests.sharing.trigger.test_references import _REFERENCE, _phoned

__all__ = ["sessions"]  # the fixture, for pytest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


def test_two_applications_drawing_the_same_code_at_once_get_different_references(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    seed = 25
    with sessions() as session:
        before = set(session.scalars(select(TriggerApplication.reference)))
    given: list[str] = []

    def phoned(session: Session) -> None:
        given.append(_phoned(session, random.Random(seed)))

    answers = _race(demo_database[0], sessions, phoned, phoned)

    assert answers == ["done", "done"]
    assert len(set(given)) == 2
    with sessions() as session:
        saved = set(session.scalars(select(TriggerApplication.reference))) - before
        assert saved == set(given)
        assert all(_REFERENCE.fullmatch(r) for r in saved)
