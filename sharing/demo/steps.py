"""How the demo's conferences and partnership meetings are taken, step by step: each
step as the person who took it (``staff_with``), with the partnership's clock held at
the moment it happened (``at``), on the working days and at the hours the partnership
meets, so every decision is made as it was then (shares, due dates) and the same day
always builds the same conferences; the notices of the story went as it happened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, mail_delivery
from sharing.demo import office
from sharing.models import Agency, Notice, User
from sharing.vocabulary import Role

PURPOSE = "case_conference"
#: How many days after a conference its invitations' shares last (the hub's default).
SHARE_DAYS = 28


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    """The partnership's clock held at ``moment`` while a step of the story happens."""
    with clock.pinned(moment) as now:
        yield now


def staff_with(session: Session, agency_code: str, role: Role) -> User:
    """The agency's first member of staff holding ``role``."""
    users = session.scalars(
        select(User)
        .join(Agency, Agency.id == User.agency_id)
        .where(Agency.code == agency_code)
        .order_by(User.id)
    )
    return next(u for u in users if role in u.roles)


def agency_id_of(session: Session, code: str) -> int:
    """The id of the agency whose code is ``code``."""
    return session.scalars(select(Agency.id).where(Agency.code == code)).one()


def weekday(day: date) -> date:
    """``day``, or the first working day after it when it falls at a weekend or on a bank
    holiday: the partnership meets on working days."""
    return office.on_or_after(day)


def at_hour(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour`` o'clock (and ``minute`` past) on ``day`` in England, as a UTC moment."""
    return datetime.combine(day, time(hour, minute), clock.PARTNERSHIP_ZONE).astimezone(UTC)


def notices_went(session: Session) -> None:
    """The notices of the demo's history went when it happened: nothing waits to be sent."""
    for notice in session.scalars(select(Notice).where(Notice.sent_at.is_(None))):
        mail_delivery.sent(notice, notice.created_at)
