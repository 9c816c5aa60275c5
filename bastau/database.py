"""Database engine settings and the one way to start a writing transaction."""
from __future__ import annotations

import re
import select
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request

from .extensions import db
from .request_log import REQUEST_ID

IMMEDIATE = "bastau_immediate"
_AFTER_VIEW = "bastau_writes_after_view"
_WRITING = "bastau_writing"  # in g: this request has begun a writing transaction; its reads are in one from now on
_AUTOCOMMIT = "AUTOCOMMIT"
# What must never run outside a transaction: a change (it would be kept alone, whatever failed after it) or a lock
# (it would be let go at once). Looked for by the first word and, only where "FOR" appears at all, a pattern: a
# regular expression searched through a page's long SELECT costs 15 µs a statement.
_CHANGES = ("INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE", "LOCK")
_LOCKS = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b", re.IGNORECASE)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        sa.event.listen(engine.pool, "checkout", _closed_by_the_server)
        sa.event.listen(engine, "before_cursor_execute", _only_reads_outside_a_transaction)


# ---- A web request's reads on PostgreSQL: no transaction until it writes ----
#
# psycopg sends BEGIN before a transaction's first statement and SQLAlchemy a ROLLBACK when the connection goes
# back to the pool: a page that reads one row pays three round trips, each ~0.1 ms of the app's CPU and as much of
# the server's. A request's reads run on the same connection in autocommit instead, one round trip a statement.
# They see what they would have seen: at READ COMMITTED, PostgreSQL's default and ours, each statement of a
# transaction takes its own snapshot anyway. The first write (begin_write, which every writing() and
# write_after_view starts with) ends that and begins a real transaction, which the rest of the request keeps; a
# write or a lock tried before it is refused (_only_reads_outside_a_transaction), so nothing can be committed on
# its own by mistake. Jobs, commands, scripts' and tests' request contexts keep a transaction from the first
# statement.

_READING_ENGINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def bind_for_request(engine):
    """The engine the session uses for its next transaction: PostgreSQL in autocommit for a web request's reads."""
    if (not isinstance(engine, sa.engine.Engine) or engine.dialect.name != "postgresql" or not _served()
            or g.get(_WRITING)):
        return engine
    reading = _READING_ENGINES.get(engine)
    if reading is None:  # the same pool and events, its connections in autocommit while checked out
        reading = _READING_ENGINES[engine] = engine.execution_options(isolation_level=_AUTOCOMMIT)
    return reading


def _served() -> bool:
    """A request the app is serving: one that came in through its WSGI entry (bastau.request_log's middleware names
    each), not a test_request_context that a script or a test opens to write in its own way."""
    return has_request_context() and REQUEST_ID in request.environ


def _only_reads_outside_a_transaction(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if conn.get_execution_options().get("isolation_level") == _AUTOCOMMIT and _needs_a_transaction(statement):
        raise RuntimeError("a write or a lock outside a transaction: start it with database.writing() "
                           f"(begin_write), never on a request's reading connection: {statement[:80]!r}")


def _needs_a_transaction(statement: str) -> bool:
    return (statement.lstrip()[:8].upper().startswith(_CHANGES)
            or (("FOR " in statement or "for " in statement) and _LOCKS.search(statement) is not None))


def _closed_by_the_server(dbapi_connection, _record, _proxy) -> None:
    """Instead of a ping (a round trip) on every checkout: an idle connection has nothing to read unless the server
    has closed it (a restart, pg_terminate_backend, idle_session_timeout), so a readable socket means a dead one, and
    the pool replaces it before the request uses it. A connection lost without a word (a cut cable) is bounded by
    pool_recycle instead, and SQLAlchemy's disconnect handling renews the pool after its first error."""
    readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    if readable:
        raise sa.exc.DisconnectionError("the server closed this connection while it was idle")


def _sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy, not the sqlite3 module, decides when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() knows only ASCII; searches for «Жұма» must find «ЖҰМАБАЕВА» as on PostgreSQL.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    register_sqlite_collations(dbapi_connection)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


# Names sort as people expect (Ә after А, Ғ after Г), not by code point: ICU on PostgreSQL and, through
# PyICU, on SQLite (bastau/collation.py), in the page's language.
from .collation import register_sqlite as register_sqlite_collations  # noqa: E402


def alphabetically(column):
    """ORDER BY a name column in the page language's alphabetical order (see bastau.collation)."""
    from .collation import by_name
    return by_name(column)


def _sqlite_begin(conn) -> None:
    # A transaction that reads before it writes must take the write lock first on SQLite, or two
    # such writers fail with "database is locked" instead of waiting their turn.
    # Straight to the driver: the same statement through SQLAlchemy's execution costs every request 20 µs more.
    conn.connection.driver_connection.execute(
        "BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")


def begin_write() -> None:
    """Start the session's next transaction as a writer (BEGIN IMMEDIATE on SQLite).

    Call at the start of a service that reads, then writes. Whatever read-only transaction the
    request had open (loading the user, say) is closed first.
    """
    if db.session().in_transaction():
        db.session.rollback()
    if _served():
        g.setdefault(_WRITING, True)  # a real transaction from here on (bind_for_request)
    db.session.connection(execution_options={IMMEDIATE: True})


@contextmanager
def writing() -> Iterator[None]:
    """The one owner of a service's writing transaction: `with writing(): ...` begins it as a writer
    (see begin_write), commits when the block ends and rolls back on any exception, which goes on up.

    Raise Refused inside the block to refuse: nothing the block changed is kept. A commit that fails (a
    unique constraint, say) is rolled back too, so a caller may catch IntegrityError around the block.
    """
    try:
        begin_write()
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def queue_after_view(statement) -> None:
    """A row written once the view has answered (the read log's entry): it goes with the session's own writes, in
    one transaction at the end of the request (`write_after_view`, called by bastau/sessions.py)."""
    g.setdefault(_AFTER_VIEW, []).append(statement)


def write_after_view(*statements) -> list:
    """Write the queued statements and these in one transaction, on the request's own session: whatever the view
    left uncommitted (nothing, for a view that finished; half-done work, for one that failed) is rolled back first,
    never committed by accident (see begin_write). Nothing to write: no database work at all. Returns the results
    of `statements`, in order."""
    queued = g.pop(_AFTER_VIEW, []) if g else []
    mine = [statement for statement in statements if statement is not None]
    if not queued and not mine:
        return []
    # The page is drawn: forget the rows it read rather than expire each in the rollback (50 rows: 0.28 → 0.07 ms).
    db.session.expunge_all()
    with writing():
        for statement in queued:
            db.session.execute(statement)
        return [db.session.execute(statement) for statement in mine]
