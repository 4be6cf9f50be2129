"""Adding an incident to a case's timeline."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.cases.forms import IncidentForm
from hub.cases.views import _agencies, _record, bp, case_to_work_on
from hub.database import db
from hub.sent_once import accepted_once
from sharing.access.decide import Act
from sharing.cases import incidents
from sharing.formats import whole_number


@bp.route("/<int:case_id>/incidents/new", methods=["GET", "POST"])
@accepted_once
def add_incident(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.RECORD, "incident form")
    form = IncidentForm()
    form.reported_by.choices = [("", "Not known, anonymous or seen by staff")] + [
        (str(person_id), label) for person_id, label in case.people
    ]
    form.received_by.choices = _agencies()
    if request.method == "GET":
        form.received_by.data = str(current_user.agency_id)
    return _record(
        case,
        form,
        lambda: incidents.add_incident(db(), authorised, _incident_input(form)),
        template="cases/incident.html",
        title=f"Add an incident to {case.reference}",
        done="Incident added to the timeline.",
        anchor="incidents",
    )


def _incident_input(form: IncidentForm) -> incidents.IncidentInput:
    return incidents.IncidentInput(
        occurred_at=form.occurred_moment(),
        description=form.description.data or "",
        place=form.place.data or "",
        reported_by_id=whole_number(form.reported_by.data),
        received_by_agency_id=whole_number(form.received_by.data),
        reported_on=form.reported_on.data,
        reported_to_police=bool(form.reported_to_police.data),
        crime_reference=form.crime_reference.data or "",
        hate_related=bool(form.hate_related.data),
    )
