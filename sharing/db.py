"""Engines and sessions for the hub's database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    Select,
    Table,
    any_,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import InvalidRequestError, SQLAlchemyError
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker
from sqlalchemy.schema import ColumnDefault

from sharing.crypto.keys import KeyProvider
from sharing.errors import NotFound

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


#: In a session's ``info``: the audit entries its commits queue are left to an integrator
#: of their own (``sharing.audit.integrator``), not added to the log after each commit.
INTEGRATED_APART = "audit.integrated_apart"
#: Where a factory's sessions' acts come from, recorded in the audit entries no user acted
#: in (``sharing.audit.acts.record``): a command, or the hub's own work.
ORIGIN = "audit.origin"


def make_session_factory(
    engine: Engine,
    keys: KeyProvider | None = None,
    hashing: HashingCost | None = None,
    *,
    integrated_apart: bool = False,
    origin: str | None = None,
) -> sessionmaker[Session]:
    """Sessions on ``engine`` that seal and unseal personal values with ``keys`` and hash
    passwords at the ``hashing`` cost (``sharing.accounts.RECOMMENDED`` if not given); with
    ``integrated_apart``, sessions whose audit entries an ``Integrator`` adds to the log;
    with ``origin``, sessions whose entries no user acted in record where they come from
    (``sharing.audit.acts.ORIGINS``)."""
    info: dict[str, object] = {}
    if keys:
        info["keys"] = keys
    if hashing:
        info["hashing_cost"] = hashing
    if integrated_apart:
        info[INTEGRATED_APART] = True
    if origin:
        info[ORIGIN] = origin
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


def in_rows_of(
    session: Session, column: QueryableAttribute[Any], query: Select[Any]
) -> ColumnElement[bool]:
    """``column IN (query)``, written so that the condition can be looked up in an index of
    ``column`` where it is one branch of an OR. PostgreSQL reads an ``IN (subquery)`` there
    row by row, so it gets ``column = ANY(ARRAY(query))``: the query runs once, and its
    array can be looked up in the index. SQLite gets ``IN (query)``, which it can look up."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(query.scalar_subquery()))
    return column.in_(query)


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new ids for rows of ``table`` (its ``id`` column), for rows written in a
    batch whose ids are needed before they are inserted (sealing binds a value to its
    row's id). PostgreSQL takes them from the column's sequence, so they are never given
    out twice. SQLite counts on from the largest id under the database's write lock
    (``begin_writing``), so the caller must insert the rows before its transaction ends."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": table.name, "count": count},
            )
        )
    begin_writing(session)
    largest: int = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(largest + 1, largest + 1 + count))


def begin_writing(session: Session) -> None:
    """Open the session's transaction as a writer now, before a savepoint or a batch of
    writes. PostgreSQL needs nothing: its transaction began with the session's first
    statement. SQLite's driver begins a transaction only at a statement that writes, so a
    savepoint taken before one would commit when released, and what a batch reads before
    it writes could change under it: ``BEGIN IMMEDIATE`` opens the transaction and takes
    the database's write lock (SQLite lets one transaction write at a time)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_for_change(session: Session, *records: object) -> None:
    """Read ``records`` again under a lock held until the transaction ends, before
    checking that what they record has not been done yet (a lock request decided, an
    outcome recorded) or changed since a form was opened: each row's lock on PostgreSQL,
    the database's write lock on SQLite (``begin_writing``). Someone doing the same at
    the same moment waits for the first to finish, then reads it done; without the lock
    both would read "not yet" and both write. What the session changed and has not yet
    written is written first, so that reading again keeps it. ``NotFound`` when a row is
    no longer there: someone took the record away (a person off a case, say) while this
    waited, as if it had gone before."""
    begin_writing(session)
    session.flush()
    for record in records:
        try:
            # Only the record's own row: a relationship it was loaded with is outer-joined,
            # and PostgreSQL locks no row of an outer join's nullable side.
            session.refresh(record, with_for_update={"of": type(record)})
        except InvalidRequestError:  # the row read again is not there
            if not inspect(record).persistent:
                raise
            raise NotFound(f"{type(record).__name__} no longer there") from None


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns) into ``table`` in the session's
    transaction, for a batch of many (an import). On PostgreSQL through ``COPY``, which
    takes rows several times faster than one ``INSERT`` a row: each value passes through
    its column's type as a statement's would, and a column the rows leave out gets its
    default. Elsewhere, one ``INSERT`` run for every row."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    given = set(rows[0])
    defaulted = [c for c in table.columns if c.name not in given and c.default is not None]
    columns = [table.c[name] for name in rows[0]] + defaulted
    processors = [c.type.bind_processor(dialect) for c in columns]
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101 - an open connection
    with (
        driver.cursor() as cursor,
        cursor.copy(
            f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            values = [row[name] for name in rows[0]] + [_default(c) for c in defaulted]
            copy.write_row(
                [
                    v if p is None or v is None else p(v)
                    for v, p in zip(values, processors, strict=True)
                ]
            )


def _default(column: Column[Any]) -> Any:
    """The value a column's Python-side default gives a new row."""
    default = column.default
    if isinstance(default, ColumnDefault) and default.is_scalar:
        return default.arg
    if isinstance(default, ColumnDefault) and default.is_callable:
        # SQLAlchemy passes a statement's context; the defaults here take none.
        return default.arg(None)
    raise TypeError(f"{column} has a default COPY cannot give")
