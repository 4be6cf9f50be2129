"""A refusal's entry outlives the rollback of the request it refused, and the refusal
hands back the exception its caller raises."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.facts import Actor
from sharing.audit import acts
from sharing.errors import NotAllowed, NotFound
from sharing.models import AuditEntry
from sharing.vocabulary import Role

OFFICER = Actor(7, 2, frozenset({Role.CASE_OFFICER}))


def _entries(session: Session) -> list[tuple[str, str, int | None, str | None, str | None]]:
    return [
        (e.action, e.outcome, e.actor_user_id, e.object_id, e.basis)
        for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    ]


def test_a_refusal_is_recorded_past_the_rollback_and_raised_with_its_reason(session) -> None:
    acts.record(session, acts.Action.CASE_VIEW, actor=OFFICER, subject=acts.Subject("case", 1))
    with pytest.raises(NotAllowed, match="^only managers export their agency's cases$"):
        raise acts.refused(
            session,
            acts.Action.CASES_EXPORT,
            actor=OFFICER,
            subject=acts.Subject("agency", 2),
            reason="only managers export their agency's cases",
        )
    acts.roll_back_keeping_refusals(session)
    assert _entries(session) == [
        ("cases.export", "refused", 7, "2", "only managers export their agency's cases")
    ]


def test_a_refusal_answered_otherwise_raises_that_answer(session) -> None:
    answer = NotFound(41)
    refusal = acts.refused(
        session,
        acts.Action.LOCK_DECIDE,
        actor=OFFICER,
        subject=acts.Subject("lock_request", 41),
        reason="no such request",
        answer=answer,
    )
    assert refusal is answer
    acts.roll_back_keeping_refusals(session)
    assert _entries(session) == [("lock.decide", "refused", 7, "41", "no such request")]


def test_a_refused_forms_page_keeps_its_views_in_order_and_not_the_acts_entries(session) -> None:
    case = acts.Subject("case", 1)
    acts.record(session, acts.Action.CASE_VIEW, actor=OFFICER, subject=case, basis="close form")
    acts.refuse(session, acts.Action.CASE_CLOSE, actor=OFFICER, subject=case, reason="no reason")
    acts.record(session, acts.Action.CASE_CLOSE, actor=OFFICER, subject=case, basis="closed")
    acts.record(session, acts.Action.CASE_VIEW, actor=OFFICER, subject=case, basis="actions 4")
    acts.roll_back_keeping_refusals(session, shown=True)
    assert _entries(session) == [
        ("case.view", "allowed", 7, "1", "close form"),
        ("case.close", "refused", 7, "1", "no reason"),
        ("case.view", "allowed", 7, "1", "actions 4"),
    ]


def test_views_are_not_kept_without_a_page_showing_them(session) -> None:
    acts.record(session, acts.Action.CASE_VIEW, actor=OFFICER, subject=acts.Subject("case", 1))
    acts.roll_back_keeping_refusals(session)
    assert _entries(session) == []


def test_views_rolled_back_before_the_page_are_not_kept(session) -> None:
    acts.record(session, acts.Action.CASE_VIEW, actor=OFFICER, subject=acts.Subject("case", 1))
    session.rollback()  # a dry run, say: a commit would not have kept them either
    acts.record(session, acts.Action.SEARCH, actor=OFFICER, basis="cases 2")
    acts.roll_back_keeping_refusals(session, shown=True)
    assert _entries(session) == [("search", "allowed", 7, None, "cases 2")]
