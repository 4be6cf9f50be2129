"""Changing a case conference's chair on the conference's own page, by whoever may change
it (``conference_changes.changer``: its convening agency's case officer on the case and
managers, and its chair), while it is planned, its date to come and its minutes not
begun: to someone who may chair it as convening would let them, with a reason.

The new chair's agency, if not at the conference's table, is invited with the change as
any agency is (``chair_invitations``: a share of the case for the conference's purpose, a
request for what it holds, the notice of it); the old and the new chair are told; the
old chair's invitation still waiting to be sent is dropped unless they are also among the
people expected. The old chair's agency, invited and with no other part in it (none of its
people expected, nothing it holds answered), may have its invitation withdrawn in the same
act, if the convening agency chooses (``withdrawable``), as a withdrawal from the
conference's page withdraws it. A conference on a partnership meeting's sitting keeps its meeting's
chair: its chair changes only as the meeting's does (``series_changes``). The change is
kept on the conference (``chair_history``) for its page. One ``conference.change`` entry
names the case, the change, the reason and the invitation and share made, by id and
value, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices, stamps, waiting_meeting_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.meetings import (
    chair_history,
    chair_invitations,
    conference_changes,
    conference_eligibility,
    conference_withdrawals,
    sitting_clashes,
)
from sharing.models import Conference, ConferenceInvitation, User
from sharing.vocabulary import ChairChangeReason, NoticeKind

ACTION = conference_changes.ACTION
#: The field a refusal names when the chair can no longer be changed at all.
NO_LONGER = conference_changes.NO_LONGER


@dataclass(frozen=True)
class NewChair:
    """What a change of chair did, for whoever changed it."""

    #: The new chair and their agency, as the page names them.
    chair: str
    #: The new chair's agency, by name, if it was invited with the change.
    invited_agency: str | None = None
    #: The old chair's agency, by name, if its invitation was withdrawn with the change.
    withdrawn_agency: str | None = None


#: The field of the choice to withdraw the old chair's agency's invitation.
WITHDRAW = "withdraw"


def why_fixed(conference: Conference, now: datetime | None = None) -> str | None:
    """Why the conference's chair can no longer be changed here (cancelled, held, its
    date passed, or on a partnership meeting's sitting, whose chair chairs it), as a
    sentence; None if it may be."""
    if why := conference_changes.why_fixed(conference, now):
        return f"{why}, so its chair can no longer be changed"
    if conference.sitting is not None:
        return (
            f"It is on the agenda of {conference.sitting.series.name}'s sitting, so its chair "
            "is the meeting's chair and changes only as the meeting's chair changes: ask its "
            "organising agency to change the meeting"
        )
    return None


def offered(session: Session, conference: Conference) -> list[User]:
    """Who may be chosen as its new chair: those who may chair it as convening would let
    them (``conference_eligibility.chairs``), but its chair, and those whose agency is not
    at its table and cannot be invited to it (``chair_invitations.why_not``)."""
    now = clock.now()
    table = conference.at_the_table
    candidates = conference_eligibility.chairs(
        session,
        conference.case.agency.area_id,
        conference.protocol_id,
        conference.purpose,
        conference.case,
    )
    invitable: dict[int, bool] = {}
    for user in candidates:
        if user.agency_id not in table and user.agency_id not in invitable:
            why = chair_invitations.why_not(session, conference, user.agency, now)
            invitable[user.agency_id] = why is None
    return [
        u
        for u in candidates
        if u.id != conference.chair_id and (u.agency_id in table or invitable[u.agency_id])
    ]


def withdrawable(
    session: Session, actor: Actor, conference: Conference
) -> ConferenceInvitation | None:
    """The invitation of its chair's agency, which the convening agency (``actor``'s: only
    it withdraws invitations) may withdraw as the chair changes: one that stands, of an
    agency with no other part in the conference (none of its people expected, the chair
    among them; what it holds not answered). None if there is none such."""
    if actor.agency_id != conference.case.agency_id:
        return None
    agency_id = conference.chair.agency_id
    today = clock.day_of(clock.now())
    invitation = next(
        (i for i in conference.invitations if i.agency_id == agency_id and i.stands(today)), None
    )
    if invitation is None:
        return None
    if any(a.user.agency_id == agency_id for a in conference.attendees):
        return None
    if any(r.agency_id == agency_id and r.answered_at is not None for r in conference.requests):
        return None
    return invitation


def refusal(
    session: Session, conference: Conference, chair_id: int | None, now: datetime | None = None
) -> str | None:
    """Why the person ``chair_id`` may not be the conference's new chair, in words for the
    chair field; None if they may (their diary is checked as the change is saved)."""
    now = now or clock.now()
    chair = session.get(User, chair_id) if chair_id else None
    if chair is None or chair.agency.area_id != conference.case.agency.area_id:
        return "Select the new chair"
    if chair.id == conference.chair_id:
        return f"{chair.display_name} already chairs this conference: select someone else"
    if not chair.active:
        return (
            f"{chair.display_name}'s account is disabled, so they cannot chair it: select "
            "someone whose account is active"
        )
    if why := conference_eligibility.chair_refusal(
        session, chair, conference.protocol_id, conference.purpose, conference.case
    ):
        return why
    if chair.agency_id not in conference.at_the_table and (
        not_invited := chair_invitations.why_not(session, conference, chair.agency, now)
    ):
        return (
            f"{chair.display_name} is from {chair.agency.name}, which is not invited to it "
            f"and cannot be: {not_invited}"
        )
    return None


def change_chair(
    session: Session,
    actor: Actor,
    conference_id: int,
    chair_id: int | None,
    reason: str,
    *,
    withdraw: bool = False,
    opened: str | None = None,
    now: datetime | None = None,
) -> NewChair:
    """Give the conference the chair ``chair_id``, for ``reason`` (a
    ``ChairChangeReason`` value). Refused (recorded, nothing written) at its field for no
    reason, or a chair who may not chair it (``refusal``) or already chairs something
    overlapping it; at ``NO_LONGER`` for a conference cancelled, held, past or on a
    sitting (two changing at once: the second waits, then is told); and
    (``ChangedMeanwhile``) for a form opened before the conference changed. Someone who
    may not change it is refused as ``conference_changes.changer`` refuses them. With
    ``withdraw``, the old chair's agency's invitation is withdrawn with the change
    (``withdrawable``; refused at ``WITHDRAW`` if it may not be, or the new chair is of
    that agency)."""
    now = now or clock.now()
    conference, _ = conference_changes.changer(session, actor, conference_id)
    subject = acts.Subject("conference", conference.id)
    read_for_change(session, conference)
    if why := why_fixed(conference, now):
        fixed = conference_changes.why_fixed(conference, now)
        said = fixed.lower() if fixed else f"on sitting {conference.sitting_id}"
        acts.refuse(session, ACTION, actor=actor, subject=subject, reason=f"refused chair: {said}")
        raise InputError(NO_LONGER, why)
    stamps.check(
        session, opened, conference, also=lambda: conference_changes.table(session, conference)
    )
    with acts.refusing_input(session, ACTION, actor=actor, subject=subject):
        why_changed = ChairChangeReason.chosen(reason)
        if why_changed is None:
            raise InputError("reason", "Select why the chair changes")
        if why := refusal(session, conference, chair_id, now):
            raise InputError("chair_id", why)
        leaving = _leaving(session, actor, conference, chair_id or 0) if withdraw else None
        sitting_clashes.check_conference_chair_free(session, conference, chair_id or 0, actor)
    chair = session.get_one(User, chair_id)  # ``refusal`` found them
    was_chair = conference.chair
    made = ""
    invited_agency = None
    if chair.agency_id not in conference.at_the_table:
        invitation, share = chair_invitations.invited(session, actor, conference, chair.agency, now)
        made = f"; invitations {invitation.id}; shares {share.id} made"
        invited_agency = chair.agency.name
    conference.chair_id = chair.id
    conference.changed_by_user(actor.user_id, now)
    session.flush()
    session.expire(conference, ["chair"])
    if leaving is not None:
        # Before the chairs are told: the old chair, no longer able to open it, is told of
        # the new chair with a link to their conferences, not to its page.
        conference_withdrawals.withdrawn(
            session, actor, conference, leaving, now, why="with a change of chair"
        )
        made += f"; invitations {leaving.id} withdrawn"
        session.expire(conference, ["invitations"])
    change = chair_history.record(session, conference, was_chair, actor.user_id, why_changed, now)
    meeting_notices.chair_changed(
        session, conference, [was_chair, chair], actor.user_id, now, kind=NoticeKind.NEW_CHAIR
    )
    dropped = waiting_meeting_notices.chair_replaced(session, conference, was_chair)
    acts.record(
        session,
        ACTION,
        actor=actor,
        subject=subject,
        purpose=conference.purpose,
        basis=(
            f"case {conference.case_id}; changed chair; chair changes {change.id}; "
            f"reason {why_changed.value}"
            + made
            + (f"; old chair's invitation dropped ({dropped})" if dropped else "")
        ),
    )
    return NewChair(
        f"{chair.display_name}, {chair.agency.name}",
        invited_agency,
        was_chair.agency.name if leaving is not None else None,
    )


def _leaving(
    session: Session, actor: Actor, conference: Conference, chair_id: int
) -> ConferenceInvitation:
    """The old chair's agency's invitation, to withdraw with the change; refused at
    ``WITHDRAW`` if it may not be withdrawn (``withdrawable``), or the new chair
    (``chair_id``) is of that agency."""
    agency = conference.chair.agency
    invitation = withdrawable(session, actor, conference)
    if invitation is not None:
        # Withdrawn from the conference's page at the same moment: the second waits.
        read_for_change(session, invitation)
        if invitation.withdrawn_at is not None:
            invitation = None
    if invitation is None:
        raise InputError(
            WITHDRAW,
            f"{agency.name}'s invitation cannot be withdrawn with the change: it is not "
            "invited, or it has another part in the conference",
        )
    chair = session.get_one(User, chair_id)
    if chair.agency_id == agency.id:
        raise InputError(
            WITHDRAW,
            f"The new chair, {chair.display_name}, is of {agency.name}, so its invitation "
            "stays: untick this, or select a chair of another agency",
        )
    return invitation


def refuse_input(session: Session, actor: Actor, conference_id: int, fields: list[str]) -> None:
    """Record a change of chair that the form refused before it came here, naming the
    fields, never their values."""
    acts.refuse(
        session,
        ACTION,
        actor=actor,
        subject=acts.Subject("conference", conference_id),
        reason=f"refused chair input: {', '.join(sorted(fields))}",
    )
