"""Migration 0006 rehashes entries logged before it in the new canonical form, gives them
their subtree hashes and the tree its new head, so the log still verifies."""

from __future__ import annotations

from sqlalchemy import Engine, text

from hub.migrate import downgrade, upgrade
from sharing.audit.verification import verify
from sharing.db import make_session_factory


def test_entries_from_before_0006_verify_after_it(migrated_engine: Engine) -> None:
    downgrade(migrated_engine, "0005")
    with migrated_engine.begin() as connection:
        for seq in range(11):
            connection.execute(
                text(
                    "INSERT INTO audit_entries (seq, at, actor_user_id, actor_agency_id, "
                    "actor_roles, action, object_type, object_id, purpose, basis, outcome, "
                    "request_id, leaf) VALUES (:seq, :at, 3, NULL, 'dpo', 'case.view', 'case', "
                    ":oid, NULL, 'b', 'allowed', NULL, :leaf)"
                ),
                {
                    "seq": seq,
                    "at": f"2026-02-03 04:05:06.{seq:06d}",
                    "oid": str(seq),
                    "leaf": b"old" * 10 + b"xx",
                },
            )
        connection.execute(
            text("INSERT INTO audit_tree (id, size, frontier, root) VALUES (1, 11, :f, :r)"),
            {"f": b"", "r": b"r" * 32},
        )
    upgrade(migrated_engine)
    with make_session_factory(migrated_engine)() as session:
        result = verify(session)
    assert result.ok, result.problem
    assert result.size == 11
