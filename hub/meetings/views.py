"""Partnership meetings: the area's standing groups (an ASB problem-solving group, a CSP
tasking meeting), each with its sittings. This module holds the blueprint, the area's
list of meetings, a meeting's page and setting one up; changing a meeting is
``hub.meetings.changing``, its sittings ``hub.meetings.sittings``, bringing a case to a
sitting ``hub.meetings.bringing`` and a sitting's agenda ``hub.meetings.agenda``."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import ValidationError

from hub.choice_fields import ChoiceField, ChoicesField, by_agency, name_and_agency
from hub.conferences.convening import CONFERENCE_PURPOSE, chosen_protocol, protocol_choices
from hub.database import db
from hub.date_fields import DateInputField, shown_once
from hub.forms import HubForm, TextLimit
from hub.guard import forbid, require_roles
from hub.sent_once import accepted_once
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import conference_eligibility, conferences, series, series_pages
from sharing.models import User
from sharing.vocabulary import Cadence

bp = Blueprint("meetings", __name__)
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead")


@bp.route("/meetings")
def index() -> str:
    return render_template(
        "meetings/index.html",
        title="Partnership meetings",
        rows=series_pages.series_for(db(), current_user.actor),
        may_set_up=current_user.actor.has(*series.ORGANISERS),
    )


class SeriesForm(HubForm):
    name = StringField(
        "Name of the meeting", validators=[TextLimit(series.MAX_NAME, "the meeting's name")]
    )
    cadence = ChoiceField("How often it meets", message="Select how often it meets")
    protocol_purpose = ChoiceField(
        "Under which protocol, and for what purpose, are cases brought?",
        message="Select the protocol and purpose cases are brought under",
    )
    chair = ChoiceField("Chair", message="Select the chair")
    members = ChoicesField(
        "Standing members", message="Select the standing members from those offered"
    )
    first_at = DateInputField(
        "First sitting: date and time",
        with_time=True,
        subject="The date and time of the first sitting",
    )
    place = StringField(
        "Where it usually meets", validators=[TextLimit(conferences.MAX_PLACE, "the place")]
    )
    video_link = StringField(
        "Video link (optional)", validators=[TextLimit(conferences.MAX_LINK, "the video link")]
    )

    # What is missing is said at each field at once, not one field a time as the core
    # finds it (it checks them again, with the same words).

    def validate_name(self, field: StringField) -> None:
        _given(field.data, "Enter the meeting's name")

    def validate_cadence(self, field: ChoiceField) -> None:
        _given(field.data, "Select how often it meets")

    def validate_protocol_purpose(self, field: ChoiceField) -> None:
        _given(field.data, "Select an active protocol and purpose")

    def validate_chair(self, field: ChoiceField) -> None:
        _given(field.data, "Select the chair")

    def validate_members(self, field: ChoicesField) -> None:
        _given(field.data, "Select standing members from at least two agencies")

    def validate_first_at(self, field: DateInputField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date and time of the first sitting")
        shown_once(field)

    def validate_place(self, field: StringField) -> None:
        if not (field.data or "").strip() and not (self.video_link.data or "").strip():
            raise ValidationError("Enter where it meets, or a video link")


def _given(value: str | list[str] | None, missing: str) -> None:
    """Refuse a field left empty (blank text, no option chosen), saying ``missing``."""
    if not (value.strip() if isinstance(value, str) else value):
        raise ValidationError(missing)


_SERIES_FIELDS = {
    "protocol_purpose": "protocol_purpose",
    "chair_id": "chair",
    "member_ids": "members",
    "starts_at": "first_at",
}


@bp.route("/meetings/new", methods=["GET", "POST"])
@accepted_once
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
    eligible = series.members_eligible(db(), current_user.agency.area_id, protocol_id, purpose)
    refusals = offer_people(form, eligible, protocol_id, purpose)
    if form.validate_on_submit():
        data = series_input(form, protocol_id, purpose, first_at=form.first_at.data)
        try:
            made = series.set_up(db(), actor, data)
        except InputError as e:
            refuse_at_field(form, e)
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


def offer_people(
    form: SeriesForm,
    eligible: list[tuple[User, str | None]],
    protocol_id: int | None,
    purpose: str,
) -> dict[str, str]:
    """Offer as chair and members the people of the area who may be one under the protocol
    and purpose, by agency and name; refuse, saying why, anyone whose roles do not take
    part; and say once for each agency not a party to the protocol why its people may not
    be chosen. Gives what to say by a member's name (nothing yet: ``_cannot_stay`` adds)."""
    taking_part = [u for u, _ in eligible if conference_eligibility.part_refusal(u) is None]
    not_party = {
        u.agency_id: f"{u.agency.name} is not a party to that protocol for this purpose, so "
        "its people cannot be members"
        for u, why in eligible
        if why and conference_eligibility.part_refusal(u) is None
    }
    form.members.offer_grouped(by_agency(taking_part, hints=not_party))
    form.members.refused = {
        str(u.id): f"{u.display_name} cannot be a member: {why}"
        for u, _ in eligible
        if (why := conference_eligibility.part_refusal(u))
    }
    chairs = (
        u
        for u, why in eligible
        if why is None
        and conference_eligibility.chair_refusal(db(), u, protocol_id, purpose) is None
    )
    form.chair.offer_grouped(by_agency(chairs, name_and_agency), first=[("", "Choose the chair")])
    return {}


def series_input(
    form: SeriesForm,
    protocol_id: int | None,
    purpose: str,
    first_at: datetime | None = None,
) -> series.SeriesInput:
    return series.SeriesInput(
        name=form.name.data or "",
        cadence=form.cadence.data or "",
        protocol_id=protocol_id,
        purpose=purpose,
        chair_id=whole_number(form.chair.data),
        member_ids=[int(m) for m in form.members.data or []],
        first_at=first_at,
        place=form.place.data or "",
        video_link=form.video_link.data or "",
    )


def refuse_at_field(form: SeriesForm, refused: InputError) -> None:
    """Show the core's refusal at its field (the first field if it names none of the form's)."""
    field = form.field_by_name(_SERIES_FIELDS.get(refused.field, refused.field)) or form.name
    field.errors = [*field.errors, refused.message]


@bp.route("/meetings/<int:series_id>")
def show(series_id: int) -> str:
    try:
        page = series_pages.series_page(db(), current_user.actor, series_id)
    except NotFound:
        abort(404)
    return render_template("meetings/show.html", title=page.name, page=page)
