"""The open actions the agency owns, and closing one."""

from __future__ import annotations

from datetime import date

from flask import Response, request

from hub.api import bodies, paging, schemas
from hub.api.problems import Problem
from hub.api.views import _json, actor, bp, scoped
from hub.database import db
from sharing.cases import agency_actions, closing_actions
from sharing.errors import ClosedWithCase
from sharing.formats import is_digits, whole_number


@bp.route("/actions")
@scoped("actions")
def actions() -> Response:
    """The open actions your agency owns, on its own cases and partners', soonest due
    first, a page at a time (follow ``next`` until it is null: it continues from where
    the page's last action stood, so actions closed, moved or added meanwhile make it
    skip or repeat no other); what each is, when the case's decision lets your agency see
    it.
    ---
    get:
      tags: [Actions]
      parameters:
        - name: page
          in: query
          schema: {type: integer, minimum: 1, maximum: 100000, default: 1}
          description: the page (a page past the last is the last)
        - name: after
          in: query
          schema: {type: string, pattern: '^(\\d{4}-\\d{2}-\\d{2}|undated),\\d+$'}
          description: "where the page before ended: its last action's due day (or undated) and number, as next gives it"
      responses:
        200: {description: The actions, content: {application/json: {schema: AgencyActionsSchema}}}
        400: {description: "The page is not a whole number from 1 to 100000, after is not a place in the list, or both were sent (send one)"}
    """
    found = agency_actions.actions_for_agency(
        db(), actor(), paging.page_asked(), size=paging.PAGE_SIZE, after=_after_asked()
    )
    listed = [
        {
            "id": a.id,
            "kind": a.kind,
            "due_on": a.due_on,
            "overdue": a.overdue,
            "case_agency": a.case_agency,
            "case_officer": None if a.restricted else a.case_officer,
            "case_id": a.case_id,
            "case_reference": a.case_reference,
            "purpose": a.purpose,
            "description": a.description,
            "basis": a.basis,
            "may_complete": a.may_close,
        }
        for a in found.rows
    ]
    last = found.last
    place = paging.place_after(found, _written(last) if last else None)
    return _json(schemas.AgencyActionsSchema(), {"actions": listed, **place})


#: How an undated action's place is written in ``after``.
UNDATED = "undated"


def _written(place: agency_actions.Place) -> str:
    """A place in the list as ``after`` takes it: ``2026-12-08,484`` or ``undated,484``."""
    return f"{place.due_on.isoformat() if place.due_on else UNDATED},{place.id}"


def _day(text: str) -> date | None:
    """A day written ``2026-12-08``, if it is a real one."""
    parts = text.split("-")
    if [len(part) for part in parts] != [4, 2, 2] or not all(map(is_digits, parts)):
        return None
    try:
        return date(*map(int, parts))
    except ValueError:
        return None


def _after_asked() -> agency_actions.Place | None:
    """The place ``after`` asks to read on from (None when not given); a 400 problem at
    ``after`` for anything but a place as ``next`` writes it."""
    text = request.args.get("after")
    if text is None:
        return None
    day, _, number = text.partition(",")
    action_id = whole_number(number)
    due_on = None if day == UNDATED else _day(day)
    if action_id is None or action_id < 1 or (day != UNDATED and due_on is None):
        raise paging.not_a_place()
    return agency_actions.Place(due_on, action_id)


@bp.route("/actions/<int:action_id>/outcome", methods=["POST"])
@scoped("actions")
def close_action(action_id: int) -> Response:
    """Close an action. Mark it done (``note`` says what was done) or cancelled (``note``
    says why): an action your agency owns, or one on your agency's own case.
    ---
    post:
      tags: [Actions]
      parameters:
        - {name: action_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content: {application/json: {schema: ActionOutcomeSchema}}
      responses:
        200: {description: The action's new status, content: {application/json: {schema: ActionClosedSchema}}}
        404: {description: "No such action, or your agency may not close it"}
        409: {description: "The action's case is closed, and the action was closed with it"}
        422: {description: "Already closed, or the note is missing"}
    """
    body = bodies.loaded(schemas.ActionOutcomeSchema())
    try:
        closed = closing_actions.close_action(
            db(), actor(), action_id, done=body["outcome"] == "done", note=body["note"]
        )
    except ClosedWithCase:
        raise Problem(
            409, "Case closed", "The case is closed: the action was closed with it"
        ) from None
    return _json(schemas.ActionClosedSchema(), {"id": closed.id, "status": closed.status.value})
