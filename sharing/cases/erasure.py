"""Erasing records by crypto-shredding: destroy the data key, keep the ciphertext.

An erased case or person keeps its non-personal fields (agency, category, priority,
status, dates, ward) for statistics; every sealed value under its key, in the live
database and in every backup, can never be read again. Blind-index entries go too, so
an erased record cannot be found by search. Erasure is the owning agency's manager's
decision (retention, or a successful erasure request) and cannot be undone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.crypto import blind_index
from sharing.crypto.sealing import destroy_data_key
from sharing.errors import NotFound
from sharing.models import Case, Person


def erase_case(
    session: Session,
    authorised: AuthorisedCase,
    *,
    with_people: bool = False,
    now: datetime | None = None,
) -> Case:
    """Erase a case (authorised for ``Act.ERASE``): its own values and those of its
    incidents, actions and lock requests. The people on it are records of their own;
    ``with_people`` erases those who are on no other case (the others stay, for their
    other cases)."""
    authorised.require(Act.ERASE)
    case, actor = authorised.case, authorised.actor
    if case.erased_at is None:
        blind_index.remove(session, case_id=case.id)
        _shred(session, case, actor, acts.Action.CASE_ERASE, authorised.subject, now)
    if with_people:
        for party in case.parties:
            if {p.case_id for p in party.person.parties} == {case.id}:
                erase_person(session, actor, party.person_id, now=now)
    return case


def erase_person(
    session: Session, actor: Actor, person_id: int, now: datetime | None = None
) -> Person:
    """Erase a person record of the actor's agency: the actor must be allowed to erase
    every case the person is on (so a person on a locked case is erased only by its lock
    members)."""
    person = session.get(Person, person_id)
    if person is None or person.agency_id != actor.agency_id or not person.parties:
        acts.refuse(
            session,
            acts.Action.PERSON_ERASE,
            actor=actor,
            subject=acts.Subject("person", person_id),
            reason="no such record in your agency",
        )
        raise NotFound(person_id)
    for party in person.parties:
        authorise(session, actor, party.case_id, Act.ERASE)
    if person.erased_at is None:
        blind_index.remove(session, person_id=person.id)
        _shred(
            session, person, actor, acts.Action.PERSON_ERASE, acts.Subject("person", person_id), now
        )
    return person


def _shred(
    session: Session,
    record: Case | Person,
    actor: Actor,
    action: acts.Action,
    subject: acts.Subject,
    now: datetime | None,
) -> None:
    """Destroy the record's data key, mark it erased and record the erasure."""
    destroy_data_key(session, record)
    record.erased_at = now or clock.now()
    session.flush()
    acts.record(session, action, actor=actor, subject=subject, basis="data key destroyed")
