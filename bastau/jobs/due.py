"""What the calendar does by itself: the time-driven moves and checks of the programme.

Each job takes the Kazakhstan day it runs for and brings the data up to it. Jobs are idempotent and catch up:
they look at what is due *now* (not at what happened since the last run), so a worker that was down for a week
applies every move that fell due, once, on its first run; and a job that finds the same thing twice changes it
once (statuses are re-read under the write lock; notices have a unique key). Each returns a short summary.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from .. import audit, rules
from ..absences import flag_dates, flagged_among
from ..calendar import public_holidays
from ..extensions import db
from ..lifecycle import CALENDAR, IN_A_COHORT, TRAINED, move_to
from ..models import Application, BusinessFollowUp, Certificate, CertificateKind, Cohort, Status, TrainingDay
from ..sms import events as sms
from ..notices import sync_notices


def _last_day():
    return (sa.select(sa.func.max(TrainingDay.date)).where(TrainingDay.cohort_id == Cohort.id)
            .correlate(Cohort).scalar_subquery())


@dataclass
class Moved:
    started: int = 0
    completed: int = 0

    def __str__(self) -> str:
        return f"{self.started} started, {self.completed} completed"


def training_moves(today: date) -> Moved:
    """The first training day has come: enrolled → in training. The last one is past: in training → training
    completed, except for those whose absences wait for the commission (they complete on the run after the
    commission keeps them; the expelled have left already)."""
    due = (sa.select(Application).join(Cohort, Application.cohort_id == Cohort.id)
           .where(Application.status.in_(IN_A_COHORT),
                  sa.or_(sa.and_(Application.status == Status.ENROLLED, Cohort.start_date <= today),
                         _last_day() < today))
           .options(contains_eager(Application.cohort)).order_by(Application.id).with_for_update(of=Application))
    people = db.session.scalars(due).all()
    if not people:
        return Moved()
    last_days = dict(db.session.execute(
        sa.select(TrainingDay.cohort_id, sa.func.max(TrainingDay.date))
        .where(TrainingDay.cohort_id.in_({p.cohort_id for p in people})).group_by(TrainingDay.cohort_id)).all())
    moved = Moved()
    for application in people:
        cohort_title = application.cohort.title
        if application.status == Status.ENROLLED and application.cohort.start_date <= today:
            move_to(application, Status.IN_TRAINING, by=CALENDAR, note=cohort_title)
            moved.started += 1
    # Those of the same cohorts who are flagged: a query of ids, not a list as long as the catch-up is.
    waiting = flagged_among(sa.select(Application.id).where(Application.cohort_id.in_(sorted(last_days))))
    for application in people:
        last = last_days.get(application.cohort_id)
        if application.status == Status.IN_TRAINING and last is not None and last < today \
                and application.id not in waiting:
            move_to(application, Status.TRAINING_COMPLETED, by=CALENDAR, note=application.cohort.title)
            moved.completed += 1
    return moved


def commission_reminders(today: date) -> str:
    """A flag with no commission decision after 5 working days goes on the chamber's and the commission's
    desks; a reminder closes once the flag is gone (expelled, kept, withdrawn)."""
    flagged = flagged_among(sa.select(Application.id))
    flagged_since = flag_dates(flagged)
    district_of = dict(db.session.execute(
        sa.select(Application.id, Application.district_id).where(Application.id.in_(list(flagged)))).all())
    non_working = public_holidays()
    found = {}
    for application_id, tally in flagged.items():
        since = flagged_since.get(application_id)
        if since is None or rules.working_days_between(since, today, non_working) \
                < rules.COMMISSION_REMINDER_WORKING_DAYS:
            continue
        key = f"commission:{application_id}:{max(rules.MAX_UNEXCUSED_DAYS, tally.kept_at) + 1}"
        found[key] = {"application_id": application_id, "district_id": district_of[application_id],
                      "detail": since.isoformat()}
    _opened, closed = sync_notices("commission_overdue", found)
    return f"{len(found)} waiting for the commission, {closed} closed"


def follow_ups_due(today: date) -> str:
    """The 6- and 12-month follow-ups fall due, counted from the certificate's date; recorded ones close."""
    # The follow-ups each certificate has recorded, one bit per rules.FOLLOW_UP_MONTHS; only certificates with one
    # still to record are read (most have all of theirs after a year).
    bit = {months: 1 << i for i, months in enumerate(rules.FOLLOW_UP_MONTHS)}
    recorded = (sa.select(BusinessFollowUp.application_id,
                          sa.func.sum(sa.case(bit, value=BusinessFollowUp.months_after, else_=0)).label("bits"))
                .group_by(BusinessFollowUp.application_id).subquery())
    bits = sa.func.coalesce(recorded.c.bits, 0)
    rows = db.session.execute(
        sa.select(Application.id, Application.district_id, Certificate.issued_on, bits)
        .join(Certificate, Certificate.application_id == Application.id)
        .outerjoin(recorded, recorded.c.application_id == Application.id)
        .where(Application.status.in_(TRAINED),
               Certificate.issued_on <= today - timedelta(days=180),  # 6 months are never shorter
               bits < sum(bit.values())))
    found = {}
    for application_id, district_id, issued_on, done in rows:
        recorded_months = [months for months, one in bit.items() if done & one]
        for months in rules.follow_ups_due(issued_on, recorded_months, today):
            found[f"follow_up:{application_id}:{months}"] = {"application_id": application_id,
                                                             "district_id": district_id, "detail": str(months)}
    opened, closed = sync_notices("follow_up_due", found)
    for key in opened.new:  # new this run: the person hears it too, once
        sms.follow_up_due(found[key]["application_id"], int(found[key]["detail"]))
    return f"{len(found)} follow-ups due, {closed} closed"


def loan_priority(today: date) -> str:
    """A certificate's 24-month loan priority ends: mark it and write it in the person's history, once."""
    open_ones = db.session.scalars(
        sa.select(Certificate).options(selectinload(Certificate.application))
        .where(Certificate.priority_closed_on.is_(None),
               # only a certificate that gives priority has one to end (rules.gives_loan_priority)
               Certificate.kind.in_([k for k in CertificateKind if rules.gives_loan_priority(k.value)]),
               Certificate.issued_on < today - timedelta(days=730))  # 24 months are never shorter
        .with_for_update(of=Certificate)).all()
    closed = 0
    for certificate in open_ones:
        until = rules.loan_priority_until(certificate.issued_on)
        if until < today:
            certificate.priority_closed_on = until
            audit.record("loan_priority_closed", None, certificate.application, actor_role=CALENDAR,
                         note=f"{certificate.number}: {until.isoformat()}")
            closed += 1
    return f"{closed} loan priorities ended"


def reference_data(today: date) -> str:
    """Reference data about to run out (next year's MCI or holidays, no active lender) → a warning on the
    national administrator's desk and in /healthz; it closes once the data is there."""
    from ..reference import reference_gaps
    found: dict[str, dict[str, dict]] = {kind: {} for kind in ("mci_missing", "holidays_missing", "no_lender")}
    for gap in reference_gaps(today):
        found[gap.kind][f"reference:{gap.kind}:{gap.year or ''}"] = {"detail": str(gap.year or "")}
    closed = sum(sync_notices("reference_" + kind, keys)[1] for kind, keys in found.items())
    return f"{sum(map(len, found.values()))} reference warnings, {closed} closed"


def training_tomorrow(today: date) -> str:
    """Everyone enrolled in a cohort whose first day is tomorrow gets an SMS, once (bastau/sms/events.py)."""
    return sms.training_tomorrow(today)
