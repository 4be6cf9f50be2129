"""One case conference's page, as one attendee's agency may see it: read through the
one decision and reveal (the convening agency as the case's owner, an invited agency
through its share for the conference's purpose, the chair as the purpose gives their
agency and roles), with its invitations, expected people, information requests, agreed
actions and meeting; its view is one audit entry naming what it disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, meeting_notices
from sharing.access.authorise import AuthorisedCase, authorise, authorise_chair, decision_on
from sharing.access.decide import Act, Actor, Decision
from sharing.access.reveal import load_data_keys, reveal
from sharing.audit import acts
from sharing.cases.actions_shown import ActionView, action_views
from sharing.errors import NotFound
from sharing.meetings import (
    chair_history,
    conference_listing,
    meeting_record,
    minute_writing,
    requests,
)
from sharing.models import Action, Agency, Conference
from sharing.protocols.records import purpose_title
from sharing.vocabulary import Attendance, ConferenceStatus


@dataclass(frozen=True)
class InvitationRow:
    id: int
    agency: str
    agency_id: int
    share_until: date
    withdrawn: bool


@dataclass(frozen=True)
class SittingLink:
    """The partnership meeting's sitting a conference is on the agenda of."""

    series_id: int
    sitting_id: int
    series_name: str
    #: Why the sitting was cancelled (a reason from the list), if it was; and the
    #: canceller's note, for readers of the meeting's area alone, as the sitting's page.
    cancel_reason: str | None = None
    cancel_note: str | None = None
    #: Whether the conference's chair changes as the meeting's chair changes: it is to
    #: come (planned, no minutes, its time not passed) and chaired by the meeting's chair.
    #: A conference held keeps who chaired it, as does one its new chair could not take.
    chair_follows: bool = False


class ExpectedLine(NamedTuple):
    """Someone expected at the conference, as its page and pack list them."""

    #: Where their line is on the page (``meeting_notices.attendee_anchor``), which the
    #: notice of their apologies links to.
    anchor: str
    #: "Name, Agency", with "(sent apologies)" or "(has left)" where so.
    text: str


@dataclass(frozen=True)
class ConferencePage:
    """A conference as one attendee's agency may see it."""

    id: int
    case_id: int
    case_reference: str
    #: Whether the reader's agency convened it (and may change it).
    convening: bool
    convening_agency_id: int
    convening_agency: str
    purpose: str
    #: The purpose as the protocol names it ("Multi-agency ASB case conference").
    purpose_title: str
    protocol: str
    starts_at: datetime
    place: str | None
    video_link: str | None
    chair: str
    status: ConferenceStatus
    convened_by: str
    question: str | None
    agenda: str | None
    invitations: list[InvitationRow]
    #: The people expected, each with the anchor of their line.
    attendees: list[ExpectedLine]
    #: The decision the reader saw it under.
    decision: Decision
    #: Why the reader sees the question and agenda (the basis of the narrative category).
    basis: str | None = None
    escalation_acted_on: bool = False
    #: The information requests and their answers, as the reader may see them.
    requests: list[requests.RequestRow] = field(default_factory=list)
    #: The reader's agency's request still to answer, if any.
    to_answer: int | None = None
    #: The actions the conference agreed.
    actions: list[ActionView] = field(default_factory=list)
    #: The meeting: attendance, minutes and decisions, as the reader may see them.
    meeting: meeting_record.Meeting | None = None
    #: The reader is the conference's chair.
    chairing: bool = False
    #: The people expected who have left their agency (their accounts disabled), as
    #: "name has left agency", while the conference is still to meet.
    left: list[str] = field(default_factory=list)
    #: "name has left agency" when its chair has (their account disabled), while the
    #: conference is still to meet.
    chair_left: str | None = None
    #: The partnership meeting's sitting it is on the agenda of, if any.
    sitting: SittingLink | None = None
    #: Whether the reader may open the case's own page (a chair who reads their own
    #: agency's case through the conference's purpose reads it in their pack).
    case_opens: bool = True
    #: Why it was cancelled on its own or with its case (none when with its sitting:
    #: ``sitting`` says why), when, and the canceller's note, for the convening agency.
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None
    cancel_note: str | None = None
    #: Whether the reader may cancel it now (its convening agency or its chair, until it
    #: is held or cancelled: ``conference_cancelling.why_fixed``).
    may_cancel: bool = False
    #: Whether the reader may change it now: as ``may_cancel``, while its time is to come
    #: (``conference_changes.why_fixed``).
    may_change: bool = False
    #: Whether it is still planned though its time has passed, for a reader who may
    #: record it held or cancel it (``conference_listing.date_passed``).
    date_passed: bool = False
    #: Its changes of chair on its own page, earliest first (the page lists them; the
    #: pack names only who chairs it now).
    chair_changes: list[chair_history.ChairChangeRow] = field(default_factory=list)
    #: Where its time and place are given, which the notice of a move links to (the moment
    #: of its last move, ``Conference.moved_at``: its other changes after leave it be).
    moved_anchor: str | None = None

    @property
    def action_ids(self) -> list[int]:
        return [a.id for a in self.actions]


def _authorised(
    session: Session, actor: Actor, conference: Conference, action: acts.Action
) -> AuthorisedCase:
    """The case of the conference, for the reader: the owning agency's own decision, or an
    invited agency's through its share for the conference's purpose; the chair, as the
    conference's purpose gives their agency and roles (``authorise_chair``)."""
    if minute_writing.is_chair(actor, conference) and conference.case.agency_id == actor.agency_id:
        return authorise_chair(
            session, actor, conference.case_id, conference.purpose, conference.chair_reads_until
        )
    purpose = None if conference.case.agency_id == actor.agency_id else conference.purpose
    if purpose is not None and actor.agency_id not in conference.at_the_table:
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("conference", conference.id),
            reason="the agency is not invited",
            answer=NotFound(conference.id),
        )
    return authorise(session, actor, conference.case_id, Act.VIEW, purpose)


def opened(
    session: Session, actor: Actor, conference_id: int, action: acts.Action
) -> tuple[Conference, AuthorisedCase]:
    """The conference and its case authorised for the reader (see ``_authorised``); a
    conference that does not exist is refused as ``action`` and ``NotFound``."""
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("conference", conference_id),
            reason="no such conference",
            answer=NotFound(conference_id),
        )
    return conference, _authorised(session, actor, conference, action)


def conference_page(session: Session, actor: Actor, conference_id: int) -> ConferencePage:
    """The conference as the actor may see it, recorded as one audit entry; ``NotFound``
    for anyone whose agency neither convened it nor is invited (or may not see its case)."""
    conference, authorised = opened(session, actor, conference_id, acts.Action.CONFERENCE_VIEW)
    page = read_conference(session, authorised, conference)
    acts.record(
        session,
        acts.Action.CONFERENCE_VIEW,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose_recorded,
        basis=f"case {conference.case_id}; {disclosed(page)}",
    )
    return page


def disclosed(page: ConferencePage) -> str:
    """What a conference page disclosed, for its audit entry: the categories with their
    bases, and the answers (those read whole as the reader's agency's own, with their
    basis), actions, minutes and decisions shown."""
    meeting = page.meeting
    return (
        f"{acts.disclosed(page.decision)}; answers "
        f"{acts.ids([r.id for r in page.requests if r.answered_at])}; "
        f"{requests.read_whole(page.requests)}; "
        f"actions {acts.ids(page.action_ids)}; "
        f"minutes {acts.ids(meeting.minute_ids if meeting else [])}; "
        f"decisions {acts.ids(meeting.decision_ids if meeting else [])}"
    )


def read_conference(
    session: Session, authorised: AuthorisedCase, conference: Conference
) -> ConferencePage:
    """The conference as the authorised reader may see it (no audit entry: the page or
    pack that shows it records one)."""
    actor = authorised.actor
    decision: Decision = authorised.decision
    today = clock.today()
    may_cancel = (
        _may_cancel(session, actor, decision, conference)
        and conference.status is ConferenceStatus.PLANNED
        and conference.minutes_status is None
    )
    load_data_keys(session, {conference.case.data_key_id})
    opened = reveal(decision, conference, ["question", "agenda"])
    answers = requests.rows(session, conference, decision, actor)
    agreed = list(
        session.scalars(
            select(Action).where(Action.conference_id == conference.id).order_by(Action.id)
        )
    )
    return ConferencePage(
        id=conference.id,
        case_id=conference.case_id,
        case_reference=conference.case.reference,
        convening=decision.own_agency,
        convening_agency_id=conference.case.agency_id,
        convening_agency=conference.case.agency.name,
        purpose=conference.purpose,
        purpose_title=purpose_title(conference.protocol, conference.purpose),
        protocol=f"{conference.protocol.title} (version {conference.protocol.version})",
        starts_at=conference.starts_at,
        place=conference.place,
        video_link=conference.video_link,
        chair=conference_listing.chair_named(conference),
        chair_left=(
            f"{conference.chair.display_name} has left {conference.chair.agency.name}"
            if not conference.chair.active and conference.status is ConferenceStatus.PLANNED
            else None
        ),
        status=conference.status,
        convened_by=f"{conference.convened_by.display_name}, {conference.convened_by.agency.name}",
        question=opened["question"],
        agenda=opened["agenda"],
        invitations=[
            InvitationRow(
                id=i.id,
                agency=i.agency.name,
                agency_id=i.agency_id,
                share_until=i.share.until,
                withdrawn=not i.stands(today),
            )
            for i in conference.invitations
        ],
        attendees=[
            ExpectedLine(
                meeting_notices.attendee_anchor(a.id),
                f"{a.user.display_name}, {a.user.agency.name}"
                + (" (sent apologies)" if a.attendance is Attendance.APOLOGIES else "")
                + ("" if a.user.active else " (has left)"),
            )
            for a in conference.expected
        ],
        left=[
            f"{a.user.display_name} has left {a.user.agency.name}"
            for a in conference.expected
            if not a.user.active and conference.status is ConferenceStatus.PLANNED
        ],
        basis=decision.categories.get("narrative"),
        escalation_acted_on=conference.escalation_id is not None,
        requests=answers,
        to_answer=next(
            (
                r.id
                for r in answers
                if r.agency_id == actor.agency_id and not r.answered_at and r.open
            ),
            None,
        ),
        actions=action_views(decision, agreed, today),
        meeting=meeting_record.meeting(conference, actor, decision),
        chairing=minute_writing.is_chair(actor, conference),
        sitting=_sitting_link(session, actor, conference),
        decision=decision,
        case_opens=decision.own_agency or conference.case.agency_id != actor.agency_id,
        cancel_reason=conference.cancel_reason.label if conference.cancel_reason else None,
        cancelled_at=conference.cancelled_at,
        cancel_note=conference.cancel_note if decision.own_agency else None,
        may_cancel=may_cancel,
        may_change=may_cancel and conference.starts_at > clock.now(),
        date_passed=conference_listing.may_change(actor, conference)
        and conference_listing.date_passed(conference, clock.now()),
        chair_changes=chair_history.changes(session, conference.id),
        moved_anchor=meeting_notices.moved_anchor(conference.moved_at)
        if conference.moved_at
        else None,
    )


def _may_cancel(session: Session, actor: Actor, decision: Decision, conference: Conference) -> bool:
    """Whether ``conference_cancelling.canceller`` would let the reader cancel it: its
    chair, or those of the convening agency who may end the case's shares (its officer
    on the case, its managers). Nothing recorded."""
    if minute_writing.is_chair(actor, conference):
        return True
    if not decision.own_agency:
        return False
    ending = decision_on(session, actor, conference.case_id, Act.REVOKE_SHARE)
    return ending is not None and ending.allowed


def _sitting_link(session: Session, actor: Actor, conference: Conference) -> SittingLink | None:
    """The sitting the conference is on the agenda of, and why it was cancelled if it
    was: the reason to every reader of the conference, the note only to those of the
    meeting's area (whom the sitting's page shows it)."""
    sitting = conference.sitting
    if sitting is None:
        return None
    agency = session.get(Agency, actor.agency_id)
    of_the_area = agency is not None and agency.area_id == sitting.series.area_id
    return SittingLink(
        sitting.series_id,
        sitting.id,
        sitting.series.name,
        cancel_reason=sitting.cancel_reason.label if sitting.cancel_reason else None,
        cancel_note=sitting.cancel_note if of_the_area else None,
        chair_follows=conference.status is ConferenceStatus.PLANNED
        and conference.minutes_status is None
        and conference.starts_at > clock.now()
        and conference.chair_id == sitting.series.chair_id,
    )
