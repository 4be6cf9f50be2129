"""Partnership meetings: the area's standing groups (an ASB problem-solving group, a CSP
tasking meeting), each with its sittings; a manager or conference chair sets one up; its
chair or organising agency schedules sittings; a case's owning agency brings the case to
a sitting, which convenes the case's conference for it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub.cases.views import case_to_work_on
from hub.conferences.views import CONFERENCE_PURPOSE, chosen_protocol, protocol_choices
from hub.database import db
from hub.forms import ChoiceField, ChoicesField, DateInputField, HubForm
from hub.guard import forbid, require_roles
from hub.templating import uk_datetime
from sharing.access.decide import Act
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import conferences, series, series_pages
from sharing.models import Conference
from sharing.vocabulary import Cadence

bp = Blueprint("meetings", __name__)
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair")


@bp.route("/meetings")
def index() -> str:
    return render_template(
        "meetings/index.html",
        title="Partnership meetings",
        rows=series_pages.series_for(db(), current_user.actor),
        may_set_up=current_user.actor.has(*series.ORGANISERS),
    )


class SeriesForm(HubForm):
    name = StringField("Name of the meeting")
    cadence = ChoiceField("How often it meets")
    protocol_purpose = ChoiceField("Under which protocol, and for what purpose, are cases brought?")
    chair = ChoiceField("Chair")
    members = ChoicesField("Standing members")
    first_at = DateInputField("First sitting: date and time", with_time=True)
    place = StringField("Where it usually meets")
    video_link = StringField("Video link (optional)")


_SERIES_FIELDS = {
    "protocol_purpose": "protocol_purpose",
    "chair_id": "chair",
    "member_ids": "members",
    "starts_at": "first_at",
}


@bp.route("/meetings/new", methods=["GET", "POST"])
def set_up() -> Response | tuple[str, int]:
    actor = current_user.actor
    try:
        series.require_organiser(db(), actor)
    except NotAllowed as refused:
        forbid(refused)
    form = SeriesForm()
    form.cadence.choices = [("", "Choose")] + Cadence.choices()
    purposes = protocol_choices()
    form.protocol_purpose.choices = [("", "Choose a protocol and purpose"), *purposes]
    if request.method == "GET":
        form.protocol_purpose.data = next(
            (v for v, _ in purposes if v.endswith(f":{CONFERENCE_PURPOSE}")), ""
        )
    protocol_id, purpose = chosen_protocol(form.protocol_purpose.data)
    area_id = current_user.agency.area_id
    eligible = series.members_eligible(db(), area_id, protocol_id, purpose)
    form.members.choices = [
        (str(u.id), f"{u.display_name}, {u.agency.name}")
        for u, _ in eligible
        if conferences.part_refusal(u) is None
    ]
    form.members.refused = {
        str(u.id): f"{u.display_name} cannot be a member: {why}"
        for u, _ in eligible
        if (why := conferences.part_refusal(u))
    }
    form.chair.choices = [("", "Choose the chair")] + [
        (str(u.id), f"{u.display_name}, {u.agency.name}")
        for u, why in eligible
        if why is None and conferences.chair_refusal(db(), u, protocol_id, purpose) is None
    ]
    refusals = {
        str(u.id): why for u, why in eligible if why and u.has_role(*conferences.TAKING_PART)
    }
    if form.validate_on_submit():
        data = series.SeriesInput(
            name=form.name.data or "",
            cadence=form.cadence.data or "",
            protocol_id=protocol_id,
            purpose=purpose,
            chair_id=whole_number(form.chair.data),
            member_ids=[int(m) for m in form.members.data or []],
            first_at=form.first_at.data,
            place=form.place.data or "",
            video_link=form.video_link.data or "",
        )
        try:
            made = series.set_up(db(), actor, data)
        except InputError as e:
            field = form.field_by_name(_SERIES_FIELDS.get(e.field, e.field)) or form.name
            field.errors = [*field.errors, e.message]
        else:
            flash("Partnership meeting set up, with its first sitting.", "success")
            return redirect(url_for("meetings.show", series_id=made.id))
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        series.refuse_input(db(), actor, sorted(form.errors))
    return render_template(
        "meetings/new.html",
        title="Set up a partnership meeting",
        form=form,
        refusals=refusals,
    ), 400 if request.method == "POST" else 200


@bp.route("/meetings/<int:series_id>")
def show(series_id: int) -> str:
    try:
        page = series_pages.series_page(db(), current_user.actor, series_id)
    except NotFound:
        abort(404)
    return render_template("meetings/show.html", title=page.name, page=page)


class SittingForm(HubForm):
    starts_at = DateInputField("Date and time", with_time=True)
    place = StringField("Where it meets (leave empty for its usual place)")
    video_link = StringField("Video link (optional)")


@bp.route("/meetings/<int:series_id>/sittings/new", methods=["GET", "POST"])
def schedule(series_id: int) -> Response | tuple[str, int]:
    try:
        page = series_pages.series_page(db(), current_user.actor, series_id)
    except NotFound:
        abort(404)
    if not page.may_schedule:
        try:
            series.require_scheduler(db(), current_user.actor, series_id)
        except NotAllowed as refused:
            forbid(refused)
    form = SittingForm()
    if request.method == "GET":
        form.starts_at.process(None, page.proposed)
    if form.validate_on_submit():
        try:
            series.schedule(
                db(),
                current_user.actor,
                series_id,
                form.starts_at.data,
                place=form.place.data or "",
                video_link=form.video_link.data or "",
            )
        except NotAllowed as refused:
            forbid(refused)
        except InputError as e:
            field = form.field_by_name(e.field) or form.starts_at
            field.errors = [*field.errors, e.message]
        else:
            flash("Sitting scheduled.", "success")
            return redirect(url_for("meetings.show", series_id=series_id))
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        series.refuse_input(db(), current_user.actor, sorted(form.errors), series_id=series_id)
    return render_template(
        "meetings/schedule.html",
        title=f"Schedule a sitting of {page.name}",
        form=form,
        page=page,
    ), 400 if request.method == "POST" else 200


@bp.route("/meetings/<int:series_id>/sittings/<int:sitting_id>")
def sitting(series_id: int, sitting_id: int) -> str:
    try:
        page = series_pages.sitting_page(db(), current_user.actor, series_id, sitting_id)
    except NotFound:
        abort(404)
    return render_template(
        "meetings/sitting.html", title=f"{page.series_name}, {page.starts_at:%d %B %Y}", page=page
    )


class BringForm(HubForm):
    sitting = ChoiceField("The sitting to bring it to")
    question = TextAreaField("What is the meeting to decide about this case?")
    agenda = TextAreaField("Agenda for this case (optional)")


@bp.route("/cases/<int:case_id>/meetings/bring", methods=["GET", "POST"])
def bring(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.CONVENE, "partnership meeting form")
    sittings = series.sittings_to_bring(db(), authorised.case.agency.area_id)
    form = BringForm()
    form.sitting.choices = [("", "Choose a sitting")] + [
        (str(s.id), f"{s.series.name}: {uk_datetime(s.starts_at)}") for s in sittings
    ]
    recorded = False
    if form.validate_on_submit():
        try:
            conference = series.bring_case(
                db(),
                authorised,
                whole_number(form.sitting.data),
                form.question.data or "",
                agenda=form.agenda.data or "",
                share_days=current_app.config["HUB_SETTINGS"].conference_share_days,
            )
        except InputError as e:
            recorded = True
            field = {"question": form.question, "agenda": form.agenda}.get(e.field, form.sitting)
            field.errors = [*field.errors, e.message]
        except NotAllowed as e:
            recorded = True
            form.sitting.errors = [*form.sitting.errors, f"This case cannot be shared: {e}"]
        else:
            flash(
                "Case brought to the meeting. Its members' agencies can now open it for the "
                "meeting, and its conference page holds the pack, minutes and actions."
                + _left_out(conference),
                "success",
            )
            return redirect(url_for("conferences.show", conference_id=conference.id))
    status = 200
    if request.method == "POST":
        status = 400
        if not recorded:
            conferences.refuse_input(db(), authorised, sorted(form.errors))
    return render_template(
        "meetings/bring.html",
        title=f"Bring case {case.reference} to a partnership meeting",
        form=form,
        case=case,
        sittings=sittings,
    ), status


def _left_out(conference: Conference) -> str:
    """Who of the meeting's standing members is not expected at the case's conference,
    and why (said to the officer who brought it)."""
    left_out = series.members_left_out(db(), conference.sitting.series, conference.protocol)
    if not left_out:
        return ""
    return (
        " Not expected, as they can no longer take part: "
        + "; ".join(f"{u.display_name}, {u.agency.name} ({why})" for u, why in left_out)
        + "."
    )
