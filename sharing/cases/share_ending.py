"""Ending a case's share with a partner agency: revoked by the case's owner (never the
share a case conference made for the agency that chairs it), ended as the case closes
(its ASB case management shares) or as the conference a share was made for is
cancelled. Each ending is audited as a revocation, and the partner's access stops with
it; the partner's requests for more asked through it and still waiting end with it
(``more_ending``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import more_ending
from sharing.cases.shares import CASE_MANAGEMENT
from sharing.errors import InputError, NotFound
from sharing.models import Case, ConferenceInvitation, Share


def revoke_share(
    session: Session, actor: Actor, share_id: int, now: datetime | None = None
) -> Share:
    """End a share at once (its access stops with it). Refused (``InputError``, recorded)
    for the share a conference made for the agency whose person chairs it (``chair_keeps``)."""
    share = share_to_revoke(session, actor, share_id)
    if share.revoked_at is None and (why := chair_keeps(session, share)):
        acts.refuse(
            session,
            acts.Action.SHARE_REVOKE,
            actor=actor,
            subject=acts.Subject("case", share.case_id),
            purpose=share.purpose,
            reason=f"refused: share {share.id} is the conference chair's agency's",
        )
        raise InputError("share", why)
    if share.revoked_at is None:
        _end(session, actor, share, now or clock.now())
    return share


def chair_keeps(session: Session, share: Share) -> str | None:
    """Why the share cannot be revoked, or None: it is the share a case conference made
    for the agency it is chaired from (``Conference.chaired_from``)."""
    invitation = session.scalar(
        select(ConferenceInvitation).where(
            ConferenceInvitation.share_id == share.id, ConferenceInvitation.withdrawn_at.is_(None)
        )
    )
    if invitation is None:
        return None
    conference = invitation.conference
    if not conference.chaired_from(share.agency_id):
        return None
    return (
        f"You cannot revoke the share with {share.agency.name}: "
        f"{conference.chair.display_name} of {share.agency.name} chairs the case conference "
        "it was made for, and could then neither open the conference nor agree its minutes"
    )


def share_to_revoke(session: Session, actor: Actor, share_id: int) -> Share:
    """A share the actor may revoke (for the page that asks first); ``NotFound`` or
    ``NotAllowed`` as revoking it would be refused."""
    share = session.get(Share, share_id)
    if share is None:
        raise NotFound(share_id)
    authorise(session, actor, share.case_id, Act.REVOKE_SHARE)
    return share


def end_at_closing(session: Session, actor: Actor, case: Case, closed_at: datetime) -> list[Share]:
    """End, as ``case`` closes, its live shares for ASB case management: that protocol's
    retention ends a share "when the case closes". Each is revoked at the closing, by the
    person closing it, and audited as a revocation. The workflows' shares are left to their
    own protocols, which do not end them at closure: a conference's lasts until its
    actions are done (at most 12 months), a Community Trigger review's until the applicant
    is told the outcome, a safeguarding referral's for its 90 days."""
    live = session.scalars(
        select(Share)
        .where(
            Share.case_id == case.id,
            Share.purpose == CASE_MANAGEMENT,
            Share.revoked_at.is_(None),
            Share.until >= clock.day_of(closed_at),
        )
        .order_by(Share.id)
    ).all()
    for share in live:
        _end(session, actor, share, closed_at, why="the case closed")
    return list(live)


def end_with_conference(session: Session, actor: Actor, share: Share, at: datetime) -> None:
    """End, as its conference is cancelled (its sitting cancelled by ``actor``), the
    share its invitation made, audited as a revocation: no one meets, so nothing is read
    for the meeting."""
    if share.revoked_at is None:
        _end(session, actor, share, at, why="its conference was cancelled")


def _end(session: Session, actor: Actor, share: Share, at: datetime, why: str = "") -> None:
    share.revoked_at = at
    share.revoked_by_id = actor.user_id
    session.flush()
    acts.record(
        session,
        acts.Action.SHARE_REVOKE,
        actor=actor,
        subject=acts.Subject("case", share.case_id),
        purpose=share.purpose,
        basis=f"share {share.id} with agency {share.agency_id}" + (f": {why}" if why else ""),
    )
    more_ending.with_share(session, actor, share, at)
