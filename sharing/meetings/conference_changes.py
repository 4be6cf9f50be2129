"""Changing a case conference once convened, by whoever may cancel it (its convening
agency's case officer on the case and managers, and its chair), while it is planned, its
date not passed and its minutes not begun: its time, place and video link (checked as
convening checks them; one on a partnership meeting's sitting moves with its sitting
only), its question and agenda (sealed under the case), one more agency invited (with its
share and its information request), more people expected, and those expected who have
left their agency taken off (``conference_leavers``); what a change gives is checked
against the conference as it is by ``conference_change_checks``.

A new time moves the conference as moving its sitting does: its invitations' shares end
as convening sets them (``Conference.shares_end``), its requests not yet answered fall due
as asking sets them, and whoever its convening told is told where and when it now meets.
One ``conference.change`` entry names the fields changed, never their values, and the
invitations and shares made or moved by id; a change that changes nothing records
nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices, stamps, waiting_meeting_notices
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import shares
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed
from sharing.meetings import (
    conference_leavers,
    conference_pages,
    minute_writing,
    requests,
)
from sharing.meetings.conference_change_checks import (
    ChangeInput,
    Changes,
    checked,
)
from sharing.models import Conference, ConferenceAttendee, ConferenceInvitation
from sharing.vocabulary import ConferenceStatus, ShareOrigin

ACTION = acts.Action.CONFERENCE_CHANGE
#: The field a refusal names when the conference can no longer be changed at all.
NO_LONGER = "conference"


def why_fixed(conference: Conference, now: datetime | None = None) -> str | None:
    """Why the conference can no longer be changed (cancelled; held: minutes recorded;
    its date passed), or None."""
    if conference.status is ConferenceStatus.CANCELLED:
        return "The conference is cancelled"
    if conference.minutes_status is not None or conference.status is ConferenceStatus.HELD:
        return "Minutes are recorded for the conference, so it has been held"
    if conference.starts_at <= (now or clock.now()):
        return "Its date has passed: record it held or cancel it"
    return None


def changer(
    session: Session, actor: Actor, conference_id: int
) -> tuple[Conference, AuthorisedCase]:
    """The conference and its case, for someone who may change it (as
    ``conference_cancelling.canceller``: its chair, or its convening agency's staff who
    may end the case's shares). Another reader of it is refused (recorded,
    ``NotAllowed``); anyone who may not open it as for one that does not exist."""
    conference, authorised = conference_pages.opened(session, actor, conference_id, ACTION)
    if minute_writing.is_chair(actor, conference):
        return conference, authorised
    if conference.case.agency_id == actor.agency_id:
        authorise(session, actor, conference.case_id, Act.REVOKE_SHARE)  # refused: recorded
        return conference, authorised
    raise acts.refused(
        session,
        ACTION,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        reason="not the convening agency or the chair",
        answer=NotAllowed("only the convening agency and the chair change a conference"),
    )


def table(session: Session, conference: Conference) -> tuple[list[int], list[int]]:
    """The agencies invited and the people expected, as the stamp holds them."""
    session.expire(conference, ["invitations", "attendees"])
    return (
        sorted(i.agency_id for i in conference.invitations),
        sorted(a.user_id for a in conference.attendees),
    )


def stamp(session: Session, conference: Conference) -> str:
    """The stamp of the conference, its invitations and people expected, for the form
    that changes it."""
    return stamps.of(session, conference, also=table(session, conference))


def change(
    session: Session,
    actor: Actor,
    conference_id: int,
    data: ChangeInput,
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Change the conference (see ``changer`` for who may) to ``data``; the names of the
    parts changed (``time``, ``place``, ``video_link``, ``question``, ``agenda``,
    ``agencies``, ``attendees``, ``leavers``), none, with nothing recorded, if it is as it was.
    Refused with the field and the reason (recorded, nothing written) for anything
    convening would refuse of it, a new time for a conference on a sitting, an agency
    invited by someone not of the convening agency; for a conference cancelled, held or
    past (two changing at once, or it cancelled meanwhile: the second waits, then is
    told); and (``ChangedMeanwhile``) for a form opened before it changed."""
    now = now or clock.now()
    conference, authorised = changer(session, actor, conference_id)
    subject = acts.Subject("conference", conference.id)
    read_for_change(session, conference)
    if why := why_fixed(conference, now):
        acts.refuse(session, ACTION, actor=actor, subject=subject, reason=f"refused: {why.lower()}")
        raise InputError(NO_LONGER, why)
    stamps.check(session, opened, conference, also=lambda: table(session, conference))
    with acts.refusing_input(session, ACTION, actor=actor, subject=subject):
        changes = checked(session, authorised, conference, data, now)
    changed = changes.names
    if not changed:
        return []
    made = _apply(session, authorised, conference, changes, now)
    conference.changed_by_user(actor.user_id, now)
    session.flush()
    if {"time", "place", "video_link"} & set(changed):
        conference.moved_at = now  # where the notice of the move links, on its page
        meeting_notices.conference_moved(session, conference, actor.user_id, now)
    if changes.agencies or changes.people:
        meeting_notices.conference_joined(
            session, conference, changes.people, changes.agencies, actor.user_id, now
        )
    if changes.leavers:
        made += f"; people {acts.ids(sorted(p.user_id for p in changes.leavers))} taken off"
        conference_leavers.take_off(session, conference, changes.leavers, actor.user_id, now)
    acts.record(
        session,
        ACTION,
        actor=actor,
        subject=subject,
        purpose=conference.purpose,
        basis=f"case {conference.case_id}; changed {', '.join(changed)}" + made,
    )
    return changed


def _apply(
    session: Session,
    authorised: AuthorisedCase,
    conference: Conference,
    changes: Changes,
    now: datetime,
) -> str:
    """Give the conference its changes; what the entry says of the shares and invitations
    moved or made, by id."""
    said = ""
    if changes.place is not None:
        conference.place = changes.place or None
    if changes.video_link is not None:
        conference.video_link = changes.video_link or None
    if changes.starts_at is not None:
        said += _move(session, conference, changes.starts_at, now)
    texts = {"question": changes.question, "agenda": changes.agenda}
    if changed := {k: v or None for k, v in texts.items() if v is not None}:
        seal_many(conference, changed)
    if changes.agencies:
        said += _invite(session, authorised, conference, changes.agencies, now)
    for user in changes.people:
        session.add(ConferenceAttendee(conference=conference, user_id=user.id))
    return said


def _move(session: Session, conference: Conference, starts_at: datetime, now: datetime) -> str:
    """The conference at its new time, as moving its sitting moves it: its standing
    invitations' shares end as convening sets them, its open requests fall due as asking
    sets them, its notices still waiting name the new time."""
    conference.starts_at = starts_at
    end = conference.shares_end
    moved = []
    for invitation in conference.invitations:
        if invitation.withdrawn_at is None and invitation.share.revoked_at is None:
            invitation.share.until = end
            moved.append(invitation.share_id)
    for request in conference.requests:
        if request.answered_at is None:
            request.due_on = requests.due_on(starts_at, clock.day_of(now))
    waiting_meeting_notices.about_moved(session, conference)
    return f"; shares {acts.ids(sorted(moved))} until {end.isoformat()}" if moved else ""


def _invite(
    session: Session,
    authorised: AuthorisedCase,
    conference: Conference,
    agency_ids: list[int],
    now: datetime,
) -> str:
    """Invite each agency as convening does: a share of the case for the conference's
    purpose until its shares end, and a request for what it holds."""
    convening = authorise(session, authorised.actor, conference.case_id, Act.CONVENE)
    made = []
    for agency_id in agency_ids:
        share = shares.share_case(
            session,
            convening,
            agency_id=agency_id,
            protocol_id=conference.protocol_id,
            purpose=conference.purpose,
            until=conference.shares_end,
            origin=ShareOrigin.CONFERENCE,
            now=now,
        )
        invitation = ConferenceInvitation(
            conference=conference, agency_id=agency_id, share_id=share.id, invited_at=now
        )
        session.add(invitation)
        session.flush()
        requests.ask(session, conference, invitation, now)
        made.append((invitation.id, share.id))
    session.expire(conference, ["invitations", "requests"])
    return (
        f"; invitations {acts.ids([i for i, _ in made])}; "
        f"shares {acts.ids([s for _, s in made])} made"
    )


def refuse_input(session: Session, actor: Actor, conference_id: int, fields: list[str]) -> None:
    """Record a change that the form refused before it came here, naming the fields,
    never their values."""
    acts.refuse(
        session,
        ACTION,
        actor=actor,
        subject=acts.Subject("conference", conference_id),
        reason=f"refused input: {', '.join(sorted(fields))}",
    )
