"""A partner's request for more of a case (``more_requests``) ends by itself, unanswered,
when nothing can answer it any more: its case is closed (a closed case is shared no
further, and its shares for ASB case management end with it), locked (for the asker the
case no longer exists) or erased, or the share it was asked through ends (revoked, ended
with its conference, or run out). As conference information requests and a case's actions
end with their case, it then leaves the case's agency's home page and its notices still
waiting there are dropped; it records when and why (``MoreRequest.ended_because``), which
the case page, the request's page and the asker's home page say; one audit entry
(``share.more_ended``, ids only) records each; and the asker is told by e-mail: naming the
case's reference for a case closed or a share ended, which they knew, and nothing of the
case for one locked (``MORE_RESTRICTED``); no one of an erased case. A request answered
already is left as it was."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.models import Case, MoreRequest, Notice, Share
from sharing.notices import drop_waiting, managers, queue
from sharing.vocabulary import CaseStatus, MoreRequestEnd, NoticeKind

#: The notice telling the asker, by why it ended (none for an erased case).
_NOTICE = {
    MoreRequestEnd.CASE_CLOSED: NoticeKind.MORE_CLOSED,
    MoreRequestEnd.CASE_LOCKED: NoticeKind.MORE_RESTRICTED,
    MoreRequestEnd.SHARE_ENDED: NoticeKind.MORE_SHARE_ENDED,
}


def said(request: MoreRequest, *, to_owner: bool) -> str:
    """Why the request ended, as a page says it after "ended unanswered on …: " to the
    case's agency (``to_owner``) or to the asking agency, who never read that the case was
    locked (if it is unlocked since, they read that it was no longer open to them)."""
    because = request.ended_because
    if because is None:
        return ""
    if to_owner:
        return because.in_sentence
    return _TO_ASKER[because]


#: Why a request ended, as the asking agency reads it.
_TO_ASKER = {
    MoreRequestEnd.CASE_CLOSED: "the case was closed before your request was answered",
    MoreRequestEnd.CASE_LOCKED: "the case was no longer open to your agency",
    MoreRequestEnd.CASE_ERASED: "the case was erased",
    MoreRequestEnd.SHARE_ENDED: "the share your agency asked through has ended",
}


def waiting_on(session: Session, case: Case) -> list[MoreRequest]:
    """The requests still waiting on the case, first asked first: what closing it ends
    (its close form says so)."""
    return _waiting(session, MoreRequest.case_id == case.id)


def with_case(
    session: Session, actor: Actor | None, case: Case, because: MoreRequestEnd, now: datetime
) -> list[MoreRequest]:
    """End the requests still waiting on ``case`` as it is closed, locked or erased
    (``because``) by ``actor``; the requests ended."""
    return _end(session, actor, _waiting(session, MoreRequest.case_id == case.id), because, now)


def with_share(
    session: Session, actor: Actor | None, share: Share, now: datetime
) -> list[MoreRequest]:
    """End the requests still waiting that were asked through ``share``, as it ends."""
    found = _waiting(session, MoreRequest.share_id == share.id)
    return _end(session, actor, found, MoreRequestEnd.SHARE_ENDED, now)


def end_stale(session: Session, now: datetime | None = None) -> int:
    """End, by no one (the daily run of ``hub notices due``), the requests still waiting
    that nothing can answer: their share run out (or ended before requests ended with it),
    their case closed, locked or erased before they did. How many."""
    now = now or clock.now()
    today = clock.day_of(now)
    ended = 0
    found = session.scalars(
        select(MoreRequest)
        .join(Case, Case.id == MoreRequest.case_id)
        .join(Share, Share.id == MoreRequest.share_id)
        .where(
            MoreRequest.waiting,
            (Case.status == CaseStatus.CLOSED)
            | Case.locked.is_(True)
            | Case.erased_at.is_not(None)
            | Share.revoked_at.is_not(None)
            | (Share.until < today),
        )
        .order_by(MoreRequest.id)
    ).all()
    for request in found:
        ended += len(_end(session, None, [request], _why_stale(request), now))
    return ended


def _why_stale(request: MoreRequest) -> MoreRequestEnd:
    case = request.case
    if case.erased_at is not None:
        return MoreRequestEnd.CASE_ERASED
    if case.locked:
        return MoreRequestEnd.CASE_LOCKED
    if case.status is CaseStatus.CLOSED:
        return MoreRequestEnd.CASE_CLOSED
    return MoreRequestEnd.SHARE_ENDED


def _waiting(session: Session, where: ColumnElement[bool]) -> list[MoreRequest]:
    return list(
        session.scalars(
            select(MoreRequest).where(MoreRequest.waiting, where).order_by(MoreRequest.id)
        )
    )


def _end(
    session: Session,
    actor: Actor | None,
    requests: Sequence[MoreRequest],
    because: MoreRequestEnd,
    now: datetime,
) -> list[MoreRequest]:
    ended = []
    for request in requests:
        # Answered or ended at the same moment: the second waits, then sees it done.
        read_for_change(session, request)
        if not request.waiting:
            continue
        request.ended_at = now
        request.ended_because = because
        ended.append(request)
        session.flush()
        drop_waiting(
            session, Notice.kind == NoticeKind.MORE_ASKED, Notice.path == f"/more/{request.id}"
        )
        acts.record(
            session,
            acts.Action.MORE_END,
            actor=actor,
            subject=acts.Subject("case", request.case_id),
            basis=f"request {request.id}; share {request.share_id}; ended: {because.value}",
        )
        _tell_asker(session, request, because, now)
    return ended


def _tell_asker(
    session: Session, request: MoreRequest, because: MoreRequestEnd, now: datetime
) -> None:
    """The asker (or, once they have left, their agency's managers), linked to their home
    page's line about it; for a locked case, naming nothing of the case."""
    kind = _NOTICE.get(because)
    if kind is None:
        return
    asker = request.asked_by
    queue(
        session,
        kind,
        [asker] if asker.active else managers(session, request.agency_id),
        reference=None if because is MoreRequestEnd.CASE_LOCKED else request.case.reference,
        path=f"/#more-asked-{request.id}",
        now=now,
    )
