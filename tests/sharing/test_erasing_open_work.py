"""A case is erased only once closed, and its erasure ends whatever it still had open: on
the demo partnership, on SQLite and PostgreSQL. Retention is counted from a case's
closing, so an open case is closed first; an erased case is on no one's list of work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import actions, closing, listing
from sharing.cases.erasure import erase_case
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.errors import NotAllowed
from sharing.mail_delivery import pending
from sharing.models import Action, AuditEntry, Case, Conference, Notice
from sharing.risk.reviews_due import risk_reviews_due
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    ConferenceStatus,
    NoticeKind,
    Role,
)
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor


@pytest.fixture
def session(demo_database: tuple[Engine, LocalKeyring]) -> Iterator[Session]:
    with make_session_factory(*demo_database)() as session:
        yield session


def _planned(session: Session) -> Conference:
    """The demo's planned conference on a partnership meeting's agenda, on an open case."""
    conference = session.scalar(
        select(Conference)
        .join(Case)
        .where(
            Conference.status == ConferenceStatus.PLANNED,
            Conference.sitting_id.is_not(None),
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
        )
        .order_by(Conference.id)
    )
    assert conference is not None
    return conference


def test_an_open_case_is_erased_only_once_closed_and_its_open_work_ends_with_it(
    session: Session,
) -> None:
    conference = _planned(session)
    case = conference.case
    agency = case.agency.code
    manager = demo_actor(session, agency, Role.MANAGER)
    action = actions.add_action(
        session,
        authorise(session, manager, case.id, Act.RECORD),
        actions.ActionInput(kind=ActionKind.WARNING_LETTER, description="Letter"),
    )
    session.commit()
    with pytest.raises(NotAllowed, match="the case is still open: close it first"):
        erase_case(session, authorise(session, manager, case.id, Act.ERASE))
    session.commit()
    refusal = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (refusal.action, refusal.outcome, refusal.object_id) == (
        "case.erase",
        "refused",
        str(case.id),
    )
    closing.close_case(
        session,
        authorise(session, manager, case.id, Act.CLOSE),
        ClosureReason.NO_CONTACT,
        outcome=ClosureOutcome.NOT_RESOLVED,
    )
    erase_case(session, authorise(session, manager, case.id, Act.ERASE))
    session.commit()
    session.expire_all()
    assert session.get_one(Conference, conference.id).status is ConferenceStatus.CANCELLED
    assert session.get_one(Conference, conference.id).sitting_id is None  # off the agenda
    still_open = session.scalars(
        select(Action).where(Action.case_id == case.id, Action.status == ActionStatus.OPEN)
    ).all()
    assert still_open == []
    assert session.get_one(Action, action.id).status is ActionStatus.CANCELLED


def test_a_case_erased_while_open_before_the_rule_is_on_no_list_of_work(
    session: Session,
) -> None:
    """A case erased while open (before erasure asked for it to be closed) is left out of
    its officer's home page and risk reviews due, as it is of the manager's overdue list."""
    officer_case = session.scalar(
        select(Case)
        .where(
            Case.status != CaseStatus.CLOSED,
            Case.risk_review_due_on.is_not(None),
            Case.review_due_on.is_not(None),
            Case.locked.is_(False),
        )
        .order_by(Case.id)
    )
    assert officer_case is not None
    officer = officer_case.officer
    actor = Actor.of(officer)
    far = clock.years_after(officer_case.review_due_on, 1)
    before = listing.home_summary(session, actor, far)
    assert officer_case.id in [r.id for r in before.reviews_due] or before.reviews_due_total > 10
    officer_case.erased_at = clock.now()
    session.flush()
    after = listing.home_summary(session, actor, far)
    assert officer_case.id not in [r.id for r in after.my_cases + after.reviews_due]
    assert sum(after.open_by_priority.values()) == sum(before.open_by_priority.values()) - 1
    due = risk_reviews_due(session, actor, far.replace(year=far.year + 5), size=1_000)
    assert officer_case.id not in [r.case_id for r in due.rows]


def test_notices_waiting_about_a_case_are_given_up_when_it_is_erased(session: Session) -> None:
    """A conference's information request waits while the mail server is down; its case is
    then closed and erased: nothing about an erased case is sent."""
    conference = _planned(session)
    case = conference.case
    manager = demo_actor(session, case.agency.code, Role.MANAGER)
    other = session.scalar(select(Case).where(Case.id != case.id).order_by(Case.id))
    assert other is not None
    for reference, path in (
        (case.reference, f"/conferences/{conference.id}/requests/1"),
        (other.reference, "/actions#action-1"),
    ):
        session.add(
            Notice(
                kind=NoticeKind.INFORMATION_REQUEST,
                user_id=manager.user_id,
                reference=reference,
                path=path,
                created_at=clock.now(),
            )
        )
    session.commit()
    close_for_erasure(session, manager, case.id)
    erase_case(session, authorise(session, manager, case.id, Act.ERASE))
    session.commit()
    assert [n.reference for n in pending(session) if n.reference == case.reference] == []
    assert other.reference in [n.reference for n in pending(session)]
