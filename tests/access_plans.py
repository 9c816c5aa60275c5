"""Access table: business plans (trainer of the cohort, chamber staff and commission of the district).

The builders make the world's application a participant (in training) of a cohort of the newest trainer of its
district (tests.access_trainer._cohort), which is the signed-in trainer in the "own" area; the download builder
also stores version 1. Another district's participant must answer 404; another trainer of the same district is
checked in test_plans.py. The participant's own pages (session from the status look-up) are public routes.
"""
import io
import tempfile

import sqlalchemy as sa

from tests.access import Route
from tests.access_trainer import _cohort

_FOLDER = tempfile.mkdtemp(prefix="bastau-plans-access-")


def _participant(world: dict, with_plan: bool = False) -> int:
    from bastau.extensions import db
    from bastau.models import Application, BusinessPlan, Sector, Status
    from bastau.plans.storage import LocalStorage
    from tests.conftest import _APP
    cohort_id = _cohort(world)
    app = _APP[0]
    app.config["PLAN_STORAGE"] = _FOLDER  # never the real instance folder; test_plans sets its own per test
    with app.app_context():
        application = db.session.get(Application, world["application_id"])
        application.cohort_id, application.status = cohort_id, Status.IN_TRAINING
        if with_plan and not db.session.scalar(sa.select(BusinessPlan.id)
                                               .where(BusinessPlan.application_id == application.id)):
            stored = LocalStorage(_FOLDER).save(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), ".pdf")
            db.session.add(BusinessPlan(application_id=application.id, version=1, stored_name=stored,
                                        original_name="Бизнес-жоспар.pdf", content_type="application/pdf", size=15,
                                        sha256="0" * 64, sector=Sector.TRADE, village="Қаскелең", amount_needed=0,
                                        jobs_planned=0))
        db.session.commit()
        return application.id


ROUTES = {
    "plans.application": Route("GET", lambda w: f"/plans/applications/{_participant(w)}"),
    # Posting no file and no summary shows the form with its errors (422): the route was reached.
    "plans.upload_for": Route("POST", lambda w: f"/plans/applications/{_participant(w)}/upload"),
    "plans.download": Route("GET", lambda w: f"/plans/applications/{_participant(w, with_plan=True)}/versions/1"),
}

PUBLIC = {"plans.upload", "plans.download_own"}
