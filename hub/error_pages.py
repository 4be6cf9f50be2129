"""The hub's answers to errors no view answered itself (``register_errors``): an error
page in the users' words, or a problem for a partner system's call, each saying whether
anything was saved: to a request too large, a form without its security token, the key
store, the database, the audit log or the file store out of reach, a record gone, an
address or method the hub does not have, and anything unexpected. Logs name the route
and the kind of error, never what a message may say of a person."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, current_app, g, make_response, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.wrappers import Response

from hub.api import problem as api_problem
from hub.apply.views import on_public_form
from hub.request_checks import (
    API_IMPORT,
    IMPORT_MAX_MB,
    REQUEST_MAX_MB,
    UPLOADS,
    for_api,
    upload_mb,
)
from hub.your_say.views import on_closure_survey
from sharing.audit.acts import AuditUnavailable
from sharing.crypto.keys import KeyringError
from sharing.db import timed_out
from sharing.errors import NotFound
from sharing.files.stores import StoreError

log = logging.getLogger(__name__)

#: The title and paragraphs of the error page for each status the hub answers in its own
#: words.
_ERROR_PAGES = {
    400: ("Sorry, there is a problem with that request", ["Go back and try again."]),
    403: (
        "You do not have access to this page",
        ["Your roles in the hub do not include this. Ask your manager if you think they should."],
    ),
    404: (
        "Page not found",
        [
            "If you typed the web address, check it is correct.",
            "If you followed a link to a case, it may not exist or may not be shared with your agency.",
        ],
    ),
    405: ("Sorry, there is a problem with that request", ["Go back and try again."]),
    500: (
        "Sorry, there is a problem with the service",
        ["Nothing you were submitting was saved. Try again later."],
    ),
}
#: The 404 on the public form's and the closure survey's addresses: nothing there is a
#: case, nor an agency's.
_PUBLIC_NOT_FOUND = ("Page not found", ["If you typed the web address, check it is correct."])


def _public() -> bool:
    """Whether the request is to a public page's address (the Community Trigger form, the
    closure survey), whose error pages are its own."""
    return on_public_form() or on_closure_survey()


def _error_page(code: int) -> tuple[str, list[str]] | None:
    """The title and paragraphs of the error page for ``code``, in the public form's words
    on its addresses."""
    if code == 404 and _public():
        return _PUBLIC_NOT_FOUND
    return _ERROR_PAGES.get(code)


def register_errors(app: Flask) -> None:
    """Answer each error no view answered with the hub's page or problem for it."""
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(KeyringError, _key_store_error)
    app.register_error_handler(OperationalError, _database_busy_or_unreachable)
    app.register_error_handler(AuditUnavailable, _audit_unavailable)
    app.register_error_handler(StoreError, _file_store_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _too_large(_e: RequestEntityTooLarge) -> tuple[str, int] | Response:
    if for_api():
        return _too_large_for_api()
    return render_template(
        "errors/error.html", title="The file is too large", paragraphs=_too_large_paragraphs()
    ), 413


def _too_large_paragraphs() -> list[str]:
    if request.endpoint == "cases.import_cases":
        return [
            f"The most a file of cases can be here is {IMPORT_MAX_MB} MB. Nothing was imported.",
            "Go back and split the file, or ask your hub's operator to import it with "
            "`hub import cases`.",
        ]
    if request.endpoint in UPLOADS:
        limit = upload_mb(request.endpoint)
        return [
            f"The most a file can be is {limit} MB. Nothing was attached.",
            "Go back and select a smaller file: a photo at a lower resolution, or a "
            "document saved as a PDF.",
        ]
    return ["The form sent more than the hub accepts. Nothing was saved."]


def _csrf_error(_e: CSRFError) -> tuple[str, int]:
    return render_template(
        "errors/error.html",
        title="Your form could not be submitted",
        paragraphs=[
            "The page was out of date or the form was missing its security token, so "
            "nothing was saved. Go back, reload the page and try again.",
        ],
    ), 400


def _key_store_error(e: KeyringError) -> tuple[str, int] | Response:
    log.error("key store error on %s: %s", _path_template(), e)  # names files and versions, no data
    _roll_back_quietly()
    # A key store that cannot be read now (damaged, missing, unreadable) is a service
    # out for a while, as a database down is (503); one that does not match the
    # database will not mend itself (500).
    unreadable = bool(getattr(current_app.extensions["hub.keys"], "problem", None))
    return _page_or_problem(
        503 if unreadable else 500,
        "Sorry, the hub cannot read case records at the moment",
        [
            "Its encryption key store does not match its database or cannot be read. "
            "Nothing you were submitting was saved. Tell your hub administrator.",
        ],
    )


def _database_busy_or_unreachable(e: OperationalError) -> tuple[str, int] | Response:
    _roll_back_quietly()
    if timed_out(e):
        log.warning("database lock or statement timeout on %s", _path_template())
        return _busy()
    log.error("database unreachable on %s", _path_template())
    return _page_or_problem(
        503,
        "Sorry, the hub cannot reach its database at the moment",
        [
            "Nothing you were submitting was saved.",
            "Try again in a few minutes. If it keeps happening, tell your hub administrator.",
        ],
    )


def _audit_unavailable(e: AuditUnavailable) -> tuple[str, int] | Response:
    _roll_back_quietly()
    if isinstance(e.__cause__, SQLAlchemyError) and timed_out(e.__cause__):
        log.warning("audit log busy on %s: the act was refused", _path_template())
        return _busy()
    log.error("audit log could not be written on %s: the act was refused", _path_template())
    return _page_or_problem(
        503,
        "Sorry, the hub could not record this in its audit log",
        [
            "Every look at a case and every change is recorded in the audit log. The hub "
            "could not record this one, so it has not shown or saved anything.",
            "Try again in a few minutes. If it keeps happening, tell your hub administrator.",
        ],
    )


def _file_store_error(e: StoreError) -> tuple[str, int]:
    log.error("file store error on %s: %s", _path_template(), e)  # keys and reasons, no data
    if "db" in g:
        g.db.rollback()
    return render_template(
        "errors/error.html",
        title="Sorry, the hub cannot reach its file store at the moment",
        paragraphs=[
            "Files attached to cases are kept in a store of their own, which did not "
            "answer. Nothing you were submitting was saved.",
            "Try again in a few minutes. If it keeps happening, tell your hub administrator.",
        ],
    ), 503


def _not_found(_e: NotFound) -> tuple[str, int] | Response:
    # The core's "not found" that no view answered itself: most often a record gone
    # when the act read it again under its lock (taken away while a form waited).
    # Answered as a request sent after it went is, not found, nothing saved (the
    # answer's roll-back; the guard records the refusal). The route alone is logged:
    # the message may name the record.
    log.info("a record was no longer there on %s", _path_template())
    title, paragraphs = _PUBLIC_NOT_FOUND if _public() else _ERROR_PAGES[404]
    if for_api():
        detail = "There is no such record, or your agency may not see it"
        return api_problem(404, "Not found", detail)
    return render_template("errors/error.html", title=title, paragraphs=paragraphs), 404


def _http_error(e: HTTPException) -> tuple[str, int] | Response:
    code = e.code or 500
    title, paragraphs = _error_page(code) or (e.name, [e.description or ""])
    if for_api():
        return _http_problem(e, code, paragraphs)
    return render_template("errors/error.html", title=title, paragraphs=paragraphs), code


def _http_problem(e: HTTPException, code: int, paragraphs: list[str]) -> Response:
    """A partner system's call answered with the problem of an HTTP error."""
    if isinstance(e, RateLimitExceeded) and e.response is not None:
        return e.response  # the limit's own problem: which limit, when to come back
    if isinstance(e, MethodNotAllowed):
        allowed = ", ".join(sorted(set(e.valid_methods or ()) - {"HEAD", "OPTIONS"}))
        return api_problem(
            405,
            "Method not allowed",
            f"This call does not take {request.method}: it takes {allowed}",
            headers={"Allow": allowed},
        )
    if code == 404:  # no route: a record not found is answered above
        detail = (
            "No call of the API has this address: the calls and their addresses are "
            "listed at /api/v1/reference"
        )
        return api_problem(404, "Not found", detail)
    return api_problem(code, e.name, " ".join(paragraphs))


def _unexpected(e: Exception) -> tuple[str, int] | Response:
    # The exception type, route and code locations only: messages may carry personal data.
    where = "".join(traceback.format_tb(e.__traceback__)[-4:])
    log.error("unhandled %s on %s\n%s", type(e).__name__, _path_template(), where)
    title, paragraphs = _ERROR_PAGES[500]
    _roll_back_quietly()
    return _page_or_problem(500, title, paragraphs)


def _roll_back_quietly() -> None:
    """Roll back the request's session, if it has one, even on a lost connection."""
    if "db" in g:
        try:
            g.db.rollback()
        except SQLAlchemyError:
            g.db.invalidate()


def _page_or_problem(status: int, title: str, paragraphs: list[str]) -> tuple[str, int] | Response:
    """A problem for the API, else an error page that needs nothing from the database (no
    signed-in user's name or menu: it may be what failed)."""
    if for_api():
        return api_problem(status, title, " ".join(paragraphs))
    # Rendered without the context processors, which would load the signed-in user.
    nonce = g.get("csp_nonce", "")
    page = current_app.jinja_env.get_template("errors/error.html").render(
        title=title,
        paragraphs=paragraphs,
        bare=True,
        cspNonce=nonce,
        csp_nonce=lambda: nonce,
    )
    return page, status


def _busy() -> tuple[str, int] | Response:
    """The answer to a request that waited past the database's lock or statement bound."""
    answer = _page_or_problem(
        503,
        "Sorry, the hub is busy",
        [
            "Another request was holding what yours needed for longer than the hub waits. "
            "Nothing you were submitting was saved.",
            "Try again in a moment.",
        ],
    )
    response = make_response(answer)
    response.headers["Retry-After"] = "5"
    return response


def _too_large_for_api() -> Response:
    if request.endpoint == API_IMPORT:
        detail = (
            f"The most a file of cases can be here is {IMPORT_MAX_MB} MB. Nothing was "
            "imported: split the file, or ask your hub's operator to import it with "
            "`hub import cases`."
        )
    else:
        detail = f"The most a request can carry here is {REQUEST_MAX_MB} MB. Nothing was saved."
    return api_problem(413, "Request too large", detail)


def _path_template() -> str:
    return request.url_rule.rule if request.url_rule else "(no route)"
