"""Submitting an application: the checks that need the database, in one writing transaction."""
from __future__ import annotations

import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .. import audit
from ..access_codes import LEGACY_METHOD, LEGACY_PREFIX, check_code, check_nothing, hash_code
from ..config import public_url, short_address
from ..database import writing
from ..extensions import db
from ..models import Application, ConsentWay, Status, User

# The PBKDF2 method access codes were hashed with before bastau/access_codes.py (still read there; the one-time
# consent codes of bastau/consents still use it).
CODE_HASH_METHOD = LEGACY_METHOD


class DuplicateApplication(Exception):
    def __init__(self, year: int):
        super().__init__(year)
        self.year = year


@dataclass(frozen=True)
class NewApplication:
    iin: str
    surname: str
    first_name: str
    patronymic: str | None
    birth_date: object
    sex: str
    phone: str
    district_id: int
    social_status: str
    education: str
    business_idea: str | None
    channel: str
    language: str
    consent_version: str
    consent_language: str
    consent_at: datetime
    programme_year: int
    submission_key: str
    sms_opt_in: bool = True
    # Entered by an operator: PENDING until the citizen's own consent is recorded (bastau/consents/services.py).
    consent_way: ConsentWay = ConsentWay.ONLINE
    consent_recorded_by_id: int | None = None


def new_submission_key() -> str:
    return str(uuid.uuid4())


def new_access_code() -> str:
    """Eight digits: easy to type at a terminal, printed on the receipt."""
    return f"{secrets.randbelow(10**8):08d}"


def format_access_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


def _is_active(iin: str, year: int):
    return sa.and_(Application.iin == iin, Application.programme_year == year, Application.status != Status.WITHDRAWN)


def submit_application(new: NewApplication, access_code: str, entered_by: User | None = None) -> Application:
    """Create the application, or return the one this same form already created (double click).

    One active application per IIN per programme year: checked here for a kind message and
    enforced by a unique index, so two submissions at the same instant still leave one.
    """
    code_hash = hash_code(access_code)
    try:
        with writing():
            # One statement for both: this form's own application (a double click), or another active one.
            found = db.session.scalars(sa.select(Application).where(sa.or_(
                Application.submission_key == new.submission_key, _is_active(new.iin, new.programme_year)))
                .limit(2)).all()
            replay = next((a for a in found if a.submission_key == new.submission_key), None)
            if replay is not None:
                return replay
            if found:
                raise DuplicateApplication(new.programme_year)
            application = Application(**new.__dict__, entered_by=entered_by,
                                      access_code_hash=code_hash)
            db.session.add(application)
            audit.record("submitted", entered_by, application, to_status=Status.SUBMITTED, reason=new.channel)
            db.session.flush()  # the id makes the reference
            if not application.consent_pending:  # else once the citizen consents: their phone is theirs to agree to
                queue_receipt(application, new_application=True)
    except IntegrityError:
        replay = db.session.scalar(sa.select(Application).where(Application.submission_key == new.submission_key))
        if replay is not None:
            return replay
        raise DuplicateApplication(new.programme_year) from None
    return application


def queue_receipt(application: Application, new_application: bool = False) -> None:
    """The receipt by SMS (if the person agreed): the reference and where to check it; never the access code.
    `new_application`: created in this transaction (bastau/sms/outbox.py's queue need not look for an earlier one)."""
    from ..sms.outbox import queue
    queue(application, "receipt", key=f"receipt:{application.id}", reference=application.reference,
          url=short_address(public_url("status.lookup")), new_application=new_application)


def find_application(reference: str, iin: str, access_code: str) -> Application | None:
    """The application these three details open, or None, without telling which one was wrong.

    The time taken depends on the reference typed, never on whether it exists or which detail is wrong: one HMAC,
    and for references in the range that may still hold a PBKDF2 hash of before, one PBKDF2 too (a stand-in's
    when there is nothing to check)."""
    parsed = Application.parse_reference(reference)
    application = db.session.get(Application, parsed[1]) if parsed else None
    as_legacy = parsed is not None and parsed[1] <= _legacy_ceiling()
    if application is None:
        check_nothing(access_code, as_legacy=as_legacy)
        return None
    stored = application.access_code_hash
    check = check_code(stored, access_code, as_legacy=as_legacy)
    if not (check.opens and application.programme_year == parsed[0] and application.iin == iin):
        return None
    if check.outdated:
        _rehash(application.id, stored, access_code)
    return application


# How long a worker trusts its answer to "which applications may still hold a PBKDF2 hash": the set only shrinks
# (every new or reissued code is an HMAC), so an older answer only makes a few look-ups do work they need not.
LEGACY_CEILING_SECONDS = 600


def _legacy_ceiling() -> int:
    """The highest application id with a PBKDF2 access code (0 when none is left), asked once in a while."""
    cached = current_app.extensions.setdefault("access_code_legacy", {})
    if time.monotonic() - cached.get("at", float("-inf")) > LEGACY_CEILING_SECONDS:
        cached["ceiling"] = db.session.scalar(sa.select(sa.func.max(Application.id)).where(
            Application.access_code_hash.startswith(LEGACY_PREFIX, autoescape=True))) or 0
        cached["at"] = time.monotonic()
    return cached["ceiling"]


def _rehash(application_id: int, stored: str, access_code: str) -> None:
    """The code opened with an old key or a PBKDF2 hash: store it with the current key, in a short transaction of
    its own. Only if the stored hash is still the one checked (a new code sent meanwhile wins); the application's
    updated_at stays, as nothing about the person changed. A failure here costs the person nothing: the look-up
    goes on, and the next one tries again."""
    try:
        with writing():
            db.session.execute(
                sa.update(Application)
                .where(Application.id == application_id, Application.access_code_hash == stored)
                .values(access_code_hash=hash_code(access_code), updated_at=Application.updated_at)
                .execution_options(synchronize_session=False))
    except SQLAlchemyError:
        logging.getLogger("bastau").warning("access code of application %s not rehashed", application_id,
                                            exc_info=True)


def earlier_applications(application: Application) -> list[Application]:
    """The same person's applications of other years (staff see this history)."""
    return list(db.session.scalars(sa.select(Application).where(
        Application.iin == application.iin, Application.id != application.id).order_by(Application.programme_year)))


def application_for_new_code(reference: str | None = None, iin: str | None = None,
                             birth_date: date | None = None) -> Application | None:
    """The application "send my code again" is about: the one the reference names, or the person's newest,
    if it is not withdrawn. No hashing here: the caller's work is the same whether or not one is found."""
    if reference is not None:
        parsed = Application.parse_reference(reference)
        application = db.session.get(Application, parsed[1]) if parsed else None
        if application is None or application.programme_year != parsed[0]:
            return None
    else:
        application = db.session.scalar(
            sa.select(Application).where(Application.iin == iin, Application.status != Status.WITHDRAWN)
            .order_by(Application.programme_year.desc(), Application.id.desc()).limit(1))
        if application is None or application.birth_date != birth_date:
            return None
    return None if application.status == Status.WITHDRAWN else application


# "Send my code again" answers no sooner than this: storing the new code and queueing its SMS takes a few ms
# more than doing nothing (measured 7 ms on SQLite), which would tell who applied.
CODE_ANSWER_TAKES = 0.15  # seconds


def reissue_access_code(application: Application | None) -> None:
    """A new code to the phone in the application; it replaces the old one, which stops working. With no
    application the same code is made and hashed and thrown away, and either way the answer takes the same time
    (CODE_ANSWER_TAKES): its timing tells nothing."""
    started = time.monotonic()
    try:
        _reissue(application)
    finally:
        time.sleep(max(0.0, CODE_ANSWER_TAKES - (time.monotonic() - started)))


def _reissue(application: Application | None) -> None:
    code = new_access_code()
    code_hash = hash_code(code)
    if application is None:
        return
    from ..sms.outbox import queue
    application_id = application.id
    with writing():
        application = db.session.get(Application, application_id)
        application.access_code_hash = code_hash
        queue(application, "access_code", key=f"access_code:{application.id}:{uuid.uuid4()}", urgent=True,
              reference=application.reference, code=format_access_code(code))
        audit.record("access_code_reissued", None, application, actor_role="applicant")


def set_sms_opt_in(application_id: int, wanted: bool) -> None:
    """The person stops SMS about the application, or asks for them again (a new access code they ask for
    is sent either way)."""
    with writing():
        application = db.session.get(Application, application_id)
        if application.sms_opt_in == wanted:
            return  # pressed twice: nothing changed, nothing to record
        application.sms_opt_in = wanted
        audit.record("sms_opt_in" if wanted else "sms_opt_out", None, application, actor_role="applicant")
