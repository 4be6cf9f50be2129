"""A lock request still waiting when its case is erased asks nothing more: it leaves the
managers' queue and their alerts, and cannot be decided (an erased case is locked or
unlocked by no one)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import locks
from sharing.cases.erasure import erase_case
from sharing.errors import NotAllowed
from sharing.vocabulary import LockReason, Role
from tests.fixtures.app import CaseFactory, UserFactory
from tests.fixtures.closing import close_for_erasure


def test_a_lock_request_on_a_case_erased_meanwhile_leaves_the_queue(
    create_user: UserFactory, create_case: CaseFactory, db_session: Session
) -> None:
    officer, manager = create_user(Role.CASE_OFFICER), create_user(Role.MANAGER)
    case = create_case(officer)
    request = locks.request_lock(
        db_session,
        authorise(db_session, Actor.of(officer), case.id, Act.REQUEST_LOCK),
        LockReason.EMPLOYEE_REPORTED,
        "The reported person works for us",
    )
    db_session.commit()
    deciding = Actor.of(manager)
    assert [p.request.id for p in locks.pending_requests(db_session, deciding)] == [request.id]
    assert locks.alerts_waiting(db_session, deciding, [case.id])

    close_for_erasure(db_session, deciding, case.id)
    erase_case(db_session, authorise(db_session, deciding, case.id, Act.ERASE))
    db_session.commit()

    assert locks.pending_requests(db_session, deciding) == []
    assert locks.alerts_waiting(db_session, deciding, [case.id]) == set()
    with pytest.raises(NotAllowed):
        locks.decide_lock(db_session, deciding, request.id, approve=True)
