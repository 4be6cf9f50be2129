"""Mail waiting to go, a notice or a letter to a Community Trigger applicant, as a
delivery sends it: the notices waiting (``pending``; those for accounts disabled since
dropped), taking one to send it (``claim``), and recording what became of it (``sent``,
``refused``, ``waits``), given up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from sharing import clock
from sharing.db import begin_writing
from sharing.models import Notice, TriggerLetter, User

#: Attempts before a notice is left for an operator to look at.
MAX_ATTEMPTS = 5


def drop_for_disabled(session: Session) -> int:
    """Drop the notices still waiting for accounts disabled since they were queued (a
    leaver gets nothing more from the hub, as nothing is queued for them); how many. One
    statement, so that two deliveries dropping them at once each drop what is left."""
    dropped: int = session.execute(  # type: ignore[attr-defined]  # a DELETE's CursorResult
        delete(Notice)
        .where(
            Notice.sent_at.is_(None),
            Notice.user_id.in_(select(User.id).where(User.active.is_(False))),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return dropped


def pending(session: Session, limit: int = 200) -> list[Notice]:
    """Notices not yet sent and not given up on, oldest first."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.sent_at.is_(None), Notice.attempts < MAX_ATTEMPTS)
            .order_by(Notice.id)
            .limit(limit)
        )
    )


class Queued(Protocol):
    """Mail waiting to go: a notice, or a letter to a Community Trigger applicant."""

    sent_at: datetime | None
    attempts: int
    failed_why: str | None
    claimed_at: datetime | None


def sent(mail: Queued, now: datetime | None = None) -> None:
    mail.sent_at = now or clock.now()
    mail.attempts += 1
    mail.failed_why = None
    mail.claimed_at = None


#: How long a delivery may hold a mail it has taken before another may take it: far longer
#: than sending one message takes (the mail server is given 15 seconds), so a mail taken
#: longer ago was taken by a delivery that died before it could say what became of it.
CLAIM_LEASE = timedelta(minutes=10)


def claim(session: Session, mail: Notice | TriggerLetter, now: datetime | None = None) -> bool:
    """Take ``mail`` to send it now, by a write one delivery alone can make: it succeeds
    while the mail is unsent, not given up, and not taken by another delivery within
    ``CLAIM_LEASE``. The caller commits at once (so that no lock is held while the mail
    server answers), sends, then records what became of it (``sent``, ``refused``,
    ``waits``) and commits again. Of two deliveries at the same moment one takes it and the
    other passes it by; a delivery that dies after taking it leaves it to the first
    delivery after the lease (so a mail goes twice only if its process died in the moment
    between sending it and recording it sent). Whether it was taken (not if sent, given
    up, taken or deleted meanwhile)."""
    now = now or clock.now()
    begin_writing(session)
    table = type(mail)
    taken: int = session.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        update(table)
        .where(
            table.id == mail.id,
            table.sent_at.is_(None),
            table.attempts < MAX_ATTEMPTS,
            or_(table.claimed_at.is_(None), table.claimed_at < now - CLAIM_LEASE),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return False
    session.refresh(mail)
    return True


def refused(mail: Queued, why: str) -> None:
    """Record that the mail server refused the mail taken (``claim``) for good (this
    recipient or message), by the failure's type alone (never a message that might quote
    an address): it waits again, its attempt counted; after ``MAX_ATTEMPTS`` it is given
    up."""
    mail.attempts += 1
    mail.failed_why = why[:80]
    mail.claimed_at = None


def waits(mail: Queued, why: str) -> None:
    """Record why the mail server could not be used at all (not there, the hub's login
    refused, a temporary failure): not the mail's fault, so no attempt is counted, and a
    mail taken (``claim``) waits again as it was."""
    mail.failed_why = why[:80]
    mail.claimed_at = None


def gave_up(mail: Queued) -> bool:
    """Whether the mail is left unsent for good."""
    return mail.sent_at is None and mail.attempts >= MAX_ATTEMPTS


def given_up(mail: Queued, why: str) -> None:
    """Leave the mail unsent for good (nothing to send), saying why."""
    mail.attempts = MAX_ATTEMPTS
    mail.failed_why = why[:80]
