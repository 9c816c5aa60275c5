"""The programme's calendar as periodic jobs, run by Huey (bastau/jobs/engine.py) or once by `flask jobs run-due`.

Every job runs the same way wherever it is started: in one writing transaction that also updates its JobRun
row (last run, result, error). The transaction begins by locking that row, so two workers that start the same
job at once run it one after the other, and the second finds nothing left to do.
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..clock import today as kz_today
from ..database import begin_write
from ..extensions import db
from ..models import JobRun, utcnow
from ..sms import outbox as sms_outbox
from . import due, retention

log = logging.getLogger("bastau.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every_minutes: int
    run: Callable[[date], object]  # returns what it did, shown by str()
    description: str

    @property
    def period(self) -> timedelta:
        return timedelta(minutes=self.every_minutes)


PERIODIC = (
    Job("training_moves", 1, due.training_moves,
        "enrolled -> in training on the first day; in training -> completed after the last day"),
    Job("commission_reminders", 15, due.commission_reminders,
        "flags with no commission decision after 5 working days -> the chamber's and commission's desks"),
    Job("follow_ups_due", 60, due.follow_ups_due,
        "6- and 12-month business follow-ups fall due after the certificate"),
    Job("loan_priority", 60, due.loan_priority, "the 24-month loan priority of a certificate ends"),
    Job("sms_training_tomorrow", 60, due.training_tomorrow,
        "SMS to everyone whose training starts tomorrow (sent from 09:00: quiet hours)"),
    Job("reference_data", 60, due.reference_data,
        "next year's MCI or holidays missing, no active lender -> the national administrator's desk"),
    Job("personal_data_retention", 1440, retention.anonymise_expired,
        "personal data of applications whose retention period ended (PERSONAL_DATA_RETENTION_YEARS) -> anonymised"),
    # These two commit inside the run (the claim before the hand-over, never a second send; no write lock held
    # while the gateway answers): see bastau/sms/outbox.py.
    Job("sms_delivery", 1, sms_outbox.deliver_due,
        "due SMS -> the gateway (SMS_GATEWAY); retries with back-off; a worker that died mid-send: failed"),
    Job("sms_status", 10, sms_outbox.poll_deliveries, "delivery reports of the SMS the HTTP gateway took"),
)
BY_NAME = {job.name: job for job in PERIODIC}


def _ensure_row(name: str) -> None:
    """The job's row, made on its first run. Read first without a lock (it exists on every run but the first);
    a writer transaction to add it (on SQLite a reader that starts writing could be refused rather than wait)."""
    if db.session.scalar(sa.select(JobRun.name).where(JobRun.name == name)) is not None:
        db.session.rollback()
        return
    begin_write()
    if db.session.get(JobRun, name) is None:
        db.session.add(JobRun(name=name, runs=0))
    try:
        db.session.commit()
    except IntegrityError:  # another worker (PostgreSQL) made it a moment ago
        db.session.rollback()


def run_job(job: Job, today: date | None = None):
    """Run one job for a Kazakhstan day (default: today) and record how it went; returns the job's result."""
    _ensure_row(job.name)
    today = today or kz_today()
    begin_write()
    run = db.session.scalar(sa.select(JobRun).where(JobRun.name == job.name).with_for_update())
    started = utcnow()
    run.last_started_at = started
    try:
        result = job.run(today)
    except Exception as error:
        db.session.rollback()
        log.exception("job %s failed", job.name)
        try:
            _record_failure(job.name, started, error)
        except Exception:  # the database itself may be what failed: the log has it
            db.session.rollback()
            log.exception("job %s: could not record the failure", job.name)
        raise
    run.last_finished_at = run.last_succeeded_at = utcnow()
    run.last_result, run.last_error, run.runs = str(result)[:300], None, run.runs + 1
    db.session.commit()
    log.info("job %s: %s", job.name, result)
    return result


def _record_failure(name: str, started: datetime, error: Exception) -> None:
    begin_write()
    run = db.session.get(JobRun, name)
    run.last_started_at = started
    run.last_finished_at = utcnow()
    run.last_error = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
    run.runs += 1
    db.session.commit()


def is_due(job: Job, run: JobRun | None, now: datetime) -> bool:
    """Never run, or last started a whole period ago."""
    return run is None or run.last_started_at is None or run.last_started_at + job.period <= now


def is_stale(job: Job, run: JobRun | None, now: datetime) -> bool:
    """No success for longer than twice the period: the worker is down or the job keeps failing."""
    return run is None or run.last_succeeded_at is None or run.last_succeeded_at + 2 * job.period < now


def runs() -> dict[str, JobRun]:
    return {run.name: run for run in db.session.scalars(sa.select(JobRun))}


def run_due(today: date | None = None, everything: bool = False) -> dict[str, str]:
    """Run every job that is due now (or every job), once each; a failing job does not stop the others."""
    known, now, results = runs(), utcnow(), {}
    db.session.rollback()
    for job in PERIODIC:
        if not everything and not is_due(job, known.get(job.name), now):
            continue
        try:
            results[job.name] = str(run_job(job, today))
        except Exception as error:  # recorded in JobRun and logged; the other jobs still run
            db.session.rollback()
            results[job.name] = f"failed: {type(error).__name__}"
    return results


def stale_jobs(now: datetime | None = None) -> list[str]:
    """Names of periodic jobs that have not succeeded for more than twice their period (for /healthz)."""
    known, now = runs(), now or utcnow()
    return [job.name for job in PERIODIC if is_stale(job, known.get(job.name), now)]
