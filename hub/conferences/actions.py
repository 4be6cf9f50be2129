"""Adding an action agreed at the conference to its plan and to the case."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.cases.actions import action_form
from hub.conferences.views import _conference_page, bp
from hub.database import db
from hub.guard import forbid
from hub.sent_once import accepted_once
from sharing.cases import actions
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import conference_actions

#: Why an agency invited to a conference may not add to its action plan.
ONLY_CONVENING = "only the convening agency adds the actions agreed at a conference"


@bp.route("/conferences/<int:conference_id>/actions/new", methods=["GET", "POST"])
@accepted_once
def add_action(conference_id: int) -> Response | tuple[str, int]:
    page = _conference_page(conference_id)
    if not page.convening:
        _refuse_action(conference_id, [])
        forbid(NotAllowed(ONLY_CONVENING))
    table = [(str(i.agency_id), i.agency) for i in page.invitations if not i.withdrawn]
    form = action_form([(str(current_user.agency_id), current_user.agency.name), *table])
    if request.method == "GET":
        form.owner_agency.data = str(current_user.agency_id)
    if form.validate_on_submit():
        data = actions.ActionInput(
            kind=form.kind.data,
            description=form.description.data or "",
            owner_agency_id=whole_number(form.owner_agency.data),
            owner_user_id=whole_number(form.owner_user.data),
            due_on=form.due_on.data,
        )
        try:
            conference_actions.add_action(db(), current_user.actor, conference_id, data)
        except NotFound:
            abort(404)
        except NotAllowed:
            abort(403)
        except InputError as e:
            field = {
                "owner_agency_id": form.owner_agency,
                "owner_user_id": form.owner_user,
                "due_on": form.due_on,
            }.get(e.field, form.description)
            field.errors = [*field.errors, e.message]
        else:
            flash("Action added to the conference's plan and to the case.", "success")
            return redirect(
                url_for("conferences.show", conference_id=conference_id, _anchor="actions")
            )
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        _refuse_action(conference_id, sorted(form.errors))
    return render_template(
        "conferences/action.html",
        title="Add an action agreed at the conference",
        form=form,
        page=page,
    ), 400 if request.method == "POST" else 200


def _refuse_action(conference_id: int, fields: list[str]) -> None:
    """Record an action form refused before the core saw it (or, with no fields, someone
    who may not open it, refused and recorded as the core would: 403)."""
    try:
        conference_actions.refuse_action_input(db(), current_user.actor, conference_id, fields)
    except (NotFound, NotAllowed):  # they read the conference: it exists for them
        forbid(NotAllowed(ONLY_CONVENING))
