"""Erasing a record by crypto-shredding: its data key is destroyed, the record marked
erased, and the act recorded, in one transaction. Every value sealed under the key, in
the live database and in every backup, can then never be read again; the record's plain
columns (what statistics count) stay. Cases, people and Community Trigger applications
are erased this way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto.data_keys import destroy_data_key
from sharing.models import Case, Person, TriggerApplication

#: The basis of every erasure's audit entry, unless it says more.
DESTROYED = "data key destroyed"


def shred(
    session: Session,
    record: Case | Person | TriggerApplication,
    actor: Actor | None,
    action: acts.Action,
    subject: acts.Subject,
    now: datetime | None = None,
    *,
    basis: str = DESTROYED,
) -> None:
    """Destroy the record's data key, mark it erased and record the erasure (``actor``
    None: the hub's own retention). ``basis`` names why, never anything personal."""
    destroy_data_key(session, record)
    record.erased_at = now or clock.now()
    session.flush()
    acts.record(session, action, actor=actor, subject=subject, basis=basis)
