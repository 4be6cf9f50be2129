"""One database session per request, committed once when the request succeeds."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, Response, current_app, g
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hub.settings import ConfigError, Settings
from sharing.audit import acts
from sharing.audit.integrator import Integrator
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import KeyProvider, LocalKeyring
from sharing.db import make_engine, make_session_factory

log = logging.getLogger(__name__)


def init_database(app: Flask, settings: Settings) -> None:
    try:
        engine = make_engine(
            settings.database_url,
            lock_timeout=settings.database_lock_timeout,
            statement_timeout=settings.database_statement_timeout,
            pool_pre_ping=True,
        )
    except ArgumentError:  # its message holds the address, and so any password in it
        raise ConfigError(
            "database_url is not a database address the hub can use, such as "
            "postgresql+psycopg://user@host:5432/db or sqlite:///path/hub.sqlite3"
        ) from None
    keys = open_key_store(settings)
    app.extensions["hub.engine"] = engine
    app.extensions["hub.keys"] = keys
    app.extensions["hub.sessions"] = make_session_factory(
        engine, keys, settings.hashing_cost, origin=acts.BY_THE_HUB
    )
    app.extensions["hub.command_sessions"] = make_session_factory(
        engine, keys, settings.hashing_cost, origin=acts.BY_COMMAND
    )
    app.teardown_appcontext(_close)


def integrate_apart(app: Flask, every: float) -> Integrator:
    """Leave the audit entries this app's requests queue to an integrator thread of its own
    that adds them to the log every ``every`` seconds (``hub serve``'s workers), rather than
    each request doing it after its commit; the integrator, started."""
    settings: Settings = app.config["HUB_SETTINGS"]
    engine: Engine = app.extensions["hub.engine"]
    app.extensions["hub.sessions"] = make_session_factory(
        engine,
        app.extensions["hub.keys"],
        settings.hashing_cost,
        integrated_apart=True,
        origin=acts.BY_THE_HUB,
    )
    integrator = Integrator(engine, every)
    integrator.start()
    app.extensions["hub.integrator"] = integrator
    return integrator


def init_commit(app: Flask) -> None:
    """Commit each request's work once its response is made. Registered after every
    other ``after_request`` function but the guard's record of an unrecorded refusal
    (``hub.guard.record_unrecorded_refusal``, which it must keep), so that it runs before
    them (Flask runs the last registered first): the answer to a commit that fails still
    gets the security headers, and no notice is sent for work that was not saved."""
    app.after_request(_commit_or_roll_back)


def open_key_store(settings: Settings) -> LocalKeyring:
    """The key store; in development it is made on first run (like the development
    secret), in production it must already exist (``hub keys init``). One that cannot be
    read (unreadable, damaged) does not stop the hub starting: the reason is logged in a
    line, pages that need it say so, and it is read again once it can be."""
    if not settings.production and not settings.key_store.exists():
        LocalKeyring.create(settings.key_store, index_lengths())
    keys = LocalKeyring(settings.key_store, defer_errors=True)
    if keys.problem:
        log.error("the key store cannot be used: %s", keys.problem)  # a path and a reason
    return keys


def command_sessions() -> sessionmaker[Session]:
    """Sessions for a command, sealing with the app's key store: the entries of acts no
    user did in them say they came from the command line (``acts.BY_COMMAND``)."""
    return current_app.extensions["hub.command_sessions"]  # type: ignore[no-any-return]


def new_session() -> Session:
    """A session outside any request (commands), sealing with the app's key store."""
    return command_sessions()()


def unusable(engine: Engine) -> tuple[str, bool] | None:
    """Why the hub cannot use ``engine``'s database, and whether it is a start-up problem
    (it cannot be reached) rather than one of its schema (none of the hub's tables yet);
    None when it can be reached and has them. The reason names no address or password."""
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except DBAPIError as e:
        reason = str(e.orig).strip().splitlines()[0] if str(e.orig).strip() else type(e).__name__
        return f"the database cannot be reached: {reason}", True
    if "alembic_version" not in tables:
        return "the database has no tables yet: run hub db upgrade", False
    return None


def key_store() -> KeyProvider:
    """The app's key store (data keys' wrapping, blind indexes, the checkpoint key)."""
    return current_app.extensions["hub.keys"]  # type: ignore[no-any-return]


def audit_origin() -> str:
    """The audit log's name in its signed checkpoints."""
    return str(current_app.config["HUB_SETTINGS"].audit_origin)


def engine() -> Engine:
    return current_app.extensions["hub.engine"]  # type: ignore[no-any-return]


def db() -> Session:
    """This request's session."""
    if "db" not in g:
        factory: sessionmaker[Session] = current_app.extensions["hub.sessions"]
        g.db = factory()
        g.db.info[acts.REQUEST_ID] = request_id()
    return g.db  # type: ignore[no-any-return]


def request_id() -> str:
    """This request's id: in its audit entries and its response's X-Request-Id header."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    return g.request_id  # type: ignore[no-any-return]


def _commit_or_roll_back(response: Response) -> Response:
    """Commit what a successful request did; anything answered with an error status
    (a refused form, a denial, a failure) changes nothing but the audit log's record
    of the refusal. A refused form's page (400) keeps the entries of what it showed again
    (the names in its pickers, say): the page disclosed them. A commit or roll-back that
    fails on the database is answered by its error page."""
    session: Session | None = g.get("db")
    if session is not None:
        try:
            if response.status_code < 400:
                session.commit()
            else:
                try:
                    acts.roll_back_keeping_refusals(session, shown=_refused_form(response))
                except acts.AuditUnavailable:
                    log.error("the audit entry of a refusal could not be written")
        except OperationalError as e:
            # The connection lost or a timeout as the transaction ends: answered as one in
            # the view is (503, nothing saved), not as an unexpected error.
            response = current_app.make_response(current_app.handle_user_exception(e))
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    return response


def _refused_form(response: Response) -> bool:
    """Whether the response is a page showing a refused form again (an API's problem
    shows nothing of what was read)."""
    return response.status_code == 400 and response.mimetype == "text/html"


def _close(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
