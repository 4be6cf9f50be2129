"""Engines and sessions for the hub's database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sharing.crypto.keys import KeyProvider

if TYPE_CHECKING:
    from sharing.accounts import HashingCost

#: How much of an SQLite file is read through a memory map (SQLite's own ceiling is 2 GiB).
MMAP_BYTES = 2**31 - 2**16


#: How long a statement waits for a lock, and how long it may run, unless told otherwise.
LOCK_TIMEOUT_SECONDS = 30
STATEMENT_TIMEOUT_SECONDS = 0  # no limit


def make_engine(
    url: str,
    *,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    statement_timeout: float = STATEMENT_TIMEOUT_SECONDS,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url`` whose statements wait at most ``lock_timeout`` seconds for a
    lock and run at most ``statement_timeout`` (0: no limit; PostgreSQL only): past either
    they fail (``timed_out``) rather than hold the request. On SQLite, foreign keys on and
    the lock wait as its busy timeout."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": lock_timeout})
    elif url.startswith("postgresql"):
        options = f"-c lock_timeout={int(lock_timeout * 1000)}"
        options += f" -c statement_timeout={int(statement_timeout * 1000)}"
        kwargs.setdefault("connect_args", {"options": options})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Read pages straight from the file's memory map rather than copying each one in with
    # a system call: lookups by id across a large file (a search's candidates) take half
    # the time. Address space only; the operating system's page cache holds the pages.
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def make_session_factory(
    engine: Engine, keys: KeyProvider | None = None, hashing: HashingCost | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine`` that seal and unseal personal values with ``keys`` and hash
    passwords at the ``hashing`` cost (``sharing.accounts.RECOMMENDED`` if not given)."""
    info: dict[str, object] = {}
    if keys:
        info["keys"] = keys
    if hashing:
        info["hashing_cost"] = hashing
    return sessionmaker(bind=engine, expire_on_commit=False, info=info or None)


#: PostgreSQL's codes for a statement stopped by lock_timeout and by statement_timeout.
_TIMED_OUT = frozenset({"55P03", "57014"})


def timed_out(error: SQLAlchemyError) -> bool:
    """Whether the statement failed because it waited or ran past its bound (a lock held
    elsewhere), not because of anything wrong with it."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in _TIMED_OUT:
        return True
    return "database is locked" in str(original or "")


def reachable(session: Session) -> bool:
    """Whether the database answers a trivial query (for the health check)."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
