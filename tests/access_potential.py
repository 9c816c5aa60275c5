"""Access table: the entrepreneurial-potential test (question bank, pass marks, chamber test pages)."""
import sqlalchemy as sa

from bastau.clock import today
from tests.access import Route


def _first_question(_world) -> int:
    """The bank is reference data, the same in both areas: the first question of the starter bank."""
    from bastau.extensions import db
    from bastau.models import TestQuestion
    from tests.conftest import _APP
    with _APP[0].app_context():
        return db.session.scalar(sa.select(sa.func.min(TestQuestion.id)))


def _paper_sitting(world) -> int:
    """A recorded paper score of the area's application (the correction route names one)."""
    from bastau.extensions import db
    from bastau.models import TestMethod, TestSitting, utcnow
    from tests.conftest import _APP
    with _APP[0].app_context():
        found = db.session.scalar(sa.select(TestSitting.id).where(TestSitting.application_id == world["application_id"]))
        if found is None:
            sitting = TestSitting(application_id=world["application_id"], method=TestMethod.PAPER,
                                  opened_by_id=world["user_id"], opened_at=utcnow(), finished_at=utcnow(), score=1,
                                  max_score=10, pass_mark=5, passed=False)
            db.session.add(sitting)
            db.session.commit()
            found = sitting.id
        return found


ROUTES = {
    "potential.questions": Route("GET", lambda w: "/admin/test/questions", area_bound=False),
    "potential.new_question": Route("POST", lambda w: "/admin/test/questions/new", area_bound=False),
    "potential.edit_question": Route("POST", lambda w: f"/admin/test/questions/{_first_question(w)}",
                                     area_bound=False),
    "potential.question_active": Route("POST", lambda w: f"/admin/test/questions/{_first_question(w)}/active",
                                       area_bound=False),
    "potential.pass_marks": Route("GET", lambda w: "/admin/test/pass-marks", area_bound=False),
    "potential.pass_mark": Route("POST", lambda w: f"/admin/test/pass-marks/{today().year}", area_bound=False),
    "potential.waiting": Route("GET", lambda w: "/chamber/tests", area_bound=False),
    "potential.application_test": Route("GET", lambda w: f"/chamber/applications/{w['application_id']}/test"),
    "potential.start_terminal": Route("POST", lambda w: f"/chamber/applications/{w['application_id']}/test/terminal"),
    "potential.paper_score": Route("POST", lambda w: f"/chamber/applications/{w['application_id']}/test/paper"),
    "potential.correct_score": Route(
        "POST", lambda w: f"/chamber/applications/{w['application_id']}/test/{_paper_sitting(w)}/correct"),
}

PUBLIC = {"potential.terminal", "potential.questionnaire", "potential.result"}
