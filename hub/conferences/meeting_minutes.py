"""The minutes of the conference: adding and amending a minute of an agenda item, and
circulating and agreeing the minutes."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub import opened
from hub.conferences.views import (
    _conference_page,
    _place_error,
    _refuse_meeting_form,
    _stamp,
    _unwritable,
    bp,
)
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from hub.sent_once import accepted_once
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.meetings import minutes
from sharing.models import MinuteItem


class MinuteForm(HubForm):
    heading = StringField(
        "Agenda item", validators=[TextLimit(minutes.MAX_HEADING, "the agenda item")]
    )
    discussion = TextAreaField(
        "What was discussed and agreed",
        validators=[TextLimit(minutes.MAX_MINUTE, "what was discussed and agreed")],
    )


@bp.route("/conferences/<int:conference_id>/minutes/new", methods=["GET", "POST"])
@bp.route("/conferences/<int:conference_id>/minutes/<int:item_id>", methods=["GET", "POST"])
@accepted_once
def minute(conference_id: int, item_id: int | None = None) -> Response | tuple[str, int]:
    page = _conference_page(conference_id)
    if (back := _unwritable(page)) is not None:
        return back
    existing = None
    if item_id is not None:
        existing = next((m for m in page.meeting.minutes if m.id == item_id), None)
        if existing is None:
            abort(404)
    form = MinuteForm()
    if request.method == "GET" and existing is not None:
        form.heading.data, form.discussion.data = existing.heading, existing.discussion
    opened.carry(_stamp(MinuteItem, item_id))
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            changed = minutes.save_minute(
                db(),
                current_user.actor,
                conference_id,
                form.heading.data or "",
                form.discussion.data or "",
                item_id=item_id,
                opened=opened.sent(),
            )
        except NotAllowed as refused:
            forbid(refused)
        except ChangedMeanwhile as e:
            page = _conference_page(conference_id)
            now = MinuteForm(formdata=None)
            amended = next(m for m in page.meeting.minutes if m.id == item_id)
            now.heading.data, now.discussion.data = amended.heading, amended.discussion
            opened.show_changed(form, e, now, _stamp(MinuteItem, item_id) or "")
            status = 200
        except InputError as e:
            _place_error(form, e, "discussion")
        else:
            if not changed:
                flash("Nothing changed: the minute is as it was.", "info")
            else:
                flash("Minute saved." if item_id else "Minute added.", "success")
            return redirect(
                url_for("conferences.show", conference_id=conference_id, _anchor="minutes")
            )
    elif request.method == "POST":
        _refuse_meeting_form(conference_id, form, "discussion")
    return render_template(
        "conferences/minute.html",
        title="Amend the minute" if item_id else "Add the minute of an agenda item",
        form=form,
        page=page,
    ), status


@bp.route("/conferences/<int:conference_id>/minutes/circulate", methods=["POST"])
def circulate(conference_id: int) -> Response:
    return _minutes_step(conference_id, minutes.circulate, "Minutes circulated to the attendees.")


@bp.route("/conferences/<int:conference_id>/minutes/agree", methods=["POST"])
def agree(conference_id: int) -> Response:
    return _minutes_step(
        conference_id, minutes.agree, "Minutes agreed. They can no longer be changed."
    )


def _minutes_step(conference_id: int, step: Callable[..., object], done: str) -> Response:
    try:
        step(db(), current_user.actor, conference_id)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    except InputError as e:
        flash(e.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("conferences.show", conference_id=conference_id, _anchor="meeting"))
