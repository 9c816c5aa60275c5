"""Database engine settings and the one way to start a writing transaction."""
from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, g

from .extensions import db

IMMEDIATE = "bastau_immediate"
_AFTER_VIEW = "bastau_writes_after_view"


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        sa.event.listen(engine.pool, "checkout", _closed_by_the_server)


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
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")


def begin_write() -> None:
    """Start the session's next transaction as a writer (BEGIN IMMEDIATE on SQLite).

    Call at the start of a service that reads, then writes. Whatever read-only transaction the
    request had open (loading the user, say) is closed first.
    """
    if db.session().in_transaction():
        db.session.rollback()
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
