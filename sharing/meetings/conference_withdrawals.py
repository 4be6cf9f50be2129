"""Withdrawing an agency's invitation to a case conference, by the convening agency: its
share of the case ends at once, its people are no longer expected, and notices still
waiting to go to it about the conference are dropped. The chair's agency's invitation is
not withdrawn while they chair (``chair_stays``): the chair could no longer open the
conference nor agree its minutes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, waiting_meeting_notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import share_ending
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.models import Conference, ConferenceInvitation


def withdraw_invitation(
    session: Session, actor: Actor, conference_id: int, invitation_id: int
) -> ConferenceInvitation:
    """The convening agency withdraws an agency's invitation: its share ends at once, its
    people are no longer expected, and notices still waiting to go to it are dropped.
    Refused (``InputError``, recorded) for the chair's agency, while they chair: the chair
    could no longer open the conference nor agree its minutes."""
    conference = session.get(Conference, conference_id)
    invitation = session.get(ConferenceInvitation, invitation_id)
    if conference is None or invitation is None or invitation.conference_id != conference.id:
        raise NotFound(invitation_id)
    authorise(session, actor, conference.case_id, Act.REVOKE_SHARE)
    if conference.case.agency_id != actor.agency_id:
        raise NotAllowed("only the convening agency withdraws invitations")
    read_for_change(session, invitation)  # withdrawn twice at once: the second waits, then sees it
    if invitation.withdrawn_at is None and (why := chair_stays(conference, invitation)):
        acts.refuse(
            session,
            acts.Action.CONFERENCE_WITHDRAW,
            actor=actor,
            subject=acts.Subject("conference", conference.id),
            reason=f"refused: agency {invitation.agency_id} is the chair's",
        )
        raise InputError("invitation", why)
    if invitation.withdrawn_at is None:
        withdrawn(session, actor, conference, invitation, clock.now())
    return invitation


def withdrawn(
    session: Session,
    actor: Actor,
    conference: Conference,
    invitation: ConferenceInvitation,
    now: datetime,
    *,
    why: str = "",
) -> None:
    """Withdraw the invitation (held for change; the convening agency's ``actor`` may):
    its share ends at once, notices still waiting to go to its agency about the conference
    are dropped, and one ``conference.withdraw`` entry says so (``why``, if given, says
    what it was withdrawn with)."""
    invitation.withdrawn_at = now
    invitation.withdrawn_by_id = actor.user_id
    share_ending.revoke_share(session, actor, invitation.share_id, now=now)
    waiting_meeting_notices.withdraw_unsent(session, invitation.agency_id, conference)
    acts.record(
        session,
        acts.Action.CONFERENCE_WITHDRAW,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        basis=f"agency {invitation.agency_id}; share {invitation.share_id} revoked"
        + (f"; {why}" if why else ""),
    )


def chair_stays(conference: Conference, invitation: ConferenceInvitation) -> str | None:
    """Why the invitation cannot be withdrawn (``Conference.chaired_from`` its agency), or
    None; ``sharing.cases.share_ending.chair_keeps`` says the same of revoking its share."""
    chair = conference.chair
    if not conference.chaired_from(invitation.agency_id):
        return None
    return (
        f"You cannot withdraw the invitation to {invitation.agency.name}: "
        f"{chair.display_name} of {invitation.agency.name} chairs this conference, and "
        "could then neither open it nor agree its minutes"
    )
