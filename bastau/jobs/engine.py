"""Huey runs the periodic jobs: embedded on a SQLite file by default (no extra service under `make run`), on
Redis in production (JOBS_REDIS_URL, default REDIS_URL), where several `flask worker` processes may run.

Huey was chosen because it is one small pure-Python package that has both an embedded SQLite storage and a
Redis one, periodic (crontab) tasks and task locks; the jobs themselves are idempotent, so a second scheduler
(two workers each enqueuing the minute's job) costs a lock wait, never a double move.
"""
from __future__ import annotations

import logging

from flask import Flask
from huey import RedisHuey, SqliteHuey, crontab
from huey.exceptions import TaskLockedException

from ..extensions import db
from . import PERIODIC, Job, run_job

log = logging.getLogger("bastau.jobs")


def _schedule(job: Job) -> crontab:
    if job.every_minutes < 60:
        return crontab(minute=f"*/{job.every_minutes}")
    return crontab(minute="0", hour=f"*/{job.every_minutes // 60}")


def make_huey(app: Flask):
    """The Huey instance for this app, with every periodic job registered (created on first use only: web
    processes never need it)."""
    redis_url = app.config.get("JOBS_REDIS_URL")
    if redis_url:
        huey = RedisHuey("bastau-jobs", url=redis_url, results=False)
    else:
        huey = SqliteHuey("bastau-jobs", filename=app.config["JOBS_SQLITE_PATH"], results=False)
    for job in PERIODIC:
        huey.periodic_task(_schedule(job), name=job.name, retries=0)(_task(app, huey, job))
    return huey


def _task(app: Flask, huey, job: Job):
    def task():
        try:
            with huey.lock_task(job.name), app.app_context():
                try:
                    run_job(job)
                finally:
                    db.session.remove()
        except TaskLockedException:  # the same job is running in another worker right now
            log.info("job %s is running elsewhere; skipped", job.name)
    task.__name__ = job.name
    return task


def huey_for(app: Flask):
    if "huey" not in app.extensions:
        app.extensions["huey"] = make_huey(app)
    return app.extensions["huey"]


def run_worker(app: Flask, workers: int, periodic: bool) -> None:
    """Catch up once (everything that fell due while no worker ran), then run Huey's consumer until stopped."""
    from . import run_due
    with app.app_context():
        for name, result in run_due(everything=True).items():
            log.info("catch-up %s: %s", name, result)
        db.session.remove()
    huey = huey_for(app)
    consumer = huey.create_consumer(workers=workers, periodic=periodic, worker_type="thread",
                                    check_worker_health=True)
    consumer.run()
