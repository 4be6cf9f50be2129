"""Marking an action done (with what was done, and the day it was done) or cancelling it
(with why): by the case's own agency, as a record on its case, or by the agency that owns
it on a partner's case, even one locked since it was given (``agency_actions.closable``
decides who may). Closing one reads the case's row under its lock first, as approving a
lock does, so that an action closed as its case is locked is either closed before the
lock or decided again on the case now restricted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases.agency_actions import closable
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import ClosedWithCase, InputError
from sharing.formats import checked_text
from sharing.models import Action
from sharing.vocabulary import ActionStatus

#: The longest note (what was done, or why it was cancelled) an action takes.
MAX_NOTE = 2_000


def close_action(
    session: Session,
    actor: Actor,
    action_id: int,
    *,
    done: bool,
    note: str,
    done_on: date | None = None,
    now: datetime | None = None,
) -> Action:
    """Mark an action done (``note``: what was done; ``done_on``: the day it was done,
    today if not given, as an officer records a visit made before they were back at their
    desk) or cancelled (``note``: why). The case's own agency may close any action on its
    case (as a record on it); the agency that owns the action may close it on a partner's
    case, even one locked since it was given (closing it reads nothing of the case).
    ``NotFound`` for anyone else, and for an action on an erased case, or on the agency's
    own locked case outside its lock; an action already closed, or a note missing or too long,
    refused at the note, and a day to come or before the case was opened at ``done_on``
    (each recorded). The case's row is read under its lock first, as approving a lock
    reads it: an action closed as its case is locked is either closed before the lock (its
    agency, holding no open action, is not told of it) or waits for the lock and is then
    decided again on the case now restricted."""
    now = now or clock.now()
    action = closable(session, actor, action_id)
    # The case's row first, as a lock's approval, adding an action and changing one take
    # it, then the action's own row: closed twice at once, the second waits, then sees it.
    read_for_change(session, action.case, action)
    action = closable(session, actor, action_id)  # as the case now stands (locked meanwhile)
    case = action.case
    subject = acts.Subject("case", case.id)
    if action.status is not ActionStatus.OPEN:
        acts.refuse(
            session,
            acts.Action.ACTION_CLOSE,
            actor=actor,
            subject=subject,
            reason=f"refused: action {action.id} already {action.status.value}",
        )
        already = f"This action is already {action.status_label.lower()}"
        raise (ClosedWithCase if action.closed_with_case else InputError)("note", already)
    with acts.refusing_input(
        session, acts.Action.ACTION_CLOSE, actor=actor, subject=subject, what=f"action {action.id}"
    ):
        text = checked_text(
            "note",
            note,
            limit=MAX_NOTE,
            what="the note",
            required="Say what was done" if done else "Say why the action is cancelled",
        )
        day = _done_on(action, actor, done_on, clock.day_of(now)) if done else None
    action.status = ActionStatus.DONE if done else ActionStatus.CANCELLED
    action.completed_on = day
    action.closed_at = now
    action.closed_by_id = actor.user_id
    seal(action, "outcome_note", text)
    session.flush()
    acts.record(
        session,
        acts.Action.ACTION_CLOSE,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=f"action {action.id} {action.status.value}"
        + (f" on {day.isoformat()}" if day is not None and day != clock.day_of(now) else "")
        + f"; owned by agency {action.owner_agency_id}",
    )
    return action


def _done_on(action: Action, actor: Actor, done_on: date | None, today: date) -> date:
    """The day an action was done: ``done_on``, or today; refused at ``done_on`` if it is
    to come, or before the case was opened (nothing on it was done before then). To a
    partner outside the case's lock, who may not know the case's day, before the day the
    action was given instead."""
    if done_on is None:
        return today
    if done_on > today:
        raise InputError("done_on", "The day it was done must be today or earlier")
    case = action.case
    if case.locked and case.agency_id != actor.agency_id:
        given = clock.day_of(action.created_at)
        if done_on < given:
            raise InputError(
                "done_on",
                f"The day it was done must be on or after the day the action was given, "
                f"{clock.day_text(given)}",
            )
        return done_on
    opened = clock.day_of(case.opened_at)
    if done_on < opened:
        raise InputError(
            "done_on",
            f"The day it was done must be on or after the day the case was opened, "
            f"{clock.day_text(opened)}",
        )
    return done_on
