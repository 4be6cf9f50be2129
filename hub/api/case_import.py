"""Importing a file of the agency's cases: the CSV the hub's import page takes."""

from __future__ import annotations

from flask import Response, current_app, request

from hub.api import schemas
from hub.api.case_opening import linked_person
from hub.api.problems import FieldProblem, Problem
from hub.api.views import _json, actor, bp, scoped
from hub.database import db
from hub.settings import review_days
from sharing.imports import cases as imports
from sharing.imports.case_rows import FileRejected


@bp.route("/cases/import", methods=["POST"])
@scoped("cases:write")
def import_cases() -> Response:
    """Import a file of your agency's cases: the CSV the hub's import page takes, as the
    body (``text/csv``). With ``dry_run=true`` nothing is opened: the answer says what
    would be. Every row is opened or none is; rejected rows are reported by line and
    column. Your agency's account must be a manager's.
    ---
    post:
      tags: [Cases]
      parameters:
        - name: dry_run
          in: query
          schema: {type: boolean, default: false}
          description: "true to open nothing and be told what would be opened; true or false (anything else is a 400 naming dry_run)"
      requestBody:
        required: true
        content: {text/csv: {schema: {type: string}}}
      responses:
        200: {description: What was imported, content: {application/json: {schema: ImportReportSchema}}}
        400: {description: "dry_run is neither true nor false, or the address has a parameter the call does not take: each is named in errors"}
        403: {description: Your agency's account is not a manager's}
        413: {description: "The file is over 5 MB (import larger files with hub import cases)"}
        422: {description: The file cannot be read as cases}
    """
    if request.mimetype != "text/csv":
        raise Problem(
            415, "Unsupported media type", "Send the file as the body: Content-Type: text/csv"
        )
    dry_run = request.args.get("dry_run", "false").lower()
    if dry_run not in ("true", "false"):
        raise Problem(
            400,
            "Invalid request",
            "dry_run is true or false",
            errors=[FieldProblem("dry_run", "is not true or false")],
        )
    try:
        result = imports.import_cases(
            db(),
            actor(),
            request.stream,
            dry_run=dry_run == "true",
            review_days=review_days(current_app.config["HUB_SETTINGS"]),
            first_contact_days=current_app.config["HUB_SETTINGS"].first_contact_working_days,
        )
    except FileRejected as e:
        raise Problem(
            422,
            "File rejected",
            "The file cannot be read as cases",
            # A problem of the file as a whole (its heading, its encoding) names the body, as
            # a JSON body's own problem does; one of a column of the heading names it.
            errors=[
                FieldProblem(e.problem.column or "body", e.problem.reason, line=e.problem.line)
            ],
        ) from None
    report = {
        "dry_run": result.dry_run,
        "rows": result.report.rows,
        "opened": result.opened,
        "rejected": result.rejected,
        "already_imported": result.already_imported,
        "people_matched": result.people_matched,
        "problems": result.report.problems,
        "problems_not_kept": result.report.problems_not_kept,
        "people_not_saved": [
            {**linked_person(linked), "line": linked.line} for linked in result.not_saved
        ],
        "people_not_saved_not_kept": result.not_saved_not_kept,
    }
    return _json(schemas.ImportReportSchema(), report)
