"""Bringing a case to a partnership meeting's sitting, from the case's page, by its own
agency: that convenes the case's conference at the sitting's time and place."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from hub.choice_fields import ChoiceField
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from hub.meetings.views import bp
from hub.sent_once import accepted_once
from hub.templating import uk_date, uk_datetime
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act
from sharing.cases.case_forms import CaseHeading, case_heading
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import bringing_cases, conferences
from sharing.models import Conference
from sharing.trigger import asked, not_brought


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
    authorised, case = _to_bring(case_id)
    area_id = authorised.case.agency.area_id
    sittings = bringing_cases.sittings_to_bring(db(), area_id, case_id=case_id)
    offered = {s.id for s in sittings}
    already = [s for s in bringing_cases.sittings_to_bring(db(), area_id) if s.id not in offered]
    form = BringForm()
    form.sitting.choices = [("", "Choose a sitting")] + [
        (str(s.id), f"{s.series.name}: {uk_datetime(s.starts_at)}") for s in sittings
    ]
    reviews = asked.asked_of(db(), case_id, current_user.actor)
    panels = {r.sitting.id for r in reviews if r.sitting and r.sitting.id in offered}
    if request.method == "GET" and len(panels) == 1:
        # Asked for an ASB Case Review whose panel's sitting is chosen: that sitting (asked
        # by two reviews with panels apart, the officer chooses, the notes naming each).
        form.sitting.data = str(panels.pop())
    recorded = False
    if form.validate_on_submit():
        try:
            conference = bringing_cases.bring_case(
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
        reviews=reviews,
    ), status


def _to_bring(case_id: int) -> tuple[AuthorisedCase, CaseHeading]:
    """The case to bring, with what its form shows of it: 404 if unseen, 403 if not theirs
    to bring, saying why; for a case asked for an ASB Case Review that is locked or
    closed since, what its holders can do for the review instead."""
    try:
        authorised = authorise(db(), current_user.actor, case_id, Act.CONVENE)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        # Its own agency's holders may know the case (anyone else is answered "not found").
        instead = not_brought.for_the_holder(db(), case_id) if refused.own_agency else ""
        forbid(refused, "You cannot do this to this case", [instead] if instead else [])
    return authorised, case_heading(db(), authorised, "partnership meeting form")


def _left_out(conference: Conference) -> str:
    """Who of the meeting's standing members is not expected at the case's conference,
    and why (said to the officer who brought it)."""
    left_out = bringing_cases.members_left_out(
        db(), conference.sitting.series, conference.protocol, conference.case
    )
    if not left_out:
        return ""
    return (
        " Not expected, as they cannot take part: "
        + "; ".join(f"{u.display_name}, {u.agency.name} ({why})" for u, why in left_out)
        + "."
    )
