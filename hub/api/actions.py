"""The open actions the agency owns, and closing one."""

from __future__ import annotations

from flask import Response

from hub.api import bodies, paging, schemas
from hub.api.problems import FieldProblem, Problem
from hub.api.views import _json, actor, bp, scoped
from hub.database import db
from sharing.cases import agency_actions
from sharing.errors import InputError


@bp.route("/actions")
@scoped("actions")
def actions() -> Response:
    """The open actions your agency owns, on its own cases and partners', soonest due
    first, a page at a time (follow ``next`` until it is null: it continues after the
    page's last action, so actions closed or added meanwhile are neither skipped nor
    listed twice); what each is, when the case's decision lets your agency see it.
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
          schema: {type: integer, minimum: 1}
          description: the actions after this one of your agency's (what next asks for)
      responses:
        200: {description: The actions, content: {application/json: {schema: AgencyActionsSchema}}}
        400: {description: "The page is not a whole number from 1 to 100000, or after is not an action your agency owns"}
    """
    try:
        found = agency_actions.actions_for_agency(
            db(), actor(), paging.page_asked(), size=paging.PAGE_SIZE, after=paging.after_asked()
        )
    except InputError as e:
        raise Problem(
            400,
            "Invalid request",
            "after is not an action your agency owns",
            errors=[FieldProblem(e.field, e.message)],
        ) from None
    listed = [
        {
            "id": a.id,
            "kind": a.kind,
            "due_on": a.due_on,
            "overdue": a.overdue,
            "case_agency": a.case_agency,
            "case_officer": a.case_officer,
            "case_id": a.case_id,
            "case_reference": a.case_reference,
            "purpose": a.purpose,
            "description": a.description,
            "basis": a.basis,
            "may_complete": a.may_close,
        }
        for a in found.rows
    ]
    last = found.rows[-1].id if found.rows else None
    place = paging.place_after(found, found.more, last)
    return _json(schemas.AgencyActionsSchema(), {"actions": listed, **place})


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
        422: {description: "Already closed, or the note is missing"}
    """
    body = bodies.loaded(schemas.ActionOutcomeSchema())
    closed = agency_actions.close_action(
        db(), actor(), action_id, done=body["outcome"] == "done", note=body["note"]
    )
    return _json(schemas.ActionClosedSchema(), {"id": closed.id, "status": closed.status.value})
