"""Attendance: the trainer's register of each training day.

The absence rule that reads these marks is in bastau/absences.py; the commission's decisions about those it
flags are in bastau/commission/services.py.

A writing service runs in one `with writing():` block, looks its record up through a query scoped to the
trainer (own cohorts of the own district) and writes its audit entries. A refused change raises Refused and
changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    AttendanceKey,
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


def cohort_years(trainer: User) -> list[int]:
    """The programme years in which the trainer has cohorts, newest first."""
    return list(db.session.scalars(cohorts_for(trainer).with_only_columns(Cohort.programme_year).distinct()
                                   .order_by(Cohort.programme_year.desc())))


def cohorts_of_year(trainer: User, year: int, running_too: bool = False) -> sa.Select:
    """The trainer's cohorts of one programme year; `running_too` adds earlier ones with a day still to come (a
    cohort of December that trains into January)."""
    of_year = Cohort.programme_year == year
    if running_too:
        still_running = (sa.select(TrainingDay.id).where(TrainingDay.cohort_id == Cohort.id, TrainingDay.date >= today())
                         .exists())
        of_year = sa.or_(of_year, still_running)
    return cohorts_for(trainer).where(of_year)


def days_for(trainer: User) -> sa.Select:
    """Training days of the trainer's own cohorts."""
    return (in_area(sa.select(TrainingDay).join(Cohort, TrainingDay.cohort_id == Cohort.id), trainer,
                    Cohort.district_id)
            .where(Cohort.trainer_id == trainer.id))


# Who is on a day's register: those in training, and those who finished since (a past day filled in late).
ON_REGISTER = tuple(sorted_statuses(lifecycle.ON_REGISTER))


def register_of(day: TrainingDay, *options) -> list[Application]:
    """The participants to mark for a day: in training (enrolled ones too on the first day), plus anyone
    whose mark for that day is already saved, so that a saved mark never disappears from the form. `options`: loader
    options for a page that only shows them (never listed() where they are written: see its warning)."""
    statuses = ON_REGISTER + ((Status.ENROLLED,) if day.day_number == 1 else ())
    marked = sa.select(Attendance.application_id).where(Attendance.training_day_id == day.id)
    return list(db.session.scalars(
        sa.select(Application).where(Application.cohort_id == day.cohort_id,
                                     sa.or_(Application.status.in_(statuses), Application.id.in_(marked)))
        .options(*options)
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
        absences = AbsenceChanges()
        for application in register_of(day):
            choice = choices.get(application.id)
            if choice is None:  # not on the form the trainer saw (enrolled since): leave them alone
                continue
            _write_mark(trainer, day, application, choice, saved, outcome, absences)
        _write_delivered(trainer, day, delivered)
        _warn_by_sms(absences)
    return outcome


@dataclass
class AbsenceChanges:
    """Who became absent in one save, and whose absence was changed to another mark: SMS warnings follow both."""
    new: list[int] = field(default_factory=list)
    undone: list[int] = field(default_factory=list)


def _write_mark(trainer: User, day: TrainingDay, application: Application, choice: Choice,
                saved: dict[int, Attendance], outcome: Saved, absences: AbsenceChanges) -> None:
    """One participant's mark for the day: added, changed in place, or left alone when it is the same."""
    reason = choice.reason if choice.mark == Mark.EXCUSED else None
    note = ((choice.note or "").strip()[:200] or None) if choice.mark == Mark.EXCUSED else None
    row = saved.get(application.id)
    if row is None:
        saved[application.id] = Attendance(training_day_id=day.id, application_id=application.id, mark=choice.mark,
                                           reason=reason, note=note, recorded_by_id=trainer.id)
        db.session.add(saved[application.id])
        worth_auditing = choice.mark != Mark.PRESENT
    elif (row.mark, row.reason, row.note) != (choice.mark, reason, note):
        worth_auditing = (row.mark, row.reason) != (choice.mark, reason)
        if row.mark == Mark.ABSENT and choice.mark != Mark.ABSENT:
            absences.undone.append(application.id)
        row.mark, row.reason, row.note, row.recorded_by_id = choice.mark, reason, note, trainer.id
    else:
        return
    outcome.changed += 1
    if choice.mark == Mark.ABSENT:
        absences.new.append(application.id)
    if worth_auditing:
        audit.record(MARKED, trainer, application, reason=reason, note=f"{day.date.isoformat()}: {choice.mark.value}")
        outcome.audited += 1


def _write_delivered(trainer: User, day: TrainingDay, delivered: bool) -> None:
    if delivered and day.delivered_at is None:
        day.delivered_at, day.delivered_by_id = utcnow(), trainer.id
    elif not delivered and day.delivered_at is not None:
        day.delivered_at = day.delivered_by_id = None


def _warn_by_sms(absences: AbsenceChanges) -> None:
    if absences.new or absences.undone:
        db.session.flush()
    if absences.undone:
        sms.absences_corrected({i: t.unexcused for i, t in tallies(absences.undone).items()})
    if absences.new:  # the second and third unexcused day: a warning before the rule bites
        sms.absences_recorded({i: t.unexcused for i, t in tallies(absences.new).items()})


# ---- Writing: marks sent one by one by the register's script ----

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,40}")
NOT_ON_REGISTER = _l("This participant is not on this day's register.")
CHOOSE_REASON = _l("Choose the reason for the absence.")


@dataclass(frozen=True)
class Sent:
    """One mark as the phone sent it: a participant's mark (application_id set) or the day's delivered tick."""
    key: str
    application_id: int | None = None
    choice: Choice | None = None
    delivered: bool | None = None


def save_sent_marks(trainer: User, day_id: int, sent: list[Sent]) -> dict[str, str | None]:
    """Save marks sent by the register's script as they were tapped (or later, from the phone's queue once the
    network is back). Each carries a key made on the phone: a key saved before is answered "saved" and not
    applied again, so a resend never doubles a mark nor flips it back after a later tap was saved.

    Returns, for every key, None when it is saved (now or before) or the reason it was refused.
    """
    answers: dict[str, str | None] = {}
    with writing():
        day = db.session.scalar(days_for(trainer).where(TrainingDay.id == day_id).with_for_update(of=TrainingDay))
        if day is None:
            raise NotFound(day_id)
        if day.date > today():
            return {item.key: str(FUTURE_DAY) for item in sent}
        seen = set(db.session.scalars(sa.select(AttendanceKey.key).where(
            AttendanceKey.key.in_([item.key for item in sent] or [""]))))
        on_register = {a.id: a for a in register_of(day)}
        saved = marks_of(day)
        outcome, absences = Saved(0, 0), AbsenceChanges()
        for item in sent:
            if item.key in seen:
                answers[item.key] = None
                continue
            if item.delivered is not None:
                _write_delivered(trainer, day, item.delivered)
            else:
                application = on_register.get(item.application_id)
                if application is None:
                    answers[item.key] = str(NOT_ON_REGISTER)
                    continue
                if item.choice.mark == Mark.EXCUSED and item.choice.reason not in ABSENCE_REASONS:
                    answers[item.key] = str(CHOOSE_REASON)
                    continue
                _write_mark(trainer, day, application, item.choice, saved, outcome, absences)
            seen.add(item.key)
            db.session.add(AttendanceKey(key=item.key, training_day_id=day.id, application_id=item.application_id,
                                         recorded_by_id=trainer.id))
            answers[item.key] = None
        _warn_by_sms(absences)
    return answers
