"""The meeting of a case conference: who came, the minute of each agenda item, the
decisions (with the proportionality, evidence and vulnerability considerations 003 §3.12
asks for, and any dissent) and the minutes' agreement.

The convening agency writes the minutes (draft), circulates them to the attendees, and the
chair agrees them, amending first if need be; agreed minutes are read-only. Every part
that names people is sealed under the case, under its data category, and each reader sees
it as their decision on the case allows. Every change and every refusal is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices, stamps
from sharing.access.authorise import AuthorisedCase, authorise, authorise_chair
from sharing.access.decide import Act, Actor, Decision
from sharing.access.reveal import allowed_columns, reveal_rows
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.models import (
    Agency,
    Conference,
    ConferenceAttendee,
    ConferenceDecision,
    MinuteItem,
    User,
)
from sharing.vocabulary import (
    ActionKind,
    Attendance,
    ConferenceStatus,
    DecisionKind,
    MinutesStatus,
    NoticeKind,
)

MAX_HEADING = 200
MAX_MINUTE = 10_000
MAX_CONSIDERATION = 5_000
#: The legal tools a decision to take legal action names.
LEGAL_TOOLS = (
    ActionKind.COMMUNITY_PROTECTION_NOTICE,
    ActionKind.NOTICE_SEEKING_POSSESSION,
    ActionKind.INJUNCTION,
    ActionKind.CLOSURE_ORDER,
    ActionKind.OTHER_LEGAL,
)


def _conference(session: Session, actor: Actor, conference_id: int) -> Conference:
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise acts.refused(
            session,
            acts.Action.MINUTES_RECORD,
            actor=actor,
            subject=acts.Subject("conference", conference_id),
            reason="no such conference",
            answer=NotFound(conference_id),
        )
    return conference


def _refuse(session: Session, actor: Actor, conference: Conference, reason: str) -> None:
    acts.refuse(
        session,
        acts.Action.MINUTES_RECORD,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        reason=reason,
    )


def is_chair(actor: Actor, conference: Conference) -> bool:
    return actor.user_id == conference.chair_id


def _reader(session: Session, actor: Actor, conference: Conference) -> AuthorisedCase:
    """The case of the conference, for someone at its table about to change its minutes:
    the convening agency for a record on its case, the chair as they read it, an invited
    agency through its share. Anyone who may not see the conference is refused as for one
    that does not exist (``NotFound``), before anything is said of its minutes."""
    convening = actor.agency_id == conference.case.agency_id
    if convening and is_chair(actor, conference):
        return authorise_chair(
            session,
            actor,
            conference.case_id,
            conference.purpose,
            conference.shares_until,
            Act.RECORD,
        )
    if convening:
        return authorise(session, actor, conference.case_id, Act.RECORD)
    if actor.agency_id not in conference.at_the_table:
        _refuse(session, actor, conference, "the agency is not invited")
        raise NotFound(conference.id)
    return authorise(session, actor, conference.case_id, Act.VIEW, conference.purpose)


def writer(
    session: Session, actor: Actor, conference: Conference, *, now: datetime | None = None
) -> AuthorisedCase:
    """The case of the conference, for someone changing its minutes now: the convening
    agency while they are a draft, the chair until they are agreed, once the conference
    has begun. Anything else is refused, recorded, and raised (``NotFound`` for someone
    who may not see the conference, ``NotAllowed`` for someone who may not write them,
    ``InputError`` for minutes that cannot change now)."""
    authorised = _reader(session, actor, conference)
    _writable(session, actor, conference, now or clock.now())
    return authorised


def refuse_input(
    session: Session,
    actor: Actor,
    conference_id: int,
    fields: Sequence[str],
    *,
    now: datetime | None = None,
) -> None:
    """Record a change to the minutes that a form refused before it came here, naming the
    fields, never their values; the actor is first checked as ``writer`` checks any
    change (someone who may not change them now is refused, recorded and raised as
    there). With no fields, only that check: for a form someone may not open."""
    conference = _conference(session, actor, conference_id)
    writer(session, actor, conference, now=now)
    if fields:
        _refuse(session, actor, conference, f"refused input: {', '.join(fields)}")


def _writable(session: Session, actor: Actor, conference: Conference, now: datetime) -> None:
    convening = actor.agency_id == conference.case.agency_id
    if not (convening or is_chair(actor, conference)):
        _refuse(session, actor, conference, "not the convening agency or the chair")
        raise NotAllowed("only the convening agency and the chair write the minutes")
    if conference.minutes_status is MinutesStatus.AGREED:
        _refuse(session, actor, conference, "refused input: minutes agreed")
        raise InputError("minutes", "The minutes are agreed, so they can no longer be changed")
    if conference.status is ConferenceStatus.CANCELLED:
        _refuse(session, actor, conference, "refused input: conference cancelled")
        raise InputError("minutes", "The conference was cancelled")
    if conference.starts_at > now:
        _refuse(session, actor, conference, "refused input: conference not begun")
        raise InputError("minutes", "Minutes are written once the conference has begun")
    if conference.minutes_status is MinutesStatus.CIRCULATED and not is_chair(actor, conference):
        _refuse(session, actor, conference, "refused input: minutes circulated")
        raise InputError("minutes", "The minutes are circulated: only the chair may amend them now")


Part = TypeVar("Part", MinuteItem, ConferenceDecision)


def _part(
    session: Session, model: type[Part], part_id: int | None, conference: Conference
) -> Part | None:
    """The minute or decision ``part_id`` of this conference to amend (None for a new one);
    ``NotFound`` for one of another conference."""
    if part_id is None:
        return None
    part = session.get(model, part_id)
    if part is None or part.conference_id != conference.id:
        raise NotFound(part_id)
    return part


def _begin(conference: Conference) -> None:
    """The first record of the meeting: the conference was held, its minutes are a draft."""
    conference.status = ConferenceStatus.HELD
    if conference.minutes_status is None:
        conference.minutes_status = MinutesStatus.DRAFT


def _recorded(
    session: Session, authorised: AuthorisedCase, conference: Conference, basis: str
) -> None:
    acts.record(
        session,
        acts.Action.MINUTES_RECORD,
        actor=authorised.actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose,
        basis=f"case {conference.case_id}; {basis}",
    )


@dataclass(frozen=True)
class AttendanceChoices:
    """Who may be marked: the people expected, who may deputise for each (their agency's
    active users, by agency id), and others of the agencies at the table."""

    expected: list[ConferenceAttendee]
    deputies: dict[int, list[User]]
    others: list[User]


def attendance_choices(session: Session, conference: Conference) -> AttendanceChoices:
    people = session.scalars(
        select(User)
        .join(Agency, Agency.id == User.agency_id)
        .where(User.agency_id.in_(conference.at_the_table), User.active)
        .order_by(Agency.name, User.display_name, User.id)
    ).all()
    named = {a.user_id for a in conference.expected}
    deputies: dict[int, list[User]] = {}
    for user in people:
        deputies.setdefault(user.agency_id, []).append(user)
    return AttendanceChoices(
        expected=conference.expected,
        deputies=deputies,
        others=[u for u in people if u.id not in named],
    )


@dataclass(frozen=True)
class Mark:
    """One expected person's attendance, and who came instead when they sent a deputy."""

    attendance: Attendance
    deputy_id: int | None = None


def record_attendance(
    session: Session,
    actor: Actor,
    conference_id: int,
    marks: Mapping[int, Mark],
    also_present: Sequence[int] = (),
    now: datetime | None = None,
) -> Conference:
    """Record who came: ``marks`` by attendee id, and people of the agencies at the table
    who came without being named beforehand. A deputy is an active user of the same
    agency as the person they stand in for."""
    conference = _conference(session, actor, conference_id)
    authorised = writer(session, actor, conference, now=now)
    expected = {a.id: a for a in conference.expected}
    try:
        for attendee_id, mark in marks.items():
            attendee = expected.get(attendee_id)
            if attendee is None:
                raise InputError("attendance", "Mark only the people expected at this conference")
            deputy = session.get(User, mark.deputy_id) if mark.deputy_id else None
            if mark.attendance is Attendance.DEPUTY:
                if (
                    deputy is None
                    or not deputy.active
                    or deputy.agency_id != attendee.user.agency_id
                ):
                    raise InputError(
                        f"deputy_{attendee_id}",
                        f"Choose who came for {attendee.user.display_name}, from "
                        f"{attendee.user.agency.name}",
                    )
            elif deputy is not None:
                raise InputError(
                    f"deputy_{attendee_id}",
                    f"Choose a deputy for {attendee.user.display_name} only if they sent one",
                )
        table = conference.at_the_table
        named = {a.user_id for a in conference.attendees}
        newcomers: list[User] = []
        for user_id in dict.fromkeys(also_present):
            user = session.get(User, user_id)
            if user is None or not user.active or user.agency_id not in table:
                raise InputError("also_present", "Choose people of the agencies at the conference")
            if user_id not in named:
                newcomers.append(user)
    except InputError as refused:
        _refuse(session, actor, conference, f"refused input: {refused.field}")
        raise
    for attendee_id, mark in marks.items():
        expected[attendee_id].attendance = mark.attendance
        expected[attendee_id].deputy_id = mark.deputy_id
    for user in newcomers:
        session.add(
            ConferenceAttendee(
                conference=conference,
                user_id=user.id,
                attendance=Attendance.PRESENT,
            )
        )
    _begin(conference)
    session.flush()
    _recorded(
        session,
        authorised,
        conference,
        f"attendance of {len(marks) + len(newcomers)} people",
    )
    return conference


def _unchanged(session: Session, opened: str | None, part: MinuteItem | ConferenceDecision) -> None:
    """Refuse to amend ``part`` if it changed after the form was opened, saying who wrote
    it last and when."""
    try:
        stamps.check(session, opened, part)
    except ChangedMeanwhile:
        raise ChangedMeanwhile(part.written_at, part.written_by.display_name) from None


def save_minute(
    session: Session,
    actor: Actor,
    conference_id: int,
    heading: str,
    discussion: str,
    item_id: int | None = None,
    now: datetime | None = None,
    *,
    opened: str | None = None,
) -> bool:
    """Add the minute of an agenda item, or amend one (``item_id``): ``ChangedMeanwhile``,
    naming who wrote it last and when, if it was amended after the form was opened (its
    stamp ``opened``). Whether anything changed: an amendment saved as it was writes
    nothing, so its last writer and their time stay, and records nothing."""
    now = now or clock.now()
    conference = _conference(session, actor, conference_id)
    authorised = writer(session, actor, conference, now=now)
    item = _part(session, MinuteItem, item_id, conference)
    if item is not None:
        _unchanged(session, opened, item)
    try:
        values = {
            "heading": checked_text(
                "heading",
                heading,
                limit=MAX_HEADING,
                what="the agenda item",
                required="Enter the agenda item",
            ),
            "discussion": checked_text(
                "discussion",
                discussion,
                limit=MAX_MINUTE,
                what="what was discussed and agreed",
                required="Enter what was discussed and agreed",
            ),
        }
    except InputError as refused:
        _refuse(session, actor, conference, f"refused input: {refused.field}")
        raise
    if item is None:
        item = MinuteItem(conference=conference, written_by_id=actor.user_id, written_at=now)
        session.add(item)
    if not seal_many(item, values):
        return False
    item.written_by_id, item.written_at = actor.user_id, now
    _begin(conference)
    session.flush()
    _recorded(session, authorised, conference, f"minute {item.id}")
    return True


@dataclass(frozen=True)
class DecisionInput:
    kind: str
    decision: str
    tool: str = ""
    acting_agency_id: int | None = None
    proportionality: str = ""
    evidence: str = ""
    vulnerability: str = ""
    dissenting_agency_id: int | None = None
    dissent: str = ""


#: A decision's sealed text, each part as the form names it, with what it holds.
DECISION_TEXT = {
    "decision": "the decision",
    "proportionality": "why this is the most proportionate intervention",
    "evidence": "the evidence available",
    "vulnerability": "the vulnerabilities of the people involved",
    "dissent": "the dissenting view",
}


def _required(legal: bool) -> dict[str, str]:
    """The parts a decision must record, each with what its field says when empty."""
    required = {"decision": "Enter the decision"}
    if legal:
        required |= {
            "proportionality": "Record why this is the most proportionate intervention",
            "evidence": "Record the evidence available",
            "vulnerability": "Record the vulnerabilities of the people involved, and how "
            "the action takes account of them",
        }
    return required


def _checked_decision(
    conference: Conference, data: DecisionInput, kept: Mapping[str, bool]
) -> dict[str, object]:
    """The decision's values checked. ``kept`` names the parts the writer may not see,
    each with whether something is stored: they keep it, and are never written."""
    kind = next((k for k in DecisionKind if k.value == data.kind), None)
    if kind is None:
        raise InputError("kind", "Choose what the conference decided")
    legal = kind is DecisionKind.LEGAL_ACTION
    required = _required(legal)
    for part in required:
        if part in kept and not kept[part]:
            raise InputError(
                "kind",
                f"This decision needs {DECISION_TEXT[part]}, which your agency may not see, "
                "so only the convening agency can record it, while the minutes are a draft",
            )
    text = {
        part: checked_text(
            part,
            getattr(data, part),
            limit=MAX_CONSIDERATION,
            what=DECISION_TEXT[part],
            required=required.get(part, ""),
        )
        for part in DECISION_TEXT
        if part not in kept
    }
    dissent = kept["dissent"] if "dissent" in kept else bool(text["dissent"])
    tool = None
    if legal:
        tool = next((t for t in LEGAL_TOOLS if t.value == data.tool), None)
        if tool is None:
            raise InputError("tool", "Choose the legal tool")
    elif data.tool:
        raise InputError("tool", "Choose a legal tool only for a decision to take legal action")
    table = conference.at_the_table
    if legal and data.acting_agency_id is None:
        raise InputError("acting_agency_id", "Choose the agency that takes the action")
    if data.acting_agency_id is not None and data.acting_agency_id not in table:
        raise InputError("acting_agency_id", "Choose an agency at the conference")
    if data.dissenting_agency_id is not None and data.dissenting_agency_id not in table:
        raise InputError("dissenting_agency_id", "Choose an agency at the conference")
    if data.dissenting_agency_id is not None and not dissent:
        raise InputError("dissent", "Record the dissenting agency's view")
    if dissent and data.dissenting_agency_id is None:
        raise InputError("dissenting_agency_id", "Choose the agency that dissented")
    return {
        "kind": kind,
        "tool": tool,
        "acting_agency_id": data.acting_agency_id,
        "dissenting_agency_id": data.dissenting_agency_id,
        "text": {k: v or None for k, v in text.items()},
    }


def save_decision(
    session: Session,
    actor: Actor,
    conference_id: int,
    data: DecisionInput,
    decision_id: int | None = None,
    now: datetime | None = None,
    *,
    opened: str | None = None,
) -> bool:
    """Record a decision of the conference, or amend one (``decision_id``). Legal action
    names its tool and the agency that acts, and records proportionality, evidence and
    vulnerability; a dissent names the agency that dissented. A part the writer may not
    see (vulnerability, for most partners) keeps what is stored, whatever was sent.
    ``ChangedMeanwhile``, naming who wrote it last and when, if it was amended after the
    form was opened (its stamp ``opened``): a dissent recorded meanwhile is not wiped.
    Whether anything changed: an amendment saved as it was writes and records nothing."""
    now = now or clock.now()
    conference = _conference(session, actor, conference_id)
    authorised = writer(session, actor, conference, now=now)
    record = _part(session, ConferenceDecision, decision_id, conference)
    if record is not None:
        _unchanged(session, opened, record)
    shown = allowed_columns(authorised.decision, record or ConferenceDecision(), DECISION_TEXT)
    kept = {
        part: record is not None and getattr(record, part) is not None
        for part in DECISION_TEXT
        if part not in shown
    }
    try:
        checked = _checked_decision(conference, data, kept)
    except InputError as refused:
        _refuse(session, actor, conference, f"refused input: {refused.field}")
        raise
    choices = ("kind", "tool", "acting_agency_id", "dissenting_agency_id")
    if record is None:
        record = ConferenceDecision(
            conference=conference, written_by_id=actor.user_id, written_at=now
        )
        session.add(record)
        as_it_was: tuple[object, ...] | None = None
    else:
        as_it_was = tuple(getattr(record, name) for name in choices)
    for name in choices:
        setattr(record, name, checked[name])
    sealed = seal_many(record, checked["text"])  # type: ignore[arg-type]
    if not sealed and as_it_was == tuple(checked[name] for name in choices):
        return False
    record.written_by_id, record.written_at = actor.user_id, now
    _begin(conference)
    session.flush()
    _recorded(session, authorised, conference, f"decision {record.id}")
    return True


def circulate(
    session: Session, actor: Actor, conference_id: int, now: datetime | None = None
) -> Conference:
    """Send the draft minutes to the attendees for comment (the convening agency or the
    chair), once attendance and at least one minute are recorded."""
    now = now or clock.now()
    conference = _conference(session, actor, conference_id)
    authorised = writer(session, actor, conference, now=now)
    read_for_change(session, conference)  # sent twice at once: the second waits, then sees it
    missing = None
    if conference.minutes_status is MinutesStatus.CIRCULATED:
        missing = "The minutes are already circulated"
    elif not conference.minutes:
        missing = "Add the minute of at least one agenda item before circulating"
    elif not conference.expected:
        missing = "Record who attended before circulating"
    elif any(a.attendance is None for a in conference.expected):
        missing = "Record everyone's attendance before circulating"
    if missing:
        _refuse(session, actor, conference, "refused input: minutes not ready")
        raise InputError("minutes", missing)
    conference.minutes_status = MinutesStatus.CIRCULATED
    conference.minutes_circulated_at = now
    session.flush()
    notices.minutes_ready(session, conference, NoticeKind.MINUTES_CIRCULATED, actor.user_id, now)
    acts.record(
        session,
        acts.Action.MINUTES_CIRCULATE,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose,
        basis=f"case {conference.case_id}",
    )
    return conference


def agree(
    session: Session, actor: Actor, conference_id: int, now: datetime | None = None
) -> Conference:
    """The chair agrees the circulated minutes; from now on they are read-only."""
    now = now or clock.now()
    conference = _conference(session, actor, conference_id)
    authorised = _reader(session, actor, conference)
    if not is_chair(actor, conference):
        _refuse(session, actor, conference, "not the chair")
        raise NotAllowed("only the chair agrees the minutes")
    _writable(session, actor, conference, now)
    if conference.minutes_status is not MinutesStatus.CIRCULATED:
        _refuse(session, actor, conference, "refused input: minutes not circulated")
        raise InputError("minutes", "Circulate the minutes to the attendees before agreeing them")
    conference.minutes_status = MinutesStatus.AGREED
    conference.minutes_agreed_at = now
    conference.minutes_agreed_by_id = actor.user_id
    session.flush()
    notices.minutes_ready(session, conference, NoticeKind.MINUTES_AGREED, actor.user_id, now)
    acts.record(
        session,
        acts.Action.MINUTES_AGREE,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose,
        basis=f"case {conference.case_id}; minutes {acts.ids([m.id for m in conference.minutes])}; "
        f"decisions {acts.ids([d.id for d in conference.decisions])}",
    )
    return conference


@dataclass(frozen=True)
class AttendanceLine:
    id: int
    name: str
    agency: str
    attendance: str | None
    deputy: str | None


@dataclass(frozen=True)
class MinuteLine:
    id: int
    heading: str | None
    discussion: str | None


@dataclass(frozen=True)
class DecisionLine:
    id: int
    kind: str
    tool: str | None
    acting_agency: str | None
    decision: str | None
    proportionality: str | None
    evidence: str | None
    vulnerability: str | None
    dissenting_agency: str | None
    dissent: str | None


@dataclass(frozen=True)
class Meeting:
    """The meeting as one reader may see it."""

    status: MinutesStatus | None
    #: Whether the reader may see the minutes (drafts are for their writers alone).
    shown: bool
    #: Whether the reader may change them now (convening agency on a draft; the chair).
    may_write: bool
    may_circulate: bool
    may_agree: bool
    agreed: str | None
    attendance: list[AttendanceLine] = field(default_factory=list)
    minutes: list[MinuteLine] = field(default_factory=list)
    decisions: list[DecisionLine] = field(default_factory=list)

    @property
    def minute_ids(self) -> list[int]:
        return [m.id for m in self.minutes]

    @property
    def decision_ids(self) -> list[int]:
        return [d.id for d in self.decisions]


def meeting(conference: Conference, actor: Actor, decision: Decision) -> Meeting:
    """The meeting as the reader may see it (no audit entry: the conference page that
    shows it records one, naming the minutes and decisions it disclosed)."""
    convening = actor.agency_id == conference.case.agency_id
    chair = is_chair(actor, conference)
    status = conference.minutes_status
    begun = conference.starts_at <= clock.now() and conference.status is not (
        ConferenceStatus.CANCELLED
    )
    shown = status in (MinutesStatus.CIRCULATED, MinutesStatus.AGREED) or convening or chair
    may_write = begun and (
        (convening and status in (None, MinutesStatus.DRAFT))
        or (chair and status is not MinutesStatus.AGREED)
    )
    agreed = None
    if status is MinutesStatus.AGREED and conference.minutes_agreed_by is not None:
        agreed = f"{conference.minutes_agreed_by.display_name}"
    attendance = [
        AttendanceLine(
            id=a.id,
            name=a.user.display_name,
            agency=a.user.agency.name,
            attendance=a.attendance.label if a.attendance else None,
            deputy=a.deputy.display_name if a.deputy else None,
        )
        for a in conference.expected
    ]
    if not shown:
        return Meeting(status, False, False, False, False, agreed, attendance)
    minutes = conference.minutes
    decisions = conference.decisions
    minute_values = reveal_rows(decision, minutes, ("heading", "discussion"))
    decision_values = reveal_rows(
        decision,
        decisions,
        tuple(DECISION_TEXT),
    )
    return Meeting(
        status=status,
        shown=True,
        may_write=may_write,
        may_circulate=may_write and status is MinutesStatus.DRAFT,
        may_agree=chair and status is MinutesStatus.CIRCULATED,
        agreed=agreed,
        attendance=attendance,
        minutes=[MinuteLine(m.id, **v) for m, v in zip(minutes, minute_values, strict=True)],
        decisions=[
            DecisionLine(
                id=d.id,
                kind=d.kind.label,
                tool=d.tool.label if d.tool else None,
                acting_agency=d.acting_agency.name if d.acting_agency else None,
                dissenting_agency=d.dissenting_agency.name if d.dissenting_agency else None,
                **v,
            )
            for d, v in zip(decisions, decision_values, strict=True)
        ],
    )
