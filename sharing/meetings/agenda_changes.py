"""Changes to a sitting's agenda by its coordinator (the chair or the organising agency):
the order of its items, the items in their own words, the figures pack attached. Each
change locks the sitting, checks the form's stamp, and is one audit entry naming what
changed by id, never the coordinator's words; a change refused for its input is recorded
naming the fields."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import checked_text
from sharing.meetings import agenda, series, sittings
from sharing.models import AgendaItem, MeetingSitting


def _for_change(
    session: Session, actor: Actor, series_id: int, sitting_id: int, opened: str | None
) -> MeetingSitting:
    """The sitting, for its coordinator (``series.may_schedule``; anyone else of the area
    refused, recorded, ``NotAllowed``), locked and as the form was opened
    (``ChangedMeanwhile`` if not); the agenda of a sitting cancelled or held (its time
    passed, or minutes recorded for one of its cases) no longer changes."""
    sitting = sittings.sitting_of(session, actor, series_id, sitting_id)
    if not series.may_schedule(actor, sitting.series):
        raise acts.refused(
            session,
            acts.Action.MEETING_AGENDA_CHANGE,
            actor=actor,
            subject=acts.Subject("meeting_sitting", sitting.id),
            reason="not the chair or the organising agency",
            answer=NotAllowed("only the chair and the organising agency arrange its agenda"),
        )
    stamps.check(session, opened, sitting, also=lambda: agenda.stamp_also(session, sitting))
    if why := sittings.why_fixed(sitting):
        acts.refuse(
            session,
            acts.Action.MEETING_AGENDA_CHANGE,
            actor=actor,
            subject=acts.Subject("meeting_sitting", sitting.id),
            reason="the sitting is cancelled or held",
        )
        raise InputError(agenda.TEXT_FIELD, f"{why}: its agenda no longer changes")
    return sitting


def _changed(session: Session, actor: Actor, sitting: MeetingSitting, what: str) -> None:
    session.flush()
    acts.record(
        session,
        acts.Action.MEETING_AGENDA_CHANGE,
        actor=actor,
        subject=acts.Subject("meeting_sitting", sitting.id),
        basis=what,
    )


def _row(actor: Actor, sitting: MeetingSitting, key: str, text: str | None = None) -> AgendaItem:
    return AgendaItem(
        sitting_id=sitting.id,
        key=key,
        position=0,
        text=text,
        added_by_id=actor.user_id,
        added_at=clock.now(),
    )


def _renumber(session: Session, actor: Actor, sitting: MeetingSitting, keys: list[str]) -> None:
    """Keep ``keys`` as the agenda's order, giving each item a row with its place."""
    by_key = {
        r.key if r.key != agenda.TEXT_FIELD else f"text-{r.id}": r
        for r in agenda.rows_of(session, sitting.id)
    }
    for place, key in enumerate(keys, start=1):
        row = by_key.get(key)
        if row is None:
            row = _row(actor, sitting, key)
            session.add(row)
        row.position = place * 10


def move(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    key: str,
    *,
    up: bool,
    opened: str | None,
) -> None:
    """Move the item ``key`` one place up or down the agenda; ``NotFound`` for an item the
    agenda does not hold; the first is refused up (the last down), recorded as refused."""
    sitting = _for_change(session, actor, series_id, sitting_id, opened)
    keys = [k for k, _ in agenda.ordered(sitting, agenda.rows_of(session, sitting.id))]
    if key not in keys:
        raise NotFound(key)
    at = keys.index(key)
    to = at - 1 if up else at + 1
    if not 0 <= to < len(keys):
        refuse_input(session, actor, series_id, sitting.id, ["key"])
        raise InputError("key", f"That item is already {'first' if up else 'last'} on the agenda")
    keys[at], keys[to] = keys[to], keys[at]
    _renumber(session, actor, sitting, keys)
    _changed(session, actor, sitting, f"moved {key} {'up' if up else 'down'}")


def add_item(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    text: str,
    *,
    opened: str | None,
) -> AgendaItem:
    """Add an item in the coordinator's words, before any other business; refused at
    ``text`` if empty or longer than ``agenda.MAX_TEXT``."""
    sitting = _for_change(session, actor, series_id, sitting_id, opened)
    try:
        words = checked_text(
            agenda.TEXT_FIELD,
            text,
            limit=agenda.MAX_TEXT,
            what="the item",
            required="Enter the item to add",
        )
    except InputError:
        refuse_input(session, actor, series_id, sitting.id, [agenda.TEXT_FIELD])
        raise
    keys = [k for k, _ in agenda.ordered(sitting, agenda.rows_of(session, sitting.id))]
    row = _row(actor, sitting, agenda.TEXT_FIELD, words)
    session.add(row)
    session.flush()
    keys.insert(keys.index("business") if "business" in keys else len(keys), f"text-{row.id}")
    _renumber(session, actor, sitting, keys)
    _changed(session, actor, sitting, f"added item {row.id}")
    return row


def remove_item(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    item_id: int,
    *,
    opened: str | None,
) -> None:
    """Take an item in the coordinator's words off the agenda."""
    sitting = _for_change(session, actor, series_id, sitting_id, opened)
    row = session.get(AgendaItem, item_id)
    if row is None or row.sitting_id != sitting.id or row.key != agenda.TEXT_FIELD:
        raise NotFound(item_id)
    session.delete(row)
    _changed(session, actor, sitting, f"removed item {item_id}")


def attach_figures(
    session: Session,
    actor: Actor,
    series_id: int,
    sitting_id: int,
    *,
    attached: bool,
    opened: str | None,
) -> None:
    """Attach the partnership's figures pack for the sitting to its agenda, or take it off."""
    sitting = _for_change(session, actor, series_id, sitting_id, opened)
    keys = [k for k, _ in agenda.ordered(sitting, agenda.rows_of(session, sitting.id))]
    row = next((r for r in agenda.rows_of(session, sitting.id) if r.key == agenda.FIGURES), None)
    if attached and row is None:
        after_cases = next(
            i for i, k in enumerate(keys) if k.startswith("text-") or k == "business"
        )
        keys.insert(after_cases, agenda.FIGURES)
        _renumber(session, actor, sitting, keys)
    elif not attached and row is not None:
        session.delete(row)
    else:
        return
    _changed(session, actor, sitting, "figures attached" if attached else "figures taken off")


def refuse_input(
    session: Session, actor: Actor, series_id: int, sitting_id: int, fields: list[str]
) -> None:
    """Record an agenda change refused for its input, naming the fields, never the words."""
    acts.refuse(
        session,
        acts.Action.MEETING_AGENDA_CHANGE,
        actor=actor,
        subject=acts.Subject("meeting_sitting", sitting_id),
        reason=acts.input_refused(fields),
    )
