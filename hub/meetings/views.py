"""Partnership meetings: the area's standing groups (an ASB problem-solving group, a CSP
tasking meeting), each with its sittings; a manager or conference chair sets one up; its
chair or organising agency schedules sittings; a case's owning agency brings the case to
a sitting, which convenes the case's conference for it (moving or cancelling a sitting is
``hub.meetings.sittings``)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from hub import opened
from hub.cases.views import case_to_work_on
from hub.conferences.convening import CONFERENCE_PURPOSE, chosen_protocol, protocol_choices
from hub.database import db
from hub.forms import (
    ChoiceField,
    ChoicesField,
    DateInputField,
    HubForm,
    TextLimit,
    accepted_once,
    by_agency,
    name_and_agency,
    shown_once,
)
from hub.guard import forbid, require_roles
from hub.templating import uk_date, uk_datetime
from sharing.access.decide import Act
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import conferences, series, series_changes, series_pages
from sharing.models import Conference, MeetingSeries, User
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
        _given(field.data, "Choose how often it meets")

    def validate_protocol_purpose(self, field: ChoiceField) -> None:
        _given(field.data, "Choose an active protocol and purpose")

    def validate_chair(self, field: ChoiceField) -> None:
        _given(field.data, "Choose the chair")

    def validate_members(self, field: ChoicesField) -> None:
        _given(field.data, "Choose standing members from at least two agencies")

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
    refusals = _offer_people(form, eligible, protocol_id, purpose)
    if form.validate_on_submit():
        data = _series_input(form, protocol_id, purpose, first_at=form.first_at.data)
        try:
            made = series.set_up(db(), actor, data)
        except InputError as e:
            _refuse(form, e)
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


def _offer_people(
    form: SeriesForm,
    eligible: list[tuple[User, str | None]],
    protocol_id: int | None,
    purpose: str,
) -> dict[str, str]:
    """Offer as chair and members the people of the area who may be one under the protocol
    and purpose, by agency and name; refuse, saying why, anyone whose roles do not take
    part; and say once for each agency not a party to the protocol why its people may not
    be chosen. Gives what to say by a member's name (nothing yet: ``_cannot_stay`` adds)."""
    taking_part = [u for u, _ in eligible if conferences.part_refusal(u) is None]
    not_party = {
        u.agency_id: f"{u.agency.name} is not a party to that protocol for this purpose, so "
        "its people cannot be members"
        for u, why in eligible
        if why and conferences.part_refusal(u) is None
    }
    form.members.offer_grouped(by_agency(taking_part, hints=not_party))
    form.members.refused = {
        str(u.id): f"{u.display_name} cannot be a member: {why}"
        for u, _ in eligible
        if (why := conferences.part_refusal(u))
    }
    chairs = (
        u
        for u, why in eligible
        if why is None and conferences.chair_refusal(db(), u, protocol_id, purpose) is None
    )
    form.chair.offer_grouped(by_agency(chairs, name_and_agency), first=[("", "Choose the chair")])
    return {}


def _series_input(
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


def _refuse(form: SeriesForm, refused: InputError) -> None:
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


class ChangeForm(SeriesForm):
    """The meeting's settings as :class:`SeriesForm` asks them, but for its first sitting:
    a sitting's date is changed on that sitting's own page."""

    first_at = None  # type: ignore[assignment]  # WTForms leaves a field set to None out


@bp.route("/meetings/<int:series_id>/change", methods=["GET", "POST"])
def change(series_id: int) -> Response | tuple[str, int]:
    actor = current_user.actor
    try:
        meeting = series_changes.require_changer(db(), actor, series_id)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    form = _change_form(ChangeForm())
    if request.method == "GET":
        _as_it_is(form, meeting)
        opened.carry(series_changes.stamp(db(), meeting))
    else:
        opened.carry(None)
    protocol_id, purpose = chosen_protocol(form.protocol_purpose.data)
    eligible = series.members_eligible(db(), meeting.area_id, protocol_id, purpose)
    refusals = _offer_people(form, eligible, protocol_id, purpose)
    leaving = _cannot_stay(form, meeting, protocol_id, purpose, refusals)
    chair_leaving = _chair_cannot_stay(form, meeting, eligible, protocol_id, purpose)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            changed = series_changes.change(
                db(),
                actor,
                series_id,
                _series_input(form, protocol_id, purpose),
                opened=opened.sent(),
            )
        except ChangedMeanwhile as e:
            now = _change_form(ChangeForm(formdata=None))
            now.members.choices, now.chair.choices = form.members.choices, form.chair.choices
            now.members.groups, now.chair.groups = form.members.groups, form.chair.groups
            _as_it_is(now, meeting)
            opened.show_changed(form, e, now, series_changes.stamp(db(), meeting))
            status = 200
        except InputError as e:
            _refuse(form, e)
        else:
            if changed.settings:
                flash(_changed_message(changed), "success")
            else:
                flash("Nothing changed: the meeting is as it was.", "info")
            return redirect(url_for("meetings.show", series_id=series_id))
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        series_changes.refuse_input(db(), actor, series_id, form.errors)
    return render_template(
        "meetings/change.html",
        title=f"Change {meeting.name}",
        form=form,
        meeting=meeting,
        refusals=refusals,
        leaving=leaving,
        chair_leaving=chair_leaving,
    ), status


def _changed_message(changed: series_changes.Changed) -> str:
    """What the change did, said to whoever made it: a new chair's conferences to come
    taken over (their agency invited to those it was not), and each one they may not
    chair, which keeps its chair, named with why."""
    said = (
        "Meeting changed. Cases brought to it from now on follow the change; sittings "
        "already scheduled keep their dates and places"
    )
    if "chair" not in changed.settings:
        return f"{said}, and cases already brought keep their conferences as they were."
    taken = len(changed.rechaired)
    said += (
        f". The new chair now chairs {taken} case conference{'s' if taken != 1 else ''} on "
        "its sittings to come in place of the old chair, and both are told"
        if taken
        else ", and no case conference on its sittings to come changed its chair"
    )
    if invited := len(changed.invited):
        said += (
            f". {changed.invited_agency} was not invited to {invited} of them, so it is "
            "now, with a share of the case for the conference as any agency invited, and "
            "is asked what it holds"
        )
    if changed.kept:
        said += ". " + ". ".join(changed.kept)
    return said + "."


def _change_form(form: ChangeForm) -> ChangeForm:
    form.cadence.choices = [("", "Choose")] + Cadence.choices()
    form.protocol_purpose.choices = [("", "Choose a protocol and purpose"), *protocol_choices()]
    return form


def _as_it_is(form: ChangeForm, meeting: MeetingSeries) -> None:
    """The form as the meeting stands, under the active version of its protocol (none
    chosen if it has none); members who could no longer be one are left unticked."""
    protocol = series.protocol_now(db(), meeting)
    form.name.data = meeting.name
    form.cadence.data = meeting.cadence.value
    form.protocol_purpose.data = f"{protocol.id}:{meeting.purpose}" if protocol else ""
    form.chair.data = str(meeting.chair_id)
    form.members.data = [
        str(user.id)
        for user, why in series_changes.standing_members(
            db(), meeting, protocol.id if protocol else None, meeting.purpose
        )
        if why is None
    ]
    form.place.data = meeting.place or ""
    form.video_link.data = meeting.video_link or ""


def _cannot_stay(
    form: ChangeForm,
    meeting: MeetingSeries,
    protocol_id: int | None,
    purpose: str,
    refusals: dict[str, str],
) -> list[str]:
    """The standing members who could no longer be one under the protocol and purpose
    chosen, each named with why: listed among the members with the reason, refused if
    ticked, dropped if not. Gives each as a sentence."""
    leaving = []
    offered = {value for value, _ in form.members.choices}
    for user, why in series_changes.standing_members(db(), meeting, protocol_id, purpose):
        if why is None:
            continue
        value, named = str(user.id), f"{user.display_name}, {user.agency.name}"
        if user.id != meeting.chair_id:  # the chair is named as chair
            leaving.append(f"{named}: {why}")
        refusals[value] = f"Can no longer take part: {why}. Leave unticked to drop them."
        if value not in offered:
            form.members.offer_in_group(user.agency.name, value, user.display_name)
            form.members.refused[value] = f"{user.display_name} cannot be a member: {why}"
    return leaving


def _chair_cannot_stay(
    form: ChangeForm,
    meeting: MeetingSeries,
    eligible: list[tuple[User, str | None]],
    protocol_id: int | None,
    purpose: str,
) -> str | None:
    """Why the meeting's chair could no longer chair it under the protocol and purpose
    chosen, naming them, if they could not (they are then not offered)."""
    if str(meeting.chair_id) in {value for value, _ in form.chair.choices}:
        return None
    chair = meeting.chair
    why = dict(eligible).get(chair, "their account is no longer active") or (
        conferences.chair_refusal(db(), chair, protocol_id, purpose)
    )
    form.chair.refused[str(chair.id)] = f"{chair.display_name} can no longer chair it: {why}"
    return f"{chair.display_name}, {chair.agency.name}, can no longer chair it ({why})"


class SittingForm(HubForm):
    starts_at = DateInputField(
        "Date and time", with_time=True, subject="The date and time of the sitting"
    )
    place = StringField(
        "Where it meets (leave empty for its usual place)",
        validators=[TextLimit(conferences.MAX_PLACE, "the place")],
    )
    video_link = StringField(
        "Video link (optional)", validators=[TextLimit(conferences.MAX_LINK, "the video link")]
    )

    def validate_starts_at(self, field: DateInputField) -> None:
        shown_once(field)


@bp.route("/meetings/<int:series_id>/sittings/new", methods=["GET", "POST"])
@accepted_once
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
        "meetings/sitting.html", title=f"{page.series_name}, {uk_date(page.starts_at)}", page=page
    )


class BringForm(HubForm):
    sitting = ChoiceField("The sitting to bring it to", message="Select the sitting to bring it to")
    question = TextAreaField(
        "What is the meeting to decide about this case?",
        validators=[TextLimit(conferences.MAX_QUESTION, "the question")],
    )
    agenda = TextAreaField(
        "Agenda for this case (optional)",
        validators=[TextLimit(conferences.MAX_AGENDA, "the agenda")],
    )


@bp.route("/cases/<int:case_id>/meetings/bring", methods=["GET", "POST"])
@accepted_once
def bring(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.CONVENE, "partnership meeting form")
    area_id = authorised.case.agency.area_id
    sittings = series.sittings_to_bring(db(), area_id, case_id=case_id)
    offered = {s.id for s in sittings}
    already = [s for s in series.sittings_to_bring(db(), area_id) if s.id not in offered]
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
                f"meeting until {uk_date(conference.shares_end)}, and its conference page "
                "holds the pack, minutes and actions." + _left_out(conference),
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
        already=already,
    ), status


def _left_out(conference: Conference) -> str:
    """Who of the meeting's standing members is not expected at the case's conference,
    and why (said to the officer who brought it)."""
    left_out = series.members_left_out(
        db(), conference.sitting.series, conference.protocol, conference.case
    )
    if not left_out:
        return ""
    return (
        " Not expected, as they cannot take part: "
        + "; ".join(f"{u.display_name}, {u.agency.name} ({why})" for u, why in left_out)
        + "."
    )
