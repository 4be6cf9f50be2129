"""The record of a case conference's meeting as one reader may see it: who came, the
minutes and the decisions, and what the reader may do with them now (no audit entry: the
conference page that shows it records one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sharing import clock
from sharing.access.decide import Actor, Decision
from sharing.access.reveal import reveal_rows
from sharing.meetings import minute_writing
from sharing.meetings.conference_decisions import DECISION_TEXT
from sharing.models import Conference
from sharing.vocabulary import ConferenceStatus, MinutesStatus


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
    chair = minute_writing.is_chair(actor, conference)
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
        for a in conference.on_the_record
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
