"""`/healthz` for load balancers: may this server take requests?

Balancers poll it every few seconds, so it is cheap (one query, one tiny file, one Redis ping), opens no
session and sets no cookie, is never rate-limited, and says only which check failed, never why in detail
(it is public). The detail goes to the log.

A disk about to fill is a failure too ("fail: low on space"), for the plan folder and for the folder of a SQLite
database: below PLAN_STORAGE_MIN_FREE_MB / DATABASE_MIN_FREE_MB (or 1,000 free inodes) a server is taken out
before people meet the "no room to save" page. A PostgreSQL server's disk cannot be seen from here (no SQL
function tells the free space without superuser rights): its own monitoring must watch it; what the app can tell
is that it met DiskFull (SQLSTATE 53100) in the last few minutes ("fail: disk full").
"""
from __future__ import annotations

import logging
import tempfile
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from . import disk_full
from .config import ROOT
from .extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger("bastau.health")
OK = "ok"
LOW = "fail: low on space"
MIN_FREE_INODES = 1000


@bp.get("/healthz")
@limiter.exempt
def check():
    checks = {"database": _database(), "plan_storage": _plan_storage()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis()
    healthy = all(result == OK for result in checks.values())
    # Warnings, not failures: a stopped job worker or missing reference data must not take web servers out of
    # the balancer, but monitoring reads them here.
    detail = _detail() if checks["database"] == OK else {}
    response = jsonify(status=OK if healthy else "fail", checks=checks, detail=detail)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@cache
def migrations_head() -> str:
    """The newest migration this code ships; read once per process, the code does not change under it."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def _database() -> str:
    """Reachable and migrated to this code's head: reading the revision is itself the round trip (SELECT 1)."""
    try:
        with db.engine.connect() as conn:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.SQLAlchemyError as error:
        log.warning("healthz: database unreachable: %s", type(error).__name__)
        return "fail: unreachable"
    if revision != migrations_head():
        log.warning("healthz: database at revision %s, code expects %s", revision, migrations_head())
        return "fail: not migrated"
    return _database_room()


def _database_room() -> str:
    """SQLite: free space beside the database file (its journal and WAL grow there). PostgreSQL: only whether
    this process met a full disk lately."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return _room(Path(url.database).resolve().parent, current_app.config["DATABASE_MIN_FREE_MB"], "database")
    if disk_full.seen_recently():
        log.warning("healthz: the database answered 'disk full' in the last %d s", disk_full.RECENT)
        return "fail: disk full"
    return OK


def _room(folder: Path, min_free_mb: float, what: str) -> str:
    try:
        free_mb, free_inodes = disk_full.free_megabytes(folder)
    except OSError as error:
        log.warning("healthz: %s folder %s: %s", what, folder, error.strerror or type(error).__name__)
        return "fail: not writable"
    if free_mb < min_free_mb or (free_inodes is not None and free_inodes < MIN_FREE_INODES):
        log.warning("healthz: %s folder %s has %.1f MB and %s inodes free (at least %s MB wanted)", what, folder,
                    free_mb, free_inodes, min_free_mb)
        return LOW
    return OK


def _detail() -> dict:
    """Periodic jobs with no success for over twice their period, and reference data about to run out."""
    from .jobs import stale_jobs
    from .notices import open_reference_warnings
    try:
        return {"stale_jobs": stale_jobs(), "reference_warnings": open_reference_warnings()}
    except sa.exc.SQLAlchemyError as error:
        log.warning("healthz: detail unavailable: %s", type(error).__name__)
        return {}
    finally:
        db.session.remove()


def _plan_storage() -> str:
    """Create and remove a tiny file: a missing mount, a read-only or stale share all fail here."""
    folder = Path(current_app.config["PLAN_STORAGE"])
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
            pass
    except OSError as error:
        log.warning("healthz: plan storage %s not writable: %s", folder, error.strerror or type(error).__name__)
        return LOW if disk_full.is_disk_full(error) else "fail: not writable"
    return _room(folder, current_app.config["PLAN_STORAGE_MIN_FREE_MB"], "plan storage")


def _redis() -> str:
    """The rate-limit store: without it every rate-limited request would fail."""
    if limiter.storage is not None and limiter.storage.check():
        return OK
    log.warning("healthz: Redis does not answer")
    return "fail: unreachable"
