"""How often the pages of a public form may be sent: from one address, and from everywhere
at once (a flood from many addresses). The Community Trigger form asks one thing a page,
so one application is eight or so sends. Each use is a row (a keyed hash of the address and the
time), so the limit holds across every worker of the hub; rows older than a day are
removed as new ones come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sharing.models import PublicFormUse


@dataclass(frozen=True)
class Limits:
    #: Pages sent allowed from one address (about six applications, with corrections),
    #: and from all addresses together, per ``window``.
    per_address: int = 60
    overall: int = 2_000
    window: timedelta = timedelta(hours=1)


def use(session: Session, key: str, now: datetime, limits: Limits = Limits()) -> bool:
    """Record one send from the address hashed to ``key``; whether it is within the
    limits (a send over them is recorded too, so a flood stays refused)."""
    since = now - limits.window
    session.execute(delete(PublicFormUse).where(PublicFormUse.at < now - timedelta(days=1)))
    from_here = session.scalar(
        select(func.count())
        .select_from(PublicFormUse)
        .where(PublicFormUse.key == key, PublicFormUse.at >= since)
    )
    everywhere = session.scalar(
        select(func.count()).select_from(PublicFormUse).where(PublicFormUse.at >= since)
    )
    session.add(PublicFormUse(key=key, at=now))
    session.flush()
    return (from_here or 0) < limits.per_address and (everywhere or 0) < limits.overall
