"""The owning agency answers a partner's request for more of a case (``more_requests``),
once: by a share that gives more, made on the share form from the request's page
(``answered_by_share``), or by declining, saying why (sealed as the case's narrative).
Its page says what a share for ASB case management would give the asking agency, or
that it would give nothing more, or that the share asked through has ended. Each answer
is an audit entry naming ids only, and the asker is told by e-mail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act, Actor
from sharing.access.facts import policy
from sharing.access.reveal import reveal_one
from sharing.audit import acts
from sharing.cases import more_ending
from sharing.cases.more_requests import MAX_TEXT
from sharing.cases.shares import CASE_MANAGEMENT
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import checked_text
from sharing.models import MoreRequest, Notice, Share
from sharing.notices import drop_waiting, managers, queue
from sharing.vocabulary import NoticeKind, Role


def request_to_answer(session: Session, authorised: AuthorisedCase, request_id: int) -> MoreRequest:
    """A request on the authorised case (for the owning agency: ``Act.REVOKE_SHARE``, the
    casework roles that share and revoke); ``NotFound`` for a request on another case."""
    authorised.require(Act.REVOKE_SHARE, Act.SHARE)
    request = session.get(MoreRequest, request_id)
    if request is None or request.case_id != authorised.id:
        raise NotFound(request_id)
    return request


def case_of(session: Session, request_id: int) -> int:
    """The case a request is on (to authorise its reader on it first); ``NotFound``."""
    case_id = session.scalar(select(MoreRequest.case_id).where(MoreRequest.id == request_id))
    if case_id is None:
        raise NotFound(request_id)
    return case_id


@dataclass(frozen=True)
class ToAnswer:
    """A request as its answering page shows it."""

    request: MoreRequest
    why: str | None
    #: Whether the share it was asked through is live.
    share_live: bool
    #: The categories asked for that a share for ASB case management would give the
    #: asking agency (none when the agency already holds one: a second is refused).
    by_sharing: list[str]
    #: Whether the asking agency holds a live share for ASB case management already.
    held: bool = False
    #: The asker's roles, as the page names them ("case officer").
    asker_roles: str = ""
    #: The asking agency's other roles to which such a share would give some of what is
    #: asked, though not to the asker (e.g. "manager").
    other_roles: list[str] = field(default_factory=list)


def to_answer(session: Session, authorised: AuthorisedCase, request: MoreRequest) -> ToAnswer:
    """What the answering page shows of a request, recorded (``share.more_read``, ids only)."""
    today = clock.today()
    share = request.share
    live = share.revoked_at is None and share.until >= today
    given: set[str] = set()
    others: set[Role] = set()
    roles = set(request.asked_by.roles)
    for grant in policy(session).grants(request.agency_id, CASE_MANAGEMENT):
        if grant.emergency or not grant.binds(authorised.case.agency_id):
            continue
        if grant.priorities is not None and authorised.case.priority not in grant.priorities:
            continue
        if grant.roles & roles:
            given |= grant.categories
        elif grant.categories & set(request.asked_for):
            others |= grant.roles
    held = _live_case_management(session, request.case_id, request.agency_id, today)
    by_sharing = [] if held else [c for c in request.asked_for if c in given]
    acts.record(
        session,
        acts.Action.MORE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"request {request.id} (narrative)",
    )
    why = reveal_one(authorised.decision, request, "why")
    return ToAnswer(
        request,
        why,
        live,
        by_sharing,
        held,
        asker_roles=_roles_named(roles),
        other_roles=[] if held or by_sharing else [r.label.lower() for r in sorted(others)],
    )


def _roles_named(roles: set[Role]) -> str:
    return ", ".join(r.label.lower() for r in sorted(roles))


def _live_case_management(session: Session, case_id: int, agency_id: int, today: date) -> bool:
    return (
        session.scalar(
            select(Share.id).where(
                Share.case_id == case_id,
                Share.agency_id == agency_id,
                Share.purpose == CASE_MANAGEMENT,
                Share.revoked_at.is_(None),
                Share.until >= today,
            )
        )
        is not None
    )


def decline(
    session: Session,
    authorised: AuthorisedCase,
    request_id: int,
    reason: str,
    now: datetime | None = None,
) -> MoreRequest:
    """The owning agency declines a request, saying why (once: a second answer is refused
    at "reason", saying who answered and when, and so is one ended meanwhile, saying
    why); the asker is told."""
    now = now or clock.now()
    request = request_to_answer(session, authorised, request_id)
    read_for_change(session, request)  # answered twice at once: the second waits, then sees it
    try:
        if request.answered_at is not None:
            raise InputError("reason", answered_already(request))
        if request.ended_at is not None:
            raise InputError("reason", ended_already(request))
        text = checked_text(
            "reason",
            reason,
            limit=MAX_TEXT,
            what="the reason for declining",
            required="Say why your agency declines: the partner agency reads it",
        )
    except InputError as e:
        acts.refuse(
            session,
            acts.Action.MORE_ANSWER,
            actor=authorised.actor,
            subject=authorised.subject,
            reason=f"refused input: {e.field}; request {request.id}",
        )
        raise
    _answered(session, authorised.actor, request, now, request.share.purpose)
    seal_many(request, {"decline_reason": text})
    acts.record(
        session,
        acts.Action.MORE_ANSWER,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"request {request.id}; declined",
    )
    return request


def answered_by_share(
    session: Session, authorised: AuthorisedCase, request_id: int, share: Share
) -> MoreRequest | None:
    """A share made from a request's answering page answers it, when it is with the asking
    agency and the request still waits (None otherwise, answered or ended: the share
    stands alone)."""
    request = session.get(MoreRequest, request_id)
    if request is None or request.case_id != authorised.id or request.agency_id != share.agency_id:
        return None
    read_for_change(session, request)
    if not request.waiting:
        return None
    request.share_made_id = share.id
    _answered(session, authorised.actor, request, share.created_at, share.purpose)
    acts.record(
        session,
        acts.Action.MORE_ANSWER,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"request {request.id}; shared: share {share.id}",
    )
    return request


def _answered(
    session: Session, actor: Actor, request: MoreRequest, now: datetime, purpose: str
) -> None:
    """Record the answer and tell the asker, with a link to the case for ``purpose``: that
    of the share that answers it, which opens the case with what it gives (a request
    declined: that of the share it was asked through)."""
    request.answered_at = now
    request.answered_by_id = actor.user_id
    session.flush()
    # Its notices to the case's agency still waiting would ask for an answer given.
    drop_waiting(
        session, Notice.kind == NoticeKind.MORE_ASKED, Notice.path == f"/more/{request.id}"
    )
    asker = request.asked_by
    told = [asker] if asker.active else managers(session, request.agency_id)
    queue(
        session,
        NoticeKind.MORE_ANSWERED,
        told,
        reference=request.case.reference,
        path=f"/cases/{request.case_id}?purpose={purpose}#more-{request.id}",
        now=now,
    )


def ended_already(request: MoreRequest) -> str:
    """What the request's page says of one ended unanswered (``more_ending``)."""
    day = clock.day_text(clock.day_of(request.ended_at or clock.now()))
    return (
        f"This request ended unanswered on {day}: "
        f"{more_ending.said(request, to_owner=True)}, so it needs no answer"
    )


def answered_already(request: MoreRequest) -> str:
    who = request.answered_by.display_name if request.answered_by else "a colleague"
    how = "by sharing more" if request.share_made_id else "by declining"
    return (
        f"This request was answered {how} on "
        f"{clock.day_text(clock.day_of(request.answered_at or clock.now()))} ({who}): it "
        "can be answered once"
    )
