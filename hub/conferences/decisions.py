"""Recording and amending a decision of the conference, with what was considered and
any dissent."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from hub import opened
from hub.choice_fields import ChoiceField
from hub.conferences.views import (
    _conference_page,
    _refuse_meeting_form,
    _stamp,
    _unwritable,
    bp,
)
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from hub.sent_once import accepted_once
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed
from sharing.formats import whole_number
from sharing.meetings import conference_decisions, meeting_record
from sharing.models import ConferenceDecision
from sharing.vocabulary import DecisionKind


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
        except NotAllowed as refused:
            forbid(refused)
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
