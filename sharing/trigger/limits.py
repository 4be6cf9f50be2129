"""How often the pages of a public form may be sent: from one source (an IPv4 address, or
an IPv6 /64: see ``sharing.sources``), and from everywhere at once (a flood from many
sources). The Community Trigger form asks one thing a page, so one application is eight or
so sends. Each send let through is a row (a keyed hash of the source and the time), so the
limits hold across every worker of the hub; a send refused is not kept, so a source past
its own limit uses up nothing of the overall one, and only the last window's rows are kept
(at most ``overall`` of them): each send forgets the older ones, and so does the hub's
hourly housekeeping (``hub users sweep``) on a quiet hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sharing.models import PublicFormUse


@dataclass(frozen=True)
class Limits:
    #: Pages sent allowed from one source (about six applications, with corrections),
    #: and from all sources together, per ``window``.
    per_address: int = 60
    overall: int = 2_000
    window: timedelta = timedelta(hours=1)


def use(session: Session, key: str, now: datetime, limits: Limits = Limits()) -> bool:
    """Whether a send from the source hashed to ``key`` is within the limits: the source's
    own, then everyone's together. A send within them is recorded; one refused is not, so
    a flood from one source stays refused without counting towards everyone's limit."""
    since = now - limits.window
    forget_old(session, now, limits)
    from_here = session.scalar(
        select(func.count())
        .select_from(PublicFormUse)
        .where(PublicFormUse.key == key, PublicFormUse.at >= since)
    )
    if (from_here or 0) >= limits.per_address:
        return False
    everywhere = session.scalar(
        select(func.count()).select_from(PublicFormUse).where(PublicFormUse.at >= since)
    )
    if (everywhere or 0) >= limits.overall:
        return False
    session.add(PublicFormUse(key=key, at=now))
    session.flush()
    return True


def forget_old(session: Session, now: datetime, limits: Limits = Limits()) -> int:
    """Forget every send older than the window: each send does it, and the hub's
    housekeeping does it where no send comes; how many were forgotten."""
    forgotten: int = session.execute(  # type: ignore[attr-defined]  # a DELETE's CursorResult
        delete(PublicFormUse)
        .where(PublicFormUse.at < now - limits.window)
        .execution_options(synchronize_session=False)
    ).rowcount
    return forgotten
