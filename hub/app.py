"""The application factory: ``create_app`` builds the hub, step by step, from its
settings and the partnership's files; the cookies, templates, checks of each request and
headers of each answer it sets up. The answers to errors are ``hub.error_pages``; the
size and address checks of a request, ``hub.request_checks``."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, g, request, session
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
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
from hub.api_limits import init_limits
from hub.apply import reports
from hub.apply.views import on_public_form
from hub.audit_witnesses import load_witnesses
from hub.auth.single_sign_on import init_single_sign_on
from hub.auth.users import SignedInUser
from hub.checkpoint_schedule import init_checkpoint_schedule
from hub.config import load_settings
from hub.database import db, init_commit, init_database
from hub.error_pages import register_errors
from hub.forms import limit_of
from hub.guard import check_declared, check_request, may_open, record_unrecorded_refusal
from hub.identity_providers import load_identity_providers
from hub.logs import hide_link_tokens
from hub.notices import init_notices
from hub.opened import opened_field
from hub.request_checks import MB, REQUEST_MAX_MB, no_control_characters, upload_limit
from hub.sent_once import sent_once
from hub.settings import ConfigError, Settings
from hub.templating import HubFlask, register_filters
from hub.trigger import case_answers as trigger_asked
from hub.trigger import figures as trigger_figures
from hub.your_say.views import on_closure_survey
from sharing import sign_in_sessions
from sharing.cases.letters_file import load_letters
from sharing.cases.survey import load_survey
from sharing.crypto.keys import KeyringError
from sharing.figures.stock import load_stock
from sharing.figures.wards import load_boundaries
from sharing.files.stores import StoreError, store_at
from sharing.models.base import MAX_ID
from sharing.protocols.problems import FileInvalid
from sharing.risk.matrix import MatrixError, load_matrices
from sharing.statements import load_statements
from sharing.trigger.procedure import load_procedure

#: What ``create_app`` raises when the settings, or a file they name, cannot be used; the
#: message is one line saying which and why.
START_ERRORS = (ConfigError, KeyringError, FileInvalid, MatrixError)

#: The areas of the hub, each a blueprint, in the order they are registered.
BLUEPRINTS = (
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
    trigger_asked,
    figures,
    apply,
    your_say,
    statements,
    account,
    people,
    audit,
)


def create_app(settings: Settings | None = None, **overrides: object) -> Flask:
    """Build the hub from ``settings`` (default: loaded from config and environment)."""
    settings = settings or load_settings(**overrides)
    app = HubFlask(__name__, instance_path=str(settings.instance_path))
    _refuse_debug_in_production(app, settings)
    _configure(app, settings)
    _init_templates(app)
    init_database(app, settings)
    _load_partnership_files(app, settings)
    _load_service_files(app, settings)
    init_checkpoint_schedule(app, settings)
    init_notices(app, settings)
    hide_link_tokens()
    _init_first_checks(app, settings)
    _register_blueprints(app)
    _init_request_checks(app, settings)
    _init_template_globals(app)
    register_errors(app)
    init_commit(app)
    app.after_request(record_unrecorded_refusal)  # runs before the commit, which keeps it
    _trust_proxies(app, settings)
    return app


def _refuse_debug_in_production(app: Flask, settings: Settings) -> None:
    if settings.production and app.debug:
        # Debug mode (FLASK_DEBUG, ``hub --debug``) lets errors out as tracebacks and
        # gives ``hub run`` Werkzeug's console, which runs any code typed into it.
        raise ConfigError(
            "production refuses debug mode, which shows tracebacks and opens a console "
            "that runs code: unset FLASK_DEBUG and leave out --debug"
        )


def _configure(app: Flask, settings: Settings) -> None:
    """The addresses' ids, the session's cookie and lifetime, the largest request."""
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


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("hub"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register_filters(app)


def _load_partnership_files(app: Flask, settings: Settings) -> None:
    """The partnership's own files, each checked now: a file with a problem stops the hub
    starting, with the file and the problem named."""
    # The Risk Assessment Matrix files (MatrixError).
    app.extensions["hub.risk_matrices"] = load_matrices()
    # The Community Trigger procedure (ProcedureInvalid names every problem).
    app.extensions["hub.trigger_procedure"] = load_procedure(settings.trigger_procedure)
    app.config["HUB_TRIGGER_LEAD"] = app.extensions["hub.trigger_procedure"].lead
    # The closure survey's questions (SurveyInvalid names every problem).
    app.extensions["hub.closure_survey"] = load_survey(settings.closure_survey)
    # The standard letters' words and placeholders (LettersInvalid).
    app.extensions["hub.letters"] = load_letters(settings.letters)
    # The privacy notice's and accessibility statement's own words (StatementsInvalid).
    app.extensions["hub.statements"] = load_statements(settings.statements)
    # Each landlord's homes by tenure, for "per 1,000 homes" (StockInvalid).
    app.extensions["hub.housing_stock"] = load_stock(settings.housing_stock)
    # The wards' boundaries and households, for rates and the map (BoundariesInvalid).
    app.extensions["hub.ward_boundaries"] = load_boundaries(settings.ward_boundaries)


def _load_service_files(app: Flask, settings: Settings) -> None:
    """Where the service keeps case files, whom it takes the word of, who witnesses its
    audit log: each checked now, as the partnership's files are."""
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
    # The agencies' own identity providers, with their client secrets
    # (IdentityProvidersInvalid names the agency and the setting).
    init_single_sign_on(
        app,
        load_identity_providers(settings.identity_providers, production=settings.production),
    )
    # The audit log's witnesses (WitnessesInvalid names the witness and the problem).
    app.extensions["hub.witnesses"] = load_witnesses(settings.audit_witnesses)


def _init_first_checks(app: Flask, settings: Settings) -> None:
    """What runs before any route: the page's nonce, the request's size, its CSRF token,
    the signed-in user, the API's token and rate limits."""
    # First: a page answered before any route (an upload too large, a form without its
    # CSRF token, a refusal by the guard, an address that does not exist) runs the hub's
    # scripts with the nonce its Content-Security-Policy names, as every page does.
    app.before_request(_new_nonce)
    # Before the CSRF check, which reads the form: uploads may be larger than other forms.
    app.before_request(upload_limit)
    csrf = CSRFProtect(app)
    _init_login(app)
    init_api(app)
    init_limits(app, settings)
    csrf.exempt(api.bp)  # token-authenticated: no cookies, so no cross-site forgery


def _register_blueprints(app: Flask) -> None:
    for blueprint in (module.bp for module in BLUEPRINTS):
        app.register_blueprint(blueprint)
    check_declared(app)


def _init_request_checks(app: Flask, settings: Settings) -> None:
    """The guard's checks of every request, and the headers of every answer."""
    app.before_request(no_control_characters)
    app.before_request(check_request)
    app.after_request(_security_headers)
    if settings.production:
        app.after_request(_strict_transport_security)


def _init_template_globals(app: Flask) -> None:
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


def _trust_proxies(app: Flask, settings: Settings) -> None:
    if settings.trusted_proxies:
        # The visitor's address and scheme as the reverse proxies in front saw them; a
        # client's own X-Forwarded-For entries beyond theirs are never believed.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]


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
