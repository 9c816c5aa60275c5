"""Cohorts (лек / поток): forming them with a dated schedule, enrolment, and the status steps of training.

Every writing service runs in one `with writing():` block (SQLite serializes writers), applies the rules from
bastau.rules, writes its audit entries and commits once. A refused change raises Refused, whose message
says why in the user's language, and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import rules
from ..sms import events as sms
from ..access import applications_for, in_area
from ..calendar import module_title, public_holidays, training_dates, transferred_working_days
from ..clock import today as kz_today
from ..database import alphabetically, writing
from ..extensions import db
from ..lifecycle import IN_A_COHORT, move_to
from ..models import (
    Application,
    Cohort,
    Role,
    Status,
    TrainingDay,
    User,
)
from ..refusals import NotFound, Refused

# A place stays taken by everyone placed in the cohort except those who withdrew.
NOT_HOLDING_A_PLACE = (Status.WITHDRAWN,)

NUMBER_TAKEN = _l("Your district already has cohort №%(number)s of %(year)s. Choose another number.")
NOT_A_TRAINER = _l("Choose a business trainer of your district from the list.")
STARTED = _l("Training in this cohort has already started: participants can no longer be added or removed.")
NOBODY_TICKED = _l("Tick at least one applicant who is waiting for a cohort.")
NOT_ENROLLED = _l("This person is not waiting for this cohort's training: nothing was changed.")
DAY_HELD = _l("This day has already been held: its date and module stay as recorded.")
SUNDAY = _l("This date is a Sunday: there is no training on Sundays.")
HOLIDAY = _l("This date is a public holiday: there is no training on holidays.")
MODULE_UNKNOWN = _l("Choose a module from the list.")
DATE_TAKEN = _l("Day %(number)s of this cohort is already on this date.")
DATE_AFTER = _l("Choose a date after day %(number)s (%(date)s), so that the days stay in order.")
DATE_BEFORE = _l("Choose a date before day %(number)s (%(date)s), so that the days stay in order.")


def _fill(message, **values) -> str:
    """A message with its placeholders filled in, in the page's language."""
    return str(message) % values


# ---- Reading ----

def cohorts_for(user: User) -> sa.Select:
    """Cohorts in the user's area; every staff query about cohorts starts here."""
    return in_area(sa.select(Cohort), user, Cohort.district_id)


def cohort_for(user: User, cohort_id: int, *options, lock: bool = False) -> Cohort:
    query = cohorts_for(user).where(Cohort.id == cohort_id).options(*options)
    found = db.session.scalar(query.with_for_update(of=Cohort) if lock else query)
    if found is None:
        raise NotFound(cohort_id)
    return found


def _last_day():
    """The date of a cohort's last training day, as a correlated subquery."""
    return (sa.select(sa.func.max(TrainingDay.date)).where(TrainingDay.cohort_id == Cohort.id)
            .correlate(Cohort).scalar_subquery())


def _holding_a_place():
    return (sa.select(sa.func.count(Application.id))
            .where(Application.cohort_id == Cohort.id, Application.status.not_in(NOT_HOLDING_A_PLACE))
            .correlate(Cohort).scalar_subquery())


@dataclass
class CohortRow:
    """A cohort with what the lists show about it, read in one query."""
    cohort: Cohort
    last_day: date
    enrolled: int

    @property
    def places_left(self) -> int:
        return max(0, self.cohort.capacity - self.enrolled)


def cohort_rows(query: sa.Select) -> list[CohortRow]:
    """`query` selects cohorts; add each one's last day and how many places are taken."""
    rows = db.session.execute(query.add_columns(_last_day(), _holding_a_place())
                              .options(selectinload(Cohort.trainer))).all()
    return [CohortRow(cohort, last_day, enrolled) for cohort, last_day, enrolled in rows]


def enrolled_count(cohort_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.cohort_id == cohort_id, Application.status.not_in(NOT_HOLDING_A_PLACE)))


def upcoming_cohorts(district_id: int, today: date) -> list[CohortRow]:
    """A district's cohorts that have not started yet, soonest first (the public intake page)."""
    return cohort_rows(sa.select(Cohort).where(Cohort.district_id == district_id, Cohort.start_date >= today)
                       .order_by(Cohort.start_date, Cohort.number))


def trainers_of(district_id: int) -> list[User]:
    """Active business-trainer accounts of a district, by name."""
    return list(db.session.scalars(
        sa.select(User).where(User.role == Role.TRAINER, User.active.is_(True), User.district_id == district_id)
        .order_by(alphabetically(User.full_name), User.id)))


def free_numbers(district_id: int, year: int) -> list[int]:
    """Cohort numbers 1–6 that the district has not used in that year yet."""
    taken = set(db.session.scalars(sa.select(Cohort.number).where(
        Cohort.district_id == district_id, Cohort.programme_year == year)))
    return [n for n in range(1, rules.COHORTS_PER_YEAR + 1) if n not in taken]


def waiting_for_a_cohort(user: User, district_id: int) -> sa.Select:
    """Applicants who passed the test and are in no cohort, of the user's area and the cohort's district."""
    return (applications_for(user)
            .where(Application.district_id == district_id, Application.status == Status.TEST_PASSED,
                   Application.cohort_id.is_(None))
            .order_by(alphabetically(Application.surname), alphabetically(Application.first_name), Application.id))


def participants_of(user: User, cohort: Cohort) -> sa.Select:
    """Everyone placed in the cohort (also those who finished, left or were expelled), alphabetically."""
    return (applications_for(user).where(Application.cohort_id == cohort.id)
            .order_by(alphabetically(Application.surname), alphabetically(Application.first_name), Application.id))


def enrolment_open(cohort: Cohort, today: date) -> bool:
    """Participants are added until the first day of training, that day included."""
    return today <= cohort.start_date


def removal_open(cohort: Cohort, today: date) -> bool:
    """A participant can be taken out of a cohort only before its first day."""
    return today < cohort.start_date


@dataclass
class ScheduleRow:
    """One training day as the pages show it, in the page's language."""
    day_number: int
    date: date
    weekday: str
    module_number: int
    module_title: str
    delivered: bool
    is_today: bool


def schedule_rows(cohort: Cohort, today: date) -> list[ScheduleRow]:
    return [ScheduleRow(day.day_number, day.date, format_date(day.date, "EEEE"), day.module_number,
                        module_title(day.module_number), day.delivered_at is not None, day.date == today)
            for day in cohort.days]


@dataclass
class ParticipantSchedule:
    cohort: Cohort
    trainer_name: str
    rows: list[ScheduleRow]


def participant_schedule(application: Application, today: date | None = None) -> ParticipantSchedule | None:
    """The cohort and dated schedule an enrolled or in-training applicant sees on their status page."""
    if application.status not in IN_A_COHORT or application.cohort is None:
        return None
    cohort = application.cohort
    return ParticipantSchedule(cohort, cohort.trainer.full_name, schedule_rows(cohort, today or kz_today()))


# ---- Forming a cohort and its schedule ----

def _trainer(trainer_id: int | None, district_id: int, keep: int | None = None) -> User:
    """An active trainer of the district (or the cohort's present trainer, kept as they are)."""
    trainer = db.session.get(User, trainer_id) if trainer_id else None
    if trainer is None or trainer.role != Role.TRAINER or trainer.district_id != district_id:
        raise Refused(NOT_A_TRAINER, "trainer")
    if not trainer.active and trainer.id != keep:
        raise Refused(NOT_A_TRAINER, "trainer")
    return trainer


def create_cohort(actor: User, *, programme_year: int, number: int, language: str, venue: str, start: date,
                  training_days: int, capacity: int, trainer_id: int) -> Cohort:
    """A new cohort of the actor's district with its schedule: `training_days` dated days from `start`,
    skipping Sundays and public holidays, the 12 modules spread over them in order."""
    try:
        with writing():
            trainer = _trainer(trainer_id, actor.district_id)
            if number not in free_numbers(actor.district_id, programme_year):
                raise Refused(_fill(NUMBER_TAKEN, number=number, year=programme_year), "number")
            dates = training_dates(start, training_days)
            cohort = Cohort(district_id=actor.district_id, programme_year=programme_year, number=number,
                            language=language, venue=venue, start_date=dates[0], training_days=training_days,
                            capacity=capacity, trainer_id=trainer.id, created_by_id=actor.id)
            cohort.days = [TrainingDay(day_number=i + 1, date=day,
                                       module_number=rules.module_of_day(i, training_days))
                           for i, day in enumerate(dates)]
            db.session.add(cohort)
    except IntegrityError:  # another member of staff took the number a moment ago
        raise Refused(_fill(NUMBER_TAKEN, number=number, year=programme_year), "number") from None
    return cohort


def update_cohort(actor: User, cohort_id: int, *, venue: str, trainer_id: int, capacity: int) -> Cohort:
    """Change the venue, the trainer or the number of places (never below those already enrolled)."""
    with writing():
        cohort = cohort_for(actor, cohort_id, lock=True)
        trainer = _trainer(trainer_id, cohort.district_id, keep=cohort.trainer_id)
        enrolled = enrolled_count(cohort.id)
        if capacity < enrolled:
            raise Refused(ngettext("%(num)d person is already enrolled: the cohort needs at least as many places.",
                                   "%(num)d people are already enrolled: the cohort needs at least as many places.",
                                   enrolled), "capacity")
        cohort.venue, cohort.trainer_id, cohort.capacity = venue, trainer.id, capacity
    return cohort


def change_day(actor: User, cohort_id: int, day_number: int, new_date: date, module_number: int) -> TrainingDay:
    """Move one day of the schedule and/or change its module.

    The new date is a working day (not a Sunday or a public holiday), not used by another day of the cohort,
    and stays between the days before and after it, so that day numbers keep following the calendar.
    A day already held is not changed.
    """
    with writing():
        cohort = cohort_for(actor, cohort_id, lock=True)
        days = {day.day_number: day for day in cohort.days}
        day = days.get(day_number)
        if day is None:
            raise NotFound(day_number)
        if day.delivered_at is not None:
            raise Refused(DAY_HELD)
        if new_date != day.date:
            _check_date(new_date, day, days)
        if not 1 <= module_number <= rules.MODULES:
            raise Refused(MODULE_UNKNOWN, "module")
        day.date, day.module_number = new_date, module_number
        if day_number == 1:
            cohort.start_date = new_date  # the cohort starts on its first training day
    return day


def _check_date(new_date: date, day: TrainingDay, days: dict[int, TrainingDay]) -> None:
    if new_date in public_holidays():
        raise Refused(HOLIDAY, "date")
    if not rules.is_training_day(new_date, public_holidays(), transferred_working_days()):
        raise Refused(SUNDAY, "date")
    other = next((d for d in days.values() if d.date == new_date and d is not day), None)
    if other is not None:
        raise Refused(_fill(DATE_TAKEN, number=other.day_number), "date")
    before, after = days.get(day.day_number - 1), days.get(day.day_number + 1)
    if before is not None and new_date <= before.date:
        raise Refused(_fill(DATE_AFTER, number=before.day_number, date=format_date(before.date, "dd.MM.yyyy")),
                      "date")
    if after is not None and new_date >= after.date:
        raise Refused(_fill(DATE_BEFORE, number=after.day_number, date=format_date(after.date, "dd.MM.yyyy")),
                      "date")


# ---- Enrolment ----

def enrol(actor: User, cohort_id: int, application_ids: list[int], today: date) -> list[Application]:
    """Place applicants who passed the test in a cohort of their district, all of them or none.

    Only applicants of the actor's area who passed the test and are in no cohort are taken; if they do not
    all fit in the places left, nobody is added.
    """
    with writing():
        cohort = cohort_for(actor, cohort_id, lock=True)
        if not enrolment_open(cohort, today):
            raise Refused(STARTED)
        chosen = db.session.scalars(waiting_for_a_cohort(actor, cohort.district_id)
                                    .where(Application.id.in_(application_ids or [-1]))
                                    .with_for_update(of=Application)).all()
        if not chosen:
            raise Refused(NOBODY_TICKED)
        enrolled = enrolled_count(cohort.id)
        if not rules.cohort_has_places(enrolled, cohort.capacity, len(chosen)):
            raise Refused(ngettext(
                "Nobody was added: only %(num)d place is left in this cohort. Tick fewer people or add places.",
                "Nobody was added: only %(num)d places are left in this cohort. Tick fewer people or add places.",
                max(0, cohort.capacity - enrolled)))
        for application in chosen:
            move_to(application, Status.ENROLLED, by=actor, note=cohort.title)
            application.cohort_id = cohort.id
            sms.enrolled(application, cohort)
            if cohort.start_date <= today:  # added on the first day: in training at once
                move_to(application, Status.IN_TRAINING, by=actor, note=cohort.title)
    return list(chosen)


def unenrol(actor: User, cohort_id: int, application_id: int, today: date) -> Application:
    """Take a participant out of a cohort before it starts: they wait for a cohort again (test passed)."""
    with writing():
        cohort = cohort_for(actor, cohort_id, lock=True)
        application = db.session.scalar(applications_for(actor).where(
            Application.id == application_id, Application.cohort_id == cohort.id).with_for_update(of=Application))
        if not removal_open(cohort, today):
            raise Refused(STARTED)
        if application is None or application.status != Status.ENROLLED:
            raise Refused(NOT_ENROLLED)
        # Not a step of the life cycle but the undoing of one: the audit entry keeps both.
        move_to(application, Status.TEST_PASSED, by=actor, note=cohort.title)
        application.cohort_id = None
    return application
