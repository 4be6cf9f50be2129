"""Giving a case to another officer of the agency (managers)."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from hub import opened
from hub.cases.forms import OfficerForm
from hub.cases.views import _record, bp, case_to_work_on, offer_officers
from hub.database import db
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import officers
from sharing.formats import whole_number


@bp.route("/<int:case_id>/officer", methods=["GET", "POST"])
def officer(case_id: int) -> Response | tuple[str, int]:
    """A manager gives the case to another case officer or manager of the agency, with
    the previous officer's open actions on it if they choose."""
    authorised, case = case_to_work_on(case_id, Act.CHANGE_OFFICER, "case officer form")
    form = OfficerForm()
    offer_officers(form.officer_id, caseloads=True)
    actions = officers.open_actions_of_officer(db(), authorised)
    if request.method == "GET":
        form.with_actions.data = True
    opened.carry(officers.stamp(db(), authorised) if request.method == "GET" else None)

    def as_now() -> tuple[OfficerForm, str]:
        now = OfficerForm(formdata=None)
        offer_officers(now.officer_id, caseloads=True)
        now.officer_id.data = str(authorised.case.officer_id)
        now.with_actions.data = form.with_actions.data
        return now, officers.stamp(db(), authorised)

    return _record(
        case,
        form,
        lambda: officers.give_case(
            db(),
            authorised,
            whole_number(form.officer_id.data),
            with_actions=bool(form.with_actions.data),
            opened=opened.sent(),
        ),
        template="cases/officer.html",
        title=f"Change the case officer of {case.reference}",
        done=f"The case officer of {case.reference} is changed.",
        refused_as=acts.Action.CASE_OFFICER,
        as_now=as_now,
        anchor="officers",
        held=authorised.case,
        actions=actions,
    )
