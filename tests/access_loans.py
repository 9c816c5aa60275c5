"""Access table: financing referrals, outcomes and business follow-ups (chamber staff); the applicant's results page."""
from tests.access import Route


def _defended(world) -> int:
    """The world's application, moved on to «defended» so that the financing pages show it."""
    from bastau.extensions import db
    from bastau.models import Application, Status
    from tests.conftest import _APP
    with _APP[0].app_context():
        db.session.get(Application, world["application_id"]).status = Status.DEFENDED
        db.session.commit()
    return world["application_id"]


ROUTES = {
    "loans.index": Route("GET", lambda w: "/financing", area_bound=False),
    "loans.participant": Route("GET", lambda w: f"/financing/{_defended(w)}"),
    "loans.refer": Route("POST", lambda w: f"/financing/{_defended(w)}/referral"),
    "loans.approve": Route("POST", lambda w: f"/financing/{_defended(w)}/approve"),
    "loans.decline": Route("POST", lambda w: f"/financing/{_defended(w)}/decline"),
    "loans.issue": Route("POST", lambda w: f"/financing/{_defended(w)}/issue"),
    "loans.follow_up": Route("POST", lambda w: f"/financing/{_defended(w)}/follow-up/6"),
    # Another district's participant ticked changes nothing (the service is scoped): checked in test_follow_ups_bulk.
    "loans.follow_ups_not_opened": Route("POST", lambda w: "/financing/follow-ups/not-opened", area_bound=False,
                                         data={"pick": "0-6"}),
    "loans.follow_ups_recorded": Route("GET", lambda w: f"/financing/follow-ups/recorded?done={_defended(w)}-6",
                                       area_bound=False),
}

PUBLIC = {"status.results"}
