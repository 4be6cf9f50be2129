"""The list of the cases the user works on, and their agency's cases as a CSV file."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.cases.forms import (
    ESCALATION_WAITING,
    FIRST_CONTACT_OVERDUE,
    NO_ACTION,
    NO_ACTION_DAYS,
    OPEN,
    REVIEW_DUE,
    FilterForm,
)
from hub.cases.views import _casework_only, _wards, bp, offer_officers
from hub.database import db
from hub.guard import forbid
from sharing import clock
from sharing.cases import export, listing
from sharing.errors import NotAllowed
from sharing.formats import whole_number
from sharing.vocabulary import CaseStatus


@bp.route("")
def case_list() -> tuple[str, int]:
    _casework_only()
    form = FilterForm(request.args)
    offer_officers(form.officer, first=[("", "Any officer")], left=True, seen_only=True)
    form.ward.choices = [("", "Any ward"), *_wards()]
    valid = form.validate()
    filters = (
        listing.CaseFilters(
            status=CaseStatus(form.status.data)
            if form.status.data and form.status.data != OPEN
            else None,
            open_only=form.status.data == OPEN,
            review_due_by=clock.today() if form.review.data == REVIEW_DUE else None,
            first_contact_overdue_on=clock.today()
            if form.first_contact.data == FIRST_CONTACT_OVERDUE
            else None,
            escalation_waiting=form.escalation.data == ESCALATION_WAITING,
            no_action_since=clock.now() - timedelta(days=NO_ACTION_DAYS)
            if form.action.data == NO_ACTION
            else None,
            priority=form.priority.data,
            category=form.category.data,
            officer_id=whole_number(form.officer.data),
            ward_id=whole_number(form.ward.data),
            reference=(form.reference.data or "").strip() or None,
        )
        if valid
        else listing.CaseFilters()
    )
    page = listing.list_cases(
        db(), current_user.actor, filters, page=whole_number(request.args.get("page")) or 1
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "cases/list.html",
        title="Cases",
        whose=listing.whose_cases(current_user.actor),
        form=form,
        page=page,
        args=args,
        due="first_contact"
        if filters.first_contact_overdue_on
        else "escalated"
        if filters.escalation_waiting
        else None,
        sought=listing.sought_reference(filters.reference) if filters.reference else None,
        reference_start=f"{current_user.agency.case_prefix}-{clock.today().year}-",
    ), 200 if valid else 400


@bp.route("/export.csv")
def export_csv() -> Response:
    """Every case of the manager's agency they may see, as CSV (plain fields only)."""
    _casework_only()
    try:
        text, name = export.export_csv(db(), current_user.actor)
    except NotAllowed as refused:
        forbid(refused)
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
