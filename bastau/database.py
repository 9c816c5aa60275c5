"""Database engine settings and the one way to start a writing transaction."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from .extensions import db

IMMEDIATE = "bastau_immediate"


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)


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
