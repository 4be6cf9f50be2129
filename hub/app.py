"""The application factory."""

from __future__ import annotations

import logging
import secrets
import traceback
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, make_response, render_template, request, session
from flask_limiter import RateLimitExceeded
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from hub import (
    account,
    actions,
    alerts,
    api,
    apply,
    audit,
    auth,
    cases,
    conferences,
    documents,
    emergency,
    figures,
    health,
    home,
    letters,
    locks,
    meetings,
    people,
    protocols,
    risk,
    search,
    shares,
    statements,
    trigger,
    your_say,
)
from hub.account.session_time import TIME_LEFT, sign_out_warning
from hub.api import init_api
from hub.api import problem as api_problem
from hub.api_limits import init_limits
from hub.apply import reports
from hub.apply.views import on_public_form
from hub.audit_witnesses import load_witnesses
from hub.auth.single_sign_on import init_single_sign_on
from hub.auth.users import SignedInUser
from hub.checkpoint_schedule import init_checkpoint_schedule
from hub.config import load_settings
from hub.database import db, init_commit, init_database
from hub.forms import limit_of
from hub.guard import check_declared, check_request, may_open, record_unrecorded_refusal
from hub.identity_providers import load_identity_providers
from hub.logs import hide_link_tokens
from hub.notices import init_notices
from hub.opened import opened_field
from hub.sent_once import sent_once
from hub.settings import ConfigError, Settings
from hub.templating import HubFlask, register_filters
from hub.trigger import figures as trigger_figures
from hub.your_say.views import on_closure_survey
from sharing import sign_in_sessions
from sharing.audit.acts import AuditUnavailable
from sharing.cases.letters_file import load_letters
from sharing.cases.survey import load_survey
from sharing.crypto.keys import KeyringError
from sharing.db import timed_out
from sharing.errors import NotFound
from sharing.figures.stock import load_stock
from sharing.figures.wards import load_boundaries
from sharing.files.stores import StoreError, store_at
from sharing.formats import has_control_characters
from sharing.models.base import MAX_ID
from sharing.protocols.problems import FileInvalid
from sharing.risk.matrix import MatrixError, load_matrices
from sharing.statements import load_statements
from sharing.trigger.procedure import load_procedure

log = logging.getLogger(__name__)

#: What ``create_app`` raises when the settings, or a file they name, cannot be used; the
#: message is one line saying which and why.
START_ERRORS = (ConfigError, KeyringError, FileInvalid, MatrixError)

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


def create_app(settings: Settings | None = None, **overrides: object) -> Flask:
    """Build the hub from ``settings`` (default: loaded from config and environment)."""
    settings = settings or load_settings(**overrides)
    app = HubFlask(__name__, instance_path=str(settings.instance_path))
    if settings.production and app.debug:
        # Debug mode (FLASK_DEBUG, ``hub --debug``) lets errors out as tracebacks and
        # gives ``hub run`` Werkzeug's console, which runs any code typed into it.
        raise ConfigError(
            "production refuses debug mode, which shows tracebacks and opens a console "
            "that runs code: unset FLASK_DEBUG and leave out --debug"
        )
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        HUB_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SERVICE_NAME=settings.service_name,
        SESSION_COOKIE_NAME="hub_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which idles out
        MAX_CONTENT_LENGTH=REQUEST_MAX_MB * MB,
    )
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("hub"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register_filters(app)
    init_database(app, settings)
    # The Risk Assessment Matrix files are checked now: a file with a problem stops the
    # hub starting, with the file and the problem named (MatrixError).
    app.extensions["hub.risk_matrices"] = load_matrices()
    # So is the Community Trigger procedure (ProcedureInvalid names every problem).
    app.extensions["hub.trigger_procedure"] = load_procedure(settings.trigger_procedure)
    app.config["HUB_TRIGGER_LEAD"] = app.extensions["hub.trigger_procedure"].lead
    # And the closure survey's questions (SurveyInvalid names every problem).
    app.extensions["hub.closure_survey"] = load_survey(settings.closure_survey)
    # And the standard letters' words and placeholders (LettersInvalid).
    app.extensions["hub.letters"] = load_letters(settings.letters)
    # And the privacy notice's and accessibility statement's own words (StatementsInvalid).
    app.extensions["hub.statements"] = load_statements(settings.statements)
    # And each landlord's homes by tenure, for "per 1,000 homes" (StockInvalid).
    app.extensions["hub.housing_stock"] = load_stock(settings.housing_stock)
    # And the wards' boundaries and households, for rates and the map (BoundariesInvalid).
    app.extensions["hub.ward_boundaries"] = load_boundaries(settings.ward_boundaries)
    # Where case files are kept, sealed (an s3:// setting without a bucket is refused).
    try:
        app.extensions["hub.file_store"] = store_at(
            settings.document_store,
            instance_path=settings.instance_path,
            endpoint_url=settings.document_store_endpoint,
            region=settings.document_store_region,
        )
    except StoreError as e:
        raise ConfigError(f"document_store: {e}") from None
    # And the agencies' own identity providers, with their client secrets
    # (IdentityProvidersInvalid names the agency and the setting).
    init_single_sign_on(
        app,
        load_identity_providers(settings.identity_providers, production=settings.production),
    )
    # The audit log's witnesses (WitnessesInvalid names the witness and the problem).
    app.extensions["hub.witnesses"] = load_witnesses(settings.audit_witnesses)
    init_checkpoint_schedule(app, settings)
    init_notices(app, settings)
    hide_link_tokens()
    # First: a page answered before any route (an upload too large, a form without its
    # CSRF token, a refusal by the guard, an address that does not exist) runs the hub's
    # scripts with the nonce its Content-Security-Policy names, as every page does.
    app.before_request(_new_nonce)
    # Before the CSRF check, which reads the form: uploads may be larger than other forms.
    app.before_request(_upload_limit)
    csrf = CSRFProtect(app)
    _init_login(app)
    init_api(app)
    init_limits(app, settings)
    csrf.exempt(api.bp)  # token-authenticated: no cookies, so no cross-site forgery
    blueprints = (
        api,
        auth,
        health,
        home,
        cases,
        documents,
        letters,
        actions,
        shares,
        conferences,
        meetings,
        risk,
        locks,
        emergency,
        protocols,
        alerts,
        search,
        trigger,
        trigger_figures,
        figures,
        apply,
        your_say,
        statements,
        account,
        people,
        audit,
    )
    for blueprint in (module.bp for module in blueprints):
        app.register_blueprint(blueprint)
    check_declared(app)
    app.before_request(_no_control_characters)
    app.before_request(check_request)
    app.after_request(_security_headers)
    if settings.production:
        app.after_request(_strict_transport_security)
    app.context_processor(
        lambda: {"cspNonce": g.get("csp_nonce", ""), "csp_nonce": lambda: g.get("csp_nonce", "")}
    )
    app.jinja_env.globals["sent_once"] = sent_once
    app.jinja_env.globals["opened"] = opened_field
    app.jinja_env.globals["limit_of"] = limit_of
    app.jinja_env.globals["may_open"] = may_open
    app.jinja_env.globals["on_public_form"] = on_public_form
    app.jinja_env.globals["on_closure_survey"] = on_closure_survey
    app.jinja_env.globals["sign_out_warning"] = sign_out_warning
    app.jinja_env.filters.update(reports.FILTERS)
    _register_errors(app)
    init_commit(app)
    app.after_request(record_unrecorded_refusal)  # runs before the commit, which keeps it
    if settings.trusted_proxies:
        # The visitor's address and scheme as the reverse proxies in front saw them; a
        # client's own X-Forwarded-For entries beyond theirs are never believed.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    return app


class IdConverter(IntegerConverter):
    """``<int:...>`` in the hub's addresses: a row's id, so a number larger than any id
    (``MAX_ID``) matches no route and is "not found", as a missing row is."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _init_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.session_protection = "strong"

    idle = timedelta(minutes=app.config["HUB_SETTINGS"].session_idle_minutes)

    @manager.user_loader
    def load_user(session_key: str) -> SignedInUser | None:
        # A page's script asking how long the session has left (before it warns of the
        # sign-out) is not the user using the hub: counted as use, an open page left alone
        # would keep its session alive for ever, and the idle sign-out would never come.
        seen = request.endpoint != TIME_LEFT
        resumed = sign_in_sessions.resume(db(), session_key, idle, seen=seen)
        if resumed.user is None:
            g.session_ended = resumed.ended  # the guard tells the user why
            return None
        # The cookie is signed afresh with each signed-in request: Flask refuses a cookie
        # signed longer ago than PERMANENT_SESSION_LIFETIME (the idle limit), so one
        # written only at sign-in would sign out a user still at work, saying nothing. The
        # session on the server says when the session ends.
        session.modified = True
        return SignedInUser(resumed.user, session_key, resumed.ends_at)


def _new_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _security_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":  # pages, PDFs and errors: nothing kept in a cache
        response.headers["Cache-Control"] = "no-store"
    return response


def _strict_transport_security(response: Response) -> Response:
    """Production is served over https only: browsers are told to keep to it for a year."""
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


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


def _upload_mb(endpoint: str | None) -> int:
    if endpoint == "cases.import_cases":
        return IMPORT_MAX_MB
    limit: int = current_app.config["HUB_SETTINGS"].document_max_mb
    return limit


def _upload_limit() -> None:
    """A request to a page that takes a file may carry the largest file allowed, and the
    form's other fields."""
    if request.endpoint in UPLOADS:
        request.max_content_length = _upload_mb(request.endpoint) * MB + MB
    elif request.endpoint == API_IMPORT:
        request.max_content_length = IMPORT_MAX_MB * MB


def _register_errors(app: Flask) -> None:
    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_e: RequestEntityTooLarge) -> tuple[str, int] | Response:
        if _for_api():
            return _too_large_for_api()
        if request.endpoint == "cases.import_cases":
            paragraphs = [
                f"The most a file of cases can be here is {IMPORT_MAX_MB} MB. Nothing was "
                "imported.",
                "Go back and split the file, or ask your hub's operator to import it with "
                "`hub import cases`.",
            ]
        elif request.endpoint in UPLOADS:
            limit = _upload_mb(request.endpoint)
            paragraphs = [
                f"The most a file can be is {limit} MB. Nothing was attached.",
                "Go back and select a smaller file: a photo at a lower resolution, or a "
                "document saved as a PDF.",
            ]
        else:
            paragraphs = ["The form sent more than the hub accepts. Nothing was saved."]
        return render_template(
            "errors/error.html", title="The file is too large", paragraphs=paragraphs
        ), 413

    @app.errorhandler(CSRFError)
    def csrf_error(_e: CSRFError) -> tuple[str, int]:
        return render_template(
            "errors/error.html",
            title="Your form could not be submitted",
            paragraphs=[
                "The page was out of date or the form was missing its security token, so "
                "nothing was saved. Go back, reload the page and try again.",
            ],
        ), 400

    @app.errorhandler(KeyringError)
    def key_store_error(e: KeyringError) -> tuple[str, int] | Response:
        log.error(
            "key store error on %s: %s", _path_template(), e
        )  # names files and versions, no data
        _roll_back_quietly()
        # A key store that cannot be read now (damaged, missing, unreadable) is a service
        # out for a while, as a database down is (503); one that does not match the
        # database will not mend itself (500).
        unreadable = bool(getattr(app.extensions["hub.keys"], "problem", None))
        return _page_or_problem(
            503 if unreadable else 500,
            "Sorry, the hub cannot read case records at the moment",
            [
                "Its encryption key store does not match its database or cannot be read. "
                "Nothing you were submitting was saved. Tell your hub administrator.",
            ],
        )

    @app.errorhandler(OperationalError)
    def database_busy_or_unreachable(e: OperationalError) -> tuple[str, int] | Response:
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

    @app.errorhandler(AuditUnavailable)
    def audit_unavailable(e: AuditUnavailable) -> tuple[str, int] | Response:
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

    @app.errorhandler(StoreError)
    def file_store_error(e: StoreError) -> tuple[str, int]:
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

    @app.errorhandler(NotFound)
    def not_found(_e: NotFound) -> tuple[str, int] | Response:
        # The core's "not found" that no view answered itself: most often a record gone
        # when the act read it again under its lock (taken away while a form waited).
        # Answered as a request sent after it went is, not found, nothing saved (the
        # answer's roll-back; the guard records the refusal). The route alone is logged:
        # the message may name the record.
        log.info("a record was no longer there on %s", _path_template())
        title, paragraphs = _PUBLIC_NOT_FOUND if _public() else _ERROR_PAGES[404]
        if _for_api():
            detail = "There is no such record, or your agency may not see it"
            return api_problem(404, "Not found", detail)
        return render_template("errors/error.html", title=title, paragraphs=paragraphs), 404

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> tuple[str, int] | Response:
        code = e.code or 500
        title, paragraphs = _error_page(code) or (e.name, [e.description or ""])
        if _for_api() and isinstance(e, RateLimitExceeded) and e.response is not None:
            return e.response  # the limit's own problem: which limit, when to come back
        if _for_api() and isinstance(e, MethodNotAllowed):
            allowed = ", ".join(sorted(set(e.valid_methods or ()) - {"HEAD", "OPTIONS"}))
            return api_problem(
                405,
                "Method not allowed",
                f"This call does not take {request.method}: it takes {allowed}",
                headers={"Allow": allowed},
            )
        if _for_api() and code == 404:  # no route: a record not found is answered above
            detail = (
                "No call of the API has this address: the calls and their addresses are "
                "listed at /api/v1/reference"
            )
            return api_problem(404, "Not found", detail)
        if _for_api():
            return api_problem(code, e.name, " ".join(paragraphs))
        return render_template("errors/error.html", title=title, paragraphs=paragraphs), code

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> tuple[str, int] | Response:
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
    if _for_api():
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


def _no_control_characters() -> tuple[str, int] | Response | None:
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
    if _for_api():
        return api_problem(400, "Bad request", detail)
    title = "Sorry, there is a problem with that address"
    return render_template("errors/error.html", title=title, paragraphs=[detail]), 400


def _for_api() -> bool:
    """Whether the request is a partner system's call (answered with problem details)."""
    return request.path.startswith("/api/")


def _path_template() -> str:
    return request.url_rule.rule if request.url_rule else "(no route)"
