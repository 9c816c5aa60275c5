"""Access table: the plan-vs-actual dashboards, trainer results and their downloads."""
from tests.access import Route


def _cohort(world) -> int:
    """A cohort of the world's district (made once per district), for the cohort page."""
    from datetime import date

    import sqlalchemy as sa

    from bastau.clock import today
    from bastau.extensions import db
    from bastau.models import Cohort, Role, User
    from tests.conftest import _APP
    with _APP[0].app_context():
        found = db.session.scalar(sa.select(Cohort.id).where(Cohort.district_id == world["district_id"]))
        if found:
            return found
        trainer = User(username=f"dash-trainer-{world['district_id']}", full_name="Жаттықтырушы", role=Role.TRAINER,
                       district_id=world["district_id"], password_hash="x", must_change_password=False)
        db.session.add(trainer)
        db.session.flush()
        group = Cohort(district_id=world["district_id"], programme_year=today().year, number=1, language="kk",
                       venue="Орталық", start_date=date(today().year, 4, 1), training_days=25, capacity=20,
                       trainer_id=trainer.id, created_by_id=trainer.id)
        db.session.add(group)
        db.session.commit()
        return group.id


ROUTES = {
    "dashboard.index": Route("GET", lambda w: "/dashboard", area_bound=False),
    "dashboard.region": Route("GET", lambda w: f"/dashboard/regions/{w['region_id']}"),
    "dashboard.district": Route("GET", lambda w: f"/dashboard/districts/{w['district_id']}"),
    "dashboard.cohort": Route("GET", lambda w: f"/dashboard/cohorts/{_cohort(w)}"),
    "dashboard.trainers": Route("GET", lambda w: "/dashboard/trainers", area_bound=False),
    "dashboard.region_trainers": Route("GET", lambda w: f"/dashboard/regions/{w['region_id']}/trainers"),
    "dashboard.district_trainers": Route("GET", lambda w: f"/dashboard/districts/{w['district_id']}/trainers"),
}
