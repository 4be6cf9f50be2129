"""Notices by e-mail, queued in the same transaction as the act they tell of: one
for each person to be told and not told already (``queue``), an agency's managers (told
where no one named is), and dropping those still waiting that are no longer to be sent.
A notice names what it is about, the case reference (none where the case is now
restricted to its reader) and a page of the hub; never personal data (the reader
signs in to see the case). The web layer delivers queued notices after the request that
queued them (``QUEUED`` in the session's info), and ``hub notices send`` delivers any
still waiting.

What each notice tells, and to whom, is in its own module: a case conference's
invitation and information requests, its minutes, its changes and a partnership
meeting's sitting moved or cancelled (``sharing.meeting_notices``); a safeguarding
referral, actions falling due, a partner's actions closed with their case or now on a
restricted case (``sharing.case_notices``); the Community Trigger's recommendations
(``sharing.trigger_notices``). Taking a notice to send it and recording what became of
it is ``sharing.mail_delivery``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Notice, User
from sharing.vocabulary import NoticeKind, Role

#: Set in a session's info when it queued notices, for the web layer to deliver them.
QUEUED = "hub.notices_queued"


def queue(
    session: Session,
    kind: NoticeKind,
    users: Iterable[User],
    *,
    reference: str | None = None,
    sitting_id: int | None = None,
    path: str,
    about: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Queue a notice of ``kind`` about ``path`` for each active user not already told;
    how many were queued. It names what it is about: a case's ``reference`` (an
    application's, for a recommendation), or a sitting (``sitting_id``)."""
    told = set(
        session.scalars(select(Notice.user_id).where(Notice.kind == kind, Notice.path == path))
    )
    queued = 0
    for user in {u.id: u for u in users}.values():
        if not user.active or user.id in told:
            continue
        session.add(
            Notice(
                kind=kind,
                user_id=user.id,
                reference=reference,
                sitting_id=sitting_id,
                path=path,
                about=about,
                created_at=now or clock.now(),
            )
        )
        queued += 1
    if queued:
        session.info[QUEUED] = True
    return queued


def managers(session: Session, agency_id: int) -> list[User]:
    """The agency's active managers, in the order they were added."""
    users = session.scalars(
        select(User).where(User.agency_id == agency_id, User.active).order_by(User.id)
    )
    return [u for u in users if Role.MANAGER in u.roles]


def drop_waiting(session: Session, *where: ColumnElement[bool]) -> int:
    """Drop the notices still waiting to be sent that meet ``where``; how many."""
    waiting = session.scalars(select(Notice).where(Notice.sent_at.is_(None), *where)).all()
    for notice in waiting:
        session.delete(notice)
    return len(waiting)
