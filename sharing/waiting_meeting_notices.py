"""The notices about a case conference still waiting to be sent, as the conference
changes: the moment they name moved with it, dropped as it is cancelled, dropped for an
agency whose invitation is withdrawn, and an old chair's invitation dropped as it gets a
new one. The notices themselves are queued by ``sharing.meeting_notices``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sharing.models import Conference, Notice, User
from sharing.notices import drop_waiting
from sharing.vocabulary import NoticeKind


def chair_replaced(session: Session, conference: Conference, was_chair: User) -> int:
    """Drop the invitation still waiting to go to the conference's old chair as it has a
    new one: it would tell them they chair a conference they no longer do (they are told
    of the new chair instead). Kept where they are also among the people expected, who
    are invited all the same. How many were dropped."""
    if was_chair.id in {a.user_id for a in conference.expected}:
        return 0
    return drop_waiting(
        session,
        Notice.kind == NoticeKind.INVITATION,
        Notice.user_id == was_chair.id,
        Notice.path == f"/conferences/{conference.id}",
    )


def _about(conference: Conference) -> ColumnElement[bool]:
    """Whether a notice is about the conference: it links to its page, a place on it (a
    change: ``#chair-…``, ``#moved-…``) or a page below it (its requests), not to
    another's (``/conferences/70`` for ``/conferences/7``)."""
    path = f"/conferences/{conference.id}"
    return (
        (Notice.path == path)
        | Notice.path.startswith(f"{path}/")
        | Notice.path.startswith(f"{path}#")
    )


def about_moved(session: Session, conference: Conference) -> None:
    """Move the moment the notices about the conference still waiting to be sent name (its
    invitation, its requests) to its time now."""
    waiting = session.scalars(select(Notice).where(Notice.sent_at.is_(None), _about(conference)))
    for notice in waiting:
        notice.about = conference.starts_at


def drop_about_conference(session: Session, conference: Conference) -> int:
    """Drop the notices about the conference still waiting to be sent, as it is cancelled
    (its invitation, its requests): no one is asked to come, nor what they hold. How many."""
    return drop_waiting(session, _about(conference))


def withdraw_unsent(session: Session, agency_id: int, conference: Conference) -> int:
    """Drop the notices about the conference still waiting to go to an agency whose
    invitation was withdrawn (its invitation, its information request); how many."""
    return drop_waiting(
        session,
        Notice.user_id.in_(select(User.id).where(User.agency_id == agency_id)),
        _about(conference),
    )
