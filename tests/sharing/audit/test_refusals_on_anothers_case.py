"""A refusal of a user about another agency's case, as each DPO reads it: the case's
agency's DPO reads its own case's reference; the user's agency's DPO reads the agency
whose case it was ("A case of ...") and never the other agency's reference, with the
case's number only where their agency was once shared the case."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts, log_rows
from sharing.audit.log import integrate
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import AuditEntry, Case, Share
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor

LANDLORD, POLICE = "larkmoor-ha", "northshire-police"


def _landlord_case(session: Session, police: Actor, *, shared_once: bool) -> Case:
    shared = select(Share.case_id).where(Share.agency_id == police.agency_id)
    case = session.scalar(
        select(Case)
        .where(
            Case.agency.has(code=LANDLORD),
            Case.id.in_(shared) if shared_once else Case.id.not_in(shared),
        )
        .order_by(Case.id)
    )
    assert case is not None
    return case


def _refused_on(session: Session, actor: Actor, case: Case, reason: str) -> AuditEntry:
    acts.refuse(
        session,
        acts.Action.CASE_VIEW,
        actor=actor,
        subject=acts.Subject("case", case.id),
        reason=reason,
    )
    integrate(session)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    return entry


def test_each_dpo_reads_a_refusal_on_anothers_case_as_their_agency_may_know_it(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        police = demo_actor(session, POLICE, Role.CASE_OFFICER)
        landlord = demo_actor(session, LANDLORD, Role.DPO)
        never = _landlord_case(session, police, shared_once=False)
        once = _landlord_case(session, police, shared_once=True)
        entries = [
            _refused_on(session, police, never, "no live share"),
            _refused_on(session, police, once, "the share has ended"),
            _refused_on(session, police, never, acts.not_found_to_requester("no live share")),
        ]

        owners = log_rows.rows(session, entries, landlord.agency_id)
        assert [r.case_reference for r in owners] == [
            never.reference,
            once.reference,
            never.reference,
        ]
        assert [r.case_of for r in owners] == [None, None, None]
        assert [r.object_id for r in owners] == [str(never.id), str(once.id), str(never.id)]

        readers = log_rows.rows(session, entries, police.agency_id)
        name = never.agency.name
        assert [r.case_reference for r in readers] == [None, None, None]
        assert [r.case_of for r in readers] == [name, name, None]
        # The number only of the case once shared with the police; the one answered "not
        # found" reads as a request for a case that does not exist, with the number asked.
        assert [r.object_id for r in readers] == [None, str(once.id), str(never.id)]
        assert readers[2].basis == acts.NO_SUCH_CASE
        session.rollback()
