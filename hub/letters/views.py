"""The standard letters of an ASB case (``config/letters.toml``): the officer chooses a
letter and the person it is for, previews it (in large print or plain language where the
person's adjustments ask), and produces it as a PDF, kept with the case's documents."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hub.cases.views import case_to_work_on, refuse_input
from hub.database import db
from hub.guard import require_roles
from hub.letters.forms import StandardLetterForm
from hub.pdf import render_pdf
from hub.sent_once import accepted_once
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import letter_addressees, standard_letters
from sharing.cases.letters_file import LetterBook
from sharing.cases.standard_letters import LetterRequest
from sharing.errors import InputError
from sharing.files.stores import FileStore
from sharing.formats import whole_number

bp = Blueprint("letters", __name__, url_prefix="/cases")
require_roles(bp, "case_officer", "manager")


def _book() -> LetterBook:
    return current_app.extensions["hub.letters"]  # type: ignore[no-any-return]


def _store() -> FileStore:
    return current_app.extensions["hub.file_store"]  # type: ignore[no-any-return]


@bp.route("/<int:case_id>/letters/new", methods=["GET", "POST"])
@accepted_once
def write(case_id: int) -> Response | tuple[str, int]:
    """Choose a letter and who it is for; preview it; produce it."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "letter form")
    book = _book()
    form = StandardLetterForm()
    form.letter.choices = [(t.id, t.title) for t in book.letters]
    people = letter_addressees.addressees(db(), authorised, None)
    form.person.choices = [("", "Choose a person")] + [(str(i), label) for i, _, label in people]
    if request.method == "GET":
        form.letter.data = request.args.get("letter") or ""
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        chosen = form.formats_chosen.data == "y"
        letter_request = LetterRequest(
            letter_id=form.letter.data or "",
            person_id=whole_number(form.person.data),
            details=form.details.data or "",
            large_print=bool(form.large_print.data) if chosen else None,
            plain=bool(form.plain.data) if chosen else None,
        )
        try:
            letter = standard_letters.make_letter(
                db(),
                authorised,
                book,
                letter_request,
                first_contact_days=current_app.config["HUB_SETTINGS"].first_contact_working_days,
            )
        except InputError as e:
            form.refuse(e)
        else:
            if request.form.get("action") == "produce":
                html = render_template(
                    "letters/letter_pdf.html", title=letter.template.title, letter=letter
                )
                document = standard_letters.record_letter(
                    db(), authorised, _store(), letter, render_pdf(html)
                )
                flash(
                    f"{letter.template.title}: letter produced and kept with the case.", "success"
                )
                return redirect(url_for("documents.show", case_id=case.id, document_id=document.id))
            form.large_print.data, form.plain.data = letter.large_print, letter.plain
            form.formats_chosen.data = "y"
            return render_template(
                "letters/preview.html",
                title=f"Preview: {letter.template.title} for case {case.reference}",
                form=form,
                case=case,
                letter=letter,
            ), 200
    elif request.method == "POST":
        refuse_input(acts.Action.CASE_RECORD, case.id, form)
    return render_template(
        "letters/new.html",
        title=f"Write a letter for case {case.reference}",
        form=form,
        case=case,
        book=book,
        nobody=not people,
        officer_left=standard_letters.officer_left(authorised.case),
    ), status
