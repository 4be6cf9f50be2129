"""Rows written in bulk (an import's batches), on SQLite and PostgreSQL: what a statement
would store, defaults and types included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.db import begin_writing, insert_rows, reserve_ids
from sharing.models import AuditQueued, DataKey
from sharing.models.base import table_of


def test_rows_get_their_defaults_and_their_columns_types(migrated_engine: Engine) -> None:
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night the clocks go forward
    with Session(migrated_engine) as session:
        begin = clock.now()
        insert_rows(
            session,
            table_of(DataKey),
            [{"kek_version": 3, "wrapped": bytes([n]) * 40} for n in range(3)],
        )
        insert_rows(
            session,
            table_of(AuditQueued),
            [
                {"at": at + timedelta(minutes=n), "action": "case.open", "outcome": "allowed"}
                for n in range(2)
            ],
        )
        session.commit()
        keys = session.scalars(select(DataKey).order_by(DataKey.id)).all()
        queued = session.scalars(select(AuditQueued).order_by(AuditQueued.id)).all()
    assert [k.wrapped for k in keys] == [bytes([n]) * 40 for n in range(3)]
    assert all(begin - timedelta(seconds=5) <= k.created_at <= clock.now() for k in keys)
    assert [q.at for q in queued] == [at, at + timedelta(minutes=1)]
    assert [q.actor_roles for q in queued] == ["", ""]  # the column's default


def test_nothing_to_write_writes_nothing(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session:
        insert_rows(session, table_of(DataKey), [])
        assert reserve_ids(session, table_of(DataKey), 0) == []
        assert session.scalars(select(DataKey)).all() == []


def test_reserved_ids_are_new_and_never_given_twice(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session:
        begin_writing(session)
        insert_rows(session, table_of(DataKey), [{"kek_version": 1, "wrapped": b"k"}])
        first = reserve_ids(session, table_of(DataKey), 3)
        insert_rows(
            session,
            table_of(DataKey),
            [{"id": key_id, "kek_version": 1, "wrapped": b"k"} for key_id in first],
        )
        second = reserve_ids(session, table_of(DataKey), 2)
        session.commit()
        held = set(session.scalars(select(DataKey.id)))
    assert len(first) == 3
    assert len(second) == 2
    assert held.isdisjoint(second)
    assert set(first) <= held
    assert len(held) == 4
