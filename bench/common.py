"""What the scale benchmarks share: a fresh migrated database, a SQL statement counter, timed requests."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bastau import create_app  # noqa: E402
from bastau.extensions import db  # noqa: E402
from bastau.reference import load_all  # noqa: E402


class StatementCounter:
    """Counts the SQL statements a request sends (to show there is no N+1)."""

    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def ensure_database(url: str) -> None:
    """Create a PostgreSQL database that is not there yet (a fresh machine has only `postgres` and `test`)."""
    target = sa.engine.make_url(url)
    if target.get_backend_name() != "postgresql":
        return
    server = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}):
                conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    finally:
        server.dispose()


def fresh_app(name: str, url: str | None = None, config: dict | None = None):
    """An app on an empty, migrated database with the reference data: `url`, else a throw-away SQLite file, or
    the PostgreSQL database named by BENCH_DATABASE_URL (a PostgreSQL database's public schema is emptied first).
    `config` is added to the app's settings."""
    url = url or os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tempfile.mkdtemp()) / f'{name}.sqlite'}"
    ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LOGIN_LIMIT": "1000 per minute",
                      **(config or {})})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            db.drop_all()  # a file kept from an earlier run starts empty too
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        load_all()
        counter = StatementCounter(db.engine)
    return app, url, counter


def timed(client, counter, method, url, repeat=7, ok=(200, 302), **kwargs):
    """Median and worst milliseconds over `repeat` requests, and the most SQL statements one of them sent."""
    times, statements = [], []
    for _ in range(repeat):
        counter.count = 0
        started = time.perf_counter()
        response = client.open(url, method=method, **kwargs)
        times.append(time.perf_counter() - started)
        statements.append(counter.count)
        assert response.status_code in ok, (url, response.status_code)
    return statistics.median(times) * 1000, max(times) * 1000, max(statements)
