"""What a change of a case conference gives, checked against the conference as it is
(``conference_changes.change`` applies it): the parts that differ, each checked as
convening checks it (its time, place and video link; its question and agenda, for an
agency that reads them; more agencies invited, by the convening agency only; more people
expected, each of an agency at the table who could open it; those expected who have left
taken off). A part refused is an ``InputError`` at its field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, decision_on
from sharing.access.decide import Act, Actor
from sharing.access.reveal import load_data_keys, reveal
from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.meetings import (
    conference_eligibility,
    conference_leavers,
    conferences,
    sitting_clashes,
)
from sharing.models import Conference, ConferenceAttendee, User


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


def checked(
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
        for o in conference_eligibility.invitable(
            session, case, conference.protocol_id, conference.purpose
        )
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
    those now invited), each one who could open the conference
    (``conference_eligibility.refusals``)."""
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
    refused = conference_eligibility.refusals(session, conference.case, people, conference.chair_id)
    for user in people:
        if why := refused.get(user.id):
            raise InputError("attendee_ids", f"{user.display_name} cannot be expected: {why}")
    return people
