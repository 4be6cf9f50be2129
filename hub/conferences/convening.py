"""Convening a case conference from a case (or from its escalation prompt): the protocol
and purpose it runs under, the agencies invited, its chair and the people expected."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub.cases.views import case_to_work_on
from hub.choice_fields import ChoiceField, ChoicesField, by_agency, name_and_agency
from hub.conferences.views import bp
from hub.database import db
from hub.date_fields import DateInputField, shown_once
from hub.forms import HubForm, TextLimit
from hub.sent_once import accepted_once
from hub.templating import uk_date
from sharing import clock, directory
from sharing.access.decide import Act
from sharing.errors import InputError, NotAllowed
from sharing.formats import whole_number
from sharing.meetings import conference_eligibility, conference_listing, conferences
from sharing.models import Case
from sharing.protocols.records import party_agencies, shareable_purposes
from sharing.vocabulary import ConferenceStatus

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

    def validate_starts_at(self, field: DateInputField) -> None:
        shown_once(field)


_FIELDS = {
    "question": "question",
    "starts_at": "starts_at",
    "place": "place",
    "video_link": "video_link",
    "protocol_purpose": "protocol_purpose",
    "protocol_id": "protocol_purpose",
    "agency_ids": "agencies",
    "chair_id": "chair",
    "attendee_ids": "attendees",
    "agenda": "agenda",
    "escalation_id": "question",
}


def protocol_choices(party_id: int | None = None) -> list[tuple[str, str]]:
    """Each active protocol's shareable purposes, as "protocol id:purpose" choices; with
    ``party_id``, only the protocols that agency is a party to (it can share under no
    other)."""
    return [
        (f"{r.id}:{p.id}", f"{r.title} (version {r.version}): {p.title}")
        for r, p in shareable_purposes(db())
        if party_id is None or party_id in party_agencies(db(), r)
    ]


def chosen_protocol(value: str | None) -> tuple[int | None, str]:
    """The protocol id and purpose of a choice from ``protocol_choices``."""
    protocol_id, _, purpose = (value or "").partition(":")
    return whole_number(protocol_id), purpose


#: The button that shows the people of the agencies ticked, without convening.
SHOW_PEOPLE = "show_people"


def _offer_attendees(form: ConveneForm, case: Case) -> None:
    """Offer as people expected those of the convening agency and of the agencies ticked
    (the only ones the conference can expect), by agency and name; refuse, saying why,
    anyone there who could not open the conference (``conference_eligibility.refusals``)."""
    own_agency_id = case.agency_id
    ticked = {whole_number(a) for a in form.agencies.data or []}
    offered = {int(value) for value, _ in form.agencies.choices} & {a for a in ticked if a}
    people = [
        u
        for u in directory.people(db(), case.agency.area_id)
        if u.agency_id in {own_agency_id, *offered}
    ]
    refused = conference_eligibility.refusals(db(), case, people)
    own_first = sorted(people, key=lambda u: u.agency_id != own_agency_id)  # stable: by name
    form.attendees.offer_grouped(by_agency(u for u in own_first if u.id not in refused))
    form.attendees.refused = {
        str(u.id): f"{u.display_name} cannot be expected: {refused[u.id]}"
        for u in people
        if u.id in refused
    }


@bp.route("/cases/<int:case_id>/conferences/new", methods=["GET", "POST"])
@accepted_once
def convene(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.CONVENE, "conference form")
    record = authorised.case
    form = ConveneForm()
    purposes = protocol_choices(record.agency_id)
    form.protocol_purpose.choices = [("", "Choose a protocol and purpose"), *purposes]
    if request.method == "GET":
        form.protocol_purpose.data = next(
            (v for v, _ in purposes if v.endswith(f":{CONFERENCE_PURPOSE}")), ""
        )
    protocol_id, purpose = chosen_protocol(form.protocol_purpose.data)
    options = conference_eligibility.invitable(db(), record, protocol_id, purpose)
    form.agencies.choices = [(str(o.agency.id), o.agency.name) for o in options]
    refusals = {str(o.agency.id): o.refusal for o in options if o.refusal}
    chairs = conference_eligibility.chairs(
        db(), record.agency.area_id, protocol_id, purpose, record
    )
    form.chair.offer_grouped(by_agency(chairs, name_and_agency), first=[("", "Choose the chair")])
    _offer_attendees(form, record)
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
                f"conference until {uk_date(conference.shares_end)}"
                + (
                    f", when {conference.protocol.title} ends."
                    if conference.shares_end < conference.shares_until
                    else f", {conference.share_days} days after it."
                ),
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
        to_come=[
            c
            for c in conference_listing.of_case(db(), authorised.actor, case_id)
            if c.status is ConferenceStatus.PLANNED and c.starts_at >= clock.now()
        ],
    ), status
