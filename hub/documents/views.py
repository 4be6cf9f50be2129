"""Files attached to a case: attach one, open its page (details and a preview drawn on
the server), download it. Every read goes through the case's decision and the document's
category (``sharing.cases.documents``); a document the reader may not see is "not found"."""

from __future__ import annotations

import base64

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from hub import opened
from hub.cases.views import _record, case_to_work_on
from hub.database import db
from hub.documents.forms import AttachForm, MarkingForm
from hub.forms import HubForm
from hub.guard import authorised_case, require_roles
from hub.sent_once import accepted_once
from hub.templating import uk_date, uk_datetime
from sharing.access.decide import Act
from sharing.cases import document_markings, documents, documents_shown
from sharing.errors import InputError, NotFound
from sharing.files.checks import WHAT_IS_ACCEPTED
from sharing.files.stores import FileStore
from sharing.models.documents import CONTENT, PREVIEW
from sharing.vocabulary import CaseStatus

bp = Blueprint("documents", __name__, url_prefix="/cases")
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead")

MB = 1024 * 1024


def _store() -> FileStore:
    return current_app.extensions["hub.file_store"]  # type: ignore[no-any-return]


def _max_bytes() -> int:
    return int(current_app.config["HUB_SETTINGS"].document_max_mb) * MB


@bp.route("/<int:case_id>/documents/new", methods=["GET", "POST"])
@accepted_once
def attach(case_id: int) -> Response | tuple[str, int]:
    """Attach a file to the case, to one of its incidents or to one of its people."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "attach a file form")
    limit = _max_bytes()
    # (A request larger than the limit allows is refused before the form is read:
    # hub.request_checks' upload_limit and hub.error_pages' "file is too large" page.)
    form = AttachForm()
    form.about.choices = [
        ("", "The case as a whole"),
        *(
            (f"incident-{i}", f"Incident of {uk_datetime(at)}")
            for i, at in documents.incidents_of(db(), authorised)
        ),
        *((f"person-{p}", label) for p, label in case.people),
    ]
    if form.validate_on_submit():
        upload = form.file.data
        about, _, about_id = (form.about.data or "").partition("-")
        data = documents.DocumentInput(
            kind=form.kind.data,
            category=form.category.data or "",
            incident_id=int(about_id) if about == "incident" else None,
            person_id=int(about_id) if about == "person" else None,
            description=form.description.data or "",
            filename=upload.filename or "" if upload else "",
            content=upload.read() if upload else None,
            marking=form.marking.data,
        )
        try:
            documents.attach(db(), authorised, _store(), data, max_bytes=limit)
        except InputError as e:
            form.refuse(e)
        else:
            flash("File attached to the case.", "success")
            return redirect(url_for("cases.show", case_id=case.id, _anchor="documents"))
    elif request.method == "GET":
        form.category.data = "narrative"
    return render_template(
        "documents/attach.html",
        title=f"Attach a file to {case.reference}",
        form=form,
        case=case,
        limit_mb=limit // MB,
        accepted=WHAT_IS_ACCEPTED,
    ), 400 if request.method == "POST" else 200


@bp.route("/<int:case_id>/documents/<int:document_id>")
def show(case_id: int, document_id: int) -> str:
    """A document's page: what it is, who added it, and its preview (an image or a PDF's
    first page, drawn on the server and shown inline)."""
    purpose = request.args.get("purpose") or None
    authorised = authorised_case(case_id, Act.VIEW, purpose)
    try:
        opened = documents_shown.open_document(db(), authorised, _store(), document_id, PREVIEW)
    except NotFound:
        abort(404)
    preview = base64.b64encode(opened.data).decode() if opened.data else None
    return render_template(
        "documents/show.html",
        title=f"{opened.line.kind}: case {authorised.case.reference}",
        case=authorised.case,
        document=opened.line,
        preview=preview,
        problem=opened.problem,
        purpose=purpose,
        may_mark=authorised.decision.own_agency and authorised.case.erased_at is None,
        may_remove=authorised.decision.own_agency
        and authorised.case.status is not CaseStatus.CLOSED
        and authorised.case.erased_at is None,
    )


@bp.route("/<int:case_id>/documents/<int:document_id>/remove", methods=["GET", "POST"])
def remove(case_id: int, document_id: int) -> Response | tuple[str, int]:
    """Take a document off the case, after a confirmation: for a file attached by
    mistake. Its file is deleted; the audit log keeps that it was there."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "remove a document form")
    form = HubForm()
    if form.validate_on_submit():
        try:
            what = documents.remove(db(), authorised, _store(), document_id)
        except NotFound:
            abort(404)
        flash(f"{what} taken off the case and its file deleted.", "success")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="documents"))
    try:
        line = documents_shown.describe(db(), authorised, document_id, "remove form")
    except NotFound:
        abort(404)
    return render_template(
        "documents/remove.html",
        title=f"Remove a document from {case.reference}",
        page_title=f"Remove a document from {case.reference}: {_named(line)}",
        form=form,
        case=case,
        document=line,
    ), 200


@bp.route("/<int:case_id>/documents/<int:document_id>/marking", methods=["GET", "POST"])
def mark(case_id: int, document_id: int) -> Response | tuple[str, int]:
    """Set or change the document's protective marking: one attached before markings
    were asked for, or marked wrongly. For the case officers and managers of the case's
    agency, on an open or closed case."""
    authorised, case = case_to_work_on(case_id, Act.MARK, "document marking form")
    seen: list[document_markings.ToMark] = []  # the document as the page shows it
    try:
        if request.method == "GET":
            seen.append(document_markings.to_mark(db(), authorised, document_id))
            kind = seen[0].line.kind
        else:  # a marking sent reads nothing of the document: no view is recorded
            kind = document_markings.kind_of(db(), authorised, document_id)
    except NotFound:
        abort(404)
    form = MarkingForm()
    if request.method == "GET":
        form.marking.data = seen[0].marking
    opened.carry(seen[0].stamp if seen else None)

    def shown() -> dict[str, object]:
        if not seen:  # the form shown again: the document is on its page, a view
            seen.append(document_markings.to_mark(db(), authorised, document_id))
        return {
            "document": seen[0].line,
            "recorded": seen[0].marking,
            "page_title": f"Protective marking of a document of {case.reference}: "
            + _named(seen[0].line),
        }

    def as_now() -> tuple[MarkingForm, str]:
        seen[:] = [document_markings.to_mark(db(), authorised, document_id)]
        now = MarkingForm(formdata=None)
        now.marking.data = seen[0].marking
        return now, seen[0].stamp

    return _record(
        case,
        form,
        lambda: document_markings.mark(
            db(), authorised, document_id, form.marking.data, opened=opened.sent()
        ),
        template="documents/mark.html",
        title=f"Protective marking of a document of {case.reference}",
        done=f"{kind} marked {form.marking.data.label if form.marking.data else ''}.",
        unchanged="Nothing was changed: the document was marked so already.",
        as_now=as_now,
        anchor="documents",
        shown=shown,
    )


@bp.route("/<int:case_id>/documents/<int:document_id>/file")
def download(case_id: int, document_id: int) -> Response | tuple[str, int]:
    """The file itself, always as a download (never shown by the browser as a page), named
    by the case and the document, not by what it was called."""
    purpose = request.args.get("purpose") or None
    authorised = authorised_case(case_id, Act.VIEW, purpose)
    try:
        opened = documents_shown.open_document(db(), authorised, _store(), document_id, CONTENT)
    except NotFound:
        abort(404)
    if opened.data is None:
        return render_template(
            "errors/error.html",
            title="The file cannot be opened",
            paragraphs=[opened.problem or "The file cannot be read."],
        ), 410 if opened.problem == documents_shown.ERASED_FILE else 500
    response = Response(opened.data, mimetype=opened.line.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{opened.download_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _named(line: documents_shown.DocumentLine) -> str:
    """A document as its pages name it: its kind and the day it was attached."""
    return f"{line.kind.lower()} attached {uk_date(line.added_at)}"
