"""The case conferences' blueprint and who it serves, and what its pages share: the
conference as the reader may read it, the forms of its meeting that may not be written now
or that were refused, and the stamp of a minute or decision being amended."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.database import db
from hub.forms import HubForm
from hub.guard import forbid, require_roles
from sharing import stamps
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.meetings import conference_pages, minutes
from sharing.models import ConferenceDecision, MinuteItem
from sharing.vocabulary import MinutesStatus

bp = Blueprint("conferences", __name__)
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead")


def _conference_page(conference_id: int) -> conference_pages.ConferencePage:
    """The conference as the user may read it (recorded as one view): 404 when they may
    not know of it, 403 when they may not open it."""
    try:
        return conference_pages.conference_page(db(), current_user.actor, conference_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


def _unwritable(page: conference_pages.ConferencePage) -> Response | None:
    """For a form of the meeting opened (GET) when the reader may not change its minutes
    now: back to the conference, saying why. A form sent (POST) goes to the core, which
    refuses it with the reason and records the refusal."""
    meeting = page.meeting
    if request.method == "POST" or (meeting is not None and meeting.may_write):
        return None
    if not (page.convening or page.chairing):
        _refuse_meeting_form(page.id, None)
        abort(403)
    if meeting is not None and meeting.status is MinutesStatus.AGREED:
        flash("The minutes are agreed, so they can no longer be changed.", "error")
    elif meeting is not None and meeting.status is MinutesStatus.CIRCULATED:
        flash("The minutes are circulated: only the chair may amend them now.", "error")
    else:
        flash("Minutes are written once the conference has begun.", "error")
    return redirect(url_for("conferences.show", conference_id=page.id, _anchor="meeting"))


def _refuse_meeting_form(conference_id: int, form: HubForm | None, fallback: str = "") -> None:
    """Record a form of the meeting that its own checks refused before the core saw it,
    naming its fields (with no form, someone who may not open it); whoever may not change
    the minutes now is answered as the core answers them."""
    fields = sorted(form.errors) if form is not None else []
    try:
        minutes.refuse_input(db(), current_user.actor, conference_id, fields)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    except InputError as e:
        if form is not None:
            _place_error(form, e, fallback)


def _place_error(form: HubForm, error: InputError, fallback: str) -> None:
    field = form.field_by_name(error.field) or getattr(form, fallback)
    field.errors = [*field.errors, error.message]


def _stamp(kind: type[MinuteItem | ConferenceDecision], part_id: int | None) -> str | None:
    """The stamp of a minute or decision being amended (none for a new one)."""
    part = db().get(kind, part_id) if part_id is not None else None
    return stamps.of(db(), part) if part is not None else None
