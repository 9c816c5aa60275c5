"""Access table: the trainer's cohorts and registers (the commission's pages: tests/access_commission.py).

The cohort and day routes need a cohort of the area: `_cohort` makes one per district the first time it is
asked and gives it to the newest trainer of that district, which is the signed-in trainer in the "own" area
(the matrix signs in after the anonymous call). Another district's cohort must then answer 404; a cohort of
another trainer of the same district is checked in test_trainer.py.
"""
from datetime import timedelta

import sqlalchemy as sa

from tests.access import Route


def _cohort(world: dict, want: str = "cohort") -> int:
    from bastau.clock import today
    from bastau.extensions import db
    from bastau.models import Cohort, Role, TrainingDay, User
    from tests.conftest import _APP
    with _APP[0].app_context():
        district_id = world["district_id"]
        coach = db.session.scalar(sa.select(User).where(User.role == Role.TRAINER, User.district_id == district_id)
                                  .order_by(User.id.desc()).limit(1))
        if coach is None:
            coach = User(username=f"coach-{district_id}", full_name="Бизнес Жаттықтырушы", role=Role.TRAINER,
                         district_id=district_id, password_hash="x", must_change_password=False)
            db.session.add(coach)
            db.session.flush()
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.district_id == district_id))
        if cohort is None:
            start = today() - timedelta(days=3)
            cohort = Cohort(district_id=district_id, programme_year=start.year, number=1, language="kk", venue="—",
                            start_date=start, training_days=25, capacity=30, trainer_id=coach.id,
                            created_by_id=coach.id)
            cohort.days = [TrainingDay(day_number=i + 1, date=start + timedelta(days=i), module_number=i // 3 + 1)
                           for i in range(25)]
            db.session.add(cohort)
        cohort.trainer_id = coach.id
        db.session.commit()
        return cohort.id if want == "cohort" else cohort.days[0].id


ROUTES = {
    "trainer.cohorts": Route("GET", lambda w: "/trainer/", area_bound=False),
    "trainer.cohort": Route("GET", lambda w: f"/trainer/cohorts/{_cohort(w)}"),
    "trainer.attendance": Route("GET", lambda w: f"/trainer/days/{_cohort(w, 'day')}"),
    "trainer.marks": Route("POST", lambda w: f"/trainer/days/{_cohort(w, 'day')}/marks"),
}
