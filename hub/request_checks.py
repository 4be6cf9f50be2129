"""What the hub checks of a request before any view reads it: how large it may be, by
the page it is for (a page that takes a file takes the largest file allowed:
``upload_limit``), and an address holding a character no one types
(``no_control_characters``); and whether it is a partner system's call, answered with
problem details (``for_api``)."""

from __future__ import annotations

from flask import current_app, render_template, request
from werkzeug.wrappers import Response

from hub.api import problem as api_problem
from sharing.formats import has_control_characters

#: Endpoints that take a file, and so a request larger than a form's.
UPLOADS = frozenset({"documents.attach", "cases.import_cases"})
MB = 1024 * 1024
#: The largest request any other page or API call takes.
REQUEST_MAX_MB = 1
#: The largest CSV file of cases the import page, and the API's import, take (its 500 rows
#: fill well under 1 MB).
IMPORT_MAX_MB = 5
#: The API's import, whose body is the file itself.
API_IMPORT = "api.import_cases"


def upload_mb(endpoint: str | None) -> int:
    """The largest file, in MB, the page at ``endpoint`` takes."""
    if endpoint == "cases.import_cases":
        return IMPORT_MAX_MB
    limit: int = current_app.config["HUB_SETTINGS"].document_max_mb
    return limit


def upload_limit() -> None:
    """A request to a page that takes a file may carry the largest file allowed, and the
    form's other fields."""
    if request.endpoint in UPLOADS:
        request.max_content_length = upload_mb(request.endpoint) * MB + MB
    elif request.endpoint == API_IMPORT:
        request.max_content_length = IMPORT_MAX_MB * MB


def no_control_characters() -> tuple[str, int] | Response | None:
    """Refuse, before anything reads it, an address whose path or query holds a control
    character (a null byte, an escape): no one types one, and PostgreSQL takes no null
    byte in text. (Forms refuse them field by field.)"""
    texts = [request.path, *(t for pair in request.args.items(multi=True) for t in pair)]
    if not any(has_control_characters(text) for text in texts):
        return None
    detail = (
        "The address holds a character no one types (such as a null byte). Check the link, "
        "or type the address again."
    )
    if for_api():
        return api_problem(400, "Bad request", detail)
    title = "Sorry, there is a problem with that address"
    return render_template("errors/error.html", title=title, paragraphs=[detail]), 400


def for_api() -> bool:
    """Whether the request is a partner system's call (answered with problem details)."""
    return request.path.startswith("/api/")
