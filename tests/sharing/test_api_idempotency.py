"""Idempotency keys as two requests racing with the same key meet them, on SQLite and on
PostgreSQL: one does the work, the other waits and gets its answer."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from sharing import api_clients, clock
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import ApiClient, ApiIdempotencyKey
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_user

DIGEST = api_clients.fingerprint("POST /api/v1/cases", b"{}")


def test_two_requests_with_one_key_give_one_answer(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    sessions = make_session_factory(engine, keys, TEST_COST)
    with sessions() as session:
        user = demo_user(session, "northshire-homes", Role.MANAGER)
        client_pk = api_clients.register(
            session, user=user, name="HMS", scopes=["cases:write"]
        ).client.id
        session.commit()
    start = threading.Barrier(2, timeout=30)
    outcomes: list[object] = []

    def request(work: float) -> None:
        with sessions() as session:
            client = session.get(ApiClient, client_pk)
            start.wait()
            claimed = api_clients.claim(session, client, "key-1", "POST /api/v1/cases", DIGEST)
            if isinstance(claimed, api_clients.Answer):
                outcomes.append(claimed)
                session.commit()
                return
            time.sleep(work)  # the case being opened
            api_clients.answered(
                session, claimed, api_clients.Answer(201, '{"case_id": 7}', "/api/v1/cases/7")
            )
            session.commit()
            outcomes.append("did the work")

    threads = [threading.Thread(target=request, args=(0.3,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(map(str, outcomes)) == sorted(
        ["did the work", str(api_clients.Answer(201, '{"case_id": 7}', "/api/v1/cases/7"))]
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ApiIdempotencyKey)) == 1


def test_a_key_is_remembered_for_a_day_and_never_for_another_request(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        user = demo_user(session, "northshire-homes", Role.MANAGER)
        client = api_clients.register(session, user=user, name="HMS", scopes=["cases:write"]).client
        claimed = api_clients.claim(session, client, "k", "POST /api/v1/cases", DIGEST)
        assert isinstance(claimed, ApiIdempotencyKey)
        api_clients.answered(session, claimed, api_clients.Answer(201, "{}", None))
        session.commit()

        other = api_clients.fingerprint("POST /api/v1/cases", b'{"a": 1}')
        with pytest.raises(api_clients.KeyReused):
            api_clients.claim(session, client, "k", "POST /api/v1/cases", other)
        assert api_clients.claim(session, client, "k", "POST /api/v1/cases", DIGEST).status == 201

        later = clock.now() + api_clients.IDEMPOTENCY_WINDOW + timedelta(minutes=1)
        with clock.pinned(later):
            again = api_clients.claim(session, client, "k", "POST /api/v1/cases", other)
        assert isinstance(again, ApiIdempotencyKey), "a day on, the key is free for a new request"
