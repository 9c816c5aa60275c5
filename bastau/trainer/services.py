"""Attendance: the trainer's register of each training day.

The absence rule that reads these marks is in bastau/absences.py; the commission's decisions about those it
flags are in bastau/commission/services.py.

A writing service runs in one `with writing():` block, looks its record up through a query scoped to the
trainer (own cohorts of the own district) and writes its audit entries. A refused change raises Refused and
changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit, lifecycle
from ..sms import events as sms
from ..absences import is_flagged, tallies  # noqa: F401  (the trainer's routes read them here)
from ..access import in_area
from ..clock import today
from ..database import alphabetically, writing
from ..extensions import db
from ..lifecycle import sorted_statuses
from ..models import (
    Application,
    Attendance,
    Cohort,
    Mark,
    Status,
    TrainingDay,
    User,
    utcnow,
)
from ..refusals import NotFound, Refused

# Codes stored in Attendance.reason; the words are in labels.py.
ABSENCE_REASONS = ("illness", "family", "work", "other")

MARKED = "attendance_marked"

FUTURE_DAY = _l("This day has not come yet. Attendance can be marked on the day or later.")


# ---- Reading: cohorts, days, participants and their tallies ----

def cohorts_for(trainer: User) -> sa.Select:
    """The trainer's own cohorts, and only in the trainer's own district."""
    return in_area(sa.select(Cohort), trainer, Cohort.district_id).where(Cohort.trainer_id == trainer.id)


def days_for(trainer: User) -> sa.Select:
    """Training days of the trainer's own cohorts."""
    return (in_area(sa.select(TrainingDay).join(Cohort, TrainingDay.cohort_id == Cohort.id), trainer,
                    Cohort.district_id)
            .where(Cohort.trainer_id == trainer.id))


# Who is on a day's register: those in training, and those who finished since (a past day filled in late).
ON_REGISTER = tuple(sorted_statuses(lifecycle.ON_REGISTER))


def register_of(day: TrainingDay) -> list[Application]:
    """The participants to mark for a day: in training (enrolled ones too on the first day), plus anyone
    whose mark for that day is already saved, so that a saved mark never disappears from the form."""
    statuses = ON_REGISTER + ((Status.ENROLLED,) if day.day_number == 1 else ())
    marked = sa.select(Attendance.application_id).where(Attendance.training_day_id == day.id)
    return list(db.session.scalars(
        sa.select(Application).where(Application.cohort_id == day.cohort_id,
                                     sa.or_(Application.status.in_(statuses), Application.id.in_(marked)))
        .order_by(alphabetically(Application.surname), alphabetically(Application.first_name), Application.id)))


def marks_of(day: TrainingDay) -> dict[int, Attendance]:
    return {row.application_id: row for row in db.session.scalars(
        sa.select(Attendance).where(Attendance.training_day_id == day.id))}


# ---- Writing: attendance of one day ----

@dataclass(frozen=True)
class Choice:
    """What the trainer chose for one participant on one day."""
    mark: Mark
    reason: str | None = None
    note: str | None = None


@dataclass
class Saved:
    changed: int     # marks added or changed
    audited: int     # of these, entries written to the audit log


def save_attendance(trainer: User, day_id: int, choices: dict[int, Choice], delivered: bool) -> Saved:
    """Save one day's register: one mark per participant (insert or update; the unique key is the day and
    the person), and whether the day's module was delivered.

    Idempotent: saving the same form twice (a repeated POST after a dropped connection) changes nothing
    the second time and writes no audit entries. New "present" marks are not audited; every other new
    or changed mark (or reason) is, with the day and the mark in the note.
    """
    for choice in choices.values():
        if choice.mark == Mark.EXCUSED and choice.reason not in ABSENCE_REASONS:
            raise ValueError("an excused absence needs a reason from the list")
    with writing():
        # The row lock makes two saves of the same day (PostgreSQL) wait for each other; SQLite's writer lock does.
        day = db.session.scalar(days_for(trainer).where(TrainingDay.id == day_id).with_for_update(of=TrainingDay))
        if day is None:
            raise NotFound(day_id)
        if day.date > today():
            raise Refused(FUTURE_DAY)
        saved = marks_of(day)
        outcome = Saved(0, 0)
        newly_absent = []
        for application in register_of(day):
            choice = choices.get(application.id)
            if choice is None:  # not on the form the trainer saw (enrolled since): leave them alone
                continue
            reason = choice.reason if choice.mark == Mark.EXCUSED else None
            note = ((choice.note or "").strip()[:200] or None) if choice.mark == Mark.EXCUSED else None
            row = saved.get(application.id)
            if row is None:
                db.session.add(Attendance(training_day_id=day.id, application_id=application.id, mark=choice.mark,
                                          reason=reason, note=note, recorded_by_id=trainer.id))
                worth_auditing = choice.mark != Mark.PRESENT
            elif (row.mark, row.reason, row.note) != (choice.mark, reason, note):
                worth_auditing = (row.mark, row.reason) != (choice.mark, reason)
                row.mark, row.reason, row.note, row.recorded_by_id = choice.mark, reason, note, trainer.id
            else:
                continue
            outcome.changed += 1
            if choice.mark == Mark.ABSENT:
                newly_absent.append(application.id)
            if worth_auditing:
                audit.record(MARKED, trainer, application, reason=reason,
                             note=f"{day.date.isoformat()}: {choice.mark.value}")
                outcome.audited += 1
        if delivered and day.delivered_at is None:
            day.delivered_at, day.delivered_by_id = utcnow(), trainer.id
        elif not delivered and day.delivered_at is not None:
            day.delivered_at = day.delivered_by_id = None
        if newly_absent:  # the second and third unexcused day: a warning before the rule bites
            db.session.flush()
            sms.absences_recorded({i: t.unexcused for i, t in tallies(newly_absent).items()})
    return outcome
