"""Attendance, the absence rule and the commission's expulsion decisions.

The rule (DESIGN.md): more than 3 days absent without a valid reason flags a participant for the
commission; nobody is expelled automatically. The commission expels (status `expelled`) or keeps the
participant; a "keep" covers the unexcused days counted so far, so the flag returns only when more follow.

Every writing service starts with begin_write(), looks its record up through a query scoped to the user
(trainer: own cohorts of the own district; commission: own district), writes its audit entries and commits
once. A refused change raises Refused and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit, rules
from ..access import applications_for, in_area
from ..clock import today
from ..database import alphabetically, begin_write
from ..extensions import db
from ..lifecycle import can_move
from ..models import (
    Application,
    Attendance,
    Cohort,
    ExpulsionReview,
    Mark,
    Role,
    Status,
    TrainingDay,
    User,
    utcnow,
)
from ..refusals import NotFound, Refused

# Codes stored in Attendance.reason / ExpulsionReview.reason; the words are in labels.py.
ABSENCE_REASONS = ("illness", "family", "work", "other")
EXPULSION_REASONS = ("unexcused_absences", "stopped_attending", "other")
KEEP_REASONS = ("valid_reasons_later", "catching_up", "last_warning", "other")

MARKED = "attendance_marked"
EXPELLED = "expelled"
KEPT = "kept_in_training"

FUTURE_DAY = _l("This day has not come yet. Attendance can be marked on the day or later.")
NOT_FLAGGED = _l("There is nothing to decide: this participant is not flagged for too many absences "
                 "(perhaps the commission has decided already).")
NOT_IN_TRAINING = _l("Only a participant who is in training can be expelled.")


def advance_cohorts_of(user: User) -> None:
    """Let the cohorts a page shows move on (enrolled → in training → completed) before it reads them:
    a trainer's own cohorts, or every cohort of the district for chamber staff and the commission."""
    from ..training.services import advance_cohorts
    query = cohorts_for(user) if user.role == Role.TRAINER else in_area(sa.select(Cohort), user, Cohort.district_id)
    advance_cohorts(today(), query.with_only_columns(Cohort.id))


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
ON_REGISTER = (Status.IN_TRAINING, Status.TRAINING_COMPLETED)


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


@dataclass
class Tally:
    """A participant's attendance so far, and how many unexcused days a "keep" decision already covered."""
    present: int = 0
    unexcused: int = 0
    excused: int = 0
    kept_at: int = 0

    @property
    def over_limit(self) -> bool:
        """The absence rule, less what the commission has already forgiven."""
        return rules.needs_expulsion_review(self.unexcused) and self.unexcused > self.kept_at


def tallies(application_ids: list[int]) -> dict[int, Tally]:
    """Attendance counts of many participants in two queries."""
    result = {application_id: Tally() for application_id in application_ids}
    if not application_ids:
        return result
    field = {Mark.PRESENT: "present", Mark.ABSENT: "unexcused", Mark.EXCUSED: "excused"}
    for application_id, mark, count in db.session.execute(
            sa.select(Attendance.application_id, Attendance.mark, sa.func.count())
            .where(Attendance.application_id.in_(application_ids))
            .group_by(Attendance.application_id, Attendance.mark)):
        setattr(result[application_id], field[mark], count)
    for application_id, kept_at in db.session.execute(
            sa.select(ExpulsionReview.application_id, sa.func.max(ExpulsionReview.unexcused_days))
            .where(ExpulsionReview.application_id.in_(application_ids), ExpulsionReview.expel.is_(False))
            .group_by(ExpulsionReview.application_id)):
        result[application_id].kept_at = kept_at
    return result


def is_flagged(application: Application, tally: Tally) -> bool:
    """Flagged for the commission: in training, and over the absence limit since the last "keep"."""
    return application.status == Status.IN_TRAINING and tally.over_limit


@dataclass
class Flagged:
    application: Application
    unexcused: int


def flagged_for(user: User) -> list[Flagged]:
    """Participants of the user's area whom the absence rule flags, most unexcused days first."""
    absent = (sa.select(Attendance.application_id.label("aid"), sa.func.count().label("n"))
              .where(Attendance.mark == Mark.ABSENT).group_by(Attendance.application_id).subquery())
    kept = (sa.select(ExpulsionReview.application_id.label("aid"),
                      sa.func.max(ExpulsionReview.unexcused_days).label("k"))
            .where(ExpulsionReview.expel.is_(False)).group_by(ExpulsionReview.application_id).subquery())
    query = (applications_for(user).add_columns(absent.c.n)
             .join(absent, absent.c.aid == Application.id)
             .outerjoin(kept, kept.c.aid == Application.id)
             .where(Application.status == Status.IN_TRAINING, absent.c.n > sa.func.coalesce(kept.c.k, 0))
             .options(sa.orm.selectinload(Application.cohort).selectinload(Cohort.trainer))
             .order_by(absent.c.n.desc(), alphabetically(Application.surname), Application.id))
    return [Flagged(application, count) for application, count in db.session.execute(query)
            if rules.needs_expulsion_review(count)]


def unexcused_dates(application: Application) -> list[TrainingDay]:
    """The days a participant was absent without a valid reason (for the commission)."""
    return list(db.session.scalars(
        sa.select(TrainingDay).join(Attendance, Attendance.training_day_id == TrainingDay.id)
        .where(Attendance.application_id == application.id, Attendance.mark == Mark.ABSENT)
        .order_by(TrainingDay.date)))


def reviews_of(application: Application) -> list[ExpulsionReview]:
    return list(db.session.scalars(sa.select(ExpulsionReview).where(ExpulsionReview.application_id == application.id)
                                   .order_by(ExpulsionReview.decided_on.desc(), ExpulsionReview.id.desc())))


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
    begin_write()
    # The row lock makes two saves of the same day (PostgreSQL) wait for each other; SQLite's writer lock does.
    day = db.session.scalar(days_for(trainer).where(TrainingDay.id == day_id).with_for_update(of=TrainingDay))
    if day is None:
        db.session.rollback()
        raise NotFound(day_id)
    if day.date > today():
        db.session.rollback()
        raise Refused(FUTURE_DAY)
    saved = marks_of(day)
    outcome = Saved(0, 0)
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
        if worth_auditing:
            audit.record(MARKED, trainer, application, reason=reason,
                         note=f"{day.date.isoformat()}: {choice.mark.value}")
            outcome.audited += 1
    if delivered and day.delivered_at is None:
        day.delivered_at, day.delivered_by_id = utcnow(), trainer.id
    elif not delivered and day.delivered_at is not None:
        day.delivered_at = day.delivered_by_id = None
    db.session.commit()
    return outcome


# ---- Writing: the commission's decision ----

def decide_expulsion(member: User, application_id: int, expel: bool, reason: str, note: str | None,
                     decided_on: date) -> ExpulsionReview:
    """Record the commission's decision about a flagged participant: expel, or keep in training.

    Expel moves the status to `expelled` (only from `in_training`). Keep leaves the status and remembers
    the unexcused days counted now, which the decision covers. Both are kept as an ExpulsionReview.
    """
    if reason not in (EXPULSION_REASONS if expel else KEEP_REASONS):
        raise ValueError("the reason must come from the decision's list")
    if decided_on > today():
        raise ValueError("a decision cannot be dated in the future")
    begin_write()
    application = db.session.scalar(applications_for(member).where(Application.id == application_id)
                                    .with_for_update(of=Application))
    if application is None:
        db.session.rollback()
        raise NotFound(application_id)
    tally = tallies([application.id])[application.id]
    if not is_flagged(application, tally):
        db.session.rollback()
        raise Refused(NOT_FLAGGED)
    note = (note or "").strip()[:300] or None
    if expel:
        if not can_move(application.status, Status.EXPELLED):
            db.session.rollback()
            raise Refused(NOT_IN_TRAINING)
        audit.move(application, Status.EXPELLED, member, EXPELLED, reason=reason, note=note)
    else:
        audit.record(KEPT, member, application, reason=reason, note=note)
    review = ExpulsionReview(application_id=application.id, expel=expel, reason=reason, note=note,
                             decided_on=decided_on, unexcused_days=tally.unexcused, decided_by_id=member.id)
    db.session.add(review)
    db.session.commit()
    return review
