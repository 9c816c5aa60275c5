"""Access table: defence sessions, scoring, results and certificates (chamber staff set up and close; commission
members score; administrators read); the public certificate check and the participant's own certificate."""
from datetime import date, datetime

import sqlalchemy as sa

from tests.access import Route
from tests.access_training import _cohort


def _participant(world) -> int:
    """Someone of the world's cohort who completed training (made once per test)."""
    from bastau.apply.services import new_submission_key
    from bastau.extensions import db
    from bastau.models import Application, Status
    from tests.conftest import _APP, new_iin
    cohort_id = _cohort(world)
    with _APP[0].app_context():
        found = db.session.scalar(sa.select(Application.id).where(Application.cohort_id == cohort_id))
        if found:
            return found
        application = Application(
            programme_year=date.today().year, iin=new_iin(), surname="Қасымова", first_name="Әлия",
            birth_date=date(1990, 5, 17), sex="female", phone="+77011234567", district_id=world["district_id"],
            social_status="unemployed", education="secondary", channel="akimat", status=Status.TRAINING_COMPLETED,
            access_code_hash="-", submission_key=new_submission_key(), language="kk", consent_version="2026-1",
            consent_language="kk", consent_at=datetime(2026, 4, 1), cohort_id=cohort_id)
        db.session.add(application)
        db.session.commit()
        return application.id


def _session(world) -> int:
    """A defence session of the world's cohort; every commission account of the district sits on it
    (the access test signs in after the world is made, so members are added on each call)."""
    from bastau.extensions import db
    from bastau.models import DefenceSession, Role, User
    from tests.conftest import _APP
    cohort_id = _cohort(world)
    _participant(world)
    with _APP[0].app_context():
        found = db.session.scalar(sa.select(DefenceSession).where(DefenceSession.cohort_id == cohort_id))
        if found is None:
            found = DefenceSession(cohort_id=cohort_id, held_on=date.today(), place="Әкімдік залы",
                                   created_by_id=world["user_id"])
            db.session.add(found)
        commission = db.session.scalars(sa.select(User).where(User.role == Role.COMMISSION,
                                                              User.district_id == world["district_id"])).all()
        found.members = list({*found.members, *commission})
        db.session.commit()
        return found.id


def _certificate(world) -> int:
    from bastau.extensions import db
    from bastau.models import Certificate, CertificateKind, Cohort
    from tests.conftest import _APP
    application_id = _participant(world)
    with _APP[0].app_context():
        found = db.session.scalar(sa.select(Certificate.id).where(Certificate.application_id == application_id))
        if found:
            return found
        cohort = db.session.get(Cohort, _cohort(world))
        certificate = Certificate(application_id=application_id, number=f"BB26-TEST{application_id:06d}",
                                  kind=CertificateKind.PARTICIPATION, cohort_id=cohort.id, language="kk",
                                  issued_on=date.today())
        db.session.add(certificate)
        db.session.commit()
        return certificate.id


ROUTES = {
    "defence.sessions": Route("GET", lambda w: "/defence", area_bound=False),
    "defence.cohort": Route("GET", lambda w: f"/cohorts/{_cohort(w)}/defence"),
    "defence.new_session": Route("POST", lambda w: f"/cohorts/{_cohort(w)}/defence/new"),
    "defence.session_page": Route("GET", lambda w: f"/defence/{_session(w)}"),
    "defence.score": Route("POST", lambda w: f"/defence/{_session(w)}/score/{_participant(w)}"),
    "defence.close": Route("POST", lambda w: f"/defence/{_session(w)}/close"),
    "defence.close_confirm": Route("GET", lambda w: f"/defence/{_session(w)}/close"),
    "defence.reopen_form": Route("GET", lambda w: f"/defence/{_session(w)}/reopen"),
    "defence.reopen": Route("POST", lambda w: f"/defence/{_session(w)}/reopen"),
    "defence.protocol": Route("GET", lambda w: f"/defence/{_session(w)}/protocol"),
    "defence.protocol_pdf": Route("GET", lambda w: f"/defence/{_session(w)}/protocol.pdf"),
    "defence.issue": Route("POST", lambda w: f"/cohorts/{_cohort(w)}/certificates"),
    "defence.cohort_certificates": Route("GET", lambda w: f"/cohorts/{_cohort(w)}/certificates.pdf"),
    "defence.staff_certificate": Route("GET", lambda w: f"/staff/certificates/{_certificate(w)}.pdf"),
}

PUBLIC = {"defence.verify", "defence.certificate", "defence.my_certificate"}
