"""Queues and lists whose rows each need a case, a person or a count load them for the
whole page at once: a manager's emergency access reviews and lock requests, the DPO's
emergency access page and the people of an agency cost the same number of database
statements with a few rows as with many (demo partnership, grown)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import accounts
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import emergency, locks
from sharing.models import Agency, Case, LockRequest, User
from sharing.vocabulary import LockReason, LockStatus, Role
from tests.fixtures.demo import demo_client, demo_user, open_cases, shared_with_agency
from tests.fixtures.statements import statements_for

PAGES = ("/emergency/reviews", "/locks", "/audit/emergency-access", "/people")
REASON = "Risk to life: reported threats with a knife to the victim tonight, need contacts now"


def _unshared(session: Session) -> list[Case]:
    """Larkmoor's open cases not shared with the police, none with a lock request waiting."""
    waiting = set(
        session.scalars(
            select(LockRequest.case_id).where(LockRequest.status == LockStatus.REQUESTED)
        )
    )
    return [
        c
        for c in open_cases(session, "larkmoor-ha")
        if not shared_with_agency(session, c, "northshire-police") and c.id not in waiting
    ]


def _grow(session: Session, cases: list[Case], users: int) -> None:
    """Emergency access by the police to half of ``cases`` (each opened once under it),
    a lock requested on the other half, and ``users`` more staff at Larkmoor."""
    police = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    half = len(cases) // 2
    for case in cases[:half]:
        emergency.break_glass(session, Actor.of(police), case.reference, REASON)
    for case in cases[half:]:
        officer = Actor.of(session.get(User, case.officer_id))
        locks.request_lock(
            session,
            authorise(session, officer, case.id, Act.REQUEST_LOCK),
            LockReason.EMPLOYEE_REPORTED,
            "The reported person works for us",
        )
    larkmoor = session.get(Agency, cases[0].agency_id)
    for n in range(users):
        accounts.create_user(
            session,
            agency=larkmoor,
            email=f"grown{len(cases)}-{n}@larkmoor.example",
            display_name=f"Grown Colleague {len(cases)} {n}",
            roles={Role.CASE_OFFICER},
            password="a long enough password 1",  # noqa: S106 - a test account
        )
    session.commit()


def test_queues_and_lists_cost_the_same_statements_with_many_rows_as_with_few(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    cases = _unshared(demo_session)
    assert len(cases) >= 24, "the demo has Larkmoor cases enough to grow the queues"

    def cost() -> dict[str, int]:
        return {
            path: statements_for(demo_hub, lambda p=path: (dpo if "audit" in p else manager).get(p))
            for path in PAGES
        }

    _grow(demo_session, cases[:4], users=2)
    few = cost()
    _grow(demo_session, cases[4:24], users=12)
    assert cost() == few

    # What the pages show is unchanged: each access and request, each colleague by name.
    reviews = manager.get("/emergency/reviews").get_data(as_text=True)
    assert all(c.reference in reviews for c in cases[:2] + cases[4:14])
    pending = manager.get("/locks").get_data(as_text=True)
    assert all(c.reference in pending for c in cases[2:4] + cases[14:24])
    assert "Grown Colleague 20 11" in manager.get("/people").get_data(as_text=True)
    assert all(
        c.reference in dpo.get("/audit/emergency-access").get_data(as_text=True) for c in cases[:2]
    )
