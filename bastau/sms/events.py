"""Which event sends which SMS. Each handler runs inside the transaction of the decision it tells about (the
outbox row commits or rolls back with it); `key` names the event, so a repeated event sends nothing twice.

Status changes come from the life cycle's `status_changed` signal; the rest (a test opened, absences, a keep
decision, a defence date, a certificate, training tomorrow, a follow-up due) are called by their services and jobs.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, format_date

from .. import rules
from ..extensions import db
from ..lifecycle import status_changed
from ..models import Application, Certificate, Cohort, DefenceSession, Status

# The statuses that are news for the person. Enrolment is told by the enrolment service (it names the cohort,
# set just after the move); training's start is told the day before, by a job.
BY_STATUS = {
    Status.TARGET_GROUP_CONFIRMED: "target_group_confirmed",
    Status.NOT_TARGET_GROUP: "not_target_group",
    Status.TEST_PASSED: "test_passed",
    Status.TEST_FAILED: "test_failed",
    Status.EXPELLED: "expelled",
    Status.DEFENDED: "defended",
    Status.NOT_DEFENDED: "not_defended",
    Status.REFERRED_FOR_FINANCING: "referred",
    Status.LOAN_APPROVED: "loan_approved",
    Status.LOAN_DECLINED: "loan_declined",
    Status.WITHDRAWN: "withdrawn",
}
ABSENCE_WARNINGS = (2, 3)  # the rule bites after 3: warn at the second and the third unexcused day


def _queue(application: Application, kind: str, key: str, **values) -> None:
    from .outbox import queue
    queue(application, kind, key=key, reference=application.reference, **values)


def _absence_key(application_id: int, days: int) -> str:
    return f"absence:{application_id}:{days}"


def _day(day: date, language: str) -> str:
    with force_locale(language):
        return format_date(day, "d MMMM")


@status_changed.connect
def _on_status(application: Application, *, to_status: Status, entry, **_event) -> None:
    kind = BY_STATUS.get(to_status)
    if kind is None:
        return
    db.session.flush()  # the audit entry's id names the event
    values = {}
    if kind == "not_target_group":
        from ..labels import NOT_TARGET_GROUP_REASON_LABELS
        with force_locale(application.language):
            label = str(NOT_TARGET_GROUP_REASON_LABELS.get(entry.reason, entry.reason or "—"))
        values["reason"] = label.split(" (")[0].lower()  # the words before an explanation in brackets
    elif kind in ("test_passed", "test_failed"):
        values["score"] = entry.note or "—"
    elif kind == "referred":
        from ..loans.services import lender_name
        with force_locale(application.language):
            values["lender"] = lender_name((entry.note or "").split(";")[0])
    _queue(application, kind, f"status:{entry.id}", **values)


def enrolled(application: Application, cohort: Cohort) -> None:
    """Placed in a cohort: when and where training starts."""
    _queue(application, "enrolled", f"enrolled:{application.id}:{cohort.id}",
           date=_day(cohort.start_date, application.language), venue=cohort.venue)


def test_opened(application: Application, sitting_id: int) -> None:
    _queue(application, "test_opened", f"test_opened:{sitting_id}")


def absences_recorded(tallies: dict[int, int]) -> None:
    """After absences are saved: {application id: unexcused days so far}. The second and third unexcused day get
    a warning before the rule bites; it waits ABSENCE_WARNING_HOLD, time for the trainer to correct a mis-tap."""
    from .outbox import queue
    for application_id, days in tallies.items():
        if days in ABSENCE_WARNINGS:
            application = db.session.get(Application, application_id)
            queue(application, "absence_warning", key=_absence_key(application_id, days),
                  hold=rules.ABSENCE_WARNING_HOLD, reference=application.reference, days=days)


def absences_corrected(tallies: dict[int, int]) -> None:
    """After an absence was changed to another mark: {application id: unexcused days now}. A warning still waiting
    that counts more days than the person now has is withdrawn unsent."""
    from .outbox import withdraw
    withdraw([_absence_key(application_id, warned) for application_id, days in tallies.items()
              for warned in ABSENCE_WARNINGS if warned > days])


def kept(application: Application, review_id: int) -> None:
    _queue(application, "kept", f"kept:{review_id}")


def defence_scheduled(session: DefenceSession) -> None:
    """The cohort's participants who will defend: the date and the place."""
    db.session.flush()
    people = db.session.scalars(sa.select(Application).where(Application.cohort_id == session.cohort_id,
                                                            Application.status == Status.TRAINING_COMPLETED))
    for application in people:
        _queue(application, "defence_set", f"defence:{session.id}:{application.id}",
               date=_day(session.held_on, application.language), place=session.place)


def certificate_issued(certificate: Certificate, application: Application, public_url: str) -> None:
    _queue(application, "certificate", f"certificate:{certificate.id}", number=certificate.number,
           url=f"{public_url.rstrip('/')}/certificates")


def follow_up_due(application_id: int, months: int) -> None:
    application = db.session.get(Application, application_id)
    _queue(application, "follow_up_due", f"follow_up:{application_id}:{months}", months=months)


def training_tomorrow(today: date) -> str:
    """The periodic job's work: everyone enrolled in a cohort whose first day is tomorrow hears it once
    (sent from 09:00: quiet hours)."""
    tomorrow = today + timedelta(days=1)
    rows = db.session.execute(sa.select(Application, Cohort).join(Cohort, Application.cohort_id == Cohort.id)
                              .where(Cohort.start_date == tomorrow, Application.status == Status.ENROLLED)).all()
    for application, cohort in rows:
        _queue(application, "training_tomorrow", f"tomorrow:{application.id}:{cohort.id}:{tomorrow.isoformat()}",
               date=_day(tomorrow, application.language), venue=cohort.venue)
    return f"{len(rows)} told that training starts tomorrow"
