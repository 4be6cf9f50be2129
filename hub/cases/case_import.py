"""A manager's import of their agency's cases from a CSV file of their own system, and
the empty file to fill in."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.cases.forms import ImportForm
from hub.cases.views import _agency_managers_only, _first_contact_days, _review_days, bp
from hub.database import db
from sharing.imports import cases as imports
from sharing.imports.case_rows import FileRejected
from sharing.imports.columns import COLUMNS
from sharing.imports.importer import ImportResult

#: The most rows a file imported through the page may have (more: ``hub import cases``):
#: an import holds the audit log's lock while it runs (about 25 rows a second today), so
#: a page's import must end well within a worker's 30 seconds.
PAGE_ROWS = 500


@bp.route("/import", methods=["GET", "POST"])
def import_cases() -> Response | tuple[str, int]:
    """A manager imports their agency's cases from a CSV file of their own system:
    "Check the file" is a dry run; "Import the cases" opens the accepted rows' cases."""
    _agency_managers_only()
    form = ImportForm()
    result: ImportResult | None = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Select the CSV file of cases to import"]
            status = 400
        else:
            dry_run = request.form.get("action") != "import"
            try:
                result = imports.import_cases(
                    db(),
                    current_user.actor,
                    upload.stream,
                    dry_run=dry_run,
                    max_rows=PAGE_ROWS,
                    review_days=_review_days(),
                    first_contact_days=_first_contact_days(),
                )
            except FileRejected as e:
                form.file.errors = [f"The file cannot be imported: {e}"]
                status = 400
    elif request.method == "POST":
        status = 400
    return render_template(
        "cases/import.html",
        title="Import cases from your own system",
        form=form,
        result=result,
        columns=COLUMNS,
        page_rows=PAGE_ROWS,
    ), status


@bp.route("/import/template.csv")
def import_template() -> Response:
    """An empty file of cases to import: the heading row, every column in order."""
    _agency_managers_only()
    heading = ",".join(column.name for column in COLUMNS) + "\r\n"
    return Response(
        heading,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cases-to-import.csv"'},
    )
