"""Apologies sent for a partnership meeting's sitting itself, beside those recorded at its
cases' conferences: an agency of the meeting's members (or the organising agency), or
someone of it by name, sends apologies. Its coordinator (``series.may_schedule``: the
chair, and the organising agency's managers and conference chairs) records them for any
such agency; anyone of such an agency who may open the sitting records them for their own
agency only. Each is removed the same way. Until the sitting is held or cancelled, as its
agenda changes (``sittings.why_fixed``).

Each act locks the sitting and checks the form's stamp (the sitting and its apologies),
and is one ``meeting.agenda_change`` entry naming the apology and its agency by id, never
the name typed; a refusal for its input is recorded naming the field."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.meetings import series, sittings
from sharing.models import Agency, MeetingSeries, MeetingSitting, SittingApology

#: The most a name may hold.
MAX_NAME = 100
AGENCY = "agency_id"
NAME = "name"
#: The field a refusal names when the sitting's apologies no longer change.
NO_LONGER = "apologies"
_ACTION = acts.Action.MEETING_AGENDA_CHANGE


@dataclass(frozen=True)
class Sent:
    """One apology, as the sitting's page lists it."""

    id: int
    #: "Name, Agency", or the agency's name alone.
    said: str
    #: Whether the reader may remove it.
    removable: bool


@dataclass(frozen=True)
class Apologies:
    """The sitting's own apologies, and what the reader may do with them."""

    sent: list[Sent]
    #: The agencies the reader may record apologies for, by name (id, name); none if they
    #: may record none, or the sitting's apologies no longer change.
    agencies: list[tuple[int, str]]
    #: Why they no longer change (the sitting cancelled or held), for those who might.
    fixed: str | None
    stamp: str


def said(apology: SittingApology) -> str:
    """The apology as the pages and the agenda name it."""
    agency = apology.agency.name
    return f"{apology.name}, {agency}" if apology.name else agency


def member_agencies(meeting: MeetingSeries) -> dict[int, str]:
    """The agencies that may send apologies: the organising agency's and its standing
    members', by id, sorted by name."""
    agencies = {meeting.agency_id: meeting.agency.name} | {
        m.user.agency_id: m.user.agency.name for m in meeting.members
    }
    return dict(sorted(agencies.items(), key=lambda a: a[1]))


def recorders_of(actor: Actor, meeting: MeetingSeries) -> dict[int, str]:
    """The agencies ``actor`` may record (and remove) apologies for: every member agency for
    the coordinator, their own for someone of a member agency, none for anyone else."""
    agencies = member_agencies(meeting)
    if series.may_schedule(actor, meeting):
        return agencies
    return {k: v for k, v in agencies.items() if k == actor.agency_id}


def removable_by(actor: Actor, meeting: MeetingSeries, apology: SittingApology) -> bool:
    """Whether ``actor`` may take ``apology`` off: the coordinator any (an agency's sent
    before it left the meeting's members too), someone of a member agency their own."""
    return series.may_schedule(actor, meeting) or apology.agency_id in recorders_of(actor, meeting)


def agency_refusal(
    session: Session, actor: Actor, meeting: MeetingSeries, agency_id: int | None
) -> str | None:
    """Why ``actor`` may not record apologies for the agency ``agency_id``, in words for
    the agency field (none chosen, not among the members' agencies, or another agency than
    their own for someone not the coordinator); None if they may."""
    if not agency_id:
        return "Select the agency sending apologies"
    if agency_id not in member_agencies(meeting):
        agency = session.get(Agency, agency_id)
        named = agency.name if agency else "That agency"
        return f"{named} is not an agency of {meeting.name}'s members: select one of theirs"
    mine = recorders_of(actor, meeting)
    if agency_id not in mine:
        own = session.get(Agency, actor.agency_id)
        return f"You may record apologies for your own agency only, {own.name if own else ''}"
    return None


def _rows(session: Session, sitting: MeetingSitting) -> list[SittingApology]:
    return list(
        session.scalars(
            select(SittingApology)
            .where(SittingApology.sitting_id == sitting.id)
            .order_by(SittingApology.id)
        )
    )


def _also(session: Session, sitting: MeetingSitting) -> list[object]:
    return [(a.id, a.agency_id, a.name) for a in _rows(session, sitting)]


def stamp(session: Session, sitting: MeetingSitting) -> str:
    """The stamp of the sitting and its apologies, for the forms that change them."""
    return stamps.of(session, sitting, also=_also(session, sitting))


def of(session: Session, actor: Actor, sitting: MeetingSitting) -> Apologies:
    """The sitting's own apologies for its page, and what ``actor`` may do with them."""
    mine = recorders_of(actor, sitting.series)
    fixed = sittings.why_fixed(sitting)
    return Apologies(
        sent=[
            Sent(a.id, said(a), removable=fixed is None and removable_by(actor, sitting.series, a))
            for a in _rows(session, sitting)
        ],
        agencies=[] if fixed else list(mine.items()),
        fixed=fixed if mine else None,
        stamp=stamp(session, sitting),
    )


def require_recorder(session: Session, actor: Actor, sitting: MeetingSitting) -> dict[int, str]:
    """The agencies ``actor`` may record apologies for (``recorders_of``); anyone who may
    record none is refused (recorded, ``NotAllowed``)."""
    mine = recorders_of(actor, sitting.series)
    if not mine:
        raise acts.refused(
            session,
            _ACTION,
            actor=actor,
            subject=acts.Subject("meeting_sitting", sitting.id),
            reason="apologies: not the coordinator nor of a member agency",
            answer=NotAllowed(
                "only the meeting's coordinator and its members' agencies record apologies"
            ),
        )
    return mine


def _for_change(
    session: Session, actor: Actor, series_id: int, sitting_id: int, opened: str | None
) -> tuple[MeetingSitting, dict[int, str]]:
    """The sitting, for someone who may record apologies for it (anyone else of the area
    refused, recorded, ``NotAllowed``), locked and as the form was opened
    (``ChangedMeanwhile`` if not), with the agencies they may record them for; refused at
    ``NO_LONGER`` once the sitting is cancelled or held."""
    sitting = sittings.sitting_of(session, actor, series_id, sitting_id)
    subject = acts.Subject("meeting_sitting", sitting.id)
    mine = require_recorder(session, actor, sitting)
    # Two recording at once (the same apologies, or one removing what the other records):
    # the second waits, then is checked against the first, stamp or none.
    read_for_change(session, sitting)
    stamps.check(session, opened, sitting, also=lambda: _also(session, sitting))
    if why := sittings.why_fixed(sitting):
        acts.refuse(
            session,
            _ACTION,
            actor=actor,
            subject=subject,
            reason="the sitting is cancelled or held",
        )
        raise InputError(NO_LONGER, f"{why}: its apologies no longer change")
    return sitting, mine


def record(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    agency_id: int | None,
    name: str,
    *,
    opened: str | None,
) -> SittingApology:
    """Record that the agency ``agency_id`` (or ``name`` of it) sends apologies for the
    sitting. Refused at ``AGENCY`` for none, an agency not among the members', or, for
    someone of a member agency, another agency; at ``NAME`` for a name too long or holding
    control characters, or apologies already recorded as sent."""
    sitting, _ = _for_change(session, actor, series_id, sitting_id, opened)
    subject = acts.Subject("meeting_sitting", sitting.id)
    with acts.refusing_input(session, _ACTION, actor=actor, subject=subject):
        if why := agency_refusal(session, actor, sitting.series, agency_id):
            raise InputError(AGENCY, why)
        words = checked_text(NAME, name, limit=MAX_NAME, what="the name")
        for row in _rows(session, sitting):
            if row.agency_id == agency_id and (row.name or "").casefold() == words.casefold():
                raise InputError(NAME, f"{said(row)} already sends apologies for this sitting")
    apology = SittingApology(
        sitting_id=sitting.id,
        agency_id=agency_id,
        name=words or None,
        added_by_id=actor.user_id,
        added_at=clock.now(),
    )
    session.add(apology)
    session.flush()
    acts.record(
        session,
        _ACTION,
        actor=actor,
        subject=subject,
        basis=f"apologies {apology.id} added, agency {agency_id}"
        + ("; named" if apology.name else ""),
    )
    return apology


def remove(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    apology_id: int,
    *,
    opened: str | None,
) -> None:
    """Take the apologies ``apology_id`` off the sitting (``NotFound`` if it holds none
    such); the coordinator any, someone of a member agency only their own agency's
    (anyone else's refused, recorded, ``NotAllowed``)."""
    sitting, _ = _for_change(session, actor, series_id, sitting_id, opened)
    apology = session.get(SittingApology, apology_id)
    if apology is None or apology.sitting_id != sitting.id:
        raise NotFound(apology_id)
    subject = acts.Subject("meeting_sitting", sitting.id)
    if not removable_by(actor, sitting.series, apology):
        raise acts.refused(
            session,
            _ACTION,
            actor=actor,
            subject=subject,
            reason=f"apologies {apology.id}: another agency's",
            answer=NotAllowed("only the coordinator removes another agency's apologies"),
        )
    session.delete(apology)
    session.flush()
    acts.record(
        session,
        _ACTION,
        actor=actor,
        subject=subject,
        basis=f"apologies {apology_id} removed, agency {apology.agency_id}",
    )


def refuse_input(
    session: Session, actor: Actor, series_id: int, sitting_id: int, fields: list[str]
) -> None:
    """Record apologies refused by the form before they came here, naming the fields."""
    acts.refuse(
        session,
        _ACTION,
        actor=actor,
        subject=acts.Subject("meeting_sitting", sitting_id),
        reason=acts.input_refused(fields),
    )
