"""Opening a new case: its first people, where it happens, who works on it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.cases.forms import NewCaseForm
from hub.cases.people import _already_known, _person
from hub.cases.views import (
    _casework_only,
    _first_contact_days,
    _review_days,
    _wards,
    bp,
    offer_officers,
)
from hub.database import db
from hub.sent_once import accepted_once
from sharing.access.authorise import decision_on
from sharing.cases import casework
from sharing.errors import InputError
from sharing.formats import whole_number
from sharing.vocabulary import PartyRole


@bp.route("/new", methods=["GET", "POST"])
@accepted_once
def new() -> Response | tuple[str, int]:
    _casework_only()
    form = NewCaseForm()
    form.ward_id.choices = [("", "Choose a ward"), *_wards()]
    offer_officers(form.officer_id)
    if request.method == "GET":
        form.officer_id.data = str(current_user.id)
        form.first_party_role.data = PartyRole.VICTIM
    if "check_known" in request.form:
        known, problem, unseen = _already_known(form.first_party.form)
        return render_template(
            "cases/new.html",
            title="Open a new case",
            form=form,
            known=known,
            known_problem=problem,
            known_unseen=unseen,
        ), 200
    if form.validate_on_submit():
        try:
            case = casework.open_case(
                db(),
                current_user.actor,
                _case_input(form),
                review_days=_review_days(),
                first_contact_days=_first_contact_days(),
            )
        except InputError as e:
            form.refuse(e)
        else:
            decision = decision_on(db(), current_user.actor, case.id)
            if decision is not None and decision.allowed:
                flash(f"Case {case.reference} opened.", "success")
                return redirect(url_for("cases.show", case_id=case.id))
            # Opened for an officer of another team: not one of the cases the user works on.
            flash(
                f"Case {case.reference} opened for {case.officer.display_name}. It is their "
                "team's case, so it is not in your case list.",
                "success",
            )
            return redirect(url_for("cases.case_list"))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/new.html", title="Open a new case", form=form), status


def _case_input(form: NewCaseForm) -> casework.CaseInput:
    parties = [
        _person(
            form.first_party.form, form.first_party_role.data or PartyRole.VICTIM, "first_party-"
        )
    ]
    if not form.reported.form.is_empty():
        parties.append(_person(form.reported.form, PartyRole.REPORTED, "reported-"))
    return casework.CaseInput(
        category=form.category.data,
        priority=form.priority.data,
        triage=form.triage.data,
        summary=form.summary.data or "",
        officer_id=whole_number(form.officer_id.data),
        hate_motivated=bool(form.hate_motivated.data),
        protected_characteristic=form.protected_characteristic.data,
        ward_id=whole_number(form.ward_id.data),
        address=form.address.data or "",
        postcode=form.postcode.data or "",
        uprn=form.uprn.data or "",
        parties=[p for p in parties if p is not None],
    )
