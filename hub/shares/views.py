"""Sharing cases with partner agencies under protocols, and what is shared with mine."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.cases.views import case_to_work_on, refuse_input
from hub.choice_fields import ChoiceField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm
from hub.guard import require_roles
from hub.sent_once import accepted_once
from hub.templating import uk_date
from sharing import clock, directory
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import more_answers, share_ending, share_lists, shares
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.protocols import records as protocol_records

bp = Blueprint("shares", __name__)
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead")


class ShareForm(HubForm):
    agency = ChoiceField("Share with", message="Select a partner agency to share the case with")
    protocol_purpose = ChoiceField(
        "Under which protocol, and for what purpose?",
        message="Select a protocol and purpose",
    )
    until = DateInputField("Share until", subject="The date the share ends")


def _options() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Partner agencies of the area, and the (protocol, purpose) pairs of active protocols
    a case is shared for by hand (a conference's, a Trigger review's or a referral's
    shares are made by those)."""
    agencies = directory.agencies(db(), current_user.agency.area_id, besides=current_user.agency_id)
    purposes = [
        (f"{record.id}:{purpose.id}", f"{record.title} (version {record.version}): {purpose.title}")
        for record, purpose in shares.manual_purposes(db(), current_user.agency_id)
    ]
    return [(str(a.id), a.name) for a in agencies], purposes


def _made_by_workflows() -> dict[str, str]:
    """The (protocol, purpose) values of active protocols that a workflow shares for, each
    with the reason the form refuses it."""
    return {
        f"{record.id}:{purpose.id}": reason
        for record, purpose in protocol_records.shareable_purposes(db())
        if (reason := shares.made_by_workflow(purpose.id))
    }


@bp.route("/cases/<int:case_id>/shares/new", methods=["GET", "POST"])
@accepted_once
def new(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.SHARE, "share form")
    escalation_id = whole_number(request.args.get("escalation"))
    asked = whole_number(request.args.get("request"))  # a partner's request for more
    form = ShareForm()
    form.agency.choices, form.protocol_purpose.choices = _options()
    form.agency.choices.insert(0, ("", "Choose an agency"))
    form.protocol_purpose.choices.insert(0, ("", "Choose a protocol and purpose"))
    form.protocol_purpose.refused = _made_by_workflows()
    if request.method == "GET":
        form.until.process(None, clock.today() + timedelta(days=90))
        if request.args.get("agency") in {value for value, _ in form.agency.choices}:
            form.agency.data = request.args["agency"]  # proposed, e.g. by the hate pathway
    if form.validate_on_submit():
        protocol_id, _, purpose = (form.protocol_purpose.data or "").partition(":")
        agency_id, protocol = whole_number(form.agency.data), whole_number(protocol_id)
        if agency_id is None:
            form.agency.errors = ["Select the agency to share the case with"]
        if protocol is None:
            form.protocol_purpose.errors = ["Select the protocol and purpose of the share"]
        if form.until.data is None:
            form.until.errors = ["Enter the date the share ends"]
        if not form.errors:
            try:
                share = shares.share_case(
                    db(),
                    authorised,
                    agency_id=agency_id,
                    protocol_id=protocol,
                    purpose=purpose,
                    until=form.until.data,
                    escalation_id=escalation_id,
                )
            except InputError as e:
                field = {
                    "agency_id": form.agency,
                    "protocol_id": form.protocol_purpose,
                    "until": form.until,
                }.get(e.field, form.agency)
                field.errors = [*field.errors, e.message]  # type: ignore[list-item]
            except NotAllowed as e:
                form.agency.errors = [*form.agency.errors, f"This case cannot be shared: {e}"]  # type: ignore[list-item]
            else:
                answered = asked and more_answers.answered_by_share(db(), authorised, asked, share)
                flash(
                    "Case shared. The partner agency can now open it for that purpose."
                    + (" Its request for more is answered, and it is told." if answered else ""),
                    "success",
                )
                return redirect(url_for("cases.show", case_id=case_id, _anchor="sharing"))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        refuse_input(acts.Action.SHARE, case_id, form)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "shares/new.html",
        title=f"Share case {case.reference}",
        form=form,
        case=case,
        escalation_id=escalation_id,
        asked=asked,
    ), status


@bp.route("/shares/<int:share_id>/revoke", methods=["GET", "POST"])
def revoke(share_id: int) -> Response | str | tuple[str, int]:
    """Asks first, saying whose access ends; only the answer revokes."""
    refused = None
    try:
        share = (
            share_ending.revoke_share if request.method == "POST" else share_ending.share_to_revoke
        )(db(), current_user.actor, share_id)
    except InputError as e:
        if e.field != "share":
            abort(404)
        refused = e.message
        share = share_ending.share_to_revoke(db(), current_user.actor, share_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    on_case = url_for("cases.show", case_id=share.case_id, _anchor="sharing")
    if why := refused or (share.revoked_at is None and share_ending.chair_keeps(db(), share)):
        return render_template(
            "confirm.html",
            title=f"Revoke the share of case {share.case.reference} with {share.agency.name}",
            caption=f"Case {share.case.reference}",
            heading=f"You cannot revoke the share with {share.agency.name}",
            error=why,
            cancel=on_case,
        ), 400 if refused else 200
    if request.method == "POST":
        flash(
            "Share revoked. The partner agency can no longer open the case through it.", "success"
        )
        return redirect(on_case)
    if share.revoked_at is not None:
        return redirect(on_case)
    return render_template(
        "confirm.html",
        title=f"Revoke the share of case {share.case.reference} with {share.agency.name}",
        caption=f"Case {share.case.reference}",
        heading=f"Are you sure you want to revoke the share with {share.agency.name}?",
        paragraphs=[
            f"{share.agency.name} will no longer be able to open case {share.case.reference} "
            f"for {protocol_records.purpose_title(share.protocol, share.purpose)} through this share, from now (it was to "
            f"last until {uk_date(share.until)}).",
            "To share the case with them again, make a new share from the case page.",
        ],
        warning=None,
        button="Yes, revoke the share",
        cancel=on_case,
    )


@bp.route("/shared")
def shared_with_me() -> str:
    page = share_lists.shared_page(
        db(), current_user.actor, whole_number(request.args.get("page")) or 1
    )
    return render_template("shares/shared.html", title="Shared with your agency", page=page)
