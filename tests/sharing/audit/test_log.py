"""The audit log on both databases: entries and tree written together, and any change to
the entries found and named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sharing.audit import verification
from sharing.audit.log import (
    FIELDS,
    append,
    append_many,
    at_text,
    canonical,
    canonical_sql,
    canonical_values,
)
from sharing.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    inclusion_proof,
    leaf_hash,
    root,
    verify_inclusion,
)
from sharing.audit.verification import verify
from sharing.models import AuditEntry
from tests.sharing.audit.conftest import write_log

pytestmark = pytest.mark.long


@pytest.fixture(autouse=True, params=["whole", "in stretches of 4"])
def stretches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test verifies the log in one piece, then in stretches of 4 checked in other
    processes (``sharing.audit.stretches``), which must find the same."""
    if request.param != "whole":
        monkeypatch.setattr(verification, "STRETCH", 4)


def _log(session: Session, n: int) -> list[AuditEntry]:
    return write_log(session, n)


def test_an_empty_log_verifies(session) -> None:
    result = verify(session)
    assert result.ok
    assert (result.size, result.root) == (0, EMPTY_ROOT)


def test_entries_grow_the_tree_and_verify(session) -> None:
    entries = _log(session, 13)
    assert [e.seq for e in entries] == list(range(13))
    result = verify(session)
    assert result.ok
    assert result.size == 13
    leaves = [e.leaf for e in entries]
    assert result.root == root(leaves)
    assert verify_inclusion(5, 13, leaves[5], inclusion_proof(5, leaves), result.root)


def test_an_entry_rolled_back_with_its_act_leaves_no_gap(session) -> None:
    _log(session, 2)
    append(session, action="share.create", outcome="allowed", object_type="case", object_id=1)
    session.rollback()
    _log(session, 1)
    assert verify(session).ok


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"),
    [
        ("UPDATE audit_entries SET object_id = '999' WHERE seq = 4", 4, "entry 4 was altered"),
        ("DELETE FROM audit_entries WHERE seq = 3", 3, "entry 3 is missing"),
        ("UPDATE audit_entries SET seq = seq + 100 WHERE seq = 6", 6, "entry 6 is missing"),
        ("UPDATE audit_entries SET outcome = 'refused' WHERE seq = 0", 0, "entry 0 was altered"),
    ],
)
def test_a_changed_deleted_or_moved_entry_is_found_and_named(
    session, tamper: str, first_bad: int, problem: str
) -> None:
    _log(session, 9)
    session.execute(text(tamper))
    session.commit()
    result = verify(session)
    assert not result.ok
    assert result.first_bad == first_bad
    assert problem in result.problem


def test_an_inserted_entry_with_its_own_leaf_is_found_by_the_tree_head(session) -> None:
    entries = _log(session, 5)
    forged = AuditEntry(
        seq=5, at=entries[0].at, action="case.view", outcome="allowed", actor_roles=""
    )
    forged.leaf = leaf_hash(canonical(forged))
    frontier = Frontier()
    for entry in entries:
        frontier.append(entry.leaf)
    forged.subtrees = b"".join(frontier.append(forged.leaf))
    session.add(forged)
    session.commit()
    result = verify(session)
    assert (result.ok, result.first_bad) == (False, 5)
    assert "entry 5 is beyond the tree head" in result.problem


def test_awkward_text_is_hashed_the_same_by_python_and_by_the_database(session) -> None:
    """The database writes the canonical form in SQL while verifying; it must be the very
    text Python hashed when appending, whatever the entry holds."""
    awkward = [
        'quote " backslash \\ slash /',
        "accents é, euro €, emoji 😀, Welsh ŵ ŷ",
        "line\nbreak, tab\t, bell \x07, unit \x1f, delete \x7f, separator \u2028",
        "",
        "null",
        "[1,2]",
    ]
    for i, value in enumerate(awkward):
        append(
            session,
            action="case.view",
            outcome="allowed",
            basis=value,
            purpose=value[:60] or None,
            object_id=value[:40] or None,
            request_id=str(i),
            actor_user_id=-5,
            actor_roles=value,
        )
    session.commit()
    result = verify(session)
    assert result.ok, result.problem
    texts = session.scalars(
        select(canonical_sql(session.get_bind().dialect.name)).order_by(AuditEntry.seq)
    ).all()
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [t.encode() for t in texts] == [canonical(e) for e in entries]


def test_canonical_form_is_the_compact_json_array_of_the_fields_in_order(session) -> None:
    entry = append(
        session,
        action="share.create",
        outcome="allowed",
        actor_user_id=3,
        object_id=9,
        at=datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=UTC),
    )
    assert canonical(entry) == (
        b'[0,"2026-03-01 12:00:00.000005",3,null,"","share.create",null,"9",null,null,'
        b'"allowed",null]'
    )
    assert FIELDS[0] == "seq"
    assert len(FIELDS) == 12


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"),
    [
        ("UPDATE audit_entries SET subtrees = leaf WHERE seq = 5", 5, "wrong stored subtree"),
        ("UPDATE audit_entries SET leaf = subtrees WHERE seq = 3", 3, "entry 3 was altered"),
        ("UPDATE audit_entries SET actor_user_id = NULL WHERE seq = 2", 2, "entry 2 was altered"),
        ("UPDATE audit_entries SET basis = NULL WHERE seq = 8", 8, "entry 8 was altered"),
    ],
)
def test_changed_leaves_or_stored_subtrees_are_named(
    session, tamper: str, first_bad: int, problem: str
) -> None:
    _log(session, 9)
    session.execute(text(tamper))
    session.commit()
    result = verify(session)
    assert (result.ok, result.first_bad) == (False, first_bad)
    assert problem in result.problem


@pytest.mark.parametrize("height", [1, 2, 3])
def test_a_wrong_stored_hash_at_any_height_is_named(session, height: int) -> None:
    """Entry 7 completes subtrees of 2, 4 and 8 leaves: in stretches of 4 the last lies
    above its stretch and is checked where the stretches are joined."""
    _log(session, 12)
    entry = session.get(AuditEntry, 7)
    assert entry is not None
    assert len(entry.subtrees) == 3 * 32
    wrong = bytearray(entry.subtrees)
    wrong[(height - 1) * 32] ^= 1
    entry.subtrees = bytes(wrong)
    session.commit()
    result = verify(session)
    assert (result.ok, result.first_bad) == (False, 7)
    assert "entry 7 has wrong stored subtree hashes" in result.problem


def test_two_entries_swapped_with_their_leaves_are_found_at_the_first(session) -> None:
    _log(session, 8)
    columns = [c.name for c in AuditEntry.__table__.columns if c.name != "seq"]
    rows = {
        seq: session.execute(
            select(*[getattr(AuditEntry, c) for c in columns]).where(AuditEntry.seq == seq)
        ).one()
        for seq in (2, 6)
    }
    for seq, other in ((2, 6), (6, 2)):
        session.execute(
            AuditEntry.__table__.update()
            .where(AuditEntry.seq == seq)
            .values(dict(zip(columns, rows[other], strict=True)))
        )
    session.commit()
    result = verify(session)
    assert (result.ok, result.first_bad) == (False, 2)
    assert "entry 2 was altered" in result.problem


def test_an_entry_slipped_into_the_middle_is_found_where_it_was_put(session) -> None:
    entries = _log(session, 6)
    session.execute(text("UPDATE audit_entries SET seq = seq + 100 WHERE seq >= 3"))
    session.execute(text("UPDATE audit_entries SET seq = seq - 99 WHERE seq >= 100"))
    session.expunge_all()
    forged = AuditEntry(
        seq=3, at=entries[0].at, action="case.view", outcome="allowed", actor_roles="", subtrees=b""
    )
    forged.leaf = leaf_hash(canonical(forged))
    session.add(forged)
    session.commit()
    result = verify(session)
    assert (result.ok, result.first_bad) == (False, 3)


def test_append_many_makes_the_same_log_as_appending_one_by_one(session) -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    acts = [
        {"action": "case.view", "outcome": "allowed", "object_id": i, "at": at} for i in range(37)
    ]
    for act in acts[:5]:
        append(session, **act)
    append_many(session, acts[5:], chunk=8)
    session.commit()
    one_by_one = [
        leaf_hash(
            canonical_values(
                [
                    i,
                    at_text(at),
                    None,
                    None,
                    "",
                    "case.view",
                    None,
                    str(i),
                    None,
                    None,
                    "allowed",
                    None,
                ]
            )
        )
        for i in range(37)
    ]
    leaves = session.scalars(select(AuditEntry.leaf).order_by(AuditEntry.seq)).all()
    assert leaves == one_by_one
    result = verify(session)
    assert result.ok
    assert result.root == root(one_by_one)


@pytest.mark.parametrize(("stretch", "processes"), [(4, 1), (4, 2), (8, 3), (1, 2), (64, 2)])
def test_verify_checks_stretches_in_order_in_any_number_of_processes(
    session, stretch: int, processes: int
) -> None:
    _log(session, 50)
    whole = verify(session, stretch=stretch, processes=processes)
    assert whole.ok
    assert (whole.size, whole.root) == (50, verify(session).root)
    session.execute(text("DELETE FROM audit_entries WHERE seq BETWEEN 8 AND 19"))
    session.execute(text("UPDATE audit_entries SET basis = 'x' WHERE seq = 30"))
    session.commit()
    result = verify(session, stretch=stretch, processes=processes)
    assert (result.first_bad, result.size) == (8, 8)
    assert "entry 8 is missing (the next one is 20)" in result.problem
