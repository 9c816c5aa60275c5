"""Access table: cohorts, their schedules and enrolment (chamber staff; administrators read), public intake page."""
from datetime import timedelta

import sqlalchemy as sa

from bastau import rules
from bastau.calendar import public_holidays
from bastau.clock import today
from tests.access import Route


def _cohort(world) -> int:
    """A cohort in the world's district, starting in a month (made once per test: the world has none)."""
    from bastau.extensions import db
    from bastau.models import Cohort, TrainingDay
    from tests.conftest import _APP
    with _APP[0].app_context():
        found = db.session.scalar(sa.select(Cohort.id).where(Cohort.district_id == world["district_id"]))
        if found:
            return found
        dates = rules.training_dates(today() + timedelta(days=30), 25, public_holidays())
        cohort = Cohort(district_id=world["district_id"], programme_year=dates[0].year, number=1, language="kk",
                        venue="Аудандық кітапхана", start_date=dates[0], training_days=25, capacity=20,
                        trainer_id=world["user_id"], created_by_id=world["user_id"])
        cohort.days = [TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25))
                       for i, d in enumerate(dates)]
        db.session.add(cohort)
        db.session.commit()
        return cohort.id


ROUTES = {
    "training.cohorts": Route("GET", lambda w: "/cohorts", area_bound=False),
    "training.new_cohort": Route("POST", lambda w: "/cohorts/new", area_bound=False),
    "training.cohort": Route("GET", lambda w: f"/cohorts/{_cohort(w)}"),
    "training.edit_cohort": Route("POST", lambda w: f"/cohorts/{_cohort(w)}/edit"),
    "training.edit_day": Route("POST", lambda w: f"/cohorts/{_cohort(w)}/days/1"),
    # Only applicants of the staff member's own area can be ticked (the query is scoped): test_training.
    "training.enrol": Route("POST", lambda w: f"/cohorts/{_cohort(w)}/enrol",
                            data={"application": "0"}),
    "training.unenrol": Route("POST", lambda w: f"/cohorts/{_cohort(w)}/remove"),
}

PUBLIC = {"training.upcoming", "training.districts"}
