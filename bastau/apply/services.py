"""Submitting an application: the checks that need the database, in one writing transaction."""
from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..config import public_url, short_address
from ..database import writing
from ..extensions import db
from ..models import Application, ConsentWay, Status, User

# The access code is short (people type it from a paper receipt) and guarded by rate limits;
# a moderate hash keeps a leaked table from giving the codes away without slowing look-ups down.
CODE_HASH_METHOD = "pbkdf2:sha256:60000"
_DUMMY_HASH = generate_password_hash("00000000", method=CODE_HASH_METHOD)


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


def _active(iin: str, year: int):
    return sa.select(Application).where(
        Application.iin == iin, Application.programme_year == year, Application.status != Status.WITHDRAWN)


def active_application_year(iin: str, year: int) -> int | None:
    """The programme year of this IIN's active application, if there is one."""
    found = db.session.scalar(_active(iin, year).limit(1))
    return found.programme_year if found else None


def submit_application(new: NewApplication, access_code: str, entered_by: User | None = None) -> Application:
    """Create the application, or return the one this same form already created (double click).

    One active application per IIN per programme year: checked here for a kind message and
    enforced by a unique index, so two submissions at the same instant still leave one.
    """
    code_hash = generate_password_hash(access_code, method=CODE_HASH_METHOD)  # ~25 ms: before taking the write lock
    try:
        with writing():
            replay = db.session.scalar(sa.select(Application)
                                       .where(Application.submission_key == new.submission_key))
            if replay is not None:
                return replay
            if db.session.scalar(_active(new.iin, new.programme_year).limit(1)) is not None:
                raise DuplicateApplication(new.programme_year)
            application = Application(**new.__dict__, entered_by=entered_by,
                                      access_code_hash=code_hash)
            db.session.add(application)
            audit.record("submitted", entered_by, application, to_status=Status.SUBMITTED, reason=new.channel)
            db.session.flush()  # the id makes the reference
            if not application.consent_pending:  # else once the citizen consents: their phone is theirs to agree to
                queue_receipt(application)
    except IntegrityError:
        replay = db.session.scalar(sa.select(Application).where(Application.submission_key == new.submission_key))
        if replay is not None:
            return replay
        raise DuplicateApplication(new.programme_year) from None
    return application


def queue_receipt(application: Application) -> None:
    """The receipt by SMS (if the person agreed): the reference and where to check it; never the access code."""
    from ..sms.outbox import queue
    queue(application, "receipt", key=f"receipt:{application.id}", reference=application.reference,
          url=short_address(public_url("status.lookup")))


def find_application(reference: str, iin: str, access_code: str) -> Application | None:
    """The application these three details open, or None, without telling which one was wrong."""
    parsed = Application.parse_reference(reference)
    application = db.session.get(Application, parsed[1]) if parsed else None
    code = "".join((access_code or "").split())
    if application is None:
        check_password_hash(_DUMMY_HASH, code)  # same work either way: timing says nothing
        return None
    code_ok = check_password_hash(application.access_code_hash, code)
    if code_ok and application.programme_year == parsed[0] and application.iin == iin:
        return application
    return None


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
    code_hash = generate_password_hash(code, method=CODE_HASH_METHOD)
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
