"""Changing a case conference once convened, by whoever may cancel it (its convening
agency's case officer on the case and managers, and its chair), while it is planned, its
date not passed and its minutes not begun: its time, place and video link (checked as
convening checks them; one on a partnership meeting's sitting moves with its sitting
only), its question and agenda (sealed under the case), one more agency invited (with its
share and its information request), more people expected, and those expected who have
left their agency taken off (``conference_leavers``).

A new time moves the conference as moving its sitting does: its invitations' shares end
as convening sets them (``Conference.shares_end``), its requests not yet answered fall due
as asking sets them, and whoever its convening told is told where and when it now meets.
One ``conference.change`` entry names the fields changed, never their values, and the
invitations and shares made or moved by id; a change that changes nothing records
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices, stamps
from sharing.access.authorise import AuthorisedCase, authorise, decision_on
from sharing.access.decide import Act, Actor
from sharing.access.reveal import load_data_keys, reveal
from sharing.audit import acts
from sharing.cases import shares
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed
from sharing.formats import checked_text
from sharing.meetings import (
    conference_leavers,
    conference_pages,
    conferences,
    minute_writing,
    requests,
    sitting_clashes,
)
from sharing.models import Conference, ConferenceAttendee, ConferenceInvitation, User
from sharing.vocabulary import ConferenceStatus, ShareOrigin

ACTION = acts.Action.CONFERENCE_CHANGE
#: The field a refusal names when the conference can no longer be changed at all.
NO_LONGER = "conference"


@dataclass(frozen=True)
class ChangeInput:
    """What the form gives. None leaves a part as it is (a conference on a sitting has no
    time or place of its own to change; a reader whose agency may not read the case
    narrative is not shown the question and agenda)."""

    starts_at: datetime | None = None
    place: str | None = None
    video_link: str | None = None
    question: str | None = None
    agenda: str | None = None
    #: Agencies to invite besides those invited.
    agency_ids: Sequence[int] = ()
    #: People to expect besides those expected.
    attendee_ids: Sequence[int] = ()
    #: People expected who have left their agency, to take off.
    leaver_ids: Sequence[int] = ()


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


@dataclass
class Changes:
    """The parts of a change that differ from the conference as it is, checked (None, or
    nothing, for a part left as it is; an empty place or link clears it)."""

    starts_at: datetime | None = None
    place: str | None = None
    video_link: str | None = None
    question: str | None = None
    agenda: str | None = None
    agencies: list[int] = field(default_factory=list)
    people: list[User] = field(default_factory=list)
    leavers: list[ConferenceAttendee] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The parts changed, by the names the audit entry gives them."""
        parts = (
            ("time", self.starts_at is not None),
            ("place", self.place is not None),
            ("video_link", self.video_link is not None),
            ("question", self.question is not None),
            ("agenda", self.agenda is not None),
            ("agencies", bool(self.agencies)),
            ("attendees", bool(self.people)),
            ("leavers", bool(self.leavers)),
        )
        return [name for name, changed in parts if changed]


def may_invite(session: Session, actor: Actor, conference: Conference) -> bool:
    """Whether the actor may invite more agencies: one of the convening agency who may
    convene a conference on the case (it shares the case with them)."""
    if actor.agency_id != conference.case.agency_id:
        return False
    decision = decision_on(session, actor, conference.case_id, Act.CONVENE)
    return decision is not None and decision.allowed


def reads_question(authorised: AuthorisedCase) -> bool:
    """Whether the reader's agency reads the question and agenda (the case narrative),
    and so may change them."""
    return "narrative" in authorised.decision.categories


def as_it_is(
    session: Session, authorised: AuthorisedCase, conference: Conference
) -> dict[str, str | None]:
    """The question and agenda as they are, for the form (None where the reader may not
    read them)."""
    load_data_keys(session, {conference.case.data_key_id})
    return reveal(authorised.decision, conference, ["question", "agenda"])


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
        changes = _checked(session, authorised, conference, data, now)
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


def _checked(
    session: Session,
    authorised: AuthorisedCase,
    conference: Conference,
    data: ChangeInput,
    now: datetime,
) -> Changes:
    """The parts that differ from the conference as it is, checked."""
    changes = Changes()
    _where_and_when(session, authorised.actor, conference, data, now, changes)
    _texts(session, authorised, conference, data, changes)
    changes.agencies = _more_agencies(session, authorised.actor, conference, data.agency_ids)
    changes.people = _more_people(session, conference, changes.agencies, data.attendee_ids)
    changes.leavers = conference_leavers.checked(conference, data.leaver_ids)
    return changes


def _where_and_when(
    session: Session,
    actor: Actor,
    conference: Conference,
    data: ChangeInput,
    now: datetime,
    changes: Changes,
) -> None:
    starts_at = conference.starts_at if data.starts_at is None else data.starts_at
    place = conference.place or "" if data.place is None else data.place
    link = conference.video_link or "" if data.video_link is None else data.video_link
    place = checked_text("place", place, limit=conferences.MAX_PLACE, what="the place")
    link = checked_text("video_link", link, limit=conferences.MAX_LINK, what="the video link")
    if starts_at != conference.starts_at:
        changes.starts_at = starts_at
    if place != (conference.place or ""):
        changes.place = place
    if link != (conference.video_link or ""):
        changes.video_link = link
    if changes.names == []:
        return
    if conference.sitting is not None:
        raise InputError(
            "starts_at",
            f"The conference is on the agenda of {conference.sitting.series.name}'s sitting "
            "and moves with that sitting only: to meet at another time or place, move the "
            "sitting on its page",
        )
    if not place and not link:
        raise InputError("place", "Enter where the conference meets, or a video link")
    if link and not link.startswith("https://"):
        raise InputError("video_link", "Enter a video link starting https://")
    if changes.starts_at is not None:
        _check_time(session, actor, conference, starts_at, now)


def _check_time(
    session: Session, actor: Actor, conference: Conference, starts_at: datetime, now: datetime
) -> None:
    """The new time checked as convening checks it: in the future, within a year, by the
    end of its protocol, its chair not chairing something else then."""
    if starts_at <= now:
        raise InputError("starts_at", "The conference must be in the future")
    if starts_at > now + conferences.FURTHEST_AHEAD:
        raise InputError("starts_at", "The conference must be within a year from today")
    protocol = conference.protocol
    if clock.day_of(starts_at) > protocol.end_on:
        raise InputError(
            "starts_at",
            f"{protocol.title} ends on {protocol.end_on:%-d %B %Y}, before the new time, and "
            "the invitations' shares end with it: enter a day by then, or once the "
            "protocol's next version is signed, convene a conference under that",
        )
    sitting_clashes.check_chair_free(
        session,
        starts_at,
        chair_id=conference.chair_id,
        area_id=conference.case.agency.area_id,
        viewer=actor,
        conference_id=conference.id,
    )


def _texts(
    session: Session,
    authorised: AuthorisedCase,
    conference: Conference,
    data: ChangeInput,
    changes: Changes,
) -> None:
    if data.question is None and data.agenda is None:
        return
    if not reads_question(authorised):
        raise InputError(
            "question",
            "Your agency does not read the case narrative, so it cannot change the question "
            "or agenda",
        )
    now = as_it_is(session, authorised, conference)
    if data.question is not None:
        question = checked_text(
            "question",
            data.question,
            limit=conferences.MAX_QUESTION,
            what="the question",
            required="Enter the question to decide",
        )
        if question != (now["question"] or ""):
            changes.question = question
    if data.agenda is not None:
        agenda = checked_text(
            "agenda", data.agenda, limit=conferences.MAX_AGENDA, what="the agenda"
        )
        if agenda != (now["agenda"] or ""):
            changes.agenda = agenda


def _more_agencies(
    session: Session, actor: Actor, conference: Conference, agency_ids: Sequence[int]
) -> list[int]:
    """The agencies to invite that are not invited yet (one withdrawn is refused: it
    cannot be invited to the same conference again)."""
    invited = {i.agency_id: i for i in conference.invitations}
    wanted = [a for a in dict.fromkeys(agency_ids) if a not in invited or invited[a].withdrawn_at]
    if not wanted:
        return []
    case = conference.case
    if not may_invite(session, actor, conference):
        raise InputError(
            "agency_ids",
            f"Only {case.agency.name}'s people who work the case invite agencies to it",
        )
    options = {
        o.agency.id: o
        for o in conferences.invitable(session, case, conference.protocol_id, conference.purpose)
    }
    for agency_id in wanted:
        option = options.get(agency_id)
        if option is None:
            raise InputError("agency_ids", "Select partner agencies of the partnership")
        if agency_id in invited:
            raise InputError(
                "agency_ids",
                f"The invitation to {option.agency.name} was withdrawn: an agency cannot be "
                "invited to the same conference again",
            )
        if option.refusal:
            raise InputError("agency_ids", option.refusal)
    return wanted


def _more_people(
    session: Session, conference: Conference, agencies: list[int], attendee_ids: Sequence[int]
) -> list[User]:
    """The people to expect who are not expected yet: of the agencies at the table (with
    those now invited), each one who could open the conference (``conferences.refusals``)."""
    expected = {a.user_id for a in conference.attendees}
    table = {*conference.at_the_table, *agencies}
    people = []
    for user_id in dict.fromkeys(attendee_ids):
        if user_id in expected:
            continue
        user = session.get(User, user_id)
        if user is None or not user.active or user.agency_id not in table:
            raise InputError(
                "attendee_ids", "Select people expected from the agencies at the table"
            )
        people.append(user)
    refused = conferences.refusals(session, conference.case, people, conference.chair_id)
    for user in people:
        if why := refused.get(user.id):
            raise InputError("attendee_ids", f"{user.display_name} cannot be expected: {why}")
    return people


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
    meeting_notices.about_moved(session, conference)
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
