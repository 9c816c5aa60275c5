"""Erasing one person's personal data (law 94-V "On personal data and their protection"): when they withdraw their
consent, and when the retention period of their application has ended.

`anonymise` walks every table that holds something about an application and erases or replaces what names or
describes the person: IIN, names, birth date, phone, free texts, absence reasons, test answers, the business-plan
files, the SMS outbox, kept forms and drafts in web sessions. It keeps what another law or the programme's own
accounts rely on, with nothing that leads back to the person (README, "Personal data", says which and why):
the application's status, district, year, cohort, channel and consent version (so every plan-vs-actual figure stays
the same), the certificate's number, kind and date (it stays verifiable as "issued", with no name), the loan
referral's lender, sums and dates, follow-up figures, scores and attendance marks. The audit log is not touched:
it holds ids and decisions only; words typed with its entries are kept apart (AuditTypedNote) and erased here.

Withdrawal of consent first withdraws the application through the life cycle when it still may be (before the
training is completed); later, the status stays as the record of what happened (a trained person stays counted
as trained), and only the personal data go.
"""
from __future__ import annotations

import logging
import re
import secrets
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from . import audit
from .access import applications_for
from .clock import kz_midnight_utc
from .database import writing
from .extensions import db
from .lifecycle import APPLICANT, WITHDRAWABLE, Actor, move_to
from .models import (
    ApplicantList,
    Application,
    Attendance,
    AuditEntry,
    AuditTypedNote,
    BusinessPlan,
    ConsentWithdrawal,
    DefenceReopening,
    ExpulsionReview,
    ListEntry,
    LoanReferral,
    Notice,
    SmsMessage,
    SmsState,
    Status,
    TestSitting,
    User,
    WebSession,
    utcnow,
)
from .refusals import NotFound, Refused

log = logging.getLogger("bastau.personal_data")

CONSENT_WITHDRAWN, RETENTION = "consent_withdrawn", "retention"
STATUS_PAGE, WRITTEN_REQUEST = "status_page", "written_request"
ERASED_NAME = "—"                    # what a list shows where the name was
ERASED_BIRTH_DATE = date(1900, 1, 1)  # the column may not be empty; a date nobody in the programme has
ERASED_TEXT = "***"                  # what replaces the person's name inside someone else's text
ERASED_ACTION = "personal_data_erased"
RETENTION_BATCH = 500                # applications one run of the retention job anonymises at most
ALREADY_ERASED = _l("The personal data of this application are already erased.")


def iin_placeholder(application_id: int) -> str:
    """Not an IIN (it starts with a letter), unique per application: the one-active-application index stays
    satisfied and no look-up by IIN can ever find it."""
    return f"X{application_id:011d}"


def anonymise(application: Application, *, reason: str, by: Actor) -> list[str]:
    """Erase the person's data from every table, in the caller's transaction; write one audit entry.

    Returns the stored names of the plan files it deleted. The files go first, before the commit: if the commit
    then failed, the erasure would simply be made again; a file left behind would keep what was to be erased."""
    if application.anonymised_at is not None:
        return []
    found = _identifiers(application)
    deleted = _erase_plans(application.id)
    _erase_texts(application.id)
    _erase_outbox(application.id)
    _erase_sessions(application.id, found)
    _erase_in_shared_texts(found)
    _erase_application(application)
    application.anonymised_at, application.anonymised_reason = utcnow(), reason
    audit.record(ERASED_ACTION, by if isinstance(by, User) else None, application, reason=reason,
                 actor_role=None if isinstance(by, User) else by)
    return deleted


def _identifiers(application: Application) -> dict[str, str]:
    return {"iin": application.iin, "phone_digits": re.sub(r"\D", "", application.phone or "")[-10:],
            "surname": (application.surname or "").strip(), "first_name": (application.first_name or "").strip(),
            "patronymic": (application.patronymic or "").strip()}


def _erase_application(application: Application) -> None:
    application.iin = iin_placeholder(application.id)
    application.surname, application.first_name, application.patronymic = ERASED_NAME, "", None
    application.birth_date, application.phone = ERASED_BIRTH_DATE, ""
    application.business_idea = None
    application.sms_opt_in = False
    application.access_code_hash = "!" + secrets.token_hex(16)  # no code opens it any more


def _erase_plans(application_id: int) -> list[str]:
    from .plans.storage import plan_storage
    plans = db.session.scalars(sa.select(BusinessPlan).where(BusinessPlan.application_id == application_id)).all()
    storage = plan_storage()
    for plan in plans:
        storage.delete(plan.stored_name)
        extension = plan.stored_name.rsplit(".", 1)[-1] if "." in plan.stored_name else "pdf"
        # The uploaded name often is the person's name; the village and the file's fingerprint point to them.
        plan.original_name, plan.village, plan.sha256 = f"plan-v{plan.version}.{extension}", "", ""
    return [plan.stored_name for plan in plans]


def _erase_texts(application_id: int) -> None:
    """Typed words about the person, in each table that keeps some, and the test's answers."""
    mine = sa.select(AuditEntry.id).where(AuditEntry.application_id == application_id).scalar_subquery()
    db.session.execute(sa.delete(AuditTypedNote).where(AuditTypedNote.entry_id.in_(mine)))
    db.session.execute(sa.update(ListEntry).where(ListEntry.application_id == application_id).values(note=None))
    # The reason of an excused absence may be about health; the mark itself stays (attendance figures).
    db.session.execute(sa.update(Attendance).where(Attendance.application_id == application_id)
                       .values(reason=None, note=None))
    db.session.execute(sa.update(ExpulsionReview).where(ExpulsionReview.application_id == application_id)
                       .values(note=None))
    db.session.execute(sa.update(LoanReferral).where(LoanReferral.application_id == application_id)
                       .values(decline_reason=None))
    db.session.execute(sa.update(TestSitting).where(TestSitting.application_id == application_id)
                       .values(answers=None, code_hash=None))
    db.session.execute(sa.update(Notice).where(Notice.application_id == application_id)
                       .values(detail=None, closed_at=sa.func.coalesce(Notice.closed_at, utcnow())))


def _erase_outbox(application_id: int) -> None:
    """Messages not yet sent are not sent; none keeps the phone or the text."""
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.application_id == application_id,
                                                   SmsMessage.state.in_((SmsState.QUEUED, SmsState.SENDING)))
                       .values(state=SmsState.CANCELLED))
    db.session.execute(sa.update(SmsMessage).where(SmsMessage.application_id == application_id)
                       .values(phone="", text="", last_error=None))


def _mentions(value, found: dict[str, str]) -> bool:
    """Does a value (any JSON shape) hold the person's IIN, phone or surname?"""
    if isinstance(value, dict):
        return any(_mentions(k, found) or _mentions(v, found) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_mentions(v, found) for v in value)
    if not isinstance(value, str):
        return False
    digits = re.sub(r"\D", "", value)
    if found["iin"] and found["iin"] in digits:
        return True
    if len(found["phone_digits"]) == 10 and found["phone_digits"] in digits:
        return True
    return any(name and _word(name).search(value) for name in (found["surname"], found["first_name"]))


def _word(name: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def _erase_sessions(application_id: int, found: dict[str, str]) -> None:
    """A session that opened the person's status page or holds their draft ends; a staff member's session keeps
    everything but the kept forms and language drafts that name the person."""
    from .i18n import DRAFT
    from .kept_forms import KEY as KEPT
    from .sessions import _serializer
    from .web import OPENED
    for row in db.session.scalars(sa.select(WebSession)).all():
        try:
            data = _serializer.loads(row.data)
        except Exception:  # unreadable: it opens nothing either; safer gone
            db.session.delete(row)
            continue
        if row.user_id is None and (data.get(OPENED) == application_id or _mentions(data, found)):
            db.session.delete(row)
            continue
        changed = False
        kept = data.get(KEPT)
        if isinstance(kept, dict):
            cleaned = {key: form for key, form in kept.items() if not _mentions(form, found)}
            if len(cleaned) != len(kept):
                data[KEPT], changed = cleaned, True
        for key in (DRAFT, OPENED, "apply_draft", "apply_receipt"):
            if key in data and (_mentions(data[key], found) or (key == OPENED and data[key] == application_id)):
                data.pop(key)
                changed = True
        if changed:
            row.data = _serializer.dumps(data)


def _erase_in_shared_texts(found: dict[str, str]) -> None:
    """Texts about many people (a list's change note, a reopening's reason, a session-wide audit comment) may
    name this one: the name, IIN or phone is replaced there, the rest of the text stays."""
    patterns = [_word(found[k]) for k in ("surname", "iin") if found[k]]
    if len(found["phone_digits"]) == 10:
        patterns.append(re.compile(r"\+?[78]?\s*" + r"\D{0,2}".join(found["phone_digits"][-10:])))
    if not patterns:
        return

    def scrub(text: str | None) -> str | None:
        if not text:
            return text
        for pattern in patterns:
            text = pattern.sub(ERASED_TEXT, text)
        return text

    for model, column in ((ApplicantList, "change_note"), (DefenceReopening, "reason"), (AuditTypedNote, "text")):
        attribute = getattr(model, column)
        for row in db.session.scalars(sa.select(model).where(attribute.is_not(None))).all():
            if any(p.search(getattr(row, column)) for p in patterns):
                setattr(row, column, scrub(getattr(row, column)))


# ---- Withdrawal of consent ----

def withdraw_consent(application_id: int, *, by: Actor, request_number: str | None = None,
                     request_date: date | None = None) -> Application:
    """The person withdraws their consent: on their status page (by=APPLICANT), or by a written request that a
    member of staff records (its number and date). The application leaves the programme if it still may, then
    the person's data are erased. Irreversible."""
    staff = isinstance(by, User)
    if staff and not (request_number and request_date):
        raise ValueError("a written request needs its number and date")
    with writing():
        query = applications_for(by) if staff else sa.select(Application)
        application = db.session.scalar(query.where(Application.id == application_id)
                                        .with_for_update(of=Application))
        if application is None:
            raise NotFound(application_id)
        if application.anonymised_at is not None:
            raise Refused(ALREADY_ERASED)
        if leaves_the_programme(application):
            # The person's own act, whoever records it: the erasure entry below names the member of staff.
            move_to(application, Status.WITHDRAWN, by=APPLICANT, reason=CONSENT_WITHDRAWN)
        db.session.add(ConsentWithdrawal(
            application_id=application.id, way=WRITTEN_REQUEST if staff else STATUS_PAGE,
            request_number=request_number if staff else None, request_date=request_date if staff else None,
            recorded_by_id=by.id if staff else None))
        anonymise(application, reason=CONSENT_WITHDRAWN, by=by)
    return application


def leaves_the_programme(application: Application) -> bool:
    """Withdrawing consent also withdraws the application (before the training is completed)."""
    return application.status in WITHDRAWABLE


# ---- Retention ----

def retention_years() -> int:
    return int(current_app.config["PERSONAL_DATA_RETENTION_YEARS"])


def retention_ends(last_event_year: int, years: int) -> date:
    """The first day the data may no longer be kept: the period counts from the end of the calendar (programme)
    year of the application's last event, so 5 years after an event in 2026 end on 31 December 2031."""
    return date(last_event_year + years + 1, 1, 1)


def _last_event():
    """The application's last event: its newest audit entry (every decision, follow-up and loan step writes
    one), or its submission."""
    newest = (sa.select(sa.func.max(AuditEntry.created_at)).where(AuditEntry.application_id == Application.id)
              .correlate(Application).scalar_subquery())
    return sa.func.coalesce(newest, Application.created_at)


def due_for_retention(today: date, years: int | None = None, limit: int = RETENTION_BATCH) -> sa.Select:
    """Applications whose retention period has ended by `today`: the last event happened before 1 January of
    the year `years` years back (that year's end plus `years` is behind us)."""
    years = retention_years() if years is None else years
    before = kz_midnight_utc(date(today.year - years, 1, 1))
    return (sa.select(Application).where(Application.anonymised_at.is_(None), _last_event() < before)
            .order_by(Application.id).limit(limit))
