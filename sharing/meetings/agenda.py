"""A partnership meeting's sitting's agenda: apologies (for the sitting itself, and at its
cases) and attendance, the previous
sitting's actions and their progress, each case brought (by its reference and the
question put to the meeting), the partnership's figures pack if attached, the
coordinator's own items, and any other business, in the order its coordinator sets.

Whoever may open the sitting (anyone at an agency of the meeting's area) may open its
agenda; each case is named, and its question shown, only to readers who may open its
conference (the question through the one decision and reveal: it is narrative), the
others only counted in their place. Every reading is one audit entry naming what it
showed, by id; every change one entry naming what changed, never the coordinator's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.decide import Actor
from sharing.access.reveal import load_data_keys, reveal
from sharing.audit import acts
from sharing.figures import meeting_packs
from sharing.meetings import (
    conference_listing,
    conference_pages,
    series,
    sitting_apologies,
    sitting_chairs,
    sittings,
)
from sharing.models import Action, AgendaItem, Conference, MeetingSitting, User
from sharing.protocols.records import document
from sharing.vocabulary import ActionStatus, Attendance, ConferenceStatus

#: The ways an agenda is read, as its audit entry names them.
FORMS = ("page", "pdf")
#: The most an item in the coordinator's words may say.
MAX_TEXT = 200
TEXT_FIELD = "text"
FIGURES = "figures"
_TITLES = {
    "apologies": "Apologies and attendance",
    "actions": "Actions from the previous sitting",
    FIGURES: "The partnership's figures",
    "business": "Any other business",
}
#: Where each item comes until the coordinator orders them: standing items first, then the
#: cases as they were brought, the figures, the coordinator's items as added, and last
#: any other business.
_DEFAULT = {"apologies": 10, "actions": 20, FIGURES: 800, "business": 1000}


@dataclass(frozen=True)
class CaseItem:
    conference_id: int | None
    #: None for a case the reader may not open (or since erased): only its place shows.
    case_reference: str | None
    question: str | None
    erased: bool = False


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    case: CaseItem | None = None
    #: The coordinator's words (their own items), and the item's id to remove it.
    text: str | None = None
    item_id: int | None = None


@dataclass(frozen=True)
class Progress:
    """An action the previous sitting agreed, and where it stands (no description)."""

    case_reference: str
    kind: str
    owner_agency: str
    due_on: date | None
    status: str
    overdue: bool


@dataclass(frozen=True)
class Agenda:
    sitting_id: int
    series_id: int
    series_name: str
    starts_at: datetime
    place: str | None
    video_link: str | None
    chair: str
    members: list[str]
    #: Those sending apologies for the sitting itself (an agency, or someone of it by
    #: name), then the standing members recorded as sending apologies at one of its cases.
    apologies: list[str]
    items: list[Item]
    previous_at: datetime | None
    #: Whether the previous sitting has been held (a sitting still to come, this one
    #: scheduled after it, has agreed nothing yet).
    previous_held: bool
    progress: list[Progress]
    #: Actions of the previous sitting on cases the reader may not open (a count).
    progress_others: int
    cancelled: bool
    handling: str
    reader: str
    prepared_at: datetime
    #: Whether the reader may order the items, add and remove their own, attach figures.
    may_arrange: bool = False
    #: Why its coordinator may no longer arrange it (cancelled, or held), or None.
    fixed: str | None = None
    #: Whether the reader may record apologies for the sitting (on its page) now.
    may_send_apologies: bool = False
    #: The months the figures pack for the sitting covers ("November 2026"), and the day
    #: it can be prepared while they have not ended (None once it can).
    figures_months: str = ""
    figures_ready_on: date | None = None
    stamp: str = field(default="", repr=False)

    @property
    def figures(self) -> bool:
        return any(i.key == FIGURES for i in self.items)


def _brought(sitting: MeetingSitting) -> list[Conference]:
    return [c for c in sitting.conferences if c.status is not ConferenceStatus.CANCELLED]


def ordered(sitting: MeetingSitting, rows: list[AgendaItem]) -> list[tuple[str, AgendaItem | None]]:
    """The agenda's items in order, by key, each with its row if it has one."""
    by_key = {r.key: r for r in rows if r.key != TEXT_FIELD}
    keys: list[tuple[str, AgendaItem | None, int]] = [
        (key, by_key.get(key), _DEFAULT[key]) for key in ("apologies", "actions", "business")
    ]
    keys += [
        (f"case-{c.id}", by_key.get(f"case-{c.id}"), 100 + n)
        for n, c in enumerate(_brought(sitting))
    ]
    if FIGURES in by_key:
        keys.append((FIGURES, by_key[FIGURES], _DEFAULT[FIGURES]))
    keys += [(f"text-{r.id}", r, 900 + r.id) for r in rows if r.key == TEXT_FIELD]
    keys.sort(key=lambda k: (k[1].position if k[1] else k[2], k[2]))
    return [(key, row) for key, row, _ in keys]


def rows_of(session: Session, sitting_id: int) -> list[AgendaItem]:
    return list(
        session.scalars(
            select(AgendaItem).where(AgendaItem.sitting_id == sitting_id).order_by(AgendaItem.id)
        )
    )


def stamp_also(session: Session, sitting: MeetingSitting) -> list[object]:
    return [(r.id, r.key, r.position, r.text) for r in rows_of(session, sitting.id)] + [
        c.id for c in _brought(sitting)
    ]


def stamp(session: Session, sitting: MeetingSitting) -> str:
    """The agenda's stamp as it stands (the sitting, its items and its cases)."""
    return stamps.of(session, sitting, also=stamp_also(session, sitting))


def _case_item(session: Session, actor: Actor, conference: Conference) -> CaseItem:
    if conference.case.erased_at is not None:
        return CaseItem(None, None, None, erased=True)
    if not conference_listing.visible(session, actor, conference):
        return CaseItem(None, None, None)
    _, authorised = conference_pages.opened(
        session, actor, conference.id, acts.Action.MEETING_AGENDA
    )
    load_data_keys(session, {conference.case.data_key_id})
    question = reveal(authorised.decision, conference, ["question"])["question"]
    return CaseItem(conference.id, conference.case.reference, question)


def _item(session: Session, actor: Actor, key: str, row: AgendaItem | None) -> Item:
    if key.startswith("case-"):
        conference = session.get_one(Conference, int(key.removeprefix("case-")))
        return Item(key, "A case", case=_case_item(session, actor, conference))
    if key.startswith("text-") and row is not None:
        return Item(key, row.text or "", text=row.text, item_id=row.id)
    return Item(key, _TITLES[key])


def _previous(session: Session, sitting: MeetingSitting) -> MeetingSitting | None:
    return session.scalars(
        select(MeetingSitting)
        .where(
            MeetingSitting.series_id == sitting.series_id,
            MeetingSitting.starts_at < sitting.starts_at,
            MeetingSitting.cancelled_at.is_(None),
        )
        .order_by(MeetingSitting.starts_at.desc())
        .limit(1)
    ).first()


def _progress(
    session: Session, actor: Actor, previous: MeetingSitting | None
) -> tuple[list[Progress], int]:
    """The actions the previous sitting's cases agreed that the reader may open, and how
    many others there are."""
    if previous is None:
        return [], 0
    today = clock.today()
    shown, others = [], 0
    for conference in _brought(previous):
        agreed = session.scalars(
            select(Action).where(Action.conference_id == conference.id).order_by(Action.id)
        ).all()
        open_to_reader = conference.case.erased_at is None and conference_listing.visible(
            session, actor, conference
        )
        if not open_to_reader:
            others += len(agreed)
            continue
        shown += [
            Progress(
                case_reference=conference.case.reference,
                kind=a.kind.label,
                owner_agency=a.owner_agency.name,
                due_on=a.due_on,
                status=a.status_label,
                overdue=a.status is ActionStatus.OPEN and a.due_on is not None and a.due_on < today,
            )
            for a in agreed
        ]
    return shown, others


def _apologies(sitting: MeetingSitting) -> list[str]:
    standing = sitting_chairs.members_of(sitting)
    members = {m.id for m in standing}
    sent = {
        a.user_id
        for c in _brought(sitting)
        for a in c.attendees
        if a.attendance is Attendance.APOLOGIES and a.user_id in members
    }
    own = [sitting_apologies.said(a) for a in sitting.apologies]
    at_cases = [series.person(m) for m in standing if m.id in sent]
    return own + [p for p in at_cases if p not in own]


def agenda(session: Session, actor: Actor, series_id: int, sitting_id: int, *, form: str) -> Agenda:
    """The sitting's agenda as the reader may read it, recorded as one audit entry naming
    the form it was read in (``FORMS``), the cases and questions shown and the actions
    listed, by id. ``NotFound`` outside the meeting's area."""
    if form not in FORMS:
        raise ValueError(f"an agenda is read as one of {FORMS}, not {form!r}")
    sitting = sittings.sitting_of(session, actor, series_id, sitting_id)
    meeting = sitting.series
    items = [
        _item(session, actor, key, row)
        for key, row in ordered(sitting, rows_of(session, sitting.id))
    ]
    previous = _previous(session, sitting)
    progress, progress_others = _progress(session, actor, previous)
    cases = [i.case for i in items if i.case is not None]
    shown = [c.conference_id for c in cases if c.conference_id is not None]
    asked = [c.conference_id for c in cases if c.conference_id is not None and c.question]
    acts.record(
        session,
        acts.Action.MEETING_AGENDA,
        actor=actor,
        subject=acts.Subject("meeting_sitting", sitting.id),
        basis=(
            f"{form}; conferences {acts.ids(shown)}; questions {acts.ids(asked)}; "
            f"not open {len(cases) - len(shown)}; "
            f"previous sitting {previous.id if previous else 'none'}, actions shown "
            f"{len(progress)}, not open {progress_others}"
        ),
    )
    reader = session.get(User, actor.user_id)
    return Agenda(
        sitting_id=sitting.id,
        series_id=meeting.id,
        series_name=meeting.name,
        starts_at=sitting.starts_at,
        place=sitting.place,
        video_link=sitting.video_link,
        chair=series.person(sitting_chairs.chair_of(sitting)),
        members=[series.person(m) for m in sitting_chairs.members_of(sitting)],
        apologies=_apologies(sitting),
        items=items,
        previous_at=previous.starts_at if previous else None,
        previous_held=previous is not None and sittings.why_fixed(previous) is not None,
        progress=progress,
        progress_others=progress_others,
        cancelled=sitting.cancelled,
        handling=document(series.protocol_now(session, meeting) or meeting.protocol).handling,
        reader=series.person(reader) if reader else "",
        prepared_at=clock.now(),
        may_arrange=series.may_schedule(actor, meeting) and sittings.why_fixed(sitting) is None,
        fixed=sittings.why_fixed(sitting) if series.may_schedule(actor, meeting) else None,
        may_send_apologies=bool(sitting_apologies.recorders_of(actor, meeting))
        and sittings.why_fixed(sitting) is None,
        figures_months=meeting_packs.meeting_period(sitting).title,
        figures_ready_on=meeting_packs.ready_on(sitting, clock.today()),
        stamp=stamp(session, sitting),
    )
