"""Case conferences: the owning agency convenes one from a case (or from its escalation
prompt), inviting partner agencies; attendees open the conference page; the conferences
list shows what my agency convened or is invited to."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub.cases.forms import ActionForm
from hub.cases.views import case_to_work_on
from hub.database import db
from hub.forms import ChoiceField, ChoicesField, DateInputField, HubForm, whole_number
from hub.guard import require_roles
from sharing import clock
from sharing.access.decide import Act
from sharing.cases import casework
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.meetings import conferences, requests
from sharing.protocols.records import shareable_purposes

bp = Blueprint("conferences", __name__)
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair")

#: The purpose a new conference runs under unless the convenor chooses another.
CONFERENCE_PURPOSE = "case_conference"


class ConveneForm(HubForm):
    question = TextAreaField("What is the conference to decide?")
    starts_at = DateInputField("Date and time", with_time=True)
    place = StringField("Where it meets")
    video_link = StringField("Video link (optional)")
    protocol_purpose = ChoiceField("Under which protocol, and for what purpose?")
    agencies = ChoicesField("Agencies to invite")
    chair = ChoiceField("Chair")
    attendees = ChoicesField("People expected (optional)")
    agenda = TextAreaField("Agenda (optional)")


_FIELDS = {
    "question": "question",
    "starts_at": "starts_at",
    "place": "place",
    "video_link": "video_link",
    "protocol_purpose": "protocol_purpose",
    "agency_ids": "agencies",
    "chair_id": "chair",
    "attendee_ids": "attendees",
    "agenda": "agenda",
    "escalation_id": "question",
}


def _chosen(value: str | None) -> tuple[int | None, str]:
    protocol_id, _, purpose = (value or "").partition(":")
    return whole_number(protocol_id), purpose


@bp.route("/cases/<int:case_id>/conferences/new", methods=["GET", "POST"])
def convene(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.CONVENE, "conference form")
    record = authorised.case
    form = ConveneForm()
    purposes = [
        (f"{r.id}:{p.id}", f"{r.title} (version {r.version}): {p.title}")
        for r, p in shareable_purposes(db())
    ]
    form.protocol_purpose.choices = [("", "Choose a protocol and purpose"), *purposes]
    if request.method == "GET":
        form.protocol_purpose.data = next(
            (v for v, _ in purposes if v.endswith(f":{CONFERENCE_PURPOSE}")), ""
        )
    protocol_id, purpose = _chosen(form.protocol_purpose.data)
    options = conferences.invitable(db(), record, protocol_id, purpose)
    form.agencies.choices = [(str(o.agency.id), o.agency.name) for o in options]
    refusals = {str(o.agency.id): o.refusal for o in options if o.refusal}
    chairs = conferences.chairs(db(), record.agency.area_id)
    form.chair.choices = [("", "Choose the chair")] + [
        (str(u.id), f"{u.display_name}, {u.agency.name}") for u in chairs
    ]
    people = conferences.possible_attendees(db(), record.agency.area_id)
    form.attendees.choices = [(str(u.id), f"{u.display_name}, {u.agency.name}") for u in people]
    escalation_id = whole_number(request.args.get("escalation"))
    recorded = False  # whether the core has recorded a refusal of this attempt
    if form.validate_on_submit():
        data = conferences.ConferenceInput(
            question=form.question.data or "",
            starts_at=form.starts_at.data,
            protocol_id=protocol_id,
            purpose=purpose,
            agency_ids=[int(a) for a in form.agencies.data or []],
            chair_id=whole_number(form.chair.data),
            place=form.place.data or "",
            video_link=form.video_link.data or "",
            agenda=form.agenda.data or "",
            attendee_ids=[int(a) for a in form.attendees.data or []],
            escalation_id=escalation_id,
        )
        try:
            conference = conferences.convene(
                db(),
                authorised,
                data,
                share_days=current_app.config["HUB_SETTINGS"].conference_share_days,
            )
        except InputError as e:
            recorded = True
            field = getattr(form, _FIELDS.get(e.field, "question"))
            field.errors = [*field.errors, e.message]
        except NotAllowed as e:
            form.agencies.errors = [*form.agencies.errors, f"This case cannot be shared: {e}"]
        else:
            flash(
                "Conference convened. Each agency invited can now open the case for the "
                "conference until "
                f"{conference.share_days} days after it.",
                "success",
            )
            return redirect(url_for("conferences.show", conference_id=conference.id))
    status = 200
    if request.method == "POST":
        status = 400
        if not recorded:  # the form's own checks refused it before the core saw it
            conferences.refuse_input(db(), authorised, sorted(form.errors))
    return render_template(
        "conferences/new.html",
        title=f"Convene a case conference on case {case.reference}",
        form=form,
        case=case,
        refusals=refusals,
        escalation_id=escalation_id,
    ), status


@bp.route("/conferences/<int:conference_id>")
def show(conference_id: int) -> str:
    try:
        page = conferences.conference_page(db(), current_user.actor, conference_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    return render_template(
        "conferences/show.html", title=f"Case conference on case {page.case_reference}", page=page
    )


@bp.route(
    "/conferences/<int:conference_id>/invitations/<int:invitation_id>/withdraw", methods=["POST"]
)
def withdraw(conference_id: int, invitation_id: int) -> Response:
    try:
        conferences.withdraw_invitation(db(), current_user.actor, conference_id, invitation_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    flash(
        "Invitation withdrawn. That agency can no longer open the case for the conference.",
        "success",
    )
    return redirect(url_for("conferences.show", conference_id=conference_id))


class AnswerForm(HubForm):
    known = ChoiceField("Is the case, or anyone on it, known to your agency?")
    incidents_note = TextAreaField(requests.PARTS["incidents_note"][0] + " (optional)")
    risk_note = TextAreaField(requests.PARTS["risk_note"][0] + " (optional)")
    actions_note = TextAreaField(requests.PARTS["actions_note"][0] + " (optional)")
    concerns_note = TextAreaField(requests.PARTS["concerns_note"][0] + " (optional)")


@bp.route("/conferences/<int:conference_id>/requests/<int:request_id>", methods=["GET", "POST"])
def answer(conference_id: int, request_id: int) -> Response | tuple[str, int]:
    try:
        request_ = requests.request_for(db(), current_user.actor, request_id)
    except NotFound:
        abort(404)
    if request_.conference_id != conference_id:
        abort(404)
    form = AnswerForm()
    form.known.choices = [("yes", "Yes"), ("no", "No")]
    if form.validate_on_submit():
        data = requests.AnswerInput(
            known=form.known.data == "yes",
            incidents_note=form.incidents_note.data or "",
            risk_note=form.risk_note.data or "",
            actions_note=form.actions_note.data or "",
            concerns_note=form.concerns_note.data or "",
        )
        try:
            requests.answer(db(), current_user.actor, request_id, data)
        except NotFound:
            abort(404)
        except InputError as e:
            field = getattr(form, e.field, form.known)
            field.errors = [*field.errors, e.message]
        else:
            flash(
                "Answer sent. The conference's attendees see it as their protocol allows.",
                "success",
            )
            return redirect(url_for("conferences.show", conference_id=conference_id))
    return render_template(
        "conferences/answer.html",
        title="Answer the information request",
        form=form,
        conference_id=conference_id,
        due_on=request_.due_on,
        starts_at=request_.conference.starts_at,
    ), 400 if request.method == "POST" else 200


@bp.route("/conferences/<int:conference_id>/actions/new", methods=["GET", "POST"])
def add_action(conference_id: int) -> Response | tuple[str, int]:
    try:
        page = conferences.conference_page(db(), current_user.actor, conference_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    if not page.convening:
        abort(403)
    form = ActionForm()
    table = [(str(i.agency_id), i.agency) for i in page.invitations if not i.withdrawn]
    form.owner_agency.choices = [(str(current_user.agency_id), current_user.agency.name), *table]
    if request.method == "GET":
        form.owner_agency.data = str(current_user.agency_id)
    if form.validate_on_submit():
        data = casework.ActionInput(
            kind=form.kind.data,
            description=form.description.data or "",
            owner_agency_id=whole_number(form.owner_agency.data),
            due_on=form.due_on.data,
        )
        try:
            conferences.add_action(db(), current_user.actor, conference_id, data)
        except NotFound:
            abort(404)
        except NotAllowed:
            abort(403)
        except InputError as e:
            field = {"owner_agency_id": form.owner_agency, "due_on": form.due_on}.get(
                e.field, form.description
            )
            field.errors = [*field.errors, e.message]
        else:
            flash("Action added to the conference's plan and to the case.", "success")
            return redirect(
                url_for("conferences.show", conference_id=conference_id, _anchor="actions")
            )
    return render_template(
        "conferences/action.html",
        title="Add an action agreed at the conference",
        form=form,
        page=page,
    ), 400 if request.method == "POST" else 200


@bp.route("/conferences")
def index() -> str:
    since = clock.now() - timedelta(days=30)
    rows = conferences.conferences_for(db(), current_user.actor, since=since)
    now = clock.now()
    return render_template(
        "conferences/index.html",
        title="Case conferences",
        upcoming=[r for r in rows if r.starts_at >= now],
        recent=[r for r in rows if r.starts_at < now],
    )
