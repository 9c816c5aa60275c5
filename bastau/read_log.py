"""The read log: every time a member of staff sees a person's data, one row in `read_entry` says who, in which
role, when, what and from which address (law 94-V: the operator must be able to say who had access to a
person's data, and report a breach within one working day).

One place: READS names every staff page, plan download and export that shows a named person or a list of
names, and `init_app` writes the row after such a GET has answered 200 — no view logs by hand, and
tests/test_read_log.py fails when a staff GET is in neither READS nor NO_PERSON. A row holds a kind and an id
(an application, a cohort, a list, a defence session…), never a name or an IIN, so anonymising a person needs
no change here; `looked_at` finds the rows about a person by walking from the person to the cohorts, lists and
sessions that showed them. The table is append-only like the audit log (triggers of migration a16r00000001).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .clock import kz_midnight_utc
from .database import queue_after_view
from .extensions import client_address, db
from .models import (
    ApplicantList,
    Application,
    Attendance,
    Certificate,
    Cohort,
    DefenceResult,
    DefenceScore,
    DefenceSession,
    District,
    ListEntry,
    ReadEntry,
    RevokedCertificate,
    Role,
    TrainingDay,
    User,
    utcnow,
)

# What was seen. One person: the id is an application's. Several: the id is the cohort's, list's, session's…
APPLICATION = "application"          # a page about one person (any journey's)
PLAN_DOWNLOAD = "plan_download"      # a business plan file
COHORT = "cohort"                    # a cohort's participants (page or certificates PDF)
TRAINING_DAY = "training_day"        # a day's attendance register
DEFENCE_SESSION = "defence_session"  # a defence session's participants, scores or protocol
CERTIFICATE = "certificate"          # one certificate PDF (the id is the certificate's)
LIST = "list"                        # a list of applicants sent to the chamber
LIST_EXPORT = "list_export"          # the same list downloaded as CSV or XLSX
TRAINER_DESK = "trainer_desk"        # a trainer's desk: the absences to call about (the id is the trainer's)
AREA = "area"                        # a page listing people of the viewer's area (queue, waiting lists…)
READ_LOG_PERSON = "read_log_person"  # a national administrator looked up who saw this person

ARG_SELF = "<self>"  # the object is the signed-in member of staff (a trainer's own desk)


@dataclass(frozen=True)
class Read:
    kind: str
    arg: str | None = None  # the view argument holding the object's id; None: a list of the viewer's area
    roles: tuple[Role, ...] | None = None  # only these roles see names there (None: all that may open it)


READS: dict[str, Read] = {
    "staff.application": Read(APPLICATION, "application_id"),
    # The operator's applications of the day; the notices with names on the chamber's and commission's desks.
    "staff.home": Read(AREA, roles=(Role.OPERATOR, Role.CHAMBER_STAFF, Role.COMMISSION)),
    "centre.queue": Read(AREA),
    "centre.new_list": Read(AREA),
    "centre.revise": Read(LIST, "list_id"),
    "lists.view": Read(LIST, "list_id"),
    "lists.changes": Read(LIST, "list_id"),
    "lists.csv": Read(LIST_EXPORT, "list_id"),
    "lists.xlsx": Read(LIST_EXPORT, "list_id"),
    "potential.waiting": Read(AREA),
    "potential.application_test": Read(APPLICATION, "application_id"),
    "training.cohort": Read(COHORT, "cohort_id"),
    "trainer.cohorts": Read(TRAINER_DESK, ARG_SELF),
    "trainer.cohort": Read(COHORT, "cohort_id"),
    "trainer.attendance": Read(TRAINING_DAY, "day_id"),
    "commission.flagged": Read(AREA),
    "commission.review": Read(APPLICATION, "application_id"),
    "plans.application": Read(APPLICATION, "application_id"),
    "plans.upload_for": Read(APPLICATION, "application_id"),
    "plans.download": Read(PLAN_DOWNLOAD, "application_id"),
    "defence.cohort": Read(COHORT, "cohort_id"),
    "defence.cohort_certificates": Read(COHORT, "cohort_id"),
    "defence.session_page": Read(DEFENCE_SESSION, "session_id"),
    "defence.score": Read(APPLICATION, "application_id"),
    "defence.close_confirm": Read(DEFENCE_SESSION, "session_id"),
    "defence.reopen_form": Read(DEFENCE_SESSION, "session_id"),
    "defence.protocol": Read(DEFENCE_SESSION, "session_id"),
    "defence.protocol_pdf": Read(DEFENCE_SESSION, "session_id"),
    "defence.staff_certificate": Read(CERTIFICATE, "certificate_id"),
    "loans.index": Read(AREA),
    "loans.participant": Read(APPLICATION, "application_id"),
    "loans.follow_ups_recorded": Read(AREA),
    "sms.messages": Read(AREA),
    "consents.desk": Read(APPLICATION, "application_id"),
    "erasure.written_request": Read(APPLICATION, "application_id"),
}

# Staff GET pages that show no applicant's name (only figures, reference data, staff accounts or forms).
NO_PERSON = {
    "accounts.change_password", "accounts.disable", "accounts.new_user", "accounts.user", "accounts.users",
    "centre.list_index", "chamber.list_index", "dashboard.cohort", "dashboard.district",
    "dashboard.district_trainers", "dashboard.index", "dashboard.region", "dashboard.region_trainers",
    "dashboard.trainers", "defence.new_session", "defence.sessions", "kept.show", "plan_admin.index",
    "plan_admin.national_template", "plan_admin.region", "plan_admin.region_template", "potential.edit_question",
    "potential.new_question", "potential.pass_mark", "potential.pass_marks", "potential.questions",
    "reference_admin.calendar_year", "reference_admin.district", "reference_admin.districts",
    "reference_admin.edit_day", "reference_admin.edit_lender", "reference_admin.edit_mci",
    "reference_admin.index", "reference_admin.lenders", "reference_admin.mci", "reference_admin.new_day",
    "reference_admin.new_lender", "reference_admin.new_mci", "training.cohorts", "training.edit_cohort",
    "training.edit_day", "training.new_cohort", "consents.versions", "home.terminal",
    # The read log's own pages show staff, kinds and ids; a look-up of one person is logged by its POST.
    "read_log_admin.index", "read_log_admin.accesses",
}

KIND_LABELS = {
    APPLICATION: _l("The person's page"),
    PLAN_DOWNLOAD: _l("Business plan downloaded"),
    COHORT: _l("A cohort's list of participants"),
    TRAINING_DAY: _l("A day's attendance register"),
    DEFENCE_SESSION: _l("A defence session's list or protocol"),
    CERTIFICATE: _l("Certificate (PDF)"),
    LIST: _l("A list of applicants"),
    LIST_EXPORT: _l("A list of applicants downloaded"),
    TRAINER_DESK: _l("A trainer's list of absences to call about"),
    AREA: _l("A list of the district's applicants"),
    READ_LOG_PERSON: _l("Who looked at the person (read log)"),
}
ONE_PERSON = {APPLICATION, PLAN_DOWNLOAD, CERTIFICATE, READ_LOG_PERSON}


def init_app(app: Flask) -> None:
    app.after_request(_log_read)


def _log_read(response):
    read = READS.get(request.endpoint or "")
    if (read and request.method == "GET" and response.status_code == 200 and current_user.is_authenticated
            and (read.roles is None or current_user.role in read.roles)):
        if read.arg == ARG_SELF:
            object_id = current_user.id
        else:
            object_id = (request.view_args or {}).get(read.arg) if read.arg else None
        queue_after_view(_entry(kind=read.kind, object_id=object_id))
    return response


def _entry(kind: str, object_id: int | None) -> sa.Insert:
    user = current_user
    return sa.insert(ReadEntry.__table__).values(
        created_at=utcnow(), actor_id=user.id, actor_role=user.role.value,
        kind=kind, object_id=object_id, district_id=user.district_id, address=client_address()[:64])


def record(kind: str, object_id: int | None) -> None:
    """One INSERT on its own connection, committed at once, for a view that logs a read itself (the read log's own
    look-up): the page's own session is left alone. A page's read (`_log_read`) is written with the session's row
    at the end of the request, on the request's connection (bastau/database.py: write_after_view); in both ways a
    failure to log fails the page rather than showing it unlogged."""
    with db.engine.begin() as connection:
        connection.execute(_entry(kind, object_id))


# ---- Who looked at a person ----

def _cohorts_of(application: Application) -> sa.Select:
    """Every cohort that ever listed the person: the present one, the ones they were marked in, certified by,
    or defended in."""
    selects = [
        sa.select(TrainingDay.cohort_id).join(Attendance, Attendance.training_day_id == TrainingDay.id)
        .where(Attendance.application_id == application.id),
        sa.select(Certificate.cohort_id).where(Certificate.application_id == application.id),
        sa.select(RevokedCertificate.cohort_id).where(RevokedCertificate.application_id == application.id),
        sa.select(DefenceSession.cohort_id).join(DefenceResult, DefenceResult.session_id == DefenceSession.id)
        .where(DefenceResult.application_id == application.id),
    ]
    if application.cohort_id:
        selects.append(sa.select(sa.literal(application.cohort_id)))
    return sa.union(*selects)


def _about(application: Application):
    """The read log's rows that showed this person: their own pages, and every list that included them."""
    cohorts = _cohorts_of(application).subquery()
    cohort_ids = sa.select(cohorts.c[0])
    region_id = db.session.scalar(sa.select(District.region_id).where(District.id == application.district_id))
    sessions = sa.union(
        sa.select(DefenceSession.id).where(DefenceSession.cohort_id.in_(cohort_ids)),
        sa.select(DefenceScore.session_id).where(DefenceScore.application_id == application.id)).subquery()
    kind, object_id = ReadEntry.kind, ReadEntry.object_id
    return sa.or_(
        sa.and_(kind.in_((APPLICATION, PLAN_DOWNLOAD, READ_LOG_PERSON)), object_id == application.id),
        sa.and_(kind == COHORT, object_id.in_(cohort_ids)),
        sa.and_(kind == TRAINING_DAY, object_id.in_(sa.select(TrainingDay.id).where(
            TrainingDay.cohort_id.in_(cohort_ids)))),
        sa.and_(kind == DEFENCE_SESSION, object_id.in_(sa.select(sessions.c[0]))),
        sa.and_(kind == CERTIFICATE, object_id.in_(sa.select(Certificate.id).where(
            Certificate.application_id == application.id))),
        sa.and_(kind.in_((LIST, LIST_EXPORT)), object_id.in_(sa.select(ListEntry.list_id).where(
            ListEntry.application_id == application.id))),
        sa.and_(kind == TRAINER_DESK, object_id.in_(sa.select(Cohort.trainer_id).where(Cohort.id.in_(cohort_ids)))),
        sa.and_(kind == AREA, sa.or_(
            ReadEntry.district_id == application.district_id,
            sa.and_(ReadEntry.district_id.is_(None), ReadEntry.actor_role == Role.NATIONAL_ADMIN.value),
            sa.and_(ReadEntry.district_id.is_(None), ReadEntry.actor_role == Role.REGIONAL_ADMIN.value,
                    User.region_id == region_id))),
    )


def object_title(entry: ReadEntry) -> str | None:
    """What a list row names, as staff know it (a cohort's number, a list's number and version, a day's date),
    found from the id: the log itself keeps only the id."""
    from .i18n import short_date
    if entry.object_id is None or entry.kind in ONE_PERSON:
        return None
    if entry.kind == COHORT:
        cohort = db.session.get(Cohort, entry.object_id)
        return f"№{cohort.title}" if cohort else None
    if entry.kind in (LIST, LIST_EXPORT):
        found = db.session.get(ApplicantList, entry.object_id)
        return f"{found.title} (v{found.version})" if found else None
    if entry.kind == TRAINING_DAY:
        day = db.session.get(TrainingDay, entry.object_id)
        return f"№{day.cohort.title}, {short_date(day.date)}" if day else None
    if entry.kind == DEFENCE_SESSION:
        sitting = db.session.get(DefenceSession, entry.object_id)
        return f"№{sitting.cohort.title}, {short_date(sitting.held_on)}" if sitting else None
    return None


def looked_at(application: Application, limit: int = 1000) -> list[tuple[ReadEntry, User | None]]:
    """Who saw this person, newest first, with their account (None if it is gone)."""
    query = (sa.select(ReadEntry, User).outerjoin(User, User.id == ReadEntry.actor_id)
             .where(_about(application), ReadEntry.created_at >= application.created_at - timedelta(minutes=1))
             .order_by(ReadEntry.id.desc()).limit(limit))
    return [(entry, user) for entry, user in db.session.execute(query).all()]


def in_window(first: date, last: date) -> sa.Select:
    """Every access from the start of `first` to the end of `last` (Kazakhstan days), oldest first."""
    return (sa.select(ReadEntry, User).outerjoin(User, User.id == ReadEntry.actor_id)
            .where(ReadEntry.created_at >= kz_midnight_utc(first),
                   ReadEntry.created_at < kz_midnight_utc(last + timedelta(days=1)))
            .order_by(ReadEntry.id))


def purge_for_tests(conn) -> None:
    """Empty the read log between tests: the only place that may, and never in the app."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("TRUNCATE read_entry")
        return
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS read_entry_no_delete")
    conn.exec_driver_sql("DELETE FROM read_entry")
    conn.exec_driver_sql("""CREATE TRIGGER read_entry_no_delete BEFORE DELETE ON read_entry
                            BEGIN SELECT RAISE(ABORT, 'read_entry is append-only'); END""")
