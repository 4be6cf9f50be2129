"""Erasing a case by destroying its key, and the people it alone held."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hub.cases.closing_forms import EraseForm
from hub.cases.views import bp, refuse_input
from hub.database import db
from hub.guard import authorised_case, forbid
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import erasure
from sharing.errors import NotAllowed


@bp.route("/<int:case_id>/erase", methods=["GET", "POST"])
def erase(case_id: int) -> Response | tuple[str, int]:
    """Erase a case by destroying its key: for the owning agency's managers who may see it.
    On a case already erased, the same form erases the people it kept whom no live case
    holds; with none left, it goes back to the case saying so."""
    authorised = authorised_case(case_id, Act.ERASE)
    case = authorised.case
    session = db()
    try:
        erasure.require_erasable(session, authorised)
    except NotAllowed as refused:
        forbid(refused, "You cannot erase this case yet")
    already = case.erased_at is not None
    alone = erasure.held_alone(session, case.id) if already else []
    if already and not alone:
        flash(
            f"Case {case.reference} is already erased. Everyone it held is erased, or kept "
            "for another case.",
            "info",
        )
        return redirect(url_for("cases.show", case_id=case_id))
    form = EraseForm()
    if form.validate_on_submit():
        if (form.reference.data or "").strip().upper() != case.reference:
            form.reference.errors = [
                f"Type the reference {case.reference} exactly, to show this is the case to erase"
            ]
        else:
            before = len(erasure.people_left(session, case.id))
            try:
                erasure.erase_case(
                    session, authorised, with_people=already or bool(form.with_people.data)
                )
            except NotAllowed as refused:  # asked about for a review while the form was open
                forbid(refused, "You cannot erase this case yet")
            kept = len(erasure.people_left(session, case.id))
            flash(_erased_message(case.reference, already, before - kept, kept), "success")
            return redirect(url_for("cases.show", case_id=case_id))
    status = 400 if request.method == "POST" else 200
    if status == 400:  # the reference not typed as it is, or a stale form
        refuse_input(acts.Action.CASE_ERASE, case.id, form)
    return render_template(
        "cases/erase.html",
        title=f"Erase the people case {case.reference} kept"
        if already
        else f"Erase case {case.reference}",
        form=form,
        case=case,
        kept=len(alone),
    ), status


def _erased_message(reference: str, already: bool, erased: int, kept: int) -> str:
    """What an erasure did, for the flash: the case, the people it erased and kept."""
    said = (
        []
        if already
        else [
            f"Case {reference} erased: its own personal data can no longer be read in the hub, "
            "and in backups once the erasure is made final."
        ]
    )
    if erased:
        said.append(f"{_people(erased)} it alone held erased.")
    if kept:
        said.append(
            f"{_people(kept)} on it {'was' if kept == 1 else 'were'} kept as your agency's "
            f"record{'s' if kept > 1 else ''}, no longer part of the case: the case page "
            "says which other cases hold them."
        )
    return " ".join(said)


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"
