"""Inviting a conference's new chair's agency as its partnership meeting's chair changes
(``series_changes``: whoever chairs a sitting chairs the cases on its agenda), or as its
chair is changed on its own page (``conference_chairs``): where the new chair's agency is
not at a conference's table and may be invited on the rules of inviting one from the
conference's page (``conference_changes``), it is invited with the change, as any
invitation is: a share of the case for the conference's purpose
until its shares end, a request for what it holds, and the notice of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases import shares
from sharing.meetings import conference_eligibility, requests
from sharing.models import Agency, Conference, ConferenceInvitation, MeetingSeries, Share


def why_not(session: Session, conference: Conference, agency: Agency, now: datetime) -> str | None:
    """Why ``agency`` could not be invited to the conference now, as inviting it from the
    conference's page would refuse it: invited before (its invitation withdrawn, or its
    share revoked or ended: an agency cannot be invited to the same conference again), the
    conference's protocol giving it nothing for its purpose, or the case's own sharing
    refusing it (``shares.conference_share_refusal``); None if it may be."""
    if any(i.agency_id == agency.id for i in conference.invitations):
        return (
            f"its invitation to {agency.name} was withdrawn, and an agency cannot be invited "
            "to the same conference again"
        )
    case = conference.case
    option = next(
        (
            o
            for o in conference_eligibility.invitable(
                session, case, conference.protocol_id, conference.purpose
            )
            if o.agency.id == agency.id
        ),
        None,
    )
    if option is None or option.refusal:
        return option.refusal if option else f"{agency.name} is not a partner of the case's area"
    refusal = shares.conference_share_refusal(
        session,
        case,
        agency_id=agency.id,
        protocol_id=conference.protocol_id,
        purpose=conference.purpose,
        until=conference.shares_end,
        today=clock.day_of(now),
    )
    return None if refusal is None else f"the case cannot be shared with it: {refusal}"


def invite(
    session: Session,
    actor: Actor,
    meeting: MeetingSeries,
    conference: Conference,
    agency: Agency,
    now: datetime,
) -> ConferenceInvitation:
    """Invite ``agency`` (its new chair's: ``why_not`` says it may be) to the conference,
    held for change, as changing the meeting's chair (``actor``) hands it over
    (``invited``), with a ``conference.change`` entry naming the invitation and share by
    id."""
    invitation, share = invited(session, actor, conference, agency, now)
    acts.record(
        session,
        acts.Action.CONFERENCE_CHANGE,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=conference.purpose,
        basis=(
            f"case {conference.case_id}; changed agencies; invitations {invitation.id}; "
            f"shares {share.id} made; for meeting {meeting.id}'s new chair"
        ),
    )
    return invitation


def invited(
    session: Session, actor: Actor, conference: Conference, agency: Agency, now: datetime
) -> tuple[ConferenceInvitation, Share]:
    """Invite ``agency`` (its new chair's: ``why_not`` says it may be) to the conference,
    held for change, as its new chair is given it (by ``actor``, who records the act): a
    share of the case for the conference's purpose until its shares end, a request for
    what it holds, and its managers told of it as when an agency is invited from the
    conference's page (none of its people is expected yet). The invitation and its
    share."""
    share = shares.share_for_conference(
        session,
        actor,
        conference.case,
        agency_id=agency.id,
        protocol_id=conference.protocol_id,
        purpose=conference.purpose,
        until=conference.shares_end,
        conference_id=conference.id,
        now=now,
    )
    invitation = ConferenceInvitation(
        conference=conference, agency_id=agency.id, share_id=share.id, invited_at=now
    )
    session.add(invitation)
    session.flush()
    requests.ask(session, conference, invitation, now)
    session.flush()
    session.expire(conference, ["invitations", "requests"])
    meeting_notices.conference_joined(session, conference, [], [agency.id], actor.user_id, now)
    return invitation, share
