"""Recording who attended the conference, who came for whom, and who else was present."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.choice_fields import ChoiceField, ChoicesField
from hub.conferences.views import (
    _conference_page,
    _place_error,
    _refuse_meeting_form,
    _unwritable,
    bp,
)
from hub.database import db
from hub.forms import HubForm
from hub.guard import forbid
from sharing.errors import InputError, NotAllowed
from sharing.formats import whole_number
from sharing.meetings import conference_attendance
from sharing.models import Conference
from sharing.vocabulary import Attendance


def _attendance_form(choices: conference_attendance.AttendanceChoices) -> HubForm:
    """A form with a choice of attendance (and a deputy) for each person expected, and
    the others of the agencies at the table who came."""

    class AttendanceForm(HubForm):
        also_present = ChoicesField(
            "Also present (optional)", message="Select who else was present from those offered"
        )

    marks = [("", "Choose")] + [(m.value, m.label) for m in Attendance]
    for attendee in choices.expected:
        name = attendee.user.display_name
        setattr(
            AttendanceForm,
            f"attendance_{attendee.id}",
            ChoiceField(f"Did {name} attend?", message=f"Select whether {name} attended"),
        )
        setattr(
            AttendanceForm,
            f"deputy_{attendee.id}",
            ChoiceField(f"Who came for {name}?", message=f"Select who came for {name}"),
        )
    form = AttendanceForm()
    for attendee in choices.expected:
        getattr(form, f"attendance_{attendee.id}").choices = marks[1:]
        getattr(form, f"deputy_{attendee.id}").choices = [("", "No deputy")] + [
            (str(u.id), u.display_name)
            for u in choices.deputies.get(attendee.user.agency_id, [])
            if u.id != attendee.user_id
        ]
        if request.method == "GET" and attendee.attendance is not None:
            getattr(form, f"attendance_{attendee.id}").data = attendee.attendance.value
            getattr(form, f"deputy_{attendee.id}").data = str(attendee.deputy_id or "")
    form.also_present.choices = [
        (str(u.id), f"{u.display_name}, {u.agency.name}") for u in choices.others
    ]
    return form


@bp.route("/conferences/<int:conference_id>/attendance", methods=["GET", "POST"])
def attendance(conference_id: int) -> Response | tuple[str, int]:
    page = _conference_page(conference_id)
    if (back := _unwritable(page)) is not None:
        return back
    conference = db().get(Conference, conference_id)
    choices = conference_attendance.attendance_choices(db(), conference)
    form = _attendance_form(choices)
    if form.validate_on_submit():
        marks = {
            a.id: conference_attendance.Mark(
                Attendance(getattr(form, f"attendance_{a.id}").data),
                whole_number(getattr(form, f"deputy_{a.id}").data),
            )
            for a in choices.expected
        }
        try:
            conference_attendance.record_attendance(
                db(),
                current_user.actor,
                conference_id,
                marks,
                [int(u) for u in form.also_present.data or []],
            )
        except NotAllowed as refused:
            forbid(refused)
        except InputError as e:
            _place_error(form, e, "also_present")
        else:
            flash("Attendance recorded.", "success")
            return redirect(
                url_for("conferences.show", conference_id=conference_id, _anchor="meeting")
            )
    elif request.method == "POST":
        _refuse_meeting_form(conference_id, form, "also_present")
    return render_template(
        "conferences/attendance.html",
        title="Record who attended",
        form=form,
        page=page,
        expected=choices.expected,
    ), 400 if request.method == "POST" else 200
