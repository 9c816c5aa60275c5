"""`/healthz` for load balancers: may this server take requests?

Balancers poll it every few seconds, so it is cheap (one query, one tiny file, one Redis ping), opens no
session and sets no cookie, is never rate-limited, and says only which check failed, never why in detail
(it is public). The detail goes to the log.
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

from .config import ROOT
from .extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger("bastau.health")
OK = "ok"


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
        return "fail: not writable"
    return OK


def _redis() -> str:
    """The rate-limit store: without it every rate-limited request would fail."""
    if limiter.storage is not None and limiter.storage.check():
        return OK
    log.warning("healthz: Redis does not answer")
    return "fail: unreachable"
