"""The complainant's action plan letter: on the page, or as a PDF kept with the case."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hub.cases.forms import LetterForm
from hub.cases.views import bp, case_to_work_on, refuse_input
from hub.database import db
from hub.pdf import render_pdf
from hub.sent_once import accepted_once
from hub.templating import uk_date
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import letters, standard_letters
from sharing.errors import InputError
from sharing.formats import whole_number


@bp.route("/<int:case_id>/letter", methods=["GET", "POST"])
@accepted_once
def letter(case_id: int) -> Response | tuple[str, int]:
    """The complainant's action plan letter: the officer chooses who it is for and the
    actions it lists, says what we ask of them and how we keep in touch, and gets the
    letter to print on the page, or as a PDF kept with the case (on its document page)."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "letter form")
    form = LetterForm()
    people = letters.addressees(db(), authorised)
    plan = letters.planned_actions(db(), authorised)
    form.person.choices = [(str(a.person_id), a.label) for a in people]
    form.actions.choices = [
        (str(p.id), f"{p.kind}, {p.owner}: {p.description or 'not recorded'}{_overdue(p)}")
        for p in plan
    ]
    if request.method == "GET":
        form.person.data = form.person.choices[0][0] if people else ""
        form.actions.data = [value for value, _ in form.actions.choices]
        form.asks.data = letters.USUAL_ASKS
        form.print_size.data = "adjustments"
        form.keeping_in_touch.data = (
            f"{authorised.case.officer.display_name} will phone you every two weeks, and "
            "after every incident you report, at the times you told us suit you."
        )
    if form.validate_on_submit():
        data = letters.LetterInput(
            person_id=whole_number(form.person.data),
            action_ids=[int(a) for a in form.actions.data or []],
            asks=form.asks.data or "",
            keeping_in_touch=form.keeping_in_touch.data or "",
            large_print={"large": True, "standard": False}.get(form.print_size.data or ""),
        )
        try:
            made = letters.complainant_letter(
                db(), authorised, data, current_app.extensions["hub.letters"].contact
            )
        except InputError as e:
            form.refuse(e)
        else:
            title = f"Action plan letter, case {case.reference}"
            if request.form.get("as") == "pdf":
                html = render_template("cases/letter_pdf.html", title=title, letter=made)
                pdf = render_pdf(html)
                kept = letters.keep_letter(
                    db(), authorised, current_app.extensions["hub.file_store"], made, pdf
                )
                # To the kept letter's page (its download there), as a standard letter goes:
                # the form left behind, Back shows it afresh for another letter.
                flash("Action plan letter: produced and kept with the case.", "success")
                return redirect(url_for("documents.show", case_id=case.id, document_id=kept.id))
            return render_template("cases/letter.html", title=title, letter=made, case=case), 200
    elif request.method == "POST":
        refuse_input(acts.Action.CASE_RECORD, case.id, form)
    return render_template(
        "cases/letter_form.html",
        title=f"Action plan letter for case {case.reference}",
        form=form,
        case=case,
        nobody=not people,
        officer_left=standard_letters.officer_left(authorised.case),
    ), 400 if request.method == "POST" else 200


def _overdue(action: letters.PlannedAction) -> str:
    """What the form says of an action past its due day: the letter gives it no day, so
    the officer may change its due date first."""
    if not action.overdue or action.due_on is None:
        return ""
    return f" (overdue since {uk_date(action.due_on)}: the letter gives no date for it)"
