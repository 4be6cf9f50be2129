"""What a lock request's decision tells the case's own agency: the officer who asked is
told by e-mail (the case's reference and a link, nothing else), and the case page says
who decided, when and, for a refusal, why, and on a locked case who may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from sharing import notices
from sharing.access.authorise import AuthorisedCase, decision_on
from sharing.access.decide import Act, Actor
from sharing.access.reveal import reveal_one
from sharing.errors import InputError
from sharing.formats import tidied
from sharing.models import LockMember, LockRequest, Notice, User
from sharing.vocabulary import LockStatus, NoticeKind

#: A refusal without a reason, at the decision form's note.
NO_REASON = "Say why you are refusing the request: the officer who asked reads it"


def refusal_reason(reason: str) -> str:
    """The manager's reason for refusing, tidied; ``InputError`` at the note without one."""
    reason = tidied(reason)
    if not reason:
        raise InputError("note", NO_REASON)
    return reason


def tell_managers(session: Session, request: LockRequest) -> None:
    """Tell the agency's managers who may decide the request (an unlock request only
    those on the lock; never the officer who asked) that it waits for them, linking to
    it among the lock requests."""
    case = request.case
    deciding = []
    for manager in notices.managers(session, case.agency_id):
        if manager.id == request.requested_by_id:
            continue
        decision = decision_on(session, Actor.of(manager), case.id, Act.DECIDE_LOCK)
        if decision is not None and decision.allowed:
            deciding.append(manager)
    notices.queue(
        session,
        NoticeKind.LOCK_REQUESTED,
        deciding,
        reference=case.reference,
        path=f"/locks#request-{request.id}",
        now=request.requested_at,
    )


def anchor(request: LockRequest) -> str:
    """The decision's place on the case page, which its notice links to."""
    return f"lock-decision-{request.id}"


def tell_requester(session: Session, request: LockRequest, members: list[int]) -> None:
    """Tell the officer who asked that their request was decided, linking to the decision
    on the case page; not when the case is now locked to people they are not among (for
    them it no longer exists), nor once they have left. The managers' notices of the
    request still waiting to be sent are dropped: it no longer waits for them."""
    case = request.case
    notices.drop_waiting(
        session,
        Notice.kind == NoticeKind.LOCK_REQUESTED,
        Notice.path == f"/locks#request-{request.id}",
    )
    if case.locked and request.requested_by_id not in members:
        return
    notices.queue(
        session,
        NoticeKind.LOCK_DECIDED,
        [request.requested_by],
        reference=case.reference,
        path=f"/cases/{case.id}#{anchor(request)}",
        now=request.decided_at,
    )


@dataclass(frozen=True)
class LockDecision:
    """The latest decided lock or unlock request of a case, as its page tells it (staff
    names only, and the refusal's reason as the reader's decision allows it)."""

    id: int
    unlock: bool
    approved: bool
    asked_by: str
    asked_at: datetime
    decided_by: str
    decided_at: datetime
    reason: str | None
    #: On a locked case: who may see it, each with what they are to it.
    may_see: list[str]


def last_decision(session: Session, authorised: AuthorisedCase) -> LockDecision | None:
    """The case's latest decided lock or unlock request, for its own agency's page."""
    case = authorised.case
    decided = session.scalars(
        select(LockRequest)
        .where(LockRequest.case_id == case.id, LockRequest.status != LockStatus.REQUESTED)
        .options(joinedload(LockRequest.requested_by), joinedload(LockRequest.decided_by))
        .order_by(LockRequest.decided_at.desc(), LockRequest.id.desc())
    ).first()
    if decided is None or decided.decided_by is None or decided.decided_at is None:
        return None
    return LockDecision(
        id=decided.id,
        unlock=decided.unlock,
        approved=decided.status is LockStatus.APPROVED,
        asked_by=decided.requested_by.display_name,
        asked_at=decided.requested_at,
        decided_by=decided.decided_by.display_name,
        decided_at=decided.decided_at,
        reason=reveal_one(authorised.decision, decided, "decision_note"),
        may_see=_may_see(session, authorised) if case.locked else [],
    )


def _may_see(session: Session, authorised: AuthorisedCase) -> list[str]:
    """The lock's members, the case officer first, then who approved the lock."""
    case = authorised.case
    approver = session.scalar(
        select(LockRequest.decided_by_id)
        .where(
            LockRequest.case_id == case.id,
            LockRequest.status == LockStatus.APPROVED,
            LockRequest.unlock.is_(False),
        )
        .order_by(LockRequest.decided_at.desc(), LockRequest.id.desc())
        .limit(1)
    )
    members = session.scalars(
        select(User)
        .join(LockMember, LockMember.user_id == User.id)
        .where(LockMember.case_id == case.id)
        .order_by(LockMember.id)
    ).all()

    def line(user: User) -> tuple[int, str]:
        if user.id == case.officer_id:
            return 0, f"{user.display_name} (case officer)"
        if user.id == approver:
            return 1, f"{user.display_name} (approved the lock)"
        return 2, user.display_name

    return [words for _, words in sorted((line(u) for u in members), key=lambda x: x[0])]
