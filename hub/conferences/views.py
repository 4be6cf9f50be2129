"""Case conferences: the owning agency convenes one from a case (or from its escalation
prompt), inviting partner agencies; attendees open the conference page; the conferences
list shows what my agency convened or is invited to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub import opened
from hub.cases.actions import action_form
from hub.cases.views import case_to_work_on
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
)
from hub.guard import require_roles
from hub.pdf import render_pdf
from sharing import clock, directory, stamps
from sharing.access.decide import Act
from sharing.cases import actions
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import (
    conference_actions,
    conference_attendance,
    conference_decisions,
    conference_listing,
    conference_pages,
    conferences,
    meeting_record,
    minutes,
    packs,
    requests,
)
from sharing.models import Conference, ConferenceDecision, MinuteItem
from sharing.protocols.records import shareable_purposes
from sharing.vocabulary import Attendance, DecisionKind, MinutesStatus

bp = Blueprint("conferences", __name__)
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair")

#: The purpose a new conference runs under unless the convenor chooses another.
CONFERENCE_PURPOSE = "case_conference"


class ConveneForm(HubForm):
    question = TextAreaField(
        "What is the conference to decide?",
        validators=[TextLimit(conferences.MAX_QUESTION, "the question")],
    )
    starts_at = DateInputField(
        "Date and time", with_time=True, subject="The date and time of the conference"
    )
    place = StringField(
        "Where it meets", validators=[TextLimit(conferences.MAX_PLACE, "the place")]
    )
    video_link = StringField(
        "Video link (optional)", validators=[TextLimit(conferences.MAX_LINK, "the video link")]
    )
    protocol_purpose = ChoiceField(
        "Under which protocol, and for what purpose?", message="Select the protocol and purpose"
    )
    agencies = ChoicesField(
        "Agencies to invite", message="Select the agencies to invite from those offered"
    )
    chair = ChoiceField("Chair", message="Select the chair")
    attendees = ChoicesField(
        "People expected (optional)",
        message="Select the people expected from your agency and the agencies you invite",
    )
    agenda = TextAreaField(
        "Agenda (optional)", validators=[TextLimit(conferences.MAX_AGENDA, "the agenda")]
    )


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


def protocol_choices() -> list[tuple[str, str]]:
    """Each active protocol's shareable purposes, as "protocol id:purpose" choices."""
    return [
        (f"{r.id}:{p.id}", f"{r.title} (version {r.version}): {p.title}")
        for r, p in shareable_purposes(db())
    ]


def chosen_protocol(value: str | None) -> tuple[int | None, str]:
    """The protocol id and purpose of a choice from ``protocol_choices``."""
    protocol_id, _, purpose = (value or "").partition(":")
    return whole_number(protocol_id), purpose


#: The button that shows the people of the agencies ticked, without convening.
SHOW_PEOPLE = "show_people"


def _offer_attendees(form: ConveneForm, own_agency_id: int, area_id: int) -> None:
    """Offer as people expected those of the convening agency and of the agencies ticked
    (the only ones the conference can expect), by agency and name; refuse, saying why,
    anyone there whose roles do not take part."""
    ticked = {whole_number(a) for a in form.agencies.data or []}
    offered = {int(value) for value, _ in form.agencies.choices} & {a for a in ticked if a}
    people = [
        u for u in directory.people(db(), area_id) if u.agency_id in {own_agency_id, *offered}
    ]
    own_first = sorted(people, key=lambda u: u.agency_id != own_agency_id)  # stable: by name
    form.attendees.offer_grouped(
        by_agency(u for u in own_first if conferences.part_refusal(u) is None)
    )
    form.attendees.refused = {
        str(u.id): f"{u.display_name} cannot be expected: {why}"
        for u in people
        if (why := conferences.part_refusal(u))
    }


@bp.route("/cases/<int:case_id>/conferences/new", methods=["GET", "POST"])
@accepted_once
def convene(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.CONVENE, "conference form")
    record = authorised.case
    form = ConveneForm()
    purposes = protocol_choices()
    form.protocol_purpose.choices = [("", "Choose a protocol and purpose"), *purposes]
    if request.method == "GET":
        form.protocol_purpose.data = next(
            (v for v, _ in purposes if v.endswith(f":{CONFERENCE_PURPOSE}")), ""
        )
    protocol_id, purpose = chosen_protocol(form.protocol_purpose.data)
    options = conferences.invitable(db(), record, protocol_id, purpose)
    form.agencies.choices = [(str(o.agency.id), o.agency.name) for o in options]
    refusals = {str(o.agency.id): o.refusal for o in options if o.refusal}
    chairs = conferences.chairs(db(), record.agency.area_id, protocol_id, purpose, record)
    form.chair.offer_grouped(by_agency(chairs, name_and_agency), first=[("", "Choose the chair")])
    _offer_attendees(form, record.agency_id, record.agency.area_id)
    escalation_id = whole_number(request.args.get("escalation"))
    recorded = False  # whether the core has recorded a refusal of this attempt
    showing = request.method == "POST" and SHOW_PEOPLE in request.form
    if not showing and form.validate_on_submit():
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
    if request.method == "POST" and not showing:
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
        show_people=SHOW_PEOPLE,
    ), status


@bp.route("/conferences/<int:conference_id>")
def show(conference_id: int) -> str:
    page = _conference_page(conference_id)
    return render_template(
        "conferences/show.html", title=f"Case conference on case {page.case_reference}", page=page
    )


@bp.route(
    "/conferences/<int:conference_id>/invitations/<int:invitation_id>/withdraw",
    methods=["GET", "POST"],
)
def withdraw(conference_id: int, invitation_id: int) -> Response | str:
    """Asks first, saying what ends and that it cannot be undone; only the answer withdraws."""
    if request.method == "GET":
        return _ask_to_withdraw(conference_id, invitation_id)
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


def _ask_to_withdraw(conference_id: int, invitation_id: int) -> Response | str:
    page = _conference_page(conference_id)
    if not page.convening:
        abort(403)
    invitation = next((i for i in page.invitations if i.id == invitation_id), None) or abort(404)
    back = url_for("conferences.show", conference_id=conference_id)
    if invitation.withdrawn:
        return redirect(back)
    return render_template(
        "confirm.html",
        title=f"Withdraw the invitation to {invitation.agency}",
        caption=f"Case conference on case {page.case_reference}",
        heading=f"Are you sure you want to withdraw the invitation to {invitation.agency}?",
        paragraphs=[
            f"{invitation.agency}'s share of case {page.case_reference} for the conference "
            "ends at once: its people can no longer open the case or the conference, are no "
            "longer expected at it, and are not told of its minutes.",
        ],
        warning="This cannot be undone: the agency cannot be invited to this conference again.",
        button="Yes, withdraw the invitation",
        cancel=back,
    )


def _answer_limit(part: str) -> TextLimit:
    """The limit of a part of an answer, named by its question as the core names it."""
    return TextLimit(requests.MAX_PART, f"\u201c{requests.PARTS[part][0]}\u201d")


class AnswerForm(HubForm):
    known = ChoiceField(
        "Is the case, or anyone on it, known to your agency?",
        message="Select whether the case, or anyone on it, is known to your agency",
    )
    incidents_note = TextAreaField(
        requests.PARTS["incidents_note"][0] + " (optional)",
        validators=[_answer_limit("incidents_note")],
    )
    risk_note = TextAreaField(
        requests.PARTS["risk_note"][0] + " (optional)", validators=[_answer_limit("risk_note")]
    )
    vulnerability_note = TextAreaField(
        requests.PARTS["vulnerability_note"][0] + " (optional)",
        validators=[_answer_limit("vulnerability_note")],
    )
    offending_note = TextAreaField(
        requests.PARTS["offending_note"][0] + " (optional)",
        validators=[_answer_limit("offending_note")],
    )
    actions_note = TextAreaField(
        requests.PARTS["actions_note"][0] + " (optional)",
        validators=[_answer_limit("actions_note")],
    )
    concerns_note = TextAreaField(
        requests.PARTS["concerns_note"][0] + " (optional)",
        validators=[_answer_limit("concerns_note")],
    )


@bp.route("/conferences/<int:conference_id>/requests/<int:request_id>", methods=["GET", "POST"])
@accepted_once
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
            vulnerability_note=form.vulnerability_note.data or "",
            offending_note=form.offending_note.data or "",
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
@accepted_once
def add_action(conference_id: int) -> Response | tuple[str, int]:
    page = _conference_page(conference_id)
    if not page.convening:
        _refuse_action(conference_id, [])
        abort(403)
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
    except (NotFound, NotAllowed):
        abort(403)  # they read the conference: it exists for them


@bp.route("/conferences")
def index() -> str:
    since = clock.now() - timedelta(days=30)
    rows = conference_listing.conferences_for(db(), current_user.actor, since=since)
    now = clock.now()
    return render_template(
        "conferences/index.html",
        title="Case conferences",
        upcoming=[r for r in rows if r.starts_at >= now],
        recent=[r for r in rows if r.starts_at < now],
    )


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
    except NotAllowed:
        abort(403)
    except InputError as e:
        if form is not None:
            _place_error(form, e, fallback)


def _place_error(form: HubForm, error: InputError, fallback: str) -> None:
    field = form.field_by_name(error.field) or getattr(form, fallback)
    field.errors = [*field.errors, error.message]


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
        except NotAllowed:
            abort(403)
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
        except NotAllowed:
            abort(403)
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


def _stamp(kind: type[MinuteItem | ConferenceDecision], part_id: int | None) -> str | None:
    """The stamp of a minute or decision being amended (none for a new one)."""
    part = db().get(kind, part_id) if part_id is not None else None
    return stamps.of(db(), part) if part is not None else None


def _considered(part: str) -> TextLimit:
    """The limit of a part of a decision, named as the core names it."""
    return TextLimit(
        conference_decisions.MAX_CONSIDERATION, conference_decisions.DECISION_TEXT[part]
    )


class DecisionForm(HubForm):
    kind = ChoiceField(
        "What did the conference decide?", message="Select what the conference decided"
    )
    decision = TextAreaField("The decision", validators=[_considered("decision")])
    tool = ChoiceField("Legal tool (for legal action)", message="Select the legal tool")
    acting_agency = ChoiceField("Agency that acts", message="Select the agency that acts")
    proportionality = TextAreaField(
        "Why this is the most proportionate intervention",
        validators=[_considered("proportionality")],
    )
    evidence = TextAreaField("Evidence available", validators=[_considered("evidence")])
    vulnerability = TextAreaField(
        "Vulnerabilities of the people involved, and how the plan takes account of them",
        validators=[_considered("vulnerability")],
    )
    dissenting_agency = ChoiceField(
        "Agency that dissented (optional)", message="Select the agency that dissented, or none"
    )
    dissent = TextAreaField("The dissenting view (optional)", validators=[_considered("dissent")])


_DECISION_FIELDS = {
    "acting_agency_id": "acting_agency",
    "dissenting_agency_id": "dissenting_agency",
}


@bp.route("/conferences/<int:conference_id>/decisions/new", methods=["GET", "POST"])
@bp.route("/conferences/<int:conference_id>/decisions/<int:decision_id>", methods=["GET", "POST"])
@accepted_once
def decision(conference_id: int, decision_id: int | None = None) -> Response | tuple[str, int]:
    page = _conference_page(conference_id)
    if (back := _unwritable(page)) is not None:
        return back
    existing = None
    if decision_id is not None:
        existing = next((d for d in page.meeting.decisions if d.id == decision_id), None)
        if existing is None:
            abort(404)
    form = DecisionForm()
    table = [(str(page.convening_agency_id), page.convening_agency)] + [
        (str(i.agency_id), i.agency) for i in page.invitations if not i.withdrawn
    ]
    form.kind.choices = [("", "Choose")] + DecisionKind.choices()
    form.tool.choices = [("", "Not legal action")] + [
        (t.value, t.label) for t in conference_decisions.LEGAL_TOOLS
    ]
    form.acting_agency.choices = [("", "No agency named")] + table
    form.dissenting_agency.choices = [("", "No dissent")] + table
    if request.method == "GET" and existing is not None:
        _as_decided(form, existing)
    opened.carry(_stamp(ConferenceDecision, decision_id))
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        data = conference_decisions.DecisionInput(
            kind=form.kind.data or "",
            decision=form.decision.data or "",
            tool=form.tool.data or "",
            acting_agency_id=whole_number(form.acting_agency.data),
            proportionality=form.proportionality.data or "",
            evidence=form.evidence.data or "",
            vulnerability=form.vulnerability.data or "",
            dissenting_agency_id=whole_number(form.dissenting_agency.data),
            dissent=form.dissent.data or "",
        )
        try:
            changed = conference_decisions.save_decision(
                db(), current_user.actor, conference_id, data, decision_id, opened=opened.sent()
            )
        except NotAllowed:
            abort(403)
        except ChangedMeanwhile as e:
            page = _conference_page(conference_id)
            now = DecisionForm(formdata=None)
            for field in ("kind", "tool", "acting_agency", "dissenting_agency"):
                now[field].choices = form[field].choices
            _as_decided(now, next(d for d in page.meeting.decisions if d.id == decision_id))
            opened.show_changed(form, e, now, _stamp(ConferenceDecision, decision_id) or "")
            status = 200
        except InputError as e:
            field = form.field_by_name(_DECISION_FIELDS.get(e.field, e.field)) or form.decision
            field.errors = [*field.errors, e.message]
        else:
            if not changed:
                flash("Nothing changed: the decision is as it was.", "info")
            else:
                flash("Decision saved." if decision_id else "Decision recorded.", "success")
            return redirect(
                url_for("conferences.show", conference_id=conference_id, _anchor="decisions")
            )
    elif request.method == "POST":
        _refuse_meeting_form(conference_id, form, "decision")
    return render_template(
        "conferences/decision.html",
        title="Amend the decision" if decision_id else "Record a decision of the conference",
        form=form,
        page=page,
        vulnerability_shown=page.decision.allows("vulnerability"),
    ), status


def _as_decided(form: DecisionForm, shown: meeting_record.DecisionLine) -> None:
    """The decision form as the decision ``shown`` (on the meeting's page) stands."""
    record = db().get(ConferenceDecision, shown.id)
    form.kind.data = record.kind.value
    form.tool.data = record.tool.value if record.tool else ""
    form.acting_agency.data = str(record.acting_agency_id or "")
    form.dissenting_agency.data = str(record.dissenting_agency_id or "")
    for name in conference_decisions.DECISION_TEXT:
        getattr(form, name).data = getattr(shown, name)


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
    except NotAllowed:
        abort(403)
    except InputError as e:
        flash(e.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("conferences.show", conference_id=conference_id, _anchor="meeting"))


def _pack(conference_id: int, form: str) -> packs.Pack:
    try:
        return packs.conference_pack(
            db(),
            current_user.actor,
            conference_id,
            current_app.extensions["hub.risk_matrices"],
            form=form,
        )
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


@bp.route("/conferences/<int:conference_id>/pack")
def pack(conference_id: int) -> str:
    found = _pack(conference_id, "page")
    return render_template(
        "conferences/pack.html",
        title=f"Conference pack: case {found.conference.case_reference}",
        pack=found,
    )


@bp.route("/conferences/<int:conference_id>/pack.pdf")
def pack_pdf(conference_id: int) -> Response:
    found = _pack(conference_id, "pdf")
    html = render_template(
        "conferences/pack_pdf.html",
        title=f"Conference pack: case {found.conference.case_reference}",
        pack=found,
    )
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="conference-{conference_id}-pack.pdf"'
        },
    )
